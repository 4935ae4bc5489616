//! The command line: `versus [--workers N] [--json PATH] [--only NAME[,NAME]]
//! [--table TITLE[,TITLE]]`.

use std::path::PathBuf;

/// What the user asked for.
pub struct Args {
    /// Worker threads given to every multi-thread runtime.
    pub workers: usize,
    /// Where to also write the results as JSON.
    pub json: Option<PathBuf>,
    /// Rows to run; empty means all.
    pub only: Vec<String>,
    /// Tables to run (`multi-thread`, `current-thread`); empty means both.
    pub tables: Vec<String>,
    /// Set in a child process that measures one cell (hidden: see
    /// `child.rs`): the row and the contender.
    pub child: Option<(String, String)>,
}

pub const USAGE: &str = "usage: cargo run --release --example versus -- \
[--workers N] [--json PATH] [--only NAME[,NAME]] [--table multi-thread|current-thread]";

impl Args {
    /// Parses `std::env::args()`; `Err` carries the message to print.
    pub fn parse() -> Result<Args, String> {
        let mut args = Args {
            workers: 2,
            json: None,
            only: Vec::new(),
            tables: Vec::new(),
            child: None,
        };
        let mut words = std::env::args().skip(1);
        while let Some(flag) = words.next() {
            let mut value = || words.next().ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--workers" => {
                    let n = value()?;
                    args.workers = match n.parse() {
                        Ok(n) if n > 0 => n,
                        _ => return Err(format!("--workers wants a positive number, not {n:?}")),
                    };
                }
                "--json" => args.json = Some(value()?.into()),
                "--only" => args.only.extend(value()?.split(',').map(str::to_owned)),
                "--table" => args.tables.extend(value()?.split(',').map(str::to_owned)),
                "--child" => args.child = Some((value()?, value()?)),
                "-h" | "--help" => return Err(USAGE.to_owned()),
                _ => return Err(format!("unknown argument {flag:?}\n{USAGE}")),
            }
        }
        Ok(args)
    }
}

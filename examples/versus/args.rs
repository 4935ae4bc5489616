//! The command line: `versus [--workers N] [--json PATH] [--only NAME[,NAME]]`.

use std::path::PathBuf;

/// What the user asked for.
pub struct Args {
    /// Worker threads given to every runtime.
    pub workers: usize,
    /// Where to also write the results as JSON.
    pub json: Option<PathBuf>,
    /// Rows to run; empty means all.
    pub only: Vec<String>,
}

pub const USAGE: &str = "usage: cargo run --release --example versus -- \
[--workers N] [--json PATH] [--only NAME[,NAME]]";

impl Args {
    /// Parses `std::env::args()`; `Err` carries the message to print.
    pub fn parse() -> Result<Args, String> {
        let mut args = Args {
            workers: 2,
            json: None,
            only: Vec::new(),
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
                "-h" | "--help" => return Err(USAGE.to_owned()),
                _ => return Err(format!("unknown argument {flag:?}\n{USAGE}")),
            }
        }
        Ok(args)
    }
}

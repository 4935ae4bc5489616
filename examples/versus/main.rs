//! corio against tokio and smol, side by side, in one run.
//!
//! ```text
//! cargo run --release --example versus -- [--workers N] [--json PATH] [--only NAME[,NAME]]
//! ```
//!
//! Every row of DESIGN.md's "Performance bars" runs on corio, on tokio's
//! multi-thread runtime and on an `async-executor` driven like smol, all
//! with the same number of worker threads, and the table quotes corio /
//! tokio against the row's bar. The workloads live in `workload/` and are
//! shared with the criterion benches in `benches/runtimes.rs`.

mod args;
mod measure;
mod report;
mod rows;
mod workload;

use std::process::ExitCode;
use std::thread;

use args::Args;
use report::Outcome;

fn main() -> ExitCode {
    let args = match Args::parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let rows = match rows::select(&args.only) {
        Ok(rows) => rows,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };

    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{cores} cores, {} workers per runtime; median of 5-10 samples taken in turns after a warm-up",
        args.workers
    );
    let outcomes: Vec<Outcome> = rows
        .iter()
        .map(|row| {
            eprintln!("running {} ...", row.name);
            Outcome {
                name: row.name,
                unit: row.unit,
                bar: row.bar,
                results: measure::row(row.prepare, args.workers),
            }
        })
        .collect();
    println!();
    print!("{}", report::table(&outcomes));

    if let Some(path) = &args.json {
        if let Err(e) = std::fs::write(path, report::json(cores, args.workers, &outcomes)) {
            eprintln!("could not write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("\nwrote {}", path.display());
    }
    ExitCode::SUCCESS
}

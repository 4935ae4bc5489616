//! corio against tokio and smol, side by side, in one run.
//!
//! ```text
//! cargo run --release --example versus -- [--workers N] [--json PATH]
//!     [--only NAME[,NAME]] [--table multi-thread|current-thread]
//! ```
//!
//! Every row of corio's performance table (docs/benchmarks.md) that needs
//! no outside tool
//! runs on corio, on tokio's multi-thread runtime and on an
//! `async-executor` driven like smol, all with the same number of worker
//! threads, and the table quotes corio / tokio against the row's bar. A
//! second table runs the same scheduler, timer and channel rows on the
//! current-thread flavours (corio's and tokio's current-thread runtimes,
//! smol's `LocalExecutor`). The workloads live in `workload/` and are
//! shared with the criterion benches in `benches/runtimes.rs`.

mod args;
mod child;
mod measure;
mod report;
mod rows;
mod workload;

use std::process::ExitCode;
use std::thread;

use args::Args;
use report::{Outcome, Report};

fn main() -> ExitCode {
    let args = match Args::parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    if let Some((row, contender)) = &args.child {
        return match child::run(row, contender, args.workers) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("{message}");
                ExitCode::FAILURE
            }
        };
    }
    let tables = match rows::select(&args.tables, &args.only) {
        Ok(tables) => tables,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };

    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{cores} cores, {} workers per multi-thread runtime; median of {}-{} samples taken in turns after a warm-up",
        args.workers,
        measure::MIN_SAMPLES,
        measure::MAX_SAMPLES,
    );
    if std::env::var_os("VERSUS_CORIO_NO_WATCHDOG").is_some() {
        println!(
            "VERSUS_CORIO_NO_WATCHDOG is set: corio runs without its default slow-poll watchdog"
        );
    }
    let reports: Vec<Report> = tables
        .into_iter()
        .map(|table| {
            let outcomes = table
                .rows
                .into_iter()
                .map(|row| {
                    eprintln!("running {} {} ...", table.title, row.name);
                    Outcome {
                        name: row.name,
                        results: measure::row(row.prepare, args.workers),
                        figures: row.figures,
                        note: row.note,
                    }
                })
                .collect();
            Report {
                title: table.title,
                outcomes,
            }
        })
        .collect();
    for report in &reports {
        println!();
        print!("{}", report::table(report));
    }

    if let Some(path) = &args.json {
        if let Err(e) = std::fs::write(path, report::json(cores, args.workers, &reports)) {
            eprintln!("could not write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("\nwrote {}", path.display());
    }
    ExitCode::SUCCESS
}

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
//!
//! Three environment variables move a run off its defaults, and the output
//! says so: `VERSUS_CORIO_NO_WATCHDOG` (any value) runs corio without the
//! slow-poll watchdog, `VERSUS_CORIO_IO_EVENTS=N` has each of corio's
//! looks at the kernel take at most `N` I/O events, and
//! `VERSUS_TCP_CONNECTIONS=N` has `tcp_echo` open `N` connections, not 50
//! (docs/work-stealing.md, "How many events a look takes"). The criterion
//! benches in `benches/runtimes.rs` read all three too, without saying so.

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

    let corio_io_events = match workload::corio_io_events() {
        Ok(events) => events,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    // A number the builder refuses (too large) is refused here too, before
    // the table, by the builder's own check.
    if let Some(events) = corio_io_events
        && let Err(e) = <workload::CorioCurrentThread as workload::Contender>::start(1)
    {
        eprintln!("VERSUS_CORIO_IO_EVENTS={events}: {e}");
        return ExitCode::FAILURE;
    }
    let tcp_connections = match workload::TcpEcho::connections() {
        Ok(connections) => connections,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    measure::watch_panics();
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{cores} cores, {} workers per multi-thread runtime; median of {}-{} samples taken in turns after a warm-up",
        args.workers,
        measure::MIN_SAMPLES,
        measure::MAX_SAMPLES,
    );
    let corio_watchdog = std::env::var_os("VERSUS_CORIO_NO_WATCHDOG").is_none();
    if !corio_watchdog {
        println!(
            "VERSUS_CORIO_NO_WATCHDOG is set: corio runs without its default slow-poll watchdog"
        );
    }
    if let Some(events) = corio_io_events {
        println!("VERSUS_CORIO_IO_EVENTS is set: corio takes at most {events} I/O events a look");
    }
    if tcp_connections != workload::TcpEcho::CONNECTIONS {
        println!(
            "VERSUS_TCP_CONNECTIONS is set: tcp_echo opens {tcp_connections} connections; its bars are set for {}, so none applies",
            workload::TcpEcho::CONNECTIONS
        );
    }
    // Rows run in table order, except that a row marked `runs_last` waits
    // until every other row has run; each outcome keeps its place.
    let mut order: Vec<(usize, usize)> = Vec::new();
    for pass_last in [false, true] {
        for (t, table) in tables.iter().enumerate() {
            for (r, row) in table.rows.iter().enumerate() {
                if row.runs_last == pass_last {
                    order.push((t, r));
                }
            }
        }
    }
    let mut results: Vec<Vec<Option<_>>> = tables
        .iter()
        .map(|table| table.rows.iter().map(|_| None).collect())
        .collect();
    for (t, r) in order {
        let (table, row) = (&tables[t], &tables[t].rows[r]);
        eprintln!("running {} {} ...", table.title, row.name);
        results[t][r] = Some(measure::row(row.prepare, args.workers));
    }
    let reports: Vec<Report> = tables
        .into_iter()
        .zip(results)
        .map(|(table, results)| Report {
            title: table.title,
            outcomes: table
                .rows
                .into_iter()
                .zip(results)
                .map(|(row, results)| Outcome {
                    name: row.name,
                    results: results.expect("every row ran"),
                    figures: row.figures,
                    note: row.note,
                })
                .collect(),
        })
        .collect();
    for report in &reports {
        println!();
        print!("{}", report::table(report));
    }

    if let Some(path) = &args.json {
        if let Err(e) = std::fs::write(
            path,
            report::json(
                cores,
                args.workers,
                report::Settings {
                    corio_watchdog,
                    corio_io_events,
                    tcp_connections,
                },
                &reports,
            ),
        ) {
            eprintln!("could not write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("\nwrote {}", path.display());
    }
    ExitCode::SUCCESS
}

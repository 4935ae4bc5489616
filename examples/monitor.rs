//! Task activity monitoring with the runtime's own eyes: the task dump,
//! metrics, cancelling idle tasks, and slow-poll reports.
//!
//! ```text
//! cargo run --example monitor
//! ```
//!
//! The asyncio article keeps a dict of "last active" times that each task
//! updates, and a monitor that deletes entries idle for too long. That only
//! sees what the tasks remember to report, and deleting the entry does not
//! stop the task. corio can answer from the runtime itself:
//!
//! * `Handle::current().dump()` lists every live task: id, name, spawn
//!   location, state, polls, busy time and *time since its last poll*. A
//!   task stuck on a dead connection shows up with a growing idle time,
//!   whether or not it was written to report anything.
//! * `Handle::current().metrics()` gives the runtime's counters.
//! * Keeping each task's `AbortHandle` by task id turns a line of the dump
//!   into a cancellation.
//! * A poll that blocks its worker (synchronous I/O, a long computation) is
//!   reported as a *slow poll*, like asyncio's debug mode ("Executing <Task>
//!   took 0.150 seconds").
//!
//! Part 1 runs the article's monitored tasks and monitor; part 2 shows a
//! slow-poll report caught by a custom `on_slow_poll` hook.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corio::Handle;
use corio::observe::SlowPoll;
use corio::sync::channel;
use corio::task::AbortHandle;
use corio::time::sleep;

/// What `run` saw, for `tests/examples.rs` to check.
#[derive(Debug)]
pub struct Report {
    /// The tasks cancelled for being idle.
    pub cancelled: Vec<String>,
    /// The slow-poll reports of part 2.
    pub slow_polls: Vec<SlowPoll>,
}

/// A task that has not been polled for this long is considered stuck.
const IDLE_LIMIT: Duration = Duration::from_millis(250);
/// How often the monitor reports.
const REPORT_EVERY: Duration = Duration::from_millis(150);

fn main() {
    run();
}

/// Runs both parts.
pub fn run() -> Report {
    println!("1. monitored tasks, a periodic report, idle tasks cancelled");
    let cancelled = monitor_activity();
    println!("2. a slow poll, reported to a custom hook");
    let slow_polls = slow_poll_report();
    Report {
        cancelled,
        slow_polls,
    }
}

/// The article's `monitored_task`: works in rounds and records its progress.
/// `hangs_after`: the round after which it waits for something that never
/// comes (a reply on a connection whose peer vanished).
async fn monitored_task(
    name: &'static str,
    hangs_after: Option<u32>,
    progress: Arc<Mutex<HashMap<&'static str, u32>>>,
) {
    // A channel whose sender is kept alive but never used: `recv` waits
    // forever, like a read on a silent socket.
    let (_silent_peer, replies) = channel::bounded::<()>(1);
    for round in 1.. {
        // The article's `task_activity[name] = time.time()`. A std Mutex is
        // right here: it is never held across an `.await`.
        progress.lock().unwrap().insert(name, round);
        if hangs_after == Some(round) {
            replies.recv().await;
        }
        sleep(Duration::from_millis(20)).await;
    }
}

fn monitor_activity() -> Vec<String> {
    // The default runtime: its slow-poll watchdog (threshold 100 ms) also
    // keeps the coarse clock that the dump's times are measured with.
    let runtime = corio::Runtime::builder()
        .worker_threads(2)
        .build()
        .expect("cannot build a runtime");
    runtime.block_on(async {
        let progress = Arc::new(Mutex::new(HashMap::new()));
        // The monitor's table: task id (as in the dump) -> how to cancel it.
        let mut tasks: HashMap<u64, (&'static str, AbortHandle)> = HashMap::new();
        for (name, hangs_after) in [
            ("fetcher-1", None),
            ("fetcher-2", Some(3)),
            ("fetcher-3", None),
        ] {
            // A name makes the task recognisable in the dump and in reports.
            let handle = corio::task::Builder::new()
                .name(name)
                .spawn(monitored_task(name, hangs_after, progress.clone()))
                .expect("inside a runtime");
            tasks.insert(handle.id().as_u64(), (name, handle.abort_handle()));
        }

        let handle = Handle::current();
        let mut cancelled = Vec::new();
        // Tasks idle for too long at the last report.
        let mut suspects = HashSet::new();
        // A bounded number of reports: stop one report after a cancellation.
        for report in 1..=20 {
            sleep(REPORT_EVERY).await;
            let metrics = handle.metrics();
            let polls: u64 = metrics.worker.iter().map(|w| w.polls).sum();
            println!(
                "  -- report {report}: {} tasks alive, {} spawned, {polls} polls, {} timers armed",
                metrics.alive_tasks, metrics.spawned_tasks, metrics.timers_armed
            );
            let dump = handle.dump();
            // The dump prints as a table, one task a line, like `ps`.
            for line in dump.to_string().lines() {
                println!("  {line}");
            }
            let mut rounds: Vec<_> = progress.lock().unwrap().clone().into_iter().collect();
            rounds.sort();
            println!("  rounds recorded by the tasks: {rounds:?}");
            if !cancelled.is_empty() {
                break;
            }
            // A task is cancelled when it was idle in two reports in a
            // row: after a stall of the whole process (a loaded machine)
            // every task looks idle once, and the healthy ones run again
            // right after it.
            let idle_before = std::mem::take(&mut suspects);
            for task in &dump.tasks {
                if task.idle_for <= IDLE_LIMIT {
                    continue;
                }
                if !idle_before.contains(&task.id) {
                    suspects.insert(task.id);
                    continue;
                }
                // Only cancel tasks this monitor owns.
                if let Some((name, abort)) = tasks.remove(&task.id) {
                    println!(
                        "  {name} (task {}) idle for {:?}: cancelled",
                        task.id, task.idle_for
                    );
                    abort.abort();
                    cancelled.push(name.to_string());
                }
            }
        }
        println!("  final metrics:");
        for line in handle.metrics().to_string().lines() {
            println!("  {line}");
        }
        for (_, abort) in tasks.values() {
            abort.abort();
        }
        cancelled
    })
}

fn slow_poll_report() -> Vec<SlowPoll> {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let runtime = corio::Runtime::builder()
        .worker_threads(2)
        // Stricter than the default 100 ms, to catch a 150 ms block for sure.
        .slow_poll_threshold(Some(Duration::from_millis(50)))
        // Instead of the default line on stderr: a log, a metric, an alert.
        .on_slow_poll(move |report: &SlowPoll| {
            println!("  on_slow_poll: {report}");
            sink.lock().unwrap().push(report.clone());
        })
        .build()
        .expect("cannot build a runtime");
    runtime.block_on(async {
        // The mistake: a synchronous call inside a task holds its worker
        // for 150 ms, and every task queued behind it waits.
        corio::task::Builder::new()
            .name("sync-read")
            .spawn(async { std::thread::sleep(Duration::from_millis(150)) })
            .expect("inside a runtime")
            .await
            .unwrap();
        // The fix: the same call on the blocking pool. The task only awaits
        // the handle, so its polls are short and nothing is reported.
        corio::task::Builder::new()
            .name("fixed-read")
            .spawn(async {
                corio::spawn_blocking(|| std::thread::sleep(Duration::from_millis(150)))
                    .await
                    .unwrap()
            })
            .expect("inside a runtime")
            .await
            .unwrap();
    });
    // Dropping the runtime stops its watchdog, so every report is in.
    drop(runtime);
    let reports = reports.lock().unwrap().clone();
    let named = |name: &str| {
        reports
            .iter()
            .filter(|r| r.name.as_deref() == Some(name))
            .count()
    };
    println!(
        "  {} slow poll(s) reported: {} of sync-read, {} of fixed-read",
        reports.len(),
        named("sync-read"),
        named("fixed-read")
    );
    reports
}

//! The examples, run as tests: each example keeps its logic in a `run` (or
//! `demo`) function that returns what it saw, and this file includes the
//! example's source with `#[path]` and checks the result. So `cargo test`
//! keeps the examples working, not just compiling: all but `smoke`, the
//! `main`s of `versus` and `hyper_server` (`tests/hyper.rs` runs their
//! servers' code) and `echo_server`'s `main`, which `tests/echo_example.rs`
//! runs a copy of.
//!
//! The long schedules run in virtual time, so the whole file takes a few
//! seconds. Each example runs on a thread of its own under [`within`], so a
//! hang fails its test instead of stalling the suite.

mod common;

#[path = "../examples/asyncio_tour.rs"]
#[allow(dead_code)] // `main`
mod asyncio_tour;
#[cfg(feature = "fs")]
#[path = "../examples/file_pipeline.rs"]
#[allow(dead_code)]
mod file_pipeline;
#[path = "../examples/goroutines.rs"]
#[allow(dead_code)]
mod goroutines;
#[path = "../examples/local.rs"]
#[allow(dead_code)]
mod local;
#[path = "../examples/monitor.rs"]
#[allow(dead_code)]
mod monitor;
#[path = "../examples/patterns.rs"]
#[allow(dead_code)]
mod patterns;
#[path = "../examples/scheduled_tasks.rs"]
#[allow(dead_code)]
mod scheduled_tasks;
#[cfg(feature = "signal")] // it stops on SIGTERM and ctrl-c
#[path = "../examples/task_queue/main.rs"]
#[allow(dead_code)]
mod task_queue;
#[path = "../examples/worker_pool.rs"]
#[allow(dead_code)]
mod worker_pool;

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use corio::time::MissedTickBehavior;

/// The longest an example may take here (each takes about a second at most).
const LIMIT: Duration = Duration::from_secs(30);

/// Runs `example` on its own thread and returns what it returns, or fails
/// the test if it takes longer than [`LIMIT`].
fn within<T: Send + 'static>(example: fn() -> T) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // If `example` panics, `tx` is dropped and `recv_timeout` says so.
        let _ = tx.send(example());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(output) => output,
        Err(RecvTimeoutError::Timeout) => {
            panic!("the example ran longer than {LIMIT:?}")
        }
        Err(RecvTimeoutError::Disconnected) => {
            panic!("the example panicked (see above)")
        }
    }
}

#[test]
fn goroutines_collect_every_result_and_the_first_error() {
    let report = within(goroutines::run);
    // f("direct") and f("goroutine") print three lines each, "going" one.
    assert_eq!(report.hello_lines, 7);
    let expected: Vec<String> = (1..=5).map(|i| format!("result of worker {i}")).collect();
    assert_eq!(report.results, expected);
    assert_eq!(report.first_error.as_deref(), Some("worker 2 failed"));
}

/// The overlaps the goroutines example prints, on a paused clock where
/// they are exact: five workers of 50 ms under one WaitGroup take one
/// worker's time, and two tasks of three 50 ms sleeps take 150 ms spawned
/// first, 300 ms awaited in a row.
#[test]
fn goroutines_overlap_where_spawned_and_not_where_awaited_in_a_row() {
    let report = within(|| common::paused().block_on(goroutines::run_all()));
    let ms = |d: std::time::Duration| d.as_millis();
    assert!((50..55).contains(&ms(report.wait_group)), "{report:?}");
    assert!((300..310).contains(&ms(report.in_a_row)), "{report:?}");
    assert!((150..155).contains(&ms(report.spawned)), "{report:?}");
}

#[test]
fn worker_pool_processes_everything_and_reports_overload() {
    let report = within(worker_pool::run);
    assert_eq!(report.results.len(), 4);
    for task in ["Task1", "Task2", "Task3", "Task4"] {
        assert!(
            report
                .results
                .iter()
                .any(|r| r.starts_with(&format!("result of {task} by worker"))),
            "{task} missing from {:?}",
            report.results
        );
    }
    let pool = report.pool;
    assert_eq!(pool.sum, 499_500);
    // Capacity 2 running + 3 waiting; the other 5 of 10 were refused.
    assert_eq!(pool.full_counts, (2, 3));
    assert_eq!((pool.accepted, pool.rejected), (5, 5));
    assert_eq!(pool.released, Ok(()));
    assert_eq!(
        pool.timed_out,
        Err(worker_pool::Released {
            aborted: 1,
            dropped_queued: 0
        })
    );
    assert_eq!(report.multi_sums, [499_500, 499_500]);
}

/// ants' workers recover from a panicking job. With one worker, the job
/// after the panicking one runs only if that worker lived on, and the
/// `running` count must come back to zero.
#[test]
fn a_panicking_job_costs_the_pool_no_worker() {
    let running_after = within(|| {
        let rt = corio::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let pool = worker_pool::Pool::new(1, 4);
            pool.submit(async { panic!("a job that fails") }).await;
            let (ran, next_job_ran) = corio::sync::oneshot::channel();
            pool.submit(async move {
                let _ = ran.send(());
            })
            .await;
            let outcome = corio::time::timeout(Duration::from_secs(10), next_job_ran).await;
            assert_eq!(outcome, Ok(Ok(())), "the job after the panic never ran");
            // One thread: the worker finished that job before this resumed.
            let running = pool.running();
            assert_eq!(pool.release_timeout(Duration::from_secs(10)).await, Ok(()));
            running
        })
    });
    assert_eq!(running_after, 0);
}

#[test]
fn asyncio_tour_shows_each_technique() {
    let report = within(asyncio_tour::run);
    assert_eq!(report.callback_saw, "done after 2s");
    let (client, thread) = &report.client;
    assert_eq!(client, "ASR client created");
    // On the blocking pool, not on the thread running the event loop.
    assert!(thread.starts_with("corio-blocking-"), "{thread}");
    assert_eq!(report.max_concurrency, 3);
    assert_eq!(report.timeouts, (Some("fast task done"), None));
    assert_eq!(report.interleaved, ["a0", "b0", "a1", "b1", "a2", "b2"]);
    assert_eq!(report.gathered, (30, 20, 10));
    assert!(
        report.exception.0.starts_with("bad input"),
        "{:?}",
        report.exception
    );
    assert_eq!(report.exception.1, 42);
    assert_eq!(report.cleaned, ["task 1"]);
    // Unshielded, the write was lost with its caller; shielded, it happened.
    assert_eq!(report.writes, (false, true));
    // Never awaited, never run; the detached task said why it failed.
    assert_eq!(
        report.fire_and_forget,
        (
            false,
            vec!["job 7 failed: upstream refused job 7".to_string()]
        )
    );
}

#[test]
fn patterns_batch_fake_pool_and_bound_by_one_deadline() {
    let report = within(patterns::run);
    // Full at four; then cut by the 5 ms linger; then by the stream's end.
    assert_eq!(
        report.batches,
        [vec![0, 10, 20, 30], vec![40, 50], vec![60, 70]]
    );
    // The fake saw each call, and the four overlapped (100 ms, not 400).
    let mut calls = report.fake.0.clone();
    calls.sort();
    assert_eq!(calls, ["6*3", "6+3", "6-3", "6/3"]);
    assert_eq!(report.fake.1, 100);
    // Three connections for ten users; the cancelled user's is closed, not
    // reused, and its place is free again.
    assert_eq!(report.pool, (3, 2, 3));
    assert_eq!(
        report.deadline,
        [
            Ok(70),
            Err("store ran past the deadline".to_string()),
            Err("fetch ran past the deadline".to_string()),
        ]
    );
    let (most, ran) = report.blocking;
    assert_eq!(ran, 6);
    assert!((1..=2).contains(&most), "{most} blocking jobs at once");
}

#[test]
fn scheduled_tasks_keep_exact_virtual_times() {
    let report = within(scheduled_tasks::run);
    assert_eq!(report.rate, [0, 1000, 2000, 3000]);
    assert_eq!(report.start_the_clock, [0, 1000, 2000, 3000]);
    assert_eq!(report.delay, [0, 1300, 2600, 3900]);
    let missed: Vec<_> = report
        .missed
        .iter()
        .map(|(b, t)| (*b, t.as_slice()))
        .collect();
    assert_eq!(
        missed,
        [
            (
                MissedTickBehavior::Burst,
                &[0, 1000, 3500, 3500, 4000, 5000][..]
            ),
            (
                MissedTickBehavior::Delay,
                &[0, 1000, 3500, 4500, 5500, 6500][..]
            ),
            (
                MissedTickBehavior::Skip,
                &[0, 1000, 3500, 4000, 5000, 6000][..]
            ),
        ]
    );
    assert_eq!(report.with_timeout, ["done", "timed out", "done"]);
    // Each daily run is at 07:00:00 UTC, on three consecutive days.
    assert!(report.first_delay <= Duration::from_secs(24 * 3600));
    assert_eq!(report.daily_runs.len(), 3);
    let first = report.daily_runs[0].0;
    for (day, &(at, _)) in report.daily_runs.iter().enumerate() {
        assert_eq!(at % 86_400, 7 * 3600, "run {day} at {at}");
        assert_eq!(at - first, day as u64 * 86_400);
    }
    // The second day's social check outlives the one-second deadline: it
    // is reported pending, not cancelled.
    let checks: Vec<_> = report
        .daily_runs
        .iter()
        .map(|&(_, checks)| checks)
        .collect();
    assert_eq!(checks, [(true, true), (true, false), (true, true)]);
    // Both real-time jobs saw the stop and ended (how often they ran
    // depends on the machine's load, so it is not checked).
    let jobs: Vec<_> = report.stopped_after.iter().map(|(job, _)| *job).collect();
    assert_eq!(jobs, ["cleanup (every 50ms)", "heartbeat (every 20ms)"]);
}

#[test]
fn the_delay_to_the_next_utc_time_wraps_at_midnight() {
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    let day = 86_400;
    // 2024-01-01 00:00:00 UTC is 19,723 days after the epoch.
    let midnight = 19_723 * day;
    let until = scheduled_tasks::until_next_utc;
    assert_eq!(until(at(midnight), 7, 0), Duration::from_secs(7 * 3600));
    assert_eq!(
        until(at(midnight + 6 * 3600 + 59 * 60), 7, 0),
        Duration::from_secs(60)
    );
    // At the exact minute: the next day's run, not a second one now.
    assert_eq!(
        until(at(midnight + 7 * 3600), 7, 0),
        Duration::from_secs(day)
    );
    assert_eq!(
        until(at(midnight + 8 * 3600), 7, 0),
        Duration::from_secs(23 * 3600)
    );
    let now = until(SystemTime::now(), 23, 59);
    assert!(now > Duration::ZERO && now <= Duration::from_secs(day));
}

#[test]
fn monitor_cancels_the_idle_task_and_reports_the_slow_poll() {
    let report = within(monitor::run);
    assert_eq!(report.cancelled, ["fetcher-2"]);
    // The blocking read is reported once. (A loaded machine may also pause
    // a worker inside some other poll for 50 ms, and that is reported too:
    // only the named task's reports are counted.)
    let sync_read: Vec<_> = report
        .slow_polls
        .iter()
        .filter(|r| r.name.as_deref() == Some("sync-read"))
        .collect();
    assert_eq!(sync_read.len(), 1, "{:?}", report.slow_polls);
    assert!(sync_read[0].duration >= Duration::from_millis(50));
}

#[test]
fn local_tasks_share_rc_state_on_one_thread() {
    let report = within(local::run);
    assert_eq!(report.counts["the"], 4);
    assert_eq!(report.counts["fox"], 2);
    assert_eq!(report.counts["dog"], 2);
    assert_eq!(report.counts.values().sum::<usize>(), 12);
    assert!(report.same_thread);
    assert_eq!(report.from_workers, [100, 400, 900]);
    assert!(report.local_stayed_home);
}

#[cfg(feature = "signal")]
#[test]
fn the_analysis_is_the_jobs_pure_part() {
    // The article tests `process_task` with its upstream call mocked; here the
    // CPU part is a plain function and needs no mock.
    let a = task_queue::analyse("The cat, the DOG and THE bird.");
    assert_eq!((a.words, a.unique, a.top.as_str()), (7, 5, "the"));
    assert_eq!(
        task_queue::analyse("b a").top,
        "a",
        "ties go to the first alphabetically"
    );
    assert_eq!(task_queue::analyse("").words, 0);
}

/// A failed job's reason is a JSON string whatever it holds: quotes,
/// backslashes and control characters escaped as JSON does (Rust's `{:?}`
/// wrote `\u{1b}`, which JSON refuses).
#[cfg(feature = "signal")]
#[test]
fn a_failed_jobs_reason_is_valid_json() {
    use task_queue::{Status, http::to_json};
    let json = to_json(3, &Status::Failed("a \"b\" \\ c\n\u{1b}[0m".to_string()));
    assert_eq!(
        json,
        r#"{"id":3,"status":"failed","error":"a \"b\" \\ c\n\u001b[0m"}"#
    );
}

/// Once stopping, the queue refuses work as "shutting down", not as full.
#[cfg(feature = "signal")]
#[test]
fn the_task_queue_refuses_jobs_once_stopping() {
    let refused = within(|| {
        corio::block_on(async {
            let (app, workers) = task_queue::App::start();
            app.stop(workers).await;
            app.submit("too late".into())
        })
    });
    assert_eq!(refused, Err("shutting down"));
}

/// A stop lets the workers finish every job already queued: none is left
/// queued, running or failed.
#[cfg(feature = "signal")]
#[test]
fn the_task_queue_finishes_queued_jobs_when_stopped() {
    use task_queue::{App, Status};
    let statuses = within(|| {
        corio::block_on(async {
            let (app, workers) = App::start();
            let ids: Vec<u64> = (0..10)
                .map(|n| app.submit(format!("job {n}")).unwrap())
                .collect();
            app.stop(workers).await;
            ids.iter().map(|&id| app.status(id)).collect::<Vec<_>>()
        })
    });
    for status in statuses {
        assert!(matches!(status, Some(Status::Done(_))), "{status:?}");
    }
}

/// A stop whose grace runs out aborts the workers, and every job they
/// dropped, running or still queued, is marked failed rather than left
/// "queued" or "running" for good. On a paused clock: the grace, 10 ms,
/// runs out while the three workers wait on their 30 ms upstream calls.
#[cfg(feature = "signal")]
#[test]
fn the_task_queue_marks_the_jobs_a_timed_out_stop_dropped_as_failed() {
    use task_queue::{App, Status};
    let statuses = within(|| {
        let runtime = common::paused();
        runtime.block_on(async {
            let (app, workers) = App::start();
            let ids: Vec<u64> = (0..5)
                .map(|n| app.submit(format!("job {n}")).unwrap())
                .collect();
            app.stop_within(std::time::Duration::from_millis(10), workers)
                .await;
            ids.iter().map(|&id| app.status(id)).collect::<Vec<_>>()
        })
    });
    let dropped = Status::Failed("dropped at shutdown".to_string());
    assert_eq!(statuses, vec![Some(dropped); 5]);
}

/// A finished job's result stays for the next `KEPT_RESULTS` jobs to
/// finish, then goes: the results do not grow with every job run.
#[cfg(feature = "signal")]
#[test]
fn the_task_queue_keeps_only_the_latest_results() {
    use task_queue::{App, KEPT_RESULTS, Status};
    within(|| {
        corio::block_on(async {
            let (app, workers) = App::start();
            let last = KEPT_RESULTS as u64 + 1;
            for id in 1..=last {
                app.set(id, Status::Failed(String::new()));
            }
            assert_eq!(app.status(1), None, "the oldest result was dropped");
            assert!(app.status(2).is_some() && app.status(last).is_some());
            app.set(last + 1, Status::Queued);
            assert!(app.status(2).is_some(), "unfinished jobs evict nothing");
            app.stop(workers).await;
        })
    });
}

#[cfg(feature = "signal")]
#[test]
fn the_task_queue_serves_jobs_over_http() {
    let answers = within(task_queue::demo);
    assert_eq!(answers.len(), task_queue::DEMO_TEXTS.len());
    for (i, (answer, text)) in answers.iter().zip(task_queue::DEMO_TEXTS).enumerate() {
        let a = task_queue::analyse(text);
        let expected = format!(
            r#"{{"id":{},"status":"done","words":{},"unique":{},"top":"{}","checksum":"{:016x}"}}"#,
            i + 1,
            a.words,
            a.unique,
            a.top,
            a.checksum
        );
        assert_eq!(answer, &expected);
    }
    assert!(answers[3].contains(r#""top":"three""#));
}

/// Every line comes out, in input order though the steps finish out of
/// order, each after its word count; never more steps at once than the
/// limit.
#[cfg(feature = "fs")]
#[test]
fn the_file_pipeline_keeps_every_line_in_order() {
    let report = within(file_pipeline::run);
    assert_eq!(report.lines_in, 6);
    let lines: Vec<&str> = report.output.lines().collect();
    assert_eq!(
        lines,
        [
            "4\tthe quick brown fox",
            "2\tjumps over",
            "3\tthe lazy dog",
            "0\t",
            "10\ta stream of lines in, a stream of lines out",
            "5\tin the order they came",
        ]
    );
    assert!(report.most_running <= file_pipeline::IN_FLIGHT);
    assert!(report.most_running >= 1);
}

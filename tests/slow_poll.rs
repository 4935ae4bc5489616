//! Slow-poll reports and the stall watchdog: a poll longer than the
//! threshold is reported once, with its task; a blocked worker does not
//! strand the tasks queued behind it; a `LocalSet` task's report names its
//! thread truly; and the report hook may block or drop the runtime.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::bounded;
use corio::observe::SlowPoll;

fn runtime_with_reports(
    threshold: Option<Duration>,
) -> (corio::Runtime, Arc<Mutex<Vec<SlowPoll>>>) {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let runtime = runtime_with_hook(threshold, move |r| sink.lock().unwrap().push(r.clone()));
    (runtime, reports)
}

/// Two workers, reports past `threshold` going to `hook`.
fn runtime_with_hook(
    threshold: Option<Duration>,
    hook: impl Fn(&SlowPoll) + Send + Sync + 'static,
) -> corio::Runtime {
    corio::Runtime::builder()
        .worker_threads(2)
        .slow_poll_threshold(threshold)
        .on_slow_poll(hook)
        .build()
        .unwrap()
}

#[test]
fn a_slow_poll_is_reported_exactly_once_with_the_task_name() {
    let (runtime, reports) = runtime_with_reports(Some(Duration::from_millis(50)));
    let id = runtime.block_on(bounded(async {
        let slow = corio::task::Builder::new()
            .name("blocker")
            .spawn(async { std::thread::sleep(Duration::from_millis(150)) })
            .unwrap();
        let id = slow.id().as_u64();
        slow.await.unwrap();
        id
    }));
    drop(runtime); // stops the watchdog: no report can arrive later
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let report = &reports[0];
    assert_eq!(report.task_id, id);
    assert_eq!(report.name.as_deref(), Some("blocker"));
    assert!(report.duration >= Duration::from_millis(40), "{report}");
    assert!(report.to_string().contains("blocker"));
}

#[test]
fn with_the_threshold_off_nothing_is_reported() {
    let (runtime, reports) = runtime_with_reports(None);
    runtime.block_on(bounded(async {
        corio::spawn(async { std::thread::sleep(Duration::from_millis(150)) })
            .await
            .unwrap();
    }));
    drop(runtime);
    assert!(reports.lock().unwrap().is_empty());
}

#[test]
fn a_blocked_worker_does_not_strand_the_tasks_queued_behind_it() {
    let (runtime, reports) = runtime_with_reports(Some(Duration::from_millis(50)));
    let finished = Arc::new(AtomicUsize::new(0));
    let seen_while_blocked = runtime.block_on(bounded({
        let finished = finished.clone();
        let reports = reports.clone();
        async move {
            corio::spawn(async move {
                // The last of these lands in this worker's LIFO slot, the
                // rest in its queue; then the worker blocks.
                for _ in 0..100 {
                    let f = finished.clone();
                    corio::spawn(async move {
                        f.fetch_add(1, Ordering::SeqCst);
                    });
                }
                // Blocked until the other worker has run all 100, and
                // until the watchdog has seen the stall (a watchdog kept
                // off the CPU by a loaded machine may take a while).
                let start = Instant::now();
                let seen_by_the_watchdog = || reports.lock().unwrap().iter().any(|r| r.ongoing);
                while finished.load(Ordering::SeqCst) < 100 || !seen_by_the_watchdog() {
                    if start.elapsed() >= common::LIMIT {
                        break;
                    }
                    std::thread::yield_now();
                }
                finished.load(Ordering::SeqCst)
            })
            .await
            .unwrap()
        }
    }));
    assert_eq!(
        seen_while_blocked, 100,
        "all 100 ran while their worker was blocked"
    );
    drop(runtime);
    let reports = reports.lock().unwrap();
    assert!(
        reports.iter().any(|r| r.ongoing),
        "the watchdog saw the stall as it happened"
    );
}

/// The hook runs inside the runtime, on the watchdog's side too (a poll
/// still running): there it may call `Handle::current()` and dump the
/// tasks, the stalled one among them.
#[test]
fn the_hook_of_a_stall_in_progress_runs_inside_the_runtime() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let runtime = runtime_with_hook(Some(Duration::from_millis(50)), move |r| {
        let dumped = corio::Handle::try_current()
            .is_ok_and(|handle| handle.dump().tasks.iter().any(|t| t.id == r.task_id));
        sink.lock().unwrap().push((r.ongoing, dumped));
    });
    let reports = seen.clone();
    runtime.block_on(bounded(async move {
        corio::spawn(async move {
            // Stalled until the watchdog has reported the stall.
            let start = Instant::now();
            let reported = || reports.lock().unwrap().iter().any(|(ongoing, _)| *ongoing);
            while !reported() && start.elapsed() < common::LIMIT {
                std::thread::yield_now();
            }
        })
        .await
        .unwrap();
    }));
    drop(runtime);
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(|&(ongoing, dumped)| ongoing && dumped),
        "(ongoing, found in a dump) per report: {seen:?}"
    );
}

/// A slow poll of a `spawn_local` task is reported like any other (the
/// watchdog never sees local polls: their end reports them).
#[test]
#[cfg_attr(miri, ignore)]
fn a_slow_local_task_is_reported() {
    let reports = slow_polls_of(
        &mut corio::runtime::Builder::new_current_thread(),
        |runtime| {
            runtime.block_on(bounded(async {
                corio::task::spawn_local(slow_local_poll()).await.unwrap();
            }));
        },
    );
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].duration >= Duration::from_millis(20));
    assert!(!reports[0].ongoing);
    assert_eq!(
        reports[0].worker,
        Some(0),
        "the block_on thread is the worker"
    );
}

/// On a multi-thread runtime a `LocalSet` run inside `block_on` polls its
/// tasks on the caller's thread, which is none of the workers: the report
/// says so instead of naming worker 0.
#[test]
#[cfg_attr(miri, ignore)]
fn a_slow_local_task_outside_the_workers_names_no_worker() {
    let reports = slow_polls_of(corio::Runtime::builder().worker_threads(1), |runtime| {
        let set = corio::task::LocalSet::new();
        runtime.block_on(bounded(set.run_until(async {
            corio::task::spawn_local(slow_local_poll()).await.unwrap();
        })));
    });
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].worker, None);
    assert!(reports[0].to_string().contains("outside the workers"));
}

/// One poll ten times the 20 ms threshold: the coarse clock the measure
/// uses ticks every 5 ms, and on a loaded machine may tick late.
async fn slow_local_poll() {
    std::thread::sleep(Duration::from_millis(200));
}

/// The slow polls reported while `run` uses a runtime from `builder` with
/// a 20 ms threshold (all of them: the runtime is dropped first).
fn slow_polls_of(
    builder: &mut corio::runtime::Builder,
    run: impl FnOnce(&corio::Runtime),
) -> Vec<SlowPoll> {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let runtime = builder
        .slow_poll_threshold(Some(Duration::from_millis(20)))
        .on_slow_poll(move |r| sink.lock().unwrap().push(r.clone()))
        .build()
        .unwrap();
    run(&runtime);
    drop(runtime);
    reports.lock().unwrap().clone()
}

/// A runtime whose slow-poll hook blocks until `release` says so (at most
/// `common::LIMIT`), and which says on `entered` when the hook starts; the
/// hook records in `released` whether it was let go.
struct BlockingHook {
    runtime: corio::Runtime,
    entered: std::sync::mpsc::Receiver<()>,
    release: std::sync::mpsc::Sender<()>,
    released: Arc<Mutex<Option<bool>>>,
}

fn runtime_with_a_blocking_hook() -> BlockingHook {
    let (entered_tx, entered) = std::sync::mpsc::channel();
    let (release, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let released = Arc::new(Mutex::new(None));
    let record = released.clone();
    let runtime = corio::Runtime::builder()
        .worker_threads(1)
        .slow_poll_threshold(Some(Duration::from_millis(20)))
        .on_slow_poll(move |_| {
            let _ = entered_tx.send(());
            let got = release_rx.lock().unwrap().recv_timeout(common::LIMIT);
            record.lock().unwrap().get_or_insert(got.is_ok());
        })
        .build()
        .unwrap();
    BlockingHook {
        runtime,
        entered,
        release,
        released,
    }
}

/// `shutdown_timeout` bounds the wait for the watchdog too: a slow-poll hook
/// that blocks (here until after the shutdown returns) does not hold it.
#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_timeout_does_not_wait_for_a_blocked_slow_poll_hook() {
    let BlockingHook {
        runtime,
        entered,
        release,
        released,
    } = runtime_with_a_blocking_hook();
    runtime.spawn(async { std::thread::sleep(Duration::from_millis(300)) });
    entered.recv_timeout(common::LIMIT).expect("the hook ran");
    runtime.shutdown_timeout(Duration::from_millis(50));
    // Only now is the hook let go: had the shutdown waited for it, the hook
    // would have timed out first.
    release.send(()).unwrap();
    let deadline = Instant::now() + common::LIMIT;
    while released.lock().unwrap().is_none() && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(
        *released.lock().unwrap(),
        Some(true),
        "the shutdown waited for the hook"
    );
}

/// A slow-poll hook may drop the runtime (to fail fast, say): the drop runs
/// on the thread the watchdog runs the hook on, and must not wait for the
/// watchdog, which waits for the hook.
#[test]
#[cfg_attr(miri, ignore)]
fn a_slow_poll_hook_that_drops_the_runtime_does_not_deadlock() {
    let slot: Arc<Mutex<Option<corio::Runtime>>> = Arc::new(Mutex::new(None));
    let (dropped_tx, dropped) = std::sync::mpsc::channel();
    let taken = slot.clone();
    let runtime = corio::Runtime::builder()
        .worker_threads(1)
        .slow_poll_threshold(Some(Duration::from_millis(20)))
        .on_slow_poll(move |_| {
            let runtime = taken.lock().unwrap().take();
            if runtime.is_some() {
                drop(runtime);
                let _ = dropped_tx.send(());
            }
        })
        .build()
        .unwrap();
    runtime.spawn(async { std::thread::sleep(Duration::from_millis(300)) });
    *slot.lock().unwrap() = Some(runtime);
    dropped
        .recv_timeout(common::LIMIT)
        .expect("the runtime's drop on the watchdog thread did not finish");
}

/// A slow-poll hook that blocks does not stop the coarse clock (the
/// watchdog runs it on a thread of its own and goes on ticking), so short
/// polls that span the hook's time are not measured as that whole time
/// and reported.
#[test]
#[cfg_attr(miri, ignore)]
fn a_blocking_hook_does_not_make_short_polls_look_slow() {
    // One of three tries: among 1,600 short polls, one kept off its core
    // for 200 ms on a loaded machine would be reported (a clock stopped
    // for the hook fails every try).
    common::passes_in_one_of(3, short_polls_beside_a_blocking_hook);
}

fn short_polls_beside_a_blocking_hook() -> Result<(), String> {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let runtime = corio::Runtime::builder()
        .worker_threads(2)
        .slow_poll_threshold(Some(Duration::from_millis(50)))
        .on_slow_poll(move |r| {
            sink.lock().unwrap().push(r.clone());
            if r.ongoing {
                std::thread::sleep(Duration::from_millis(400)); // a hook that blocks
            }
        })
        .build()
        .unwrap();
    let (blocker, busy) = blocker_and_busy(&runtime, &reports, Duration::from_micros(500), 800);
    runtime.block_on(bounded(async {
        blocker.await.unwrap();
        busy.await.unwrap();
    }));
    drop(runtime);
    // With the clock stopped for the hook's 400 ms, a short poll spanning
    // it measured about that long; a worker the OS kept off its core for a
    // while on a loaded machine can pass 50 ms, not 200.
    blocker_but_not_busy(&reports.lock().unwrap(), Duration::from_millis(200))
}

/// Spawns "blocker", one poll of 200 ms that goes on until `reports` holds
/// the watchdog's report of it (the report of a poll still running, which
/// a watchdog kept off the CPU could miss in a fixed 200 ms), and "busy",
/// polls of `work` each (as a blocking call would take) for `millis` ms.
fn blocker_and_busy(
    runtime: &corio::Runtime,
    reports: &Arc<Mutex<Vec<SlowPoll>>>,
    work: Duration,
    millis: u64,
) -> (corio::JoinHandle<()>, corio::JoinHandle<()>) {
    let _inside = runtime.enter();
    let reports = reports.clone();
    let blocker = corio::task::Builder::new()
        .name("blocker")
        .spawn(async move {
            let start = Instant::now();
            std::thread::sleep(Duration::from_millis(200));
            let seen = || {
                let reports = reports.lock().unwrap();
                reports
                    .iter()
                    .any(|r| r.ongoing && r.name.as_deref() == Some("blocker"))
            };
            while !seen() && start.elapsed() < common::LIMIT {
                std::thread::sleep(Duration::from_millis(1));
            }
        })
        .unwrap();
    let busy = corio::task::Builder::new()
        .name("busy")
        .spawn(async move {
            let end = Instant::now() + Duration::from_millis(millis);
            while Instant::now() < end {
                std::thread::sleep(work); // a short poll's work
                corio::task::yield_now().await;
            }
        })
        .unwrap();
    (blocker, busy)
}

/// Whether "blocker" was reported, and no poll of "busy" measured
/// `busy_below` or more.
fn blocker_but_not_busy(reports: &[SlowPoll], busy_below: Duration) -> Result<(), String> {
    if !reports.iter().any(|r| r.name.as_deref() == Some("blocker")) {
        return Err(format!("the blocker was not reported: {reports:?}"));
    }
    if reports
        .iter()
        .any(|r| r.name.as_deref() == Some("busy") && r.duration >= busy_below)
    {
        return Err(format!("a short poll was reported as long: {reports:?}"));
    }
    Ok(())
}

/// As above, on one worker, with polls long enough (3 ms) that the worker
/// checks its driver, and publishes the clock, only every 180 ms or so,
/// and with dumps taken meanwhile from another thread, each of which
/// publishes the real time: with the watchdog ticking while the hook
/// runs, no poll starts with a stamp that stood still (such 3 ms
/// polls were once reported as taking 60 ms when the watchdog ran the
/// hook itself).
#[test]
#[cfg_attr(miri, ignore)]
fn short_polls_are_measured_right_while_a_hook_blocks_and_dumps_move_the_clock() {
    // A worker the OS keeps off its core for 50 ms makes a real long poll,
    // rightly reported: on a loaded machine one run in a while may have
    // one. The stale clock made such reports in every run.
    common::passes_in_one_of(3, hook_blocks_while_dumps_move_the_clock);
}

fn hook_blocks_while_dumps_move_the_clock() -> Result<(), String> {
    let (entered_tx, entered) = std::sync::mpsc::channel();
    let entered_tx = Mutex::new(Some(entered_tx));
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let runtime = corio::Runtime::builder()
        .worker_threads(1)
        .slow_poll_threshold(Some(Duration::from_millis(50)))
        .on_slow_poll(move |r| {
            sink.lock().unwrap().push(r.clone());
            if r.ongoing {
                if let Some(tx) = entered_tx.lock().unwrap().take() {
                    let _ = tx.send(());
                }
                std::thread::sleep(Duration::from_millis(600)); // a hook that blocks
            }
        })
        .build()
        .unwrap();
    let (blocker, busy) = blocker_and_busy(&runtime, &reports, Duration::from_millis(3), 1_000);
    entered
        .recv_timeout(Duration::from_secs(20))
        .expect("the blocker was reported while it ran");
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(60));
        let _ = runtime.handle().dump();
    }
    runtime.block_on(bounded(async {
        blocker.await.unwrap();
        busy.await.unwrap();
    }));
    drop(runtime);
    // Here the stale clock made 3 ms polls measure about 60 ms, too near
    // the threshold to leave room: no report of "busy" at all.
    blocker_but_not_busy(&reports.lock().unwrap(), Duration::ZERO)
}

/// A runtime dropped while its slow-poll hook blocks does not wait for the
/// hook for ever: the drop returns while the hook still waits, and the
/// hook is released only after that.
#[test]
#[cfg_attr(miri, ignore)]
fn a_drop_does_not_wait_for_a_hook_that_blocks() {
    use std::sync::mpsc;
    let (entered_tx, entered) = mpsc::channel::<()>();
    let (release, released) = mpsc::channel::<()>();
    let (outcome_tx, outcome) = mpsc::channel::<bool>();
    let hook_state = Mutex::new((Some(entered_tx), Some(released), outcome_tx));
    let runtime = corio::Runtime::builder()
        .worker_threads(1)
        .slow_poll_threshold(Some(Duration::from_millis(20)))
        .on_slow_poll(move |_| {
            let mut state = hook_state.lock().unwrap();
            let (Some(entered), Some(released)) = (state.0.take(), state.1.take()) else {
                return; // only the first report blocks
            };
            entered.send(()).unwrap();
            let by_the_test = released.recv_timeout(common::LIMIT).is_ok();
            let _ = state.2.send(by_the_test);
        })
        .build()
        .unwrap();
    // The poll lasts until the hook has entered, so the report comes from
    // the watchdog while the poll runs: a watchdog that started late on a
    // loaded machine once let the poll end first, and its end-of-poll
    // report ran the hook on the worker, which the drop does wait for.
    let (seen_tx, seen) = mpsc::channel::<()>();
    runtime.spawn(async move {
        common::recv(&entered);
        seen_tx.send(()).unwrap();
    });
    common::recv(&seen);
    drop(runtime); // with the hook blocked in it
    release.send(()).unwrap();
    assert!(
        common::recv(&outcome),
        "the drop waited for the hook until its own timeout"
    );
}

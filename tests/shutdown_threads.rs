//! Shutdown and the threads around it: a runtime dropped with its thread's
//! thread-locals, a worker that starts after the shutdown, a blocking
//! thread's slow stop hook, a worker the shutdown left inside a poll.

mod common;

use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::{Drops, LIMIT, recv, two_workers};

/// A runtime kept in a `thread_local!` (one lazy runtime per thread) is
/// dropped among the thread's other thread-locals when the thread ends,
/// possibly after corio's own: its shutdown must not touch them then (a
/// panic in a thread-local's destructor aborts the process). Run in a child
/// process, since the failure is an abort.
#[test]
#[cfg_attr(miri, ignore)]
fn a_runtime_in_a_thread_local_shuts_down_when_its_thread_ends() {
    common::in_child(
        "a_runtime_in_a_thread_local_shuts_down_when_its_thread_ends",
        thread_local_runtimes_shut_down,
    );
}

fn thread_local_runtimes_shut_down() {
    for current_thread in [true, false] {
        let drops = Drops::new(1);
        let tracked = drops.track(0);
        let path = std::env::temp_dir().join(format!(
            "corio-thread-local-file-{current_thread}-{}",
            std::process::id()
        ));
        let file_path = path.clone();
        let out = std::thread::spawn(move || {
            thread_local! {
                static RT: std::cell::OnceCell<corio::Runtime> =
                    const { std::cell::OnceCell::new() };
            }
            RT.with(|rt| {
                let rt = rt.get_or_init(|| {
                    let mut builder = if current_thread {
                        corio::runtime::Builder::new_current_thread()
                    } else {
                        corio::runtime::Builder::new_multi_thread()
                    };
                    builder.worker_threads(1).build().unwrap()
                });
                rt.block_on(async move {
                    // Left for the shutdown to cancel.
                    corio::spawn(async move {
                        let _tracked = tracked;
                        corio::time::sleep(Duration::from_secs(3600)).await;
                    });
                    // Also left: a file with bytes still in its buffer,
                    // which its drop must write, even then.
                    #[cfg(feature = "fs")]
                    {
                        let (written, wait) = corio::sync::oneshot::channel();
                        corio::spawn(async move {
                            let mut file = corio::fs::File::create(&file_path).await.unwrap();
                            futures_lite::AsyncWriteExt::write_all(&mut file, b"kept")
                                .await
                                .unwrap();
                            let _ = written.send(());
                            std::future::pending::<()>().await;
                        });
                        wait.await.unwrap();
                    }
                    #[cfg(not(feature = "fs"))]
                    let _ = file_path;
                    corio::spawn_blocking(|| 2).await.unwrap()
                })
            })
        })
        .join()
        .expect("the thread ended cleanly");
        assert_eq!(out, 2);
        drops.assert_each_dropped_once();
        #[cfg(feature = "fs")]
        {
            let kept = std::fs::read(&path).unwrap();
            let _ = std::fs::remove_file(&path);
            assert_eq!(kept, b"kept", "the dropped file's buffer was written");
        }
        #[cfg(not(feature = "fs"))]
        let _ = path;
    }
}

/// A worker thread that starts only after the runtime shut down (here held
/// in its `on_thread_start` hook) finds its queue already taken by the
/// shutdown: it ends quietly, stop hook included, rather than panicking.
#[test]
#[cfg_attr(miri, ignore)]
fn a_worker_that_starts_after_shutdown_ends_quietly() {
    let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let (stopped_tx, stopped) = mpsc::channel();
    let runtime = {
        let gate = gate.clone();
        corio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .on_thread_start(move || {
                if std::thread::current()
                    .name()
                    .unwrap_or("")
                    .contains("-worker-")
                {
                    let (open, cv) = &*gate;
                    let mut open = open.lock().unwrap();
                    while !*open {
                        open = cv.wait_timeout(open, LIMIT).unwrap().0;
                    }
                }
            })
            .on_thread_stop(move || {
                if std::thread::current()
                    .name()
                    .unwrap_or("")
                    .contains("-worker-")
                {
                    let _ = stopped_tx.send(());
                }
            })
            .build()
            .unwrap()
    };
    runtime.shutdown_background();
    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    // Today's failure mode is a panic before the stop hook: the wait times
    // out.
    recv(&stopped);
}

/// A blocking-pool thread's `on_thread_stop` hook runs inside the wait that
/// `shutdown_timeout` bounds: a slow hook does not stretch the shutdown past
/// its timeout.
#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_timeout_is_bounded_with_a_slow_stop_hook_on_the_pool() {
    let (open_tx, open_rx) = mpsc::channel::<()>();
    let open_rx = Mutex::new(open_rx);
    let runtime = corio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_stop(move || {
            if std::thread::current()
                .name()
                .unwrap_or("")
                .contains("-blocking-")
            {
                // Held until the test opens it (or LIMIT passes).
                let _ = open_rx.lock().unwrap().recv_timeout(LIMIT);
            }
        })
        .build()
        .unwrap();
    assert_eq!(
        runtime
            .block_on(common::bounded(runtime.spawn_blocking(|| 1)))
            .unwrap(),
        1
    );
    shuts_down_in_time(runtime, open_tx, "the stop hook");
}

/// `shutdown_timeout(50 ms)` on `runtime`, which returns long before what
/// `open` holds back (up to LIMIT) is let go.
fn shuts_down_in_time(runtime: corio::Runtime, open: mpsc::Sender<()>, held: &str) {
    let start = Instant::now();
    runtime.shutdown_timeout(Duration::from_millis(50));
    let took = start.elapsed();
    let _ = open.send(());
    assert!(took < LIMIT / 2, "shutdown waited for {held}: {took:?}");
}

/// A value whose `Drop` waits until the test opens it (or LIMIT passes).
struct HeldOpen(mpsc::Receiver<()>);

impl Drop for HeldOpen {
    fn drop(&mut self) {
        let _ = self.0.recv_timeout(LIMIT);
    }
}

thread_local! {
    /// Where a runtime thread keeps a `HeldOpen`: dropped with the
    /// thread's other thread-locals, after it left the runtime's loops.
    static KEPT: std::cell::RefCell<Option<HeldOpen>> = const { std::cell::RefCell::new(None) };
}

/// Keeps `held` in the calling thread's `KEPT`.
fn keep(held: HeldOpen) {
    KEPT.with(|k| *k.borrow_mut() = Some(held));
}

/// A blocking job that leaves a value with a slow `Drop` in one of its
/// thread's thread-locals: the thread leaves the pool's loop in time, but
/// its thread-locals are dropped after that, and `shutdown_timeout` joined
/// the thread with no limit, waiting for them past its timeout.
#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_timeout_does_not_wait_for_a_blocking_threads_thread_locals() {
    let (open_tx, open_rx) = mpsc::channel::<()>();
    let runtime = corio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let kept = runtime.spawn_blocking(move || keep(HeldOpen(open_rx)));
    runtime.block_on(common::bounded(kept)).unwrap();
    shuts_down_in_time(runtime, open_tx, "the thread-locals");
}

/// The same on a worker thread: a task leaves the slow value in the
/// worker's thread-locals; the worker leaves its loop in time, and the
/// shutdown joined it with no limit.
#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_timeout_does_not_wait_for_a_worker_threads_thread_locals() {
    let (open_tx, open_rx) = mpsc::channel::<()>();
    let runtime = corio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let kept = runtime.spawn(async move { keep(HeldOpen(open_rx)) });
    runtime.block_on(common::bounded(kept)).unwrap();
    shuts_down_in_time(runtime, open_tx, "a worker's thread-locals");
}

/// After `shutdown_background`, a worker thread that is still stopping may
/// hold the runtime's last reference, and drops it when it leaves the
/// runtime. That drops the user's hooks, whose captures may look up the
/// current runtime in their `Drop`: the thread-local must not be borrowed
/// then.
#[test]
#[cfg_attr(miri, ignore)]
fn the_last_handle_dropped_by_a_leaving_worker_may_run_code_that_asks_for_the_runtime() {
    struct AsksOnDrop(mpsc::Sender<bool>);
    impl Drop for AsksOnDrop {
        fn drop(&mut self) {
            let asked = std::panic::catch_unwind(|| corio::Handle::try_current().is_err());
            let _ = self.0.send(asked.is_ok());
        }
    }
    let (asked_tx, asked) = mpsc::channel();
    let probe = AsksOnDrop(asked_tx);
    let (open_gate, gate) = mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let runtime = corio::Builder::new_multi_thread()
        .worker_threads(1)
        .on_slow_poll(move |_| {
            let _ = &probe;
        })
        .on_thread_stop(move || {
            // Hold the worker here until the runtime value is gone.
            let _ = gate.lock().unwrap().recv_timeout(LIMIT);
        })
        .build()
        .unwrap();
    runtime.shutdown_background();
    open_gate.send(()).unwrap();
    assert!(recv(&asked), "asking for the current runtime panicked");
}

/// A worker's `on_thread_stop` hook runs before the shutdown cancels the
/// tasks: the shutdown waits for the threads that held a core, hooks
/// included, and only then drops the unfinished futures. (Run inside a
/// hook that ran too late, the wait below would see the drop at once.)
#[test]
#[cfg_attr(miri, ignore)]
fn a_worker_stop_hook_runs_before_the_tasks_are_cancelled() {
    let dropped = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let seen = Arc::new(Mutex::new(None));
    let (hook_dropped, hook_seen) = (dropped.clone(), seen.clone());
    let runtime = corio::Runtime::builder()
        .worker_threads(1)
        .on_thread_stop(move || {
            // Waits a while for the task's drop: a hook that runs in its
            // turn sees none.
            let (flag, cv) = &*hook_dropped;
            let flag = flag.lock().unwrap();
            let (flag, _) = cv
                .wait_timeout_while(flag, Duration::from_millis(300), |dropped| !*dropped)
                .unwrap();
            *hook_seen.lock().unwrap() = Some(*flag);
        })
        .build()
        .unwrap();
    struct SaysDropped(Arc<(Mutex<bool>, std::sync::Condvar)>);
    impl Drop for SaysDropped {
        fn drop(&mut self) {
            *self.0.0.lock().unwrap() = true;
            self.0.1.notify_all();
        }
    }
    let (running_tx, running_rx) = mpsc::channel();
    let says = SaysDropped(dropped.clone());
    runtime.spawn(async move {
        let _says = says;
        running_tx.send(()).unwrap();
        std::future::pending::<()>().await
    });
    recv(&running_rx);
    drop(runtime);
    assert_eq!(
        *seen.lock().unwrap(),
        Some(false),
        "the hook saw the task dropped"
    );
    assert!(*dropped.0.lock().unwrap(), "the shutdown dropped the task");
}

/// A worker that `shutdown_background` left inside a poll finishes that
/// poll after the timers stopped. A timer armed there waits quietly: the
/// task is cancelled and dropped once the poll returns, as in tokio, whose
/// driver outlives such polls. It panicked ("a corio timer was polled
/// after its runtime shut down"), and the task ended as a panic.
#[test]
#[cfg_attr(miri, ignore)]
fn a_timer_armed_in_a_poll_the_shutdown_left_running_is_cancelled_not_a_panic() {
    // Also after a `block_in_place` the shutdown outlasted: the worker
    // gave its core away and cannot take it back.
    for in_place in [false, true] {
        let runtime = two_workers();
        let (task, started, release_tx) =
            held_in_a_poll_then_arming_timers(runtime.handle(), in_place);
        recv(&started);
        runtime.shutdown_background();
        release_tx.send(()).unwrap();
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || done_tx.send(futures_lite::future::block_on(task)));
        let err = recv(&done_rx).unwrap_err();
        assert!(err.is_cancelled(), "in place {in_place}: ended as {err:?}");
    }
}

/// Spawns a task that says when its first poll began, stays in it until
/// told to go on (inside `block_in_place` if `in_place`), then arms a
/// timer and a timeout.
fn held_in_a_poll_then_arming_timers(
    runtime: &corio::Handle,
    in_place: bool,
) -> (
    corio::task::JoinHandle<()>,
    mpsc::Receiver<()>,
    mpsc::Sender<()>,
) {
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let task = runtime.spawn(async move {
        let hold = move || {
            started_tx.send(()).unwrap();
            let _ = release_rx.recv_timeout(LIMIT);
        };
        if in_place {
            corio::task::block_in_place(hold);
        } else {
            hold();
        }
        corio::time::sleep(Duration::from_millis(10)).await;
        corio::time::timeout(Duration::from_millis(10), std::future::pending::<()>())
            .await
            .unwrap_err();
    });
    (task, started_rx, release_tx)
}

/// The same on a current-thread runtime driven by another thread's
/// `Handle::block_on`, dropped while that thread is inside a task's poll:
/// the drop does not wait for it, and a timer armed in the rest of the poll
/// waits quietly too. It panicked, as on a worker before.
#[test]
#[cfg_attr(miri, ignore)]
fn a_timer_armed_in_a_current_thread_poll_the_drop_left_is_cancelled_not_a_panic() {
    let runtime = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let handle = runtime.handle().clone();
    let (task, started, release_tx) = held_in_a_poll_then_arming_timers(&handle, false);
    let driving = std::thread::spawn(move || handle.block_on(task));
    recv(&started); // the other thread is inside the task's poll
    drop(runtime);
    release_tx.send(()).unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || done_tx.send(driving.join().unwrap()));
    let err = recv(&done_rx).unwrap_err();
    assert!(err.is_cancelled(), "the task ended as {err:?}");
}

/// A runtime dropped inside a `block_in_place` closure, on one of its own
/// workers (which gave its core away), waits like any drop for the other
/// workers to finish their polls and run their stop hooks; only its own
/// thread is left out. Before, the drop waited for no worker at all: it
/// returned while another worker was still inside a poll.
#[test]
#[cfg_attr(miri, ignore)]
fn a_drop_inside_block_in_place_waits_for_the_other_workers() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    let stops = Arc::new(AtomicUsize::new(0));
    let runtime = corio::Runtime::builder()
        .worker_threads(2)
        .slow_poll_threshold(None)
        .on_thread_stop({
            let stops = stops.clone();
            move || {
                stops.fetch_add(1, SeqCst);
            }
        })
        .build()
        .unwrap();
    let handle = runtime.handle().clone();
    let slot = Arc::new(Mutex::new(Some(runtime)));
    let returned = Arc::new(AtomicBool::new(false));
    let dropping = Arc::new(AtomicBool::new(false));
    let (polling_tx, polling_rx) = mpsc::channel();
    let (outcome_tx, outcome_rx) = mpsc::channel();
    // In one poll until the drop has returned, or for two seconds after it
    // began: a drop that waits for this worker cannot return first.
    handle.spawn({
        let (returned, dropping) = (returned.clone(), dropping.clone());
        let outcome_tx = outcome_tx.clone();
        async move {
            polling_tx.send(()).unwrap();
            let mut give_up = Instant::now() + common::LIMIT;
            let mut counting = false;
            while !returned.load(SeqCst) && Instant::now() < give_up {
                if !counting && dropping.load(SeqCst) {
                    counting = true;
                    give_up = Instant::now() + Duration::from_secs(2);
                }
                std::thread::yield_now();
            }
            let _ = outcome_tx.send(("poll ended after the drop", returned.load(SeqCst)));
        }
    });
    recv(&polling_rx);
    // On the other worker (this one is busy).
    handle.spawn(async move {
        corio::task::block_in_place(|| {
            dropping.store(true, SeqCst);
            drop(slot.lock().unwrap().take());
            returned.store(true, SeqCst);
            // The other worker and the thread that took this one's core.
            let _ = outcome_tx.send(("stop hooks run", stops.load(SeqCst) >= 2));
        });
    });
    let mut outcomes = [recv(&outcome_rx), recv(&outcome_rx)];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            ("poll ended after the drop", false),
            ("stop hooks run", true)
        ]
    );
}

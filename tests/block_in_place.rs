//! `task::block_in_place`: a task blocks its thread while the worker's
//! queue goes on on another (`scheduler/handoff.rs`); where no worker can
//! be handed over it just runs the closure, or, on a current-thread
//! runtime, refuses.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{LIMIT, bounded, one_worker};
use corio::sync::oneshot;
use corio::task::block_in_place;

/// With one worker, a task blocked in `block_in_place` would stop every
/// other task, were its worker not handed to a new thread: here the other
/// task runs while the first is still blocked, and then releases it.
#[test]
fn the_runtime_goes_on_while_a_task_blocks() {
    let runtime = one_worker();
    let out = runtime.block_on(bounded(async {
        let (entered_tx, entered_rx) = oneshot::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<u32>();
        let blocked = corio::spawn(async move {
            block_in_place(move || {
                entered_tx.send(()).unwrap();
                release_rx.recv_timeout(LIMIT).expect("released")
            })
        });
        entered_rx.await.unwrap();
        // Only another thread holding the worker's core can run this.
        let helper = corio::spawn(async move {
            corio::time::sleep(Duration::from_millis(1)).await;
            release_tx.send(7).unwrap();
            "helped"
        });
        (helper.await.unwrap(), blocked.await.unwrap())
    }));
    assert_eq!(out, ("helped", 7));
    assert_eq!(runtime.metrics().workers, 1);
}

/// The closure may borrow from the task, block on a future of the runtime
/// through `Handle::block_on`, and a short one gets its worker back.
#[test]
fn the_closure_borrows_and_may_block_on_a_future() {
    let runtime = one_worker();
    let got = runtime.block_on(bounded(async {
        corio::spawn(async {
            let words = String::from("ab");
            let handle = corio::Handle::current();
            let mut total = 0;
            for _ in 0..100 {
                total += block_in_place(|| {
                    handle.block_on(async {
                        corio::task::yield_now().await;
                        words.len()
                    })
                });
                // Still a task of the runtime afterwards.
                corio::task::yield_now().await;
            }
            total
        })
        .await
        .unwrap()
    }));
    assert_eq!(got, 200);
}

/// Many tasks on two workers block in turn; every one finishes, a task
/// beside them keeps running, and a closure that panics fails only its
/// own task.
#[test]
fn many_blocking_tasks_and_a_panic() {
    let runtime = common::two_workers();
    let ran = Arc::new(AtomicUsize::new(0));
    runtime.block_on(bounded(async {
        let mut tasks = corio::task::JoinSet::new();
        for i in 0..64 {
            let ran = ran.clone();
            tasks.spawn(async move {
                block_in_place(|| {
                    std::thread::sleep(Duration::from_micros(200)); // blocking work
                    ran.fetch_add(1, Ordering::SeqCst);
                });
                corio::task::yield_now().await;
                i
            });
        }
        let failed = corio::spawn(async { block_in_place(|| panic!("inside block_in_place")) });
        let mut sum = 0;
        while let Some(done) = tasks.join_next().await {
            sum += done.unwrap();
        }
        assert_eq!(sum, (0..64).sum::<i32>());
        assert!(failed.await.unwrap_err().is_panic());
        // The runtime still runs tasks.
        assert_eq!(corio::spawn(async { 5 }).await.unwrap(), 5);
    }));
    assert_eq!(ran.load(Ordering::SeqCst), 64);
    assert_eq!(runtime.metrics().workers, 2);
}

/// Outside any runtime, and inside a blocking job, it just runs the
/// closure.
#[test]
fn where_nothing_needs_handing_over_it_just_runs() {
    assert_eq!(block_in_place(|| 3), 3);
    let runtime = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let got = runtime.block_on(bounded(async {
        corio::spawn_blocking(|| block_in_place(|| 4))
            .await
            .unwrap()
    }));
    assert_eq!(got, 4);
}

/// A current-thread runtime has no thread to hand over to: the call
/// panics (as tokio's does), in a task as in `block_on`.
#[test]
fn a_current_thread_runtime_refuses() {
    let runtime = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let error = runtime
        .block_on(bounded(async {
            corio::spawn(async { block_in_place(|| 1) }).await
        }))
        .unwrap_err();
    assert!(error.is_panic());
    let message = common::panic_message(&*error.into_panic());
    assert!(message.contains("current-thread"), "{message}");
    let in_block_on = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async { block_in_place(|| 1) })
    }));
    assert!(in_block_on.is_err());
}

/// What decides is the runtime this thread runs, not the handle entered
/// last (as in tokio): a current-thread `block_on` refuses with a
/// multi-thread handle entered, and a multi-thread `block_on` runs the
/// closure with a current-thread handle entered.
#[test]
fn the_runtime_this_thread_runs_decides_not_the_handle_entered() {
    let multi = corio::Runtime::builder().worker_threads(1).build().unwrap();
    let current = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let multi_handle = multi.handle().clone();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        current.block_on(async move {
            let _entered = multi_handle.enter();
            block_in_place(|| 1)
        })
    }));
    assert!(
        refused.is_err(),
        "the current-thread runtime's thread blocked"
    );
    let current_handle = current.handle().clone();
    let ran = multi.block_on(bounded(async move {
        let _entered = current_handle.enter();
        block_in_place(|| 2)
    }));
    assert_eq!(ran, 2);
}

/// A runtime shut down while a task is blocked in `block_in_place` waits
/// for it no longer than its timeout; the task's thread ends once the
/// closure returns (it sees the shutdown, and waits as no spare).
#[test]
fn shutdown_does_not_wait_past_its_timeout() {
    let runtime = one_worker();
    let (entered_tx, entered_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    runtime.spawn(async move {
        block_in_place(move || {
            entered_tx.send(()).unwrap();
            // Twice the limit: a shutdown that waited for the closure would
            // take about that long, and fail the bound below.
            let _ = release_rx.recv_timeout(2 * LIMIT);
        })
    });
    entered_rx.recv_timeout(LIMIT).expect("the task blocked");
    let start = std::time::Instant::now();
    runtime.shutdown_timeout(Duration::from_millis(50));
    assert!(
        start.elapsed() < LIMIT,
        "the shutdown waited for the closure"
    );
    release_tx.send(()).unwrap();
}

/// A poll that blocks inside `block_in_place` stalls nothing (its worker
/// went on elsewhere): it is no slow poll, while a plain blocking poll of
/// the same length is one. The task's own short stretches around the
/// hand-over are timed too, and a thread the OS kept off its core for the
/// threshold's 20 ms on a loaded machine would be reported: one of three
/// tries must pass (a hand-over that failed to free the poll fails all).
#[test]
fn blocking_in_place_is_no_slow_poll() {
    common::passes_in_one_of(3, in_place_is_not_reported_but_plain_is);
}

fn in_place_is_not_reported_but_plain_is() -> Result<(), String> {
    let reports = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = reports.clone();
    let (started_tx, started) = std::sync::mpsc::channel();
    let started_tx = std::sync::Mutex::new(started_tx);
    let runtime = corio::Runtime::builder()
        .worker_threads(1)
        .slow_poll_threshold(Some(Duration::from_millis(20)))
        .on_slow_poll(move |report| sink.lock().unwrap().push(report.task_id))
        .on_thread_start(move || {
            let _ = started_tx.lock().unwrap().send(());
        })
        .build()
        .unwrap();
    common::recv(&started); // the worker
    let (in_place, plain) = runtime.block_on(bounded(async {
        // A first hand-over, whose closure waits until the thread taking
        // the worker over has started: it stays as a spare, so the one
        // measured below is taken over at once, however slowly a new
        // thread would start on a loaded machine (a late one let the
        // worker come back to its poll, and the poll measured the closure).
        corio::spawn(async move { block_in_place(|| common::recv(&started)) })
            .await
            .unwrap();
        let in_place = corio::spawn(async {
            block_in_place(|| {
                // Blocks only once another thread has the core (on one
                // worker, only that thread runs the task spawned here): a
                // spare not yet waiting again would leave the hand-over to
                // a new thread, maybe too late to take the core first.
                let (tx, rx) = std::sync::mpsc::channel();
                corio::spawn(async move { tx.send(()).unwrap() });
                common::recv(&rx);
                std::thread::sleep(Duration::from_millis(100));
            });
        });
        let in_place_id = in_place.id().as_u64();
        in_place.await.unwrap();
        let plain = corio::spawn(async { std::thread::sleep(Duration::from_millis(100)) });
        let plain_id = plain.id().as_u64();
        plain.await.unwrap();
        (in_place_id, plain_id)
    }));
    drop(runtime);
    let reports = reports.lock().unwrap();
    if !reports.contains(&plain) {
        return Err(format!("the plain blocking poll: {reports:?}"));
    }
    if reports.contains(&in_place) {
        return Err(format!("block_in_place: {reports:?}"));
    }
    Ok(())
}

/// A task woken into the worker's LIFO slot by the thread that took the
/// core over belongs to that thread: the detached thread, ending after its
/// poll, once dropped it with its placeholder core, and the task never ran.
#[test]
fn the_lifo_slot_stays_with_the_thread_that_took_the_core() {
    let runtime = one_worker();
    runtime.block_on(bounded(async {
        let (entered_tx, entered_rx) = oneshot::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let blocked = corio::spawn(async move {
            block_in_place(move || {
                let _ = entered_tx.send(common::threads::this_thread_asleep()); // A
                release_rx.recv_timeout(LIMIT).expect("released");
            })
        });
        let a_asleep = entered_rx.await.unwrap();
        let a_polled = blocked.abort_handle();
        let (wake_tx, wake_rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = oneshot::channel::<()>();
        let woken = corio::spawn(async move {
            ready_tx.send(()).unwrap();
            wake_rx.await.unwrap();
        });
        ready_rx.await.unwrap();
        let busy = corio::spawn(async move {
            wake_tx.send(()).unwrap(); // `woken` into this worker's LIFO slot
            release_tx.send(()).unwrap(); // the blocked thread ends its poll
            // Busy, `woken` in the slot, until A dropped its placeholder: task done, A asleep.
            common::threads::until("thread A never finished", || {
                a_polled.is_finished() && a_asleep()
            });
        });
        woken.await.unwrap();
        blocked.await.unwrap();
        busy.await.unwrap(); // its wait's own failure, if it had one
    }));
}

/// A runtime dropped while a closure blocks on one of its own tasks: the
/// tasks are cancelled and the driver stopped before the drop waits for
/// that thread, so the closure's wait ends and the drop returns.
#[test]
fn dropping_the_runtime_ends_a_closure_that_waits_on_it() {
    let runtime = one_worker();
    let (entered_tx, entered_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    runtime.spawn(async move {
        let handle = corio::Handle::current();
        let outcome = block_in_place(move || {
            entered_tx.send(()).unwrap();
            handle.block_on(corio::spawn(std::future::pending::<()>()))
        });
        let _ = done_tx.send(outcome.is_err());
    });
    entered_rx.recv_timeout(LIMIT).expect("the task blocked");
    let (dropped_tx, dropped_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(runtime);
        let _ = dropped_tx.send(());
    });
    dropped_rx.recv_timeout(LIMIT).expect("the drop returned");
    assert_eq!(
        done_rx.recv_timeout(LIMIT),
        Ok(true),
        "the inner task was cancelled"
    );
}

/// Called outside a task's poll (a park hook), it blocks in place: no
/// core is handed over, and no thread is started.
#[test]
fn outside_a_poll_it_hands_nothing_over() {
    let started = Arc::new(AtomicUsize::new(0));
    let counter = started.clone();
    let runtime = corio::Runtime::builder()
        .worker_threads(2)
        .on_thread_park(|| block_in_place(|| ()))
        .on_thread_start(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let done = runtime.block_on(bounded(async {
        let tasks: Vec<_> = (0..200)
            .map(|_| corio::spawn(corio::time::sleep(Duration::from_millis(1))))
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        200
    }));
    assert_eq!(done, 200);
    drop(runtime);
    assert_eq!(
        started.load(Ordering::SeqCst),
        2,
        "only the two workers started"
    );
}

/// A closure blocked in place that builds a runtime whose thread cannot
/// be started: that failure counts nothing out of the outer runtime's
/// threads (it once did, on the thread the failed spawn dropped its
/// closure on), and both runtimes drop.
#[test]
fn a_failed_thread_start_inside_the_closure_leaves_the_counts_alone() {
    // On its own thread: the way this once failed was a drop that never
    // returned, which no timeout inside the runtime could cut short.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = one_worker();
        let failed = runtime.block_on(bounded(async {
            corio::spawn(async {
                block_in_place(|| {
                    corio::Runtime::builder()
                        .worker_threads(1)
                        .slow_poll_threshold(None)
                        .thread_stack_size(1 << 50) // no thread gets a petabyte
                        .build()
                        .is_err()
                })
            })
            .await
            .unwrap()
        }));
        drop(runtime);
        let _ = done_tx.send(failed);
    });
    let failed = done_rx.recv_timeout(LIMIT).expect("both runtimes dropped");
    assert!(failed, "the inner runtime could not start its worker");
}

/// The task in the worker's LIFO slot is not stuck while the new thread
/// starts (its start hook is user code, here one that waits): it joins
/// the queue, and the other worker takes it.
#[test]
fn the_lifo_task_is_not_stuck_while_the_new_thread_starts() {
    let started = Arc::new(AtomicUsize::new(0));
    let (gate_tx, gate_rx) = std::sync::mpsc::channel::<()>();
    let gate = std::sync::Mutex::new(gate_rx);
    let counter = started.clone();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let started_tx = std::sync::Mutex::new(started_tx);
    let runtime = corio::Runtime::builder()
        .worker_threads(2)
        .on_thread_start(move || {
            if counter.fetch_add(1, Ordering::SeqCst) >= 2 {
                // A thread started by `block_in_place`: slow to get going.
                let _ = gate.lock().unwrap().recv_timeout(LIMIT);
            }
            let _ = started_tx.lock().unwrap().send(());
        })
        .build()
        .unwrap();
    // Both workers first, so that the third thread is the slow one.
    common::recv(&started_rx);
    common::recv(&started_rx);
    let got = runtime.block_on(bounded(async {
        corio::spawn(async {
            let (tx, rx) = std::sync::mpsc::channel();
            // Spawned from a worker: into its LIFO slot.
            corio::spawn(async move { tx.send(5).unwrap() });
            block_in_place(|| rx.recv_timeout(LIMIT / 4))
        })
        .await
        .unwrap()
    }));
    gate_tx.send(()).unwrap();
    assert_eq!(got, Ok(5));
}

/// The closure runs without the task's coop budget, as tokio's does: a
/// task that spent its budget and then blocks in place can still poll
/// corio futures there (by hand, or with another executor's `block_on`).
/// Before, every such poll said `Pending`: 128 of 300 ready receives
/// at most, and a `select!` over a ready future never chose it.
#[test]
fn the_closure_runs_without_the_tasks_budget() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Waker};

    let rt = common::two_workers();
    let (ready, selected) = rt.block_on(common::bounded(async {
        corio::spawn(async {
            let (tx, rx) = corio::sync::channel::bounded::<u32>(512);
            for i in 0..300 {
                tx.try_send(i).unwrap();
            }
            corio::task::block_in_place(|| {
                let mut cx = Context::from_waker(Waker::noop());
                let ready = (0..300)
                    .filter(|_| pin!(rx.recv()).poll(&mut cx).is_ready())
                    .count();
                let selected = pin!(async {
                    corio::select! { v = std::future::ready(1) => v }
                })
                .poll(&mut cx)
                .is_ready();
                (ready, selected)
            })
        })
        .await
        .unwrap()
    }));
    assert_eq!(ready, 300, "every queued message was received");
    assert!(selected, "select! chose the ready branch");
}

/// A second thread in a current-thread runtime's `block_on`, waiting for
/// its future while the first thread holds the core, refuses too: before,
/// it ran the closure, so whether the call panicked hung on which thread
/// got the core.
#[test]
fn a_current_thread_block_on_refuses_while_another_thread_holds_the_core() {
    let runtime = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (started_tx, started) = std::sync::mpsc::channel();
    let (release, released) = oneshot::channel::<()>();
    std::thread::scope(|scope| {
        let holder = scope.spawn(|| {
            runtime.block_on(bounded(async {
                started_tx.send(()).unwrap();
                released.await.unwrap();
            }))
        });
        started.recv_timeout(LIMIT).unwrap();
        let message = runtime.handle().block_on(bounded(async {
            let refused = std::panic::catch_unwind(|| block_in_place(|| 1));
            common::panic_message(&*refused.expect_err("the closure ran"))
        }));
        assert!(message.contains("current-thread"), "{message}");
        release.send(()).unwrap();
        holder.join().unwrap();
    });
}

//! Shutting a runtime down: each unfinished future dropped exactly once
//! (idle, queued or mid-abort), wakers kept past the runtime harmless,
//! `shutdown_timeout` and `shutdown_background` bounded (spawns after
//! shutdown are in `spawn_after_shutdown.rs`, what a future's `Drop` may
//! do while a shutdown drops it in `shutdown_drops.rs`). The drops under test run in
//! `common::within_limit`: a shutdown that hangs fails the test instead of
//! hanging it.

mod common;

use std::sync::{Arc, Mutex, mpsc};
use std::task::Waker;
use std::time::{Duration, Instant};

use common::{Drops, LIMIT, Latch, block_on, bounded, recv, two_workers};

/// A future that stays pending, hands its waker out each time it is polled,
/// and counts `polled` down at its first poll.
fn pending_with_waker(
    slot: Arc<Mutex<Option<Waker>>>,
    polled: Arc<Latch>,
) -> impl Future<Output = ()> {
    let mut first = true;
    std::future::poll_fn(move |cx| {
        *slot.lock().unwrap() = Some(cx.waker().clone());
        if std::mem::take(&mut first) {
            polled.count_down();
        }
        std::task::Poll::Pending
    })
}

/// A blocking job that runs until told to finish (or for `LIMIT`).
struct BlockingJob {
    release: mpsc::Sender<()>,
    done: mpsc::Receiver<()>,
}

impl BlockingJob {
    /// Starts the job on `runtime`'s blocking pool and waits until it runs.
    fn start(runtime: &corio::Runtime) -> BlockingJob {
        let (started_tx, started_rx) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let (done_tx, done) = mpsc::channel();
        runtime.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            let _ = release_rx.recv_timeout(LIMIT);
            done_tx.send(()).unwrap();
        });
        recv(&started_rx);
        BlockingJob { release, done }
    }

    fn is_running(&self) -> bool {
        self.done.try_recv().is_err()
    }

    /// Lets the job end and waits until it has.
    fn finish(self) {
        self.release.send(()).unwrap();
        recv(&self.done);
    }
}

// ---------------------------------------------------------------- shutdown

#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_drops_each_idle_task_once() {
    const TASKS: usize = 1_000;
    let runtime = two_workers();
    let drops = Drops::new(TASKS);
    let polled = Latch::new(TASKS);
    let mut handles = Vec::new();
    for i in 0..TASKS {
        let (tracked, polled) = (drops.track(i), polled.clone());
        handles.push(runtime.spawn(async move {
            let _tracked = tracked;
            polled.count_down();
            std::future::pending::<()>().await;
        }));
    }
    runtime.block_on(bounded(polled.wait()));
    assert_eq!(drops.total(), 0);
    common::within_limit(move || drop(runtime));
    drops.assert_each_dropped_once();
    // The handles outlive the runtime and report cancellation.
    for handle in handles {
        assert!(handle.is_finished());
        let err = futures_lite::future::block_on(handle).unwrap_err();
        assert!(err.is_cancelled());
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_drops_each_queued_task_once() {
    const TASKS: usize = 1_000;
    let runtime = two_workers();
    let drops = Drops::new(2 * TASKS);
    let busy = Latch::new(2);
    let released = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    // Occupy both workers until shutdown has begun, so that what follows
    // stays queued: one task fills its worker's local queue, the injector
    // gets the rest. They block (not spin), leaving the cores to the
    // shutdown and the test thread.
    for w in 0..2 {
        let busy = busy.clone();
        let drops = drops.clone();
        let released = released.clone();
        runtime.spawn(async move {
            if w == 0 {
                for i in 0..TASKS {
                    let tracked = drops.track(TASKS + i);
                    drop(corio::spawn(async move {
                        let _tracked = tracked;
                        std::future::pending::<()>().await;
                    }));
                }
            }
            busy.count_down();
            let (flag, changed) = &*released;
            let guard = flag.lock().unwrap();
            drop(changed.wait_timeout_while(guard, LIMIT, |released| !*released));
        });
    }
    runtime.block_on(bounded(busy.wait()));
    for i in 0..TASKS {
        let tracked = drops.track(i);
        drop(runtime.spawn(async move {
            let _tracked = tracked;
            std::future::pending::<()>().await;
        }));
    }
    let handle = runtime.handle().clone();
    let (dropped_tx, dropped) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(runtime);
        let _ = dropped_tx.send(());
    });
    // While both workers are busy, a task spawned from outside waits in the
    // injection queue; once shutdown has begun, it is dropped instead.
    let shutdown_began = || {
        let before = handle.metrics().injection_queue_depth;
        drop(handle.spawn(async {}));
        handle.metrics().injection_queue_depth == before
    };
    common::threads::until("the shutdown never began", shutdown_began);
    *released.0.lock().unwrap() = true;
    released.1.notify_all();
    common::recv(&dropped);
    drops.assert_each_dropped_once();
}

#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_drops_each_task_once_mid_abort() {
    const TASKS: usize = 1_000;
    let runtime = two_workers();
    let drops = Drops::new(TASKS);
    let mut aborts = Vec::new();
    for i in 0..TASKS {
        let tracked = drops.track(i);
        let handle = runtime.spawn(async move {
            let _tracked = tracked;
            loop {
                corio::task::yield_now().await;
            }
        });
        aborts.push(handle.abort_handle());
    }
    // Abort from another thread while the runtime shuts down.
    let aborter = std::thread::spawn(move || {
        for abort in &aborts {
            abort.abort();
        }
        aborts
    });
    common::within_limit(move || drop(runtime));
    let aborts = common::threads::join(aborter);
    drops.assert_each_dropped_once();
    assert!(aborts.iter().all(|a| a.is_finished()));
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_waker_kept_after_the_runtime_is_gone_does_nothing() {
    let runtime = two_workers();
    let slot = Arc::new(Mutex::new(None::<Waker>));
    let drops = Drops::new(1);
    let polled = Latch::new(1);
    {
        let (slot, tracked, polled) = (slot.clone(), drops.track(0), polled.clone());
        runtime.spawn(async move {
            let _tracked = tracked;
            pending_with_waker(slot, polled).await;
        });
    }
    runtime.block_on(bounded(polled.wait()));
    common::within_limit(move || drop(runtime));
    drops.assert_each_dropped_once();
    let waker = slot.lock().unwrap().take().unwrap();
    let clone = waker.clone();
    waker.wake_by_ref();
    waker.wake();
    // From another thread too.
    common::within_limit(move || {
        clone.wake_by_ref();
        clone.wake();
    });
    // No wake ran the task's drop again (or polled what is gone).
    drops.assert_each_dropped_once();
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_waker_woken_during_shutdown_does_nothing() {
    let runtime = two_workers();
    let slots: Vec<_> = (0..100)
        .map(|_| Arc::new(Mutex::new(None::<Waker>)))
        .collect();
    let polled = Latch::new(slots.len());
    let drops = Drops::new(slots.len());
    for (i, slot) in slots.iter().enumerate() {
        let (slot, tracked, polled) = (slot.clone(), drops.track(i), polled.clone());
        runtime.spawn(async move {
            let _tracked = tracked;
            pending_with_waker(slot, polled).await;
        });
    }
    runtime.block_on(bounded(polled.wait()));
    let wakers: Vec<Waker> = slots
        .iter()
        .map(|s| s.lock().unwrap().clone().unwrap())
        .collect();
    let waking = std::thread::spawn(move || {
        for _ in 0..100 {
            for waker in &wakers {
                waker.wake_by_ref();
            }
        }
    });
    common::within_limit(move || drop(runtime));
    common::threads::join(waking);
    drops.assert_each_dropped_once();
}

#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_timeout_returns_in_time_with_a_blocking_job_running() {
    let runtime = two_workers();
    let job = BlockingJob::start(&runtime);
    let timeout = Duration::from_millis(100);
    let start = Instant::now();
    runtime.shutdown_timeout(timeout);
    let took = start.elapsed();
    assert!(took >= timeout, "it waited for the job only {took:?}");
    assert!(took < LIMIT / 2, "it waited for the job to end: {took:?}");
    assert!(job.is_running(), "the job is still running");
    job.finish();
}

#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_background_does_not_wait() {
    let runtime = two_workers();
    let job = BlockingJob::start(&runtime);
    let drops = Drops::new(1);
    let tracked = drops.track(0);
    runtime.spawn(async move {
        let _tracked = tracked;
        std::future::pending::<()>().await;
    });
    let start = Instant::now();
    runtime.shutdown_background();
    assert!(start.elapsed() < LIMIT / 2);
    // A worker still inside the task's first poll drops it right after.
    let deadline = Instant::now() + LIMIT;
    while drops.total() < 1 {
        assert!(Instant::now() < deadline, "the task was never dropped");
        std::thread::yield_now();
    }
    drops.assert_each_dropped_once();
    job.finish();
}

/// A runtime dropped inside another runtime's task cannot wait for its
/// blocking jobs: that would stall the worker running the drop. Its tasks
/// are still cancelled.
#[test]
#[cfg_attr(miri, ignore)]
fn a_runtime_dropped_inside_a_task_waits_for_nothing() {
    let inner = two_workers();
    let job = BlockingJob::start(&inner);
    let drops = Drops::new(1);
    let tracked = drops.track(0);
    inner.spawn(async move {
        let _tracked = tracked;
        std::future::pending::<()>().await;
    });
    let job = block_on(async move {
        let dropper = corio::spawn(async move {
            drop(inner);
            job
        });
        dropper.await.unwrap()
    });
    assert!(job.is_running(), "the drop waited for the blocking job");
    // The drop did not wait for the workers either: one still inside the
    // pending task's first poll drops it right after that poll.
    let deadline = Instant::now() + LIMIT;
    while drops.total() < 1 {
        assert!(
            Instant::now() < deadline,
            "the pending task was never dropped"
        );
        std::thread::yield_now();
    }
    drops.assert_each_dropped_once();
    job.finish();
}

/// `shutdown_timeout` in a task waits for nothing either, whatever the
/// timeout: the blocking job it would wait for may itself wait on the task
/// that called it.
#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_timeout_inside_a_task_waits_for_nothing() {
    let inner = two_workers();
    let job = BlockingJob::start(&inner);
    let job = block_on(async move {
        corio::spawn(async move {
            inner.shutdown_timeout(Duration::MAX);
            job
        })
        .await
        .unwrap()
    });
    assert!(
        job.is_running(),
        "shutdown_timeout waited for the blocking job"
    );
    job.finish();
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_runtime_is_reusable_after_many_block_ons() {
    let runtime = two_workers();
    for i in 0..50u64 {
        let out = runtime.block_on(bounded(async move {
            corio::spawn(async move { i * 2 }).await.unwrap()
        }));
        assert_eq!(out, i * 2);
    }
    // And common::block_on still gives a fresh one.
    assert_eq!(block_on(async { 1 }), 1);
}

#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_timeout_is_bounded_with_a_worker_stuck_in_a_poll() {
    let runtime = two_workers();
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    runtime.spawn(async move {
        started_tx.send(()).unwrap();
        // A task that blocks its worker (the misuse the watchdog reports).
        let _ = release_rx.recv_timeout(LIMIT);
    });
    recv(&started_rx);
    let start = Instant::now();
    runtime.shutdown_timeout(Duration::from_millis(100));
    let took = start.elapsed();
    drop(release_tx);
    assert!(
        took < LIMIT / 2,
        "shutdown_timeout(100 ms) took {took:?}: it waited for the stuck worker"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn dropping_the_runtime_ends_a_blocking_job_that_waits_on_a_timer() {
    // The job blocks on a runtime timer. Once the workers are gone nobody
    // turns the driver, so shutdown must stop the driver (failing the
    // timer) before it waits for the blocking pool, or it waits forever.
    common::within_limit(|| {
        let runtime = common::two_workers();
        let handle = runtime.handle().clone();
        let (started_tx, started) = mpsc::channel();
        let job = runtime.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            handle.block_on(corio::time::sleep(LIMIT * 2));
        });
        recv(&started);
        drop(runtime);
        drop(job);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_runtime_dropped_inside_its_own_blocking_job_does_not_wait_for_itself() {
    common::within_limit(|| {
        let runtime = two_workers();
        let handle = runtime.handle().clone();
        let (dropped_tx, dropped) = mpsc::channel();
        handle.spawn_blocking(move || {
            drop(runtime);
            dropped_tx.send(()).unwrap();
        });
        recv(&dropped);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_runtime_dropped_with_tasks_in_a_local_queue_is_freed() {
    // The hook is held by the runtime alone: once the runtime is freed, so
    // is the probe. A task left in a worker's local queue holds a reference
    // to the runtime; shutdown must drop it, or the runtime (its epoll and
    // eventfd descriptors included) leaks. A current-thread block_on that
    // spawns and returns leaves exactly that.
    let probe = Arc::new(());
    let held = probe.clone();
    let runtime = corio::runtime::Builder::new_current_thread()
        .on_slow_poll(move |_| {
            let _ = &held;
        })
        .build()
        .unwrap();
    runtime.block_on(async {
        for _ in 0..3 {
            corio::spawn(async {}); // queued, never run: block_on returns first
        }
    });
    assert_eq!(runtime.metrics().alive_tasks, 3);
    common::within_limit(move || drop(runtime));
    assert_eq!(Arc::strong_count(&probe), 1, "the runtime leaked");
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_runtime_shut_down_in_the_background_is_freed_once_its_worker_ends() {
    // shutdown_background does not wait: its shutdown runs while the worker
    // is still in a poll, and whatever the worker does after that poll
    // (cancel the task, or requeue it if it was woken just before the
    // shutdown; `run_worker` then drops what it queued) must not keep the
    // runtime alive once the worker thread ends.
    let probe = Arc::new(());
    let held = probe.clone();
    let runtime = corio::Runtime::builder()
        .worker_threads(1)
        .on_slow_poll(move |_| {
            let _ = &held;
        })
        .build()
        .unwrap();
    let (started_tx, started) = mpsc::channel();
    runtime.spawn(async move {
        let _ = started_tx.send(());
        loop {
            // Each poll keeps the worker a while (the slowness is the point
            // of the test, not a synchronisation), then requeues the task.
            std::thread::sleep(Duration::from_millis(5));
            corio::task::yield_now().await;
        }
    });
    recv(&started);
    runtime.shutdown_background();
    // The worker ends after its current poll; the probe must then be free.
    let deadline = Instant::now() + LIMIT;
    while Arc::strong_count(&probe) > 1 {
        assert!(Instant::now() < deadline, "the runtime leaked");
        std::thread::yield_now();
    }
}

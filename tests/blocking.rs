//! The blocking pool: threads on demand up to the maximum, FIFO order,
//! keep-alive expiry, panics, and shutdown waiting for running jobs.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::{LIMIT, bounded, panic_message, recv};
use corio::Runtime;

fn runtime_with_max_blocking(max: usize) -> Runtime {
    Runtime::builder()
        .worker_threads(1)
        .max_blocking_threads(max)
        .build()
        .unwrap()
}

/// A job that has started and returns `value` once the sender is used
/// (or after [`LIMIT`]).
fn running_until_released(
    runtime: &Runtime,
    value: i32,
) -> (corio::task::JoinHandle<i32>, mpsc::Sender<()>) {
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let running = runtime.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv_timeout(LIMIT).unwrap();
        value
    });
    recv(&started_rx);
    (running, release_tx)
}

/// How many jobs run at once, and the most that ever did.
#[derive(Default)]
struct Concurrency {
    now: Mutex<usize>,
    changed: Condvar,
    peak: AtomicUsize,
}

impl Concurrency {
    /// Enters, then waits (bounded) until `want` jobs have run at once, so
    /// that the peak is reached deterministically when the pool allows it.
    fn enter_and_wait_for(&self, want: usize) {
        let mut now = self.now.lock().unwrap();
        *now += 1;
        self.peak.fetch_max(*now, SeqCst);
        self.changed.notify_all();
        let (_now, _) = self
            .changed
            .wait_timeout_while(now, LIMIT, |_| self.peak.load(SeqCst) < want)
            .unwrap();
    }

    fn leave(&self) {
        *self.now.lock().unwrap() -= 1;
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn threads_are_made_on_demand_up_to_the_maximum() {
    const JOBS: usize = 12;
    let runtime = runtime_with_max_blocking(2);
    let concurrency = Arc::new(Concurrency::default());
    let threads = Arc::new(Mutex::new(std::collections::HashSet::new()));
    let handles: Vec<_> = (0..JOBS)
        .map(|i| {
            let (concurrency, threads) = (concurrency.clone(), threads.clone());
            runtime.spawn_blocking(move || {
                concurrency.enter_and_wait_for(2);
                threads.lock().unwrap().insert(std::thread::current().id());
                concurrency.leave();
                i
            })
        })
        .collect();
    runtime.block_on(bounded(async {
        for (i, handle) in handles.into_iter().enumerate() {
            assert_eq!(handle.await.unwrap(), i);
        }
    }));
    assert_eq!(
        concurrency.peak.load(SeqCst),
        2,
        "exactly the maximum ran at once"
    );
    assert_eq!(
        threads.lock().unwrap().len(),
        2,
        "no more threads than the maximum"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn jobs_run_in_fifo_order_on_one_thread() {
    const JOBS: usize = 50;
    let runtime = runtime_with_max_blocking(1);
    let order = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..JOBS)
        .map(|i| {
            let order = order.clone();
            runtime.spawn_blocking(move || order.lock().unwrap().push(i))
        })
        .collect();
    runtime.block_on(bounded(async {
        for handle in handles {
            handle.await.unwrap();
        }
    }));
    assert_eq!(*order.lock().unwrap(), (0..JOBS).collect::<Vec<_>>());
}

#[test]
#[cfg_attr(miri, ignore)]
fn an_idle_thread_exits_after_the_keep_alive() {
    let (tx, rx) = mpsc::channel::<String>();
    let tx = Mutex::new(tx);
    let runtime = Runtime::builder()
        .worker_threads(1)
        .thread_name("keep-alive")
        .blocking_keep_alive(Duration::from_millis(50))
        .on_thread_stop(move || {
            let name = std::thread::current().name().unwrap_or("").to_string();
            let _ = tx.lock().unwrap().send(name);
        })
        .build()
        .unwrap();
    let first = runtime.block_on(bounded(
        runtime.spawn_blocking(|| std::thread::current().name().map(String::from)),
    ));
    let first = first.unwrap().unwrap();
    assert!(first.contains("blocking"), "{first}");
    // Workers only stop at shutdown, so the first stop is the idle thread.
    let stopped = recv(&rx);
    assert_eq!(stopped, first, "the idle blocking thread exited");
    // The pool starts a new thread for the next job.
    let second = runtime.block_on(bounded(runtime.spawn_blocking(|| 7)));
    assert_eq!(second.unwrap(), 7);
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_panic_in_a_blocking_job_is_a_join_error() {
    let runtime = runtime_with_max_blocking(1);
    runtime.block_on(bounded(async {
        let err = corio::spawn_blocking(|| panic!("blocking boom"))
            .await
            .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(panic_message(&*err.into_panic()), "blocking boom");
        // The single pool thread (or its replacement) still runs jobs.
        assert_eq!(corio::spawn_blocking(|| 3).await.unwrap(), 3);
    }));
}

#[test]
#[cfg_attr(miri, ignore)]
fn blocking_jobs_do_not_hold_up_the_workers() {
    let runtime = common::one_worker();
    runtime.block_on(bounded(async {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let job = corio::spawn_blocking(move || release_rx.recv_timeout(LIMIT).is_ok());
        // The only worker is free while the job blocks.
        assert_eq!(corio::spawn(async { 5 }).await.unwrap(), 5);
        release_tx.send(()).unwrap();
        assert!(job.await.unwrap());
    }));
}

#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_waits_for_running_jobs() {
    // The worker's stop hook runs only once shutdown has begun: the job
    // waits for it, so it is still running when `drop` gets to the pool,
    // however slowly the steps before that go.
    let (stopping_tx, stopping_rx) = mpsc::channel();
    let runtime = Runtime::builder()
        .worker_threads(1)
        .max_blocking_threads(2)
        .on_thread_stop(move || {
            let _ = stopping_tx.send(());
        })
        .build()
        .unwrap();
    let finished = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = mpsc::channel();
    {
        let finished = finished.clone();
        runtime.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            recv(&stopping_rx);
            // Still running while shutdown waits for the pool.
            std::thread::sleep(Duration::from_millis(100));
            finished.store(true, SeqCst);
        });
    }
    recv(&started_rx);
    common::within_limit(move || drop(runtime));
    assert!(
        finished.load(SeqCst),
        "drop returned before the running job ended"
    );
}

/// A thread idle past its keep-alive leaves the pool's count at once, but
/// runs its stop hook inside the runtime: dropping the runtime waits for
/// that hook too.
#[test]
#[cfg_attr(miri, ignore)]
fn drop_waits_for_the_stop_hook_of_a_thread_leaving_on_keep_alive() {
    let (leaving_tx, leaving_rx) = mpsc::channel();
    let (stopping_tx, stopping_rx) = mpsc::channel();
    let (leaving_tx, stopping_tx) = (Mutex::new(leaving_tx), Mutex::new(stopping_tx));
    let stopping_rx = Mutex::new(stopping_rx);
    let hook_ended = Arc::new(AtomicBool::new(false));
    let ended = hook_ended.clone();
    let runtime = Runtime::builder()
        .worker_threads(1)
        .blocking_keep_alive(Duration::from_millis(10))
        .on_thread_stop(move || {
            let name = std::thread::current().name().unwrap_or("").to_string();
            if !name.contains("blocking") {
                // The worker stops only once the runtime is being dropped.
                let _ = stopping_tx.lock().unwrap().send(());
                return;
            }
            let _ = leaving_tx.lock().unwrap().send(());
            recv(&stopping_rx.lock().unwrap());
            // Still in the hook while the drop waits for the pool.
            std::thread::sleep(Duration::from_millis(100));
            ended.store(true, SeqCst);
        })
        .build()
        .unwrap();
    let job = runtime.block_on(bounded(runtime.spawn_blocking(|| 1)));
    assert_eq!(job.unwrap(), 1);
    // The idle pool thread is in its stop hook, out of the pool's count.
    recv(&leaving_rx);
    common::within_limit(move || drop(runtime));
    assert!(
        hook_ended.load(SeqCst),
        "drop returned before the leaving thread's stop hook ended"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn queued_jobs_are_cancelled_at_shutdown() {
    let runtime = runtime_with_max_blocking(1);
    let (started_tx, started_rx) = mpsc::channel();
    let (probe_tx, probe_rx) = mpsc::channel::<corio::task::AbortHandle>();
    let running = runtime.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        // Occupies the only pool thread until shutdown has dealt with the
        // queued job, however long shutdown takes to get there.
        let queued = probe_rx.recv_timeout(LIMIT).unwrap();
        let give_up = Instant::now() + LIMIT;
        while !queued.is_finished() {
            assert!(
                Instant::now() < give_up,
                "shutdown never ended the queued job"
            );
            std::thread::yield_now();
        }
        1
    });
    recv(&started_rx);
    let ran = Arc::new(AtomicBool::new(false));
    let queued = {
        let ran = ran.clone();
        runtime.spawn_blocking(move || ran.store(true, SeqCst))
    };
    probe_tx.send(queued.abort_handle()).unwrap();
    // Bounded: a shutdown that loses a job's outcome fails, not hangs.
    common::within_limit(move || {
        drop(runtime);
        assert_eq!(futures_lite::future::block_on(running).unwrap(), 1);
        let err = futures_lite::future::block_on(queued).unwrap_err();
        assert!(err.is_cancelled());
        assert!(!ran.load(SeqCst), "a queued job never runs after shutdown");
    });
}

/// A drop first waits for the workers to finish the polls they are in. A
/// queued job is cancelled before that wait, as tokio cancels it once
/// shutdown begins: it must not start on a pool thread freed meanwhile.
#[test]
#[cfg_attr(miri, ignore)]
fn queued_jobs_are_cancelled_before_the_drop_waits_for_a_busy_worker() {
    let runtime = Runtime::builder()
        .worker_threads(1)
        .max_blocking_threads(1)
        .slow_poll_threshold(None)
        .build()
        .unwrap();
    let (running, release_tx) = running_until_released(&runtime, 1);
    let ran = Arc::new(AtomicBool::new(false));
    let queued = {
        let ran = ran.clone();
        runtime.spawn_blocking(move || ran.store(true, SeqCst))
    };
    let probe = queued.abort_handle();
    let (polling_tx, polling_rx) = mpsc::channel();
    let waited_out = Arc::new(AtomicBool::new(false));
    // In one poll until the queued job has ended (so the drop waits for
    // this worker meanwhile), then frees the pool thread.
    let busy = runtime.spawn({
        let waited_out = waited_out.clone();
        async move {
            polling_tx.send(()).unwrap();
            let give_up = Instant::now() + LIMIT / 4;
            while !probe.is_finished() {
                if Instant::now() > give_up {
                    waited_out.store(true, SeqCst);
                    break;
                }
                std::thread::yield_now();
            }
            release_tx.send(()).unwrap();
        }
    });
    recv(&polling_rx);
    common::within_limit(move || {
        drop(runtime);
        assert!(
            !waited_out.load(SeqCst),
            "the queued job was still queued while the drop waited for the worker"
        );
        assert_eq!(futures_lite::future::block_on(running).unwrap(), 1);
        let err = futures_lite::future::block_on(queued).unwrap_err();
        assert!(err.is_cancelled());
        assert!(!ran.load(SeqCst), "a queued job never runs after shutdown");
        drop(busy);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn aborting_a_queued_job_cancels_it() {
    let runtime = runtime_with_max_blocking(1);
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let running = runtime.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv_timeout(LIMIT).is_ok()
    });
    recv(&started_rx);
    let ran = Arc::new(AtomicBool::new(false));
    let queued = {
        let ran = ran.clone();
        runtime.spawn_blocking(move || ran.store(true, SeqCst))
    };
    queued.abort();
    release_tx.send(()).unwrap();
    runtime.block_on(bounded(async {
        assert!(running.await.unwrap());
        assert!(queued.await.unwrap_err().is_cancelled());
    }));
    assert!(!ran.load(SeqCst));
}

#[test]
#[cfg_attr(miri, ignore)]
fn aborting_a_started_job_lets_it_finish_and_keeps_its_output() {
    // A thread cannot be interrupted: the abort comes too late, and the
    // handle answers the closure's result, as `JoinHandle::abort` says.
    let runtime = runtime_with_max_blocking(1);
    let (running, release_tx) = running_until_released(&runtime, 5);
    running.abort();
    release_tx.send(()).unwrap();
    runtime.block_on(bounded(async {
        assert_eq!(running.await.unwrap(), 5);
    }));
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_pool_thread_that_cannot_start_fails_each_spawn_instead_of_hanging_the_next() {
    common::within_limit(|| {
        // No system gives a thread this much stack, so every start fails.
        let runtime = corio::runtime::Builder::new_current_thread()
            .max_blocking_threads(1)
            .thread_stack_size(1 << 60)
            .build()
            .unwrap();
        for attempt in 0..2 {
            let panic = common::panic_of(|| runtime.spawn_blocking(|| ()));
            assert!(
                panic.contains("blocking-pool thread"),
                "attempt {attempt}: {panic}"
            );
        }
        // And the runtime shuts down: no thread is counted that never ran.
    });
}

/// A blocking thread whose job broke the nesting of its `enter` guards
/// panics as it leaves the runtime on its keep-alive; it must still count
/// as gone, or dropping the runtime waits for it for ever (it did).
#[test]
#[cfg_attr(miri, ignore)]
fn a_thread_whose_job_broke_the_enter_nesting_does_not_hang_the_drop() {
    let (left_tx, left_rx) = mpsc::channel();
    let left_tx = Mutex::new(left_tx);
    let runtime = Runtime::builder()
        .worker_threads(1)
        .blocking_keep_alive(Duration::from_millis(10))
        .on_thread_stop(move || {
            if std::thread::current()
                .name()
                .unwrap_or("")
                .contains("-blocking-")
            {
                let _ = left_tx.lock().unwrap().send(());
            }
        })
        .build()
        .unwrap();
    let handle = runtime.handle().clone();
    let job = runtime.spawn_blocking(move || {
        let first = handle.enter();
        let second = handle.enter();
        drop(first); // out of order: panics, and the thread stays entered
        drop(second);
    });
    assert!(runtime.block_on(bounded(job)).unwrap_err().is_panic());
    recv(&left_rx); // the idle thread is leaving: its stop hook ran
    common::within_limit(move || drop(runtime));
}

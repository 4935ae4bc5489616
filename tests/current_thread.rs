//! The current-thread flavour and local tasks (the paused clock, which only
//! this flavour has, is in `paused_clock.rs` and `paused_clock_io.rs`).

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use common::bounded;
use corio::runtime::Builder;
use corio::time::{self, Instant};

fn current_thread() -> corio::Runtime {
    Builder::new_current_thread().build().unwrap()
}

#[test]
fn everything_runs_on_the_thread_that_calls_block_on() {
    let runtime = current_thread();
    let me = thread::current().id();
    runtime.block_on(bounded(async move {
        // 100,000 tasks.
        let ran = Arc::new(AtomicUsize::new(0));
        let mut set = corio::task::JoinSet::new();
        for _ in 0..100_000 {
            let ran = ran.clone();
            set.spawn(async move {
                assert_eq!(thread::current().id(), me);
                ran.fetch_add(1, Ordering::Relaxed);
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
        assert_eq!(ran.load(Ordering::Relaxed), 100_000);
        // Timers.
        let start = Instant::now();
        time::sleep(Duration::from_millis(5)).await;
        assert!(start.elapsed() >= Duration::from_millis(5));
        // Channels.
        let (tx, rx) = corio::sync::channel::bounded(4);
        let producer = corio::spawn(async move {
            for i in 0..100u32 {
                tx.send(i).await.unwrap();
            }
        });
        let mut sum = 0;
        while let Some(v) = rx.recv().await {
            assert_eq!(thread::current().id(), me);
            sum += v;
        }
        assert_eq!(sum, 4950);
        producer.await.unwrap();
        // TCP echo.
        let listener = corio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = corio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            assert_eq!(thread::current().id(), me);
            let mut buf = [0u8; 5];
            stream.read_exact(&mut buf).await.unwrap();
            stream.write_all(&buf).await.unwrap();
        });
        let mut client = corio::net::TcpStream::connect(addr).await.unwrap();
        client.write_all(b"hello").await.unwrap();
        let mut reply = [0u8; 5];
        client.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"hello");
        server.await.unwrap();
    }));
    // No worker threads: the runtime made none.
    assert_eq!(runtime.metrics().workers, 1);
}

#[test]
fn tasks_spawned_from_outside_run_at_the_next_block_on() {
    let runtime = current_thread();
    let handle = runtime.handle().clone();
    let me = thread::current().id();
    let task = thread::spawn(move || handle.spawn(async { thread::current().id() }))
        .join()
        .unwrap();
    assert_eq!(runtime.block_on(bounded(task)).unwrap(), me);
}

#[test]
fn local_tasks_share_rc_state() {
    let runtime = current_thread();
    let log = Rc::new(RefCell::new(Vec::new()));
    runtime.block_on(bounded(async {
        let mut handles = Vec::new();
        for i in 0..10 {
            let log = log.clone();
            handles.push(corio::task::spawn_local(async move {
                corio::task::yield_now().await;
                log.borrow_mut().push(i);
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
    }));
    let mut seen = log.borrow().clone();
    seen.sort();
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
}

/// A local task that yields runs again after the `run_until` future had its
/// turn, not over and over within one turn of the set.
#[test]
fn a_yielding_local_task_lets_the_main_future_run_between_its_polls() {
    let runtime = current_thread();
    let local = corio::task::LocalSet::new();
    let polls = Rc::new(RefCell::new(0));
    let done = Rc::new(RefCell::new(false));
    let (p, d) = (polls.clone(), done.clone());
    runtime.block_on(local.run_until(bounded(async move {
        let spinner = corio::task::spawn_local(async move {
            while !*d.borrow() {
                *p.borrow_mut() += 1;
                corio::task::yield_now().await;
            }
        });
        // One yield of the main future: the set's turn runs the spinner.
        corio::task::yield_now().await;
        *done.borrow_mut() = true;
        spinner.await.unwrap();
    })));
    let polls = *polls.borrow();
    assert!(
        polls <= 3,
        "the spinner ran {polls} times while the main future yielded once"
    );
}

#[test]
fn a_local_set_runs_on_a_multi_thread_runtime_too() {
    let runtime = corio::Runtime::builder().worker_threads(2).build().unwrap();
    let local = corio::task::LocalSet::new();
    let counter = Rc::new(RefCell::new(0));
    let c = counter.clone();
    runtime.block_on(local.run_until(bounded(async move {
        corio::task::spawn_local(async move { *c.borrow_mut() += 1 })
            .await
            .unwrap();
        // A wake from another thread reaches the local task.
        let (tx, rx) = corio::sync::oneshot::channel();
        let local_task = corio::task::spawn_local(async move { rx.await.unwrap() });
        corio::spawn(async move { tx.send(41).unwrap() });
        assert_eq!(local_task.await.unwrap(), 41);
    })));
    assert_eq!(*counter.borrow(), 1);
}

#[test]
fn spawn_local_outside_a_local_set_panics_with_the_fix() {
    let runtime = common::one_worker();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            drop(corio::task::spawn_local(async {}));
        });
    }))
    .unwrap_err();
    let message = common::panic_message(&*err);
    assert!(
        message.contains("LocalSet") && message.contains("new_current_thread"),
        "{message}"
    );
    // From a spawned task of a current-thread runtime, the message says why.
    let runtime = Builder::new_current_thread().build().unwrap();
    let task = runtime.spawn(async {
        drop(corio::task::spawn_local(async {}));
    });
    let err = runtime.block_on(bounded(task)).unwrap_err();
    let message = common::panic_message(&*err.into_panic());
    assert!(message.contains("corio::spawn"), "{message}");
}

#[test]
fn a_main_future_that_keeps_yielding_still_lets_timers_fire() {
    common::within_limit(|| {
        current_thread().block_on(async {
            let fired = Arc::new(AtomicUsize::new(0));
            let flag = fired.clone();
            corio::spawn(async move {
                time::sleep(Duration::from_millis(5)).await;
                flag.store(1, Ordering::Release);
            });
            // Busy-waits by yielding: the loop never parks, so it must
            // still turn the driver now and then.
            while fired.load(Ordering::Acquire) == 0 {
                corio::task::yield_now().await;
            }
        });
    });
}

#[test]
fn a_second_block_on_thread_takes_over_when_the_first_returns() {
    common::within_limit(|| {
        let runtime = current_thread();
        let handle = runtime.handle().clone();
        let second = runtime.block_on(async move {
            // This thread holds the runtime now; the second waits for it.
            let (started_tx, started) = corio::sync::oneshot::channel::<()>();
            let second = thread::spawn(move || {
                handle.block_on(async move {
                    let _ = started_tx.send(());
                    // Fires only if this thread takes the runtime over once
                    // the first `block_on` has returned.
                    time::sleep(Duration::from_millis(20)).await;
                    7
                })
            });
            started.await.unwrap();
            second
        });
        assert_eq!(second.join().unwrap(), 7);
    });
}

/// A `run_until` of a set inside one of that set's own tasks must not take
/// the set's wake-ups away from the outer one (whose queued tasks would
/// then never run).
#[test]
#[cfg_attr(miri, ignore)]
fn a_nested_run_until_leaves_the_sets_wake_ups_with_the_outer_one() {
    common::within_limit(|| {
        let runtime = Builder::new_current_thread().build().unwrap();
        let local = Rc::new(corio::task::LocalSet::new());
        let (tx, rx) = corio::sync::oneshot::channel::<u32>();
        let waiter = local.spawn_local(async move { rx.await.unwrap() });
        let inner = local.clone();
        // Runs during the outer turn; its own run_until ends at once.
        local.spawn_local(async move { inner.run_until(async {}).await });
        let out = runtime.block_on(local.run_until(async move {
            corio::spawn(async move { tx.send(7).unwrap() });
            waiter.await.unwrap()
        }));
        assert_eq!(out, 7);
    });
}

/// Local tasks count toward `event_interval` like any others: with busy
/// `spawn_local` tasks, I/O is still checked every 61 polls, not every 61
/// turns of 61 tasks.
#[test]
#[cfg_attr(miri, ignore)]
fn busy_local_tasks_still_let_the_driver_turn() {
    let runtime = Builder::new_current_thread().build().unwrap();
    let polls = runtime.block_on(bounded(async {
        let polls = Rc::new(AtomicUsize::new(0));
        let stop = Rc::new(std::cell::Cell::new(false));
        for _ in 0..61 {
            let (polls, stop) = (polls.clone(), stop.clone());
            corio::task::spawn_local(async move {
                while !stop.get() {
                    polls.fetch_add(1, Ordering::Relaxed);
                    corio::task::yield_now().await;
                }
            });
        }
        let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        std::io::Write::write_all(&mut b, b"x").unwrap();
        let a = corio::io::Async::new(a).unwrap();
        // Known ready only once the driver has turned.
        a.readable().await.unwrap();
        stop.set(true);
        polls.load(Ordering::Relaxed)
    }));
    assert!(
        polls < 1_000,
        "{polls} local polls before the driver turned"
    );
}

/// Two `run_until`s of one set side by side: work one of them queues just
/// before it ends must still run, under the other.
#[test]
#[cfg_attr(miri, ignore)]
fn work_queued_by_a_finishing_run_until_runs_under_the_other() {
    common::within_limit(|| {
        let runtime = Builder::new_current_thread().build().unwrap();
        let set = corio::task::LocalSet::new();
        let (tx, rx) = corio::sync::oneshot::channel::<u32>();
        let (got, ()) = runtime.block_on(async {
            corio::join!(
                set.run_until(async { rx.await.unwrap() }),
                set.run_until(async {
                    set.spawn_local(async move { tx.send(1).unwrap() });
                })
            )
        });
        assert_eq!(got, 1);
    });
}

/// The same, with the finished `run_until` future kept (a hand-made
/// combinator that does not drop a future once it is done): the work it
/// queued in its last poll is announced as it finishes, not when the
/// future is dropped (its inner turn-taker ends with the `async fn`).
#[test]
#[cfg_attr(miri, ignore)]
fn a_finished_run_until_announces_its_queued_work_at_once() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Wake, Waker};

    struct Counting(AtomicUsize);
    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    let set = corio::task::LocalSet::new();
    let counting = Arc::new(Counting(AtomicUsize::new(0)));
    let waker = Waker::from(counting.clone());
    let mut cx = Context::from_waker(&waker);
    let mut waiting = pin!(set.run_until(std::future::pending::<()>()));
    assert!(waiting.as_mut().poll(&mut cx).is_pending());
    let mut finishing = pin!(set.run_until(async {
        set.spawn_local(async {});
    }));
    let before = counting.0.load(Ordering::SeqCst);
    assert!(finishing.as_mut().poll(&mut cx).is_ready());
    assert!(
        counting.0.load(Ordering::SeqCst) > before,
        "the waiting run_until was not told of the queued task"
    );
}

/// Awaiting a set runs its tasks, and the tasks they spawn, until every
/// one has finished, and not before: while one still waits the set stays
/// pending, and a wake from another thread reaches it.
#[test]
#[cfg_attr(miri, ignore)]
fn awaiting_a_local_set_runs_it_until_its_last_task_ends() {
    let runtime = corio::Runtime::builder().worker_threads(2).build().unwrap();
    let mut local = corio::task::LocalSet::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let (tx, rx) = corio::sync::oneshot::channel::<u32>();
    let waiting = log.clone();
    local.spawn_local(async move {
        let n = rx.await.unwrap();
        let inner = waiting.clone();
        corio::task::spawn_local(async move { inner.borrow_mut().push(n + 1) });
        waiting.borrow_mut().push(n);
    });
    let early = log.clone();
    local.spawn_local(async move { early.borrow_mut().push(0) });
    let waited = runtime.block_on(bounded(async {
        corio::time::timeout(Duration::from_millis(50), &mut local).await
    }));
    assert!(
        waited.is_err(),
        "the set completed with a task still waiting"
    );
    assert_eq!(*log.borrow(), [0]);
    let sender = thread::spawn(move || tx.send(5).unwrap());
    runtime.block_on(bounded(local));
    sender.join().unwrap();
    assert_eq!(*log.borrow(), [0, 5, 6]);
    // An empty set is done at once.
    runtime.block_on(bounded(corio::task::LocalSet::new()));
}

/// A current-thread runtime dropped while a thread is inside its
/// `block_on`, by that future itself or by another thread: the runtime
/// runs nothing more, and the future is driven to its end on its own
/// thread, as on a multi-thread runtime (this used to panic there).
#[test]
#[cfg_attr(miri, ignore)]
fn block_on_outlives_the_shutdown_of_its_current_thread_runtime() {
    common::within_limit(|| {
        let runtime = current_thread();
        let handle = runtime.handle().clone();
        let out = handle.block_on(async move {
            drop(runtime);
            corio::task::yield_now().await;
            5
        });
        assert_eq!(out, 5, "dropped inside its own block_on");

        let runtime = current_thread();
        let handle = runtime.handle().clone();
        let (tx, rx) = corio::sync::oneshot::channel::<()>();
        let (inside_tx, inside) = std::sync::mpsc::channel();
        let blocked = thread::spawn(move || {
            handle.block_on(async move {
                inside_tx.send(()).unwrap();
                rx.await.is_err()
            })
        });
        common::recv(&inside);
        drop(runtime);
        drop(tx);
        assert!(
            blocked.join().expect("block_on panicked"),
            "the future saw its sender dropped"
        );
    });
}

/// A `LocalSet` awaited itself, then abandoned (a timeout around
/// `&mut set`), and later run by `run_until`: the abandoned await's waker
/// is let go, not woken by every later wake of a local task.
#[test]
fn an_abandoned_await_of_a_local_set_is_not_woken_again() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Wake, Waker};

    struct Counting(AtomicUsize);
    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    let mut local = corio::task::LocalSet::new();
    let (tx, rx) = corio::sync::oneshot::channel::<u8>();
    let task = local.spawn_local(async move { rx.await.unwrap() });
    let counting = Arc::new(Counting(AtomicUsize::new(0)));
    {
        let waker = Waker::from(counting.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(Pin::new(&mut local).poll(&mut cx).is_pending());
    }
    let runtime = Builder::new_current_thread().build().unwrap();
    let got = runtime.block_on(bounded(local.run_until(async move {
        thread::spawn(move || tx.send(7).unwrap()).join().unwrap();
        task.await.unwrap()
    })));
    assert_eq!(got, 7);
    assert_eq!(
        counting.0.load(Ordering::SeqCst),
        0,
        "the stale waker was woken"
    );
    assert_eq!(
        Arc::strong_count(&counting),
        1,
        "the set still holds the stale waker"
    );
}

/// A `block_on`'s implicit set lives for that call: an unfinished local
/// task is cancelled as it returns (its future dropped), while a
/// `corio::spawn` task goes on in the next `block_on`.
#[test]
#[cfg_attr(miri, ignore)]
fn a_local_task_left_unfinished_by_block_on_is_cancelled_as_it_returns() {
    let runtime = current_thread();
    let (tx, rx) = corio::sync::oneshot::channel::<u32>();
    let (spawned_tx, spawned_rx) = corio::sync::oneshot::channel::<u32>();
    let dropped = Rc::new(RefCell::new(false));
    let (local, spawned) = runtime.block_on(async {
        let guard = DropFlag(dropped.clone());
        let local = corio::task::spawn_local(async move {
            let _guard = guard;
            rx.await.unwrap()
        });
        (
            local,
            corio::spawn(async move { spawned_rx.await.unwrap() }),
        )
    });
    assert!(
        *dropped.borrow(),
        "the local task's future outlived the call"
    );
    tx.send(5).unwrap_err();
    spawned_tx.send(6).unwrap();
    let (local, spawned) = runtime.block_on(bounded(async { (local.await, spawned.await) }));
    assert!(local.unwrap_err().is_cancelled());
    assert_eq!(spawned.unwrap(), 6);
}

struct DropFlag(Rc<RefCell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        *self.0.borrow_mut() = true;
    }
}

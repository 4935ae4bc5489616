//! Panics inside the runtime: a task's panic becomes its `JoinError` and the
//! worker goes on; so does a panic from the places a user's code runs on a
//! worker's behalf (a join waker, a slow-poll hook, a thread start or stop
//! hook, a panic payload's or a future's `Drop`). Most tests run on one worker, so a worker killed by an
//! escaping panic would stop everything and the bounded wait would fail.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use common::{Latch, block_on, bounded, one_worker, panic_message, recv};
use corio::Runtime;
use corio::task;

#[test]
#[cfg_attr(miri, ignore)]
fn a_panicking_task_gives_is_panic_and_the_worker_goes_on() {
    let runtime = one_worker();
    runtime.block_on(bounded(async {
        let err = corio::spawn(async { panic!("task boom") })
            .await
            .unwrap_err();
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        assert!(err.to_string().contains("task boom"), "{err}");
        assert_eq!(panic_message(&*err.into_panic()), "task boom");
        let err = corio::spawn(async { std::panic::panic_any(17u32) })
            .await
            .unwrap_err();
        assert_eq!(err.into_panic().downcast_ref::<u32>(), Some(&17));
        // The only worker survived: it runs more tasks, panicking or not.
        let mut handles = Vec::new();
        for i in 0..100u32 {
            handles.push(corio::spawn(async move {
                if i % 2 == 0 {
                    panic!("even");
                }
                i
            }));
        }
        for (i, handle) in handles.into_iter().enumerate() {
            match handle.await {
                Ok(v) => assert_eq!(v as usize, i),
                Err(err) => assert!(err.is_panic() && i % 2 == 0),
            }
        }
    }));
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_panicking_drop_on_abort_is_reported_not_fatal() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop boom");
        }
    }
    let runtime = one_worker();
    runtime.block_on(bounded(async {
        let started = Latch::new(1);
        let signal = started.clone();
        let handle = corio::spawn(async move {
            let _bomb = PanicOnDrop;
            signal.count_down();
            std::future::pending::<()>().await;
        });
        started.wait().await;
        handle.abort();
        // The drop's panic is the task's outcome, as in tokio; and the
        // runtime survives it.
        let err = handle.await.unwrap_err();
        assert!(err.is_panic(), "a drop that panics during abort is a panic");
        assert_eq!(corio::spawn(async { 1 }).await.unwrap(), 1);
    }));
}

/// Ready at once, with a field whose `Drop` panics: the panic comes after
/// the output (as from a combinator that drops the branch that lost).
struct ReadyThenPanicOnDrop<T>(#[allow(dead_code)] T);

struct DropBoom;

impl Drop for DropBoom {
    fn drop(&mut self) {
        panic!("drop boom after the output");
    }
}

impl<T> std::future::Future for ReadyThenPanicOnDrop<T> {
    type Output = u8;

    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<u8> {
        std::task::Poll::Ready(1)
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_future_that_panics_when_dropped_after_its_output_panicked() {
    let runtime = one_worker();
    runtime.block_on(bounded(async {
        // As in tokio: the task panicked, and its output is gone.
        let err = corio::spawn(ReadyThenPanicOnDrop(DropBoom))
            .await
            .unwrap_err();
        assert!(err.is_panic(), "{err:?}");
        assert_eq!(
            corio::spawn(async { 1 }).await.unwrap(),
            1,
            "the worker lives"
        );
    }));
}

/// A panic payload whose own `Drop` panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        std::panic::panic_any(Bomb);
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_panic_payload_that_panics_when_dropped_does_not_kill_the_worker() {
    // On its own thread: a dead only worker would stop the timers too.
    common::within_limit(|| {
        one_worker().block_on(async {
            // Nobody joins: the runtime drops the payload itself.
            drop(corio::spawn(async { std::panic::panic_any(Bomb) }));
            // And a future whose Drop panics with it, after its output.
            drop(corio::spawn(ReadyThenPanicOnDrop(Bomb)));
            assert_eq!(
                corio::spawn(async { 7 }).await.unwrap(),
                7,
                "the worker lives"
            );
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_future_dropped_by_abort_sees_its_task_id() {
    struct RecordsId(mpsc::Sender<Option<task::Id>>);
    impl Drop for RecordsId {
        fn drop(&mut self) {
            let _ = self.0.send(task::try_id());
        }
    }
    block_on(async {
        let (tx, rx) = mpsc::channel();
        let record = RecordsId(tx);
        // Dropped with the future, whether or not it ever ran.
        let handle = corio::spawn(async move {
            let _record = record;
            std::future::pending::<()>().await
        });
        let id = handle.id();
        handle.abort();
        assert!(handle.await.unwrap_err().is_cancelled());
        assert_eq!(recv(&rx), Some(id));
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_join_waker_that_panics_does_not_kill_the_worker() {
    common::within_limit(|| {
        one_worker().block_on(async {
            let (release, released) = corio::sync::oneshot::channel::<()>();
            let mut handle = corio::spawn(async move {
                released.await.unwrap();
                1
            });
            // The handle's waker is now one that panics when woken.
            let panics = Arc::new(common::PanicWake::default());
            let bad = std::task::Waker::from(panics.clone());
            let polled =
                std::pin::Pin::new(&mut handle).poll(&mut std::task::Context::from_waker(&bad));
            assert!(polled.is_pending());
            release.send(()).unwrap();
            // Runs after that task completes and wakes the bad waker, on the
            // same (only) worker.
            assert_eq!(
                corio::spawn(async { 2 }).await.unwrap(),
                2,
                "the worker lives"
            );
            assert_eq!(panics.woken(), 1, "the completed task woke the bad waker");
            assert_eq!(handle.await.unwrap(), 1);
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_slow_poll_hook_that_panics_does_not_kill_the_worker() {
    // The hook runs on the watchdog's thread (a poll still going) or on the
    // worker (a poll that just ended), whichever notices first: a panic in
    // it must kill neither. A dead watchdog reports nothing more (and stops
    // the coarse clock the worker's check reads); a dead worker runs
    // nothing more. Either way the loop below would never see a second
    // report. (Printing the panic takes the watchdog a while, so a slow
    // poll may pass unreported meanwhile: the loop just makes another.)
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let runtime = Runtime::builder()
        .worker_threads(1)
        .slow_poll_threshold(Some(Duration::from_millis(5)))
        .on_slow_poll(move |report| {
            counted.fetch_add(1, SeqCst);
            panic!("slow poll: {report:?}")
        })
        .build()
        .unwrap();
    common::within_limit(move || {
        runtime.block_on(async {
            while calls.load(SeqCst) < 2 {
                // A poll that blocks its worker past the threshold (the
                // slowness is the subject here, not a synchronisation).
                corio::spawn(async { std::thread::sleep(Duration::from_millis(30)) })
                    .await
                    .unwrap();
            }
            assert_eq!(
                corio::spawn(async { 3 }).await.unwrap(),
                3,
                "the worker lives"
            );
        })
    });
}

/// A panicking `on_thread_start` hook does not end the thread it runs on:
/// the only worker still runs tasks, and a blocking-pool thread still runs
/// the job it was started for. A panicking `on_thread_stop` does not stop
/// the runtime from being dropped.
#[test]
#[cfg_attr(miri, ignore)]
fn thread_hooks_that_panic_do_not_kill_their_threads() {
    let started = Arc::new(AtomicUsize::new(0));
    let count = started.clone();
    let runtime = Runtime::builder()
        .worker_threads(1)
        .on_thread_start(move || {
            count.fetch_add(1, SeqCst);
            panic!("start hook boom");
        })
        .on_thread_stop(|| panic!("stop hook boom"))
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    runtime.spawn(async move {
        let job = corio::spawn_blocking(|| 7).await.unwrap();
        tx.send(job).unwrap();
    });
    assert_eq!(recv(&rx), 7);
    assert_eq!(started.load(SeqCst), 2, "the worker and one pool thread");
    drop(runtime);
}

/// A join waker whose `Drop` panics, dropped by the runtime because the
/// `JoinHandle` went away while the task completed (here: dropped by the
/// waker's own `wake_by_ref`): the panic stays inside, the task leaves the
/// runtime's books, and the one worker goes on.
#[test]
#[cfg_attr(miri, ignore)]
fn a_join_waker_that_panics_when_dropped_does_not_kill_the_worker() {
    struct Dropper {
        handle: std::sync::Mutex<Option<task::JoinHandle<()>>>,
    }
    impl std::task::Wake for Dropper {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            // The JoinHandle goes away in the middle of the completion.
            drop(self.handle.lock().unwrap().take());
        }
    }
    impl Drop for Dropper {
        fn drop(&mut self) {
            panic!("join waker drop boom");
        }
    }

    let runtime = one_worker();
    let (release, wait) = corio::sync::oneshot::channel::<()>();
    let mut handle = runtime.spawn(async move {
        let _ = wait.await;
    });
    let dropper = Arc::new(Dropper {
        handle: std::sync::Mutex::new(None),
    });
    let waker = std::task::Waker::from(dropper.clone());
    let polled = std::pin::Pin::new(&mut handle).poll(&mut std::task::Context::from_waker(&waker));
    assert!(polled.is_pending());
    *dropper.handle.lock().unwrap() = Some(handle);
    // From here the task's join waker holds the only reference to `dropper`.
    drop(waker);
    drop(dropper);
    release.send(()).unwrap();
    // Bounded by a thread, not a timer: with the worker gone no timer fires.
    common::within_limit(move || {
        runtime.block_on(async {
            assert_eq!(corio::spawn(async { 7 }).await.unwrap(), 7);
            while corio::Handle::current().metrics().alive_tasks != 0 {
                corio::task::yield_now().await;
            }
        });
    });
}

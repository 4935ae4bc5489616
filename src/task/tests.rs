//! Unit tests of the task cell with a test scheduler: every path a task can
//! take, small enough for Miri (`cargo +nightly miri test --lib task`).

use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use crate::lock::Mutex;

use super::{JoinHandle, Notified, OwnedTasks, Schedule, Task, new_task};

/// A scheduler that queues into a VecDeque, run by hand.
#[derive(Clone, Default)]
struct TestQueue(Arc<QueueInner>);

#[derive(Default)]
struct QueueInner {
    queue: Mutex<VecDeque<Notified<TestQueue>>>,
    owned: OwnedTasksCell,
    /// Makes `schedule` panic after it queued the task (a scheduler whose
    /// own wake-up of its runner panics).
    panic_on_schedule: std::sync::atomic::AtomicBool,
}

struct OwnedTasksCell(OwnedTasks<TestQueue>);

impl Default for OwnedTasksCell {
    fn default() -> Self {
        OwnedTasksCell(OwnedTasks::new())
    }
}

impl Schedule for TestQueue {
    fn schedule(&self, task: Notified<Self>) {
        self.0.queue.lock().push_back(task);
        if self.0.panic_on_schedule.load(Ordering::SeqCst) {
            panic!("the scheduler's wake-up failed");
        }
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.0.owned.0.remove(task)
    }
}

impl TestQueue {
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = new_task(future, self.clone(), Location::caller(), None);
        if let Some(notified) = self.0.owned.0.bind(task, notified) {
            self.schedule(notified);
        }
        join
    }

    /// Runs queued tasks until the queue is empty; returns how many ran.
    fn run(&self) -> usize {
        let mut n = 0;
        loop {
            let next = self.0.queue.lock().pop_front();
            let Some(task) = next else { return n };
            if let Some(again) = task.run() {
                self.schedule(again);
            }
            n += 1;
        }
    }

    fn shutdown(&self) {
        self.0.owned.0.close_and_shutdown_all();
        self.0.queue.lock().clear();
    }
}

/// Counts drops, to prove each future is dropped exactly once.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Pending until `flag` is set; leaves its waker in `slot`.
struct Gate {
    slot: Arc<Mutex<Option<Waker>>>,
    open: Arc<AtomicUsize>,
}

impl Future for Gate {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.open.load(Ordering::SeqCst) > 0 {
            return Poll::Ready(7);
        }
        *self.slot.lock() = Some(cx.waker().clone());
        Poll::Pending
    }
}

fn gate() -> (Gate, Arc<Mutex<Option<Waker>>>, Arc<AtomicUsize>) {
    let slot = Arc::new(Mutex::new(None));
    let open = Arc::new(AtomicUsize::new(0));
    (
        Gate {
            slot: slot.clone(),
            open: open.clone(),
        },
        slot,
        open,
    )
}

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_task_runs_and_its_handle_gets_the_output() {
    let q = TestQueue::default();
    let mut h = q.spawn(async { 40 + 2 });
    assert_eq!(q.run(), 1);
    assert!(h.is_finished());
    assert_eq!(poll_once(&mut h).map(Result::unwrap), Poll::Ready(42));
}

#[test]
fn a_wake_requeues_the_task_once() {
    let q = TestQueue::default();
    let (g, slot, open) = gate();
    let mut h = q.spawn(g);
    q.run();
    assert!(poll_once(&mut h).is_pending());
    let waker = slot.lock().take().unwrap();
    waker.wake_by_ref();
    waker.wake_by_ref();
    assert_eq!(q.0.queue.lock().len(), 1, "two wakes, one queue entry");
    open.store(1, Ordering::SeqCst);
    waker.wake();
    q.run();
    assert_eq!(poll_once(&mut h).map(Result::unwrap), Poll::Ready(7));
}

/// A by-value wake whose `schedule` panics after queueing the task still
/// gives the waker's reference back: kept, it would keep the task and its
/// scheduler alive for good.
#[test]
fn a_wake_whose_schedule_panics_leaks_no_reference() {
    let q = TestQueue::default();
    let (g, slot, open) = gate();
    let mut h = q.spawn(g);
    q.run();
    let waker = slot.lock().take().unwrap();
    q.0.panic_on_schedule.store(true, Ordering::SeqCst);
    let woke = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()));
    assert!(woke.is_err());
    q.0.panic_on_schedule.store(false, Ordering::SeqCst);
    open.store(1, Ordering::SeqCst);
    q.run();
    assert_eq!(poll_once(&mut h).map(Result::unwrap), Poll::Ready(7));
    drop(h);
    q.shutdown();
    assert_eq!(
        Arc::strong_count(&q.0),
        1,
        "a task cell still holds the queue"
    );
}

#[test]
fn abort_of_an_idle_task_drops_its_future_once() {
    let q = TestQueue::default();
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = DropCounter(drops.clone());
    let (g, _slot, _open) = gate();
    let mut h = q.spawn(async move {
        let _c = counter;
        g.await
    });
    q.run();
    h.abort();
    q.run();
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    match poll_once(&mut h) {
        Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
        other => panic!("expected a cancelled error, got {other:?}"),
    }
}

#[test]
fn abort_before_the_first_poll_never_polls() {
    let q = TestQueue::default();
    let polled = Arc::new(AtomicUsize::new(0));
    let p = polled.clone();
    let mut h = q.spawn(async move {
        p.fetch_add(1, Ordering::SeqCst);
    });
    h.abort();
    q.run();
    assert_eq!(polled.load(Ordering::SeqCst), 0);
    assert!(matches!(poll_once(&mut h), Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn abort_after_completion_keeps_the_output() {
    let q = TestQueue::default();
    let mut h = q.spawn(async { 5 });
    q.run();
    h.abort();
    assert_eq!(poll_once(&mut h).map(Result::unwrap), Poll::Ready(5));
}

#[test]
fn a_panic_becomes_a_join_error() {
    let q = TestQueue::default();
    let mut h = q.spawn(async { panic!("boom") });
    q.run();
    match poll_once(&mut h) {
        Poll::Ready(Err(e)) => {
            assert!(e.is_panic());
            assert_eq!(*e.into_panic().downcast::<&str>().unwrap(), "boom");
        }
        other => panic!("expected a panic error, got {other:?}"),
    }
}

#[test]
fn a_detached_task_still_runs_and_frees_its_output() {
    let q = TestQueue::default();
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = DropCounter(drops.clone());
    drop(q.spawn(async move { counter }));
    q.run();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the output is dropped by the runtime"
    );
}

#[test]
fn shutdown_drops_each_pending_future_exactly_once() {
    let q = TestQueue::default();
    let drops = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for _ in 0..10 {
        let counter = DropCounter(drops.clone());
        let (g, _slot, _open) = gate();
        handles.push(q.spawn(async move {
            let _c = counter;
            g.await
        }));
    }
    q.run();
    q.shutdown();
    assert_eq!(drops.load(Ordering::SeqCst), 10);
    for h in &mut handles {
        assert!(matches!(poll_once(h), Poll::Ready(Err(e)) if e.is_cancelled()));
    }
}

#[test]
fn a_waker_outliving_everything_is_harmless() {
    let q = TestQueue::default();
    let (g, slot, _open) = gate();
    let h = q.spawn(g);
    q.run();
    let waker = slot.lock().take().unwrap();
    drop(h);
    q.shutdown();
    waker.wake_by_ref();
    assert_eq!(q.run(), 0, "waking a finished task queues nothing");
    drop(waker);
}

#[test]
fn the_join_waker_is_woken_on_completion() {
    let q = TestQueue::default();
    let (g, slot, open) = gate();
    let mut h = q.spawn(g);
    q.run();
    let woken = Arc::new(AtomicUsize::new(0));
    struct Count(Arc<AtomicUsize>);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let join_waker = Waker::from(Arc::new(Count(woken.clone())));
    assert!(
        Pin::new(&mut h)
            .poll(&mut Context::from_waker(&join_waker))
            .is_pending()
    );
    open.store(1, Ordering::SeqCst);
    slot.lock().take().unwrap().wake();
    q.run();
    assert_eq!(woken.load(Ordering::SeqCst), 1);
    assert!(poll_once(&mut h).is_ready());
}

#[test]
fn spawn_after_shutdown_cancels_at_once() {
    let q = TestQueue::default();
    q.shutdown();
    let mut h = q.spawn(async { 1 });
    assert_eq!(q.run(), 0);
    assert!(matches!(poll_once(&mut h), Poll::Ready(Err(e)) if e.is_cancelled()));
}

/// The `JoinHandle` dropped on another thread while the task completes on
/// this one: whichever side takes the count to zero frees the cell, and the
/// output is dropped exactly once. Under Miri with many seeds, a free by the
/// other thread while `complete` still held its `&Cell` argument is
/// reported (it was, before `finish` dropped the references itself).
#[test]
fn a_join_handle_dropped_on_another_thread_while_the_task_completes() {
    for _ in 0..if cfg!(miri) { 8 } else { 200 } {
        let q = TestQueue::default();
        let (gate, slot, open) = gate();
        let drops = Arc::new(AtomicUsize::new(0));
        let counter = DropCounter(drops.clone());
        let mut handle = q.spawn(async move {
            let value = gate.await;
            (value, counter)
        });
        q.run();
        // Polled once, the handle has stored its waker: completion takes the
        // slow path that wakes it and reads whether the handle is gone.
        assert!(poll_once(&mut handle).is_pending());
        open.store(1, Ordering::SeqCst);
        slot.lock()
            .take()
            .expect("the task waits at the gate")
            .wake();
        let dropper = std::thread::spawn(move || drop(handle));
        assert_eq!(q.run(), 1);
        dropper.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1, "the output, once");
    }
}

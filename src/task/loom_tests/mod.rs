//! loom models of the task state machine: every interleaving of a wake, an
//! abort or a join racing the thread that runs the task.
//!
//! Run with `RUSTFLAGS="--cfg loom -C debug-assertions=on" cargo test --release --lib loom`.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

use crate::loom::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::loom::{Arc, Mutex, thread};

use super::{JoinHandle, Notified, OwnedTasks, Schedule, Task, new_task};

#[derive(Clone)]
struct Queue(Arc<QueueInner>);

struct QueueInner {
    tasks: Mutex<VecDeque<Notified<Queue>>>,
    owned: OwnedTasks<Queue>,
}

impl Schedule for Queue {
    fn schedule(&self, task: Notified<Self>) {
        self.0.tasks.lock().push_back(task);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.0.owned.remove(task)
    }
}

impl Queue {
    fn new() -> Queue {
        Queue(Arc::new(QueueInner {
            tasks: Mutex::new(VecDeque::new()),
            owned: OwnedTasks::new(),
        }))
    }

    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = new_task(future, self.clone(), Location::caller(), None);
        if let Some(notified) = self.0.owned.bind(task, notified) {
            self.schedule(notified);
        }
        join
    }

    /// Runs one queued task, if any.
    fn run_one(&self) -> bool {
        let next = self.0.tasks.lock().pop_front();
        let Some(task) = next else { return false };
        if let Some(again) = task.run() {
            self.schedule(again);
        }
        true
    }

    fn shutdown(&self) {
        self.0.owned.close_and_shutdown_all();
        let queued: Vec<_> = self.0.tasks.lock().drain(..).collect();
        drop(queued);
    }
}

/// A future that is pending until `open`, leaving its waker in `slot`, and
/// counts its polls and drops.
struct Gate {
    open: Arc<AtomicBool>,
    slot: Arc<Mutex<Option<Waker>>>,
    polls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

impl Future for Gate {
    type Output = u8;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u8> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        *self.slot.lock() = Some(cx.waker().clone());
        if self.open.load(Ordering::SeqCst) {
            Poll::Ready(1)
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

struct Probe {
    open: Arc<AtomicBool>,
    slot: Arc<Mutex<Option<Waker>>>,
    polls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

fn gate() -> (Gate, Probe) {
    let probe = Probe {
        open: Arc::new(AtomicBool::new(false)),
        slot: Arc::new(Mutex::new(None)),
        polls: Arc::new(AtomicUsize::new(0)),
        drops: Arc::new(AtomicUsize::new(0)),
    };
    let gate = Gate {
        open: probe.open.clone(),
        slot: probe.slot.clone(),
        polls: probe.polls.clone(),
        drops: probe.drops.clone(),
    };
    (gate, probe)
}

fn poll_join<T>(join: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, super::JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(waker))
}

struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn loom_wake_while_running() {
    loom::model(|| {
        let queue = Queue::new();
        let (gate, probe) = gate();
        let mut join = queue.spawn(gate);
        assert!(queue.run_one(), "first poll");
        let waker = probe.slot.lock().take().expect("the gate left its waker");
        let opener = {
            let open = probe.open.clone();
            thread::spawn(move || {
                open.store(true, Ordering::SeqCst);
                waker.wake();
            })
        };
        // Run whatever the wake queued, racing the waker thread.
        queue.run_one();
        opener.join().unwrap();
        while queue.run_one() {}
        let done = poll_join(&mut join, Waker::noop());
        assert!(matches!(done, Poll::Ready(Ok(1))), "the wake was not lost");
        assert!(probe.polls.load(Ordering::SeqCst) <= 3);
        assert_eq!(probe.drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_abort_while_running() {
    loom::model(|| {
        let queue = Queue::new();
        let (gate, probe) = gate();
        let mut join = queue.spawn(gate);
        let abort = join.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        queue.run_one();
        aborter.join().unwrap();
        while queue.run_one() {}
        match poll_join(&mut join, Waker::noop()) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            other => panic!("an aborted pending task ends cancelled, got {other:?}"),
        }
        assert_eq!(
            probe.drops.load(Ordering::SeqCst),
            1,
            "dropped exactly once"
        );
        queue.shutdown();
    });
}

#[test]
fn loom_join_waker_register_vs_complete() {
    loom::model(|| {
        let queue = Queue::new();
        let mut join = queue.spawn(async { 7u8 });
        let runner = {
            let queue = queue.clone();
            thread::spawn(move || while queue.run_one() {})
        };
        let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let first = poll_join(&mut join, &waker);
        runner.join().unwrap();
        match first {
            Poll::Ready(out) => assert_eq!(out.unwrap(), 7),
            Poll::Pending => {
                assert!(flag.0.load(Ordering::SeqCst), "completion woke the joiner");
                assert!(matches!(poll_join(&mut join, &waker), Poll::Ready(Ok(7))));
            }
        }
    });
}

/// A `JoinSet` registers its entry's waker as a task is added, without
/// reading the output (`set_join_waker`), racing the task's completion:
/// either it says the task is complete, or the completion wakes the waker,
/// never neither; the output stays for the poll that follows.
#[test]
fn loom_join_waker_set_at_insert_vs_complete() {
    loom::model(|| {
        let queue = Queue::new();
        let mut join = queue.spawn(async { 7u8 });
        let runner = {
            let queue = queue.clone();
            thread::spawn(move || while queue.run_one() {})
        };
        let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let complete = join.set_join_waker(&waker);
        runner.join().unwrap();
        assert!(
            complete || flag.0.load(Ordering::SeqCst),
            "nobody told the set"
        );
        assert!(matches!(poll_join(&mut join, &waker), Poll::Ready(Ok(7))));
    });
}

/// The handle polled again with a *different* waker while the task
/// completes: taking the old waker back races with the runtime waking and
/// clearing it. Whichever wins, the output is read once and the waker that
/// is registered last is the one woken. (Run with debug assertions: a
/// too-strict assertion on the state fired in this race.)
#[test]
fn loom_join_waker_replaced_vs_complete() {
    loom::model(|| {
        let queue = Queue::new();
        let mut join = queue.spawn(async { 7u8 });
        let first_flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
        let first = Waker::from(first_flag.clone());
        assert!(poll_join(&mut join, &first).is_pending(), "nothing ran yet");
        let runner = {
            let queue = queue.clone();
            thread::spawn(move || while queue.run_one() {})
        };
        let second_flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
        let second = Waker::from(second_flag.clone());
        let polled = poll_join(&mut join, &second);
        runner.join().unwrap();
        match polled {
            Poll::Ready(out) => assert_eq!(out.unwrap(), 7),
            Poll::Pending => {
                assert!(
                    second_flag.0.load(Ordering::SeqCst),
                    "completion woke the waker registered last"
                );
                assert!(matches!(poll_join(&mut join, &second), Poll::Ready(Ok(7))));
            }
        }
    });
}

/// Counts its drops: an output that must be dropped exactly once.
struct Output(Arc<AtomicUsize>);

impl Drop for Output {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn loom_join_handle_dropped_vs_complete() {
    loom::model(|| {
        let queue = Queue::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let output = Output(drops.clone());
        let mut join = queue.spawn(async move { output });
        // A join waker is stored first, so completion takes the path that
        // wakes it and then decides, with the handle's drop, who drops the
        // waker and the output.
        let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
        assert!(poll_join(&mut join, &Waker::from(flag.clone())).is_pending());
        let dropper = thread::spawn(move || drop(join));
        while queue.run_one() {}
        dropper.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1, "the output, once");
        assert_eq!(
            std::sync::Arc::strong_count(&flag),
            1,
            "the join waker was dropped"
        );
    });
}

/// An abort racing the task's only poll, which completes it: the output
/// (or the future holding it) is dropped exactly once, and the handle
/// sees either the output or a cancel.
#[test]
fn loom_abort_vs_complete() {
    loom::model(|| {
        let queue = Queue::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let output = Output(drops.clone());
        let mut join = queue.spawn(async move { output });
        let abort = join.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        queue.run_one();
        aborter.join().unwrap();
        while queue.run_one() {}
        match poll_join(&mut join, Waker::noop()) {
            Poll::Ready(Ok(output)) => drop(output),
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            Poll::Pending => panic!("the task ended either way"),
        }
        queue.shutdown();
        assert_eq!(drops.load(Ordering::SeqCst), 1, "the output, once");
    });
}

/// The handle dropped (the fast path, the task idle after a poll) while
/// another thread wakes the task by value: the task still runs to its end,
/// its output is dropped by the runtime, and nothing is freed twice.
#[test]
fn loom_join_handle_dropped_vs_wake() {
    loom::model(|| {
        let queue = Queue::new();
        let (gate, probe) = gate();
        let join = queue.spawn(gate);
        assert!(queue.run_one(), "first poll");
        let waker = probe.slot.lock().take().expect("the gate left its waker");
        probe.open.store(true, Ordering::SeqCst);
        let waking = thread::spawn(move || waker.wake());
        drop(join);
        waking.join().unwrap();
        while queue.run_one() {}
        queue.shutdown();
        drop(probe.slot.lock().take());
        assert_eq!(
            probe.polls.load(Ordering::SeqCst),
            2,
            "woken once, polled again"
        );
        assert_eq!(probe.drops.load(Ordering::SeqCst), 1);
    });
}

/// Yields once (wakes itself inside its poll), then waits on its gate.
struct YieldThenGate {
    yielded: bool,
    gate: Gate,
}

impl Future for YieldThenGate {
    type Output = u8;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u8> {
        if !self.yielded {
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Pin::new(&mut self.gate).poll(cx)
    }
}

/// An abort racing a poll that yields: the requeued task is cancelled, not
/// polled on, and the future is dropped once.
#[test]
fn loom_abort_vs_yield() {
    loom::model(|| {
        let queue = Queue::new();
        let (gate, probe) = gate();
        let mut join = queue.spawn(YieldThenGate {
            yielded: false,
            gate,
        });
        let abort = join.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        queue.run_one();
        aborter.join().unwrap();
        while queue.run_one() {}
        match poll_join(&mut join, Waker::noop()) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            other => panic!("a gate that never opens ends cancelled, got {other:?}"),
        }
        queue.shutdown();
        drop(probe.slot.lock().take());
        assert_eq!(probe.drops.load(Ordering::SeqCst), 1, "dropped once");
    });
}

/// A gate that fails the model if two threads poll it at once, and yields
/// (wakes itself) at its first two polls, so that a wake from outside can
/// land while it runs.
struct Exclusive {
    in_poll: Arc<AtomicBool>,
    yields: usize,
    gate: Gate,
}

impl Future for Exclusive {
    type Output = u8;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u8> {
        let twice = self.in_poll.swap(true, Ordering::SeqCst);
        assert!(!twice, "polled on two threads at once");
        let polled = if self.yields > 0 {
            self.yields -= 1;
            *self.gate.slot.lock() = Some(cx.waker().clone());
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            Pin::new(&mut self.gate).poll(cx)
        };
        self.in_poll.store(false, Ordering::SeqCst);
        polled
    }
}

/// Two threads running the same queue while a third opens the gate and
/// wakes the task, maybe during a poll (the task yields at its first two):
/// the task is never polled on both at once, runs to its end, and its
/// future is dropped once.
#[test]
fn loom_two_runners_never_poll_a_task_at_once() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(2);
    model.check(|| {
        let queue = Queue::new();
        let (gate, probe) = gate();
        let mut join = queue.spawn(Exclusive {
            in_poll: Arc::new(AtomicBool::new(false)),
            yields: 2,
            gate,
        });
        queue.run_one();
        let waker = probe.slot.lock().take().unwrap();
        let open = probe.open.clone();
        let waking = thread::spawn(move || {
            open.store(true, Ordering::SeqCst);
            waker.wake();
        });
        let other = queue.clone();
        let runner = thread::spawn(move || while other.run_one() {});
        while queue.run_one() {}
        waking.join().unwrap();
        runner.join().unwrap();
        while queue.run_one() {}
        match poll_join(&mut join, Waker::noop()) {
            Poll::Ready(Ok(1)) => {}
            other => panic!("the opened gate ends the task, got {other:?}"),
        }
        queue.shutdown();
        drop(probe.slot.lock().take());
        assert_eq!(probe.drops.load(Ordering::SeqCst), 1, "dropped once");
    });
}

mod shutdown;

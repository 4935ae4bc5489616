//! loom models of the runtime's shutdown reaching a task: against a wake,
//! against a poll in progress, and against an abort. Each agrees with the
//! other party on who cancels the task, and the future is dropped once.

use std::task::{Poll, Waker};

use super::{Queue, gate, poll_join};
use crate::loom::atomic::Ordering;
use crate::loom::thread;

#[test]
fn loom_shutdown_vs_wake() {
    loom::model(|| {
        let queue = Queue::new();
        let (gate, probe) = gate();
        let join = queue.spawn(gate);
        queue.run_one();
        let waker = probe.slot.lock().take().unwrap();
        let waking = thread::spawn(move || waker.wake());
        queue.shutdown();
        waking.join().unwrap();
        while queue.run_one() {}
        queue.shutdown();
        assert_eq!(
            probe.drops.load(Ordering::SeqCst),
            1,
            "dropped exactly once"
        );
        drop(join);
    });
}

/// A shutdown closing the task list while the task is being polled (ready
/// or not): the poll's end and the shutdown agree on who cancels and who
/// unlinks, and the future is dropped once.
#[test]
fn loom_shutdown_vs_a_poll_in_progress() {
    for open in [false, true] {
        loom::model(move || {
            let queue = Queue::new();
            let (gate, probe) = gate();
            probe.open.store(open, Ordering::SeqCst);
            let mut join = queue.spawn(gate);
            let closer = {
                let queue = queue.clone();
                thread::spawn(move || queue.0.owned.close_and_shutdown_all())
            };
            queue.run_one();
            closer.join().unwrap();
            while queue.run_one() {}
            queue.shutdown();
            drop(probe.slot.lock().take());
            assert_eq!(probe.drops.load(Ordering::SeqCst), 1, "dropped once");
            match poll_join(&mut join, Waker::noop()) {
                Poll::Ready(Ok(1)) => assert!(open, "a closed gate cannot finish"),
                Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
                other => panic!("a shut-down task ends, got {other:?}"),
            }
        });
    }
}

/// An abort from another thread racing the runtime's shutdown, the task
/// idle after a poll: both try to cancel it, exactly one does, the future
/// is dropped once, and the handle sees a cancel.
#[test]
fn loom_abort_vs_shutdown() {
    loom::model(|| {
        let queue = Queue::new();
        let (gate, probe) = gate();
        let mut join = queue.spawn(gate);
        queue.run_one();
        let abort = join.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        queue.shutdown();
        aborter.join().unwrap();
        while queue.run_one() {}
        queue.shutdown();
        match poll_join(&mut join, Waker::noop()) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            other => panic!("an aborted, shut down task ends cancelled, got {other:?}"),
        }
        drop(probe.slot.lock().take());
        assert_eq!(probe.drops.load(Ordering::SeqCst), 1, "dropped once");
    });
}

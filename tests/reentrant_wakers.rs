//! A waker is foreign code, and its `Drop` may call back into the very
//! primitive that holds it. corio's primitives drop a waker they let go of
//! only after releasing their lock (`src/sync/wait_queue.rs`), so such a call
//! goes through instead of deadlocking on a lock that is not re-entrant.
//!
//! Each test hands a primitive the last reference to a waker whose drop
//! calls back into it, then makes the primitive let go of it: by a poll with
//! another waker, or by dropping the waiting future. It then checks that the
//! call back took effect. Each runs inside a time limit, so a deadlock fails
//! the test instead of hanging it. No runtime is needed: the futures are
//! polled by hand.
//!
//! The last tests give a cancelled waiter a waker whose drop panics: the
//! future's `Drop` catches it, since during an unwind a second panic would
//! abort the process.

mod common;

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use common::within_limit;
use corio::sync::{Notify, Semaphore, WaitGroup, channel};

/// A waker that runs `on_drop` when its last reference goes.
struct CallsBack {
    on_drop: Box<dyn Fn() + Send + Sync>,
    dropped: Arc<AtomicBool>,
}

impl Wake for CallsBack {
    fn wake(self: Arc<Self>) {}
}

impl Drop for CallsBack {
    fn drop(&mut self) {
        (self.on_drop)();
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// The waker, and a flag set once its drop has called back.
fn calling_back(on_drop: impl Fn() + Send + Sync + 'static) -> (Waker, Arc<AtomicBool>) {
    let dropped = Arc::new(AtomicBool::new(false));
    let waker = Waker::from(Arc::new(CallsBack {
        on_drop: Box::new(on_drop),
        dropped: dropped.clone(),
    }));
    (waker, dropped)
}

fn poll<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Queues `future` with a waker that runs `on_drop`, keeping no reference
/// to the waker but the primitive's.
fn queue_with<F: Future>(
    future: Pin<&mut F>,
    on_drop: impl Fn() + Send + Sync + 'static,
) -> Arc<AtomicBool> {
    let (waker, dropped) = calling_back(on_drop);
    assert!(poll(future, &waker).is_pending(), "nothing to take yet");
    drop(waker);
    assert!(
        !dropped.load(Ordering::SeqCst),
        "the primitive holds the waker"
    );
    dropped
}

/// Polls with a waker of another task (the primitive replaces the queued
/// one), then once more if the first poll did not see the call back.
fn repoll<F: Future>(mut future: Pin<&mut F>, dropped: &AtomicBool) -> Poll<F::Output> {
    let first = poll(future.as_mut(), Waker::noop());
    assert!(
        dropped.load(Ordering::SeqCst),
        "the replaced waker was dropped"
    );
    match first {
        Poll::Pending => poll(future, Waker::noop()),
        ready => ready,
    }
}

/// Queues `future` with a waker that runs `on_drop`, then drops the
/// future (a cancelled waiter): its waker must go, and call back.
fn cancel_queued<F: Future>(future: F, on_drop: impl Fn() + Send + Sync + 'static) {
    let mut future = Box::pin(future);
    let dropped = queue_with(future.as_mut(), on_drop);
    drop(future);
    assert!(
        dropped.load(Ordering::SeqCst),
        "the cancelled waiter's waker was dropped"
    );
}

#[test]
fn notify_drops_a_replaced_waker_outside_its_lock() {
    within_limit(|| {
        let notify = Arc::new(Notify::new());
        let mut notified = pin!(notify.notified());
        let again = notify.clone();
        let dropped = queue_with(notified.as_mut(), move || again.notify_one());
        assert!(
            repoll(notified, &dropped).is_ready(),
            "the call back notified it"
        );
    });
}

#[test]
fn notify_drops_a_cancelled_waiters_waker_outside_its_lock() {
    within_limit(|| {
        let notify = Arc::new(Notify::new());
        let again = notify.clone();
        cancel_queued(notify.notified(), move || again.notify_one());
        // Nobody waited when it called back: the signal became a permit.
        assert!(poll(pin!(notify.notified()), Waker::noop()).is_ready());
    });
}

#[test]
fn semaphore_drops_a_replaced_waker_outside_its_lock() {
    within_limit(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let mut acquire = pin!(semaphore.acquire());
        let again = semaphore.clone();
        let dropped = queue_with(acquire.as_mut(), move || again.add_permits(1));
        match repoll(acquire, &dropped) {
            Poll::Ready(permit) => assert!(permit.is_ok(), "the call back's permit"),
            Poll::Pending => panic!("the permit added by the call back was not granted"),
        }
    });
}

#[test]
fn semaphore_drops_a_cancelled_waiters_waker_outside_its_lock() {
    within_limit(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let again = semaphore.clone();
        cancel_queued(semaphore.acquire(), move || again.add_permits(1));
        assert_eq!(semaphore.available_permits(), 1);
    });
}

#[test]
fn channel_drops_a_replaced_waker_outside_its_lock() {
    within_limit(|| {
        let (tx, rx) = channel::bounded(1);
        let mut recv = pin!(rx.recv());
        let dropped = queue_with(recv.as_mut(), move || tx.try_send(7).expect("room"));
        assert_eq!(repoll(recv, &dropped), Poll::Ready(Some(7)));
    });
}

#[test]
fn channel_drops_a_cancelled_waiters_waker_outside_its_lock() {
    within_limit(|| {
        let (tx, rx) = channel::bounded(1);
        let tx = tx.clone();
        cancel_queued(rx.recv(), move || tx.try_send(7).expect("room"));
        assert_eq!(rx.try_recv().ok(), Some(7));
    });
}

#[test]
fn wait_group_drops_a_replaced_waker_outside_its_lock() {
    within_limit(|| {
        let group = Arc::new(WaitGroup::new());
        group.add(1);
        let mut wait = pin!(group.wait());
        let again = group.clone();
        let dropped = queue_with(wait.as_mut(), move || again.done());
        assert!(
            repoll(wait, &dropped).is_ready(),
            "the call back released it"
        );
    });
}

#[test]
fn wait_group_drops_a_cancelled_waiters_waker_outside_its_lock() {
    within_limit(|| {
        let group = Arc::new(WaitGroup::new());
        group.add(1);
        let again = group.clone();
        cancel_queued(group.wait(), move || again.done());
        assert!(
            poll(pin!(group.wait()), Waker::noop()).is_ready(),
            "the count is zero"
        );
    });
}

/// Queues `future` with a waker whose drop panics, then drops the future:
/// nothing may unwind out of that drop.
fn cancel_with_a_panicking_waker<F: Future>(future: F) {
    let mut future = Box::pin(future);
    let reached = Arc::new(AtomicBool::new(false));
    let flag = reached.clone();
    queue_with(future.as_mut(), move || {
        flag.store(true, Ordering::SeqCst);
        panic!("a waker whose drop panics")
    });
    let dropped = catch_unwind(AssertUnwindSafe(move || drop(future)));
    assert!(
        dropped.is_ok(),
        "the waker's panic unwound out of the future's drop"
    );
    // The waker was really dropped (not leaked, which would also keep the
    // panic inside).
    assert!(reached.load(Ordering::SeqCst), "the waker was not dropped");
}

#[test]
fn a_cancelled_waiters_panicking_waker_stays_inside_its_drop() {
    within_limit(|| {
        let notify = Notify::new();
        cancel_with_a_panicking_waker(notify.notified());
        let semaphore = Semaphore::new(0);
        cancel_with_a_panicking_waker(semaphore.acquire());
        let group = WaitGroup::new();
        group.add(1);
        cancel_with_a_panicking_waker(group.wait());
        let (_tx, rx) = channel::bounded::<u8>(1);
        cancel_with_a_panicking_waker(rx.recv());
        // Each still works after it.
        notify.notify_one();
        assert!(poll(pin!(notify.notified()), Waker::noop()).is_ready());
        semaphore.add_permits(1);
        assert!(semaphore.try_acquire().is_ok());
        group.done();
        assert!(poll(pin!(group.wait()), Waker::noop()).is_ready());
    });
}

#[test]
fn a_rendezvous_send_drops_a_cancelled_waker_outside_its_lock() {
    within_limit(|| {
        let (tx, rx) = channel::bounded(0);
        let rx = Arc::new(rx);
        let again = rx.clone();
        let received = Arc::new(std::sync::Mutex::new(None));
        let seen = received.clone();
        cancel_queued(tx.send(7), move || {
            *seen.lock().unwrap() = Some(again.try_recv());
        });
        assert_eq!(
            *received.lock().unwrap(),
            Some(Err(channel::TryRecvError::Empty)),
            "the offer was taken back before its waker went"
        );
        let mut send = pin!(tx.send(8));
        assert!(poll(send.as_mut(), Waker::noop()).is_pending());
        assert_eq!(rx.try_recv(), Ok(8), "the channel still works");
    });
}

#[test]
fn a_cancelled_rendezvous_sends_panicking_waker_stays_inside_its_drop() {
    within_limit(|| {
        let (tx, rx) = channel::bounded(0);
        cancel_with_a_panicking_waker(tx.send(1_u8));
        assert_eq!(rx.try_recv(), Err(channel::TryRecvError::Empty));
    });
}

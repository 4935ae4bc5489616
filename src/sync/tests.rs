//! Every leaf future in `sync/` spends the coop budget when it completes and
//! refunds it when it does not: a task that always finds work still yields.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::{Mutex, Notify, Semaphore, WaitGroup, channel, oneshot};
use crate::task::budget::{BUDGET, with_budget};

/// Polls `make()`'s future `BUDGET + 1` times inside one budget: all but the
/// last must be ready, the last must yield.
fn yields_after_the_budget<F: Future>(mut make: impl FnMut() -> F) {
    let mut cx = Context::from_waker(Waker::noop());
    with_budget(|| {
        for i in 0..BUDGET {
            assert!(pin!(make()).poll(&mut cx).is_ready(), "ready #{i}");
        }
        assert!(pin!(make()).poll(&mut cx).is_pending(), "out of budget");
    });
}

/// Units left in the current budget (spends them).
fn units_left() -> usize {
    let mut cx = Context::from_waker(Waker::noop());
    let mut units = 0;
    while crate::task::budget::has_remaining() {
        assert!(pin!(crate::task::consume_budget()).poll(&mut cx).is_ready());
        units += 1;
    }
    units
}

/// Whether `future`, polled once by a task whose budget is all spent,
/// yields; it is dropped then.
fn pending_without_budget<F: Future>(future: F) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    with_budget(|| {
        units_left();
        pin!(future).poll(&mut cx).is_pending()
    })
}

#[test]
fn channel_recv_and_send_spend_the_budget() {
    let (tx, rx) = channel::unbounded();
    for i in 0..1_000 {
        tx.try_send(i).unwrap();
    }
    yields_after_the_budget(|| rx.recv());
    yields_after_the_budget(|| tx.send(0));
}

/// Counts the wakes of the task it stands for.
#[derive(Default)]
struct Wakes(std::sync::atomic::AtomicUsize);

impl std::task::Wake for Wakes {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A receive polled with the budget spent parks on an empty channel (no
/// wake of its own: it is not polled again for nothing, and a consumer
/// that drained its producer stays off the worker's queue); the next send
/// wakes it. With a message there, a spent receive yields and leaves the
/// message for its next poll, as every leaf does.
#[test]
fn a_spent_receive_parks_on_an_empty_channel() {
    let wakes = std::sync::Arc::new(Wakes::default());
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let count = || wakes.0.load(std::sync::atomic::Ordering::Relaxed);
    let spend_all = |cx: &mut Context<'_>| {
        while crate::task::budget::has_remaining() {
            assert!(pin!(crate::task::consume_budget()).poll(cx).is_ready());
        }
    };
    let (tx, rx) = channel::bounded(4);
    let mut recv = pin!(rx.recv());
    with_budget(|| {
        spend_all(&mut cx);
        assert!(recv.as_mut().poll(&mut cx).is_pending());
        assert_eq!(count(), 0, "parked, not yielded");
        tx.try_send(7).unwrap();
        assert_eq!(count(), 1, "the send woke it");
        assert!(recv.as_mut().poll(&mut cx).is_pending());
        assert_eq!(count(), 2, "a message is there: it yields");
    });
    assert_eq!(rx.len(), 1, "the message is left for the next poll");
    with_budget(|| assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(7))));
}

#[test]
fn broadcast_and_watch_spend_the_budget() {
    let (tx, rx) = super::broadcast::channel(1);
    tx.send(0).unwrap();
    // A receiver each: `recv` borrows its receiver mutably.
    let mut receivers: Vec<_> = (0..=BUDGET).map(|_| rx.resubscribe()).collect();
    tx.send(1).unwrap();
    let mut each = receivers.iter_mut();
    yields_after_the_budget(|| each.next().unwrap().recv());
    let (tx, rx) = super::watch::channel(0);
    let mut receivers: Vec<_> = (0..=BUDGET).map(|_| rx.clone()).collect();
    tx.send(1).unwrap();
    let mut each = receivers.iter_mut();
    yields_after_the_budget(|| each.next().unwrap().changed());
}

/// A barrier's waiter that came with its budget spent pays one unit in
/// all, the yield before it arrives, not that and the wait's end too.
#[test]
fn a_barrier_waiter_that_yielded_first_pays_one_unit() {
    let mut cx = Context::from_waker(Waker::noop());
    let barrier = super::Barrier::new(2);
    let mut waiter = Box::pin(barrier.wait());
    with_budget(|| {
        units_left();
        assert!(waiter.as_mut().poll(&mut cx).is_pending(), "yields");
    });
    with_budget(|| {
        assert!(waiter.as_mut().poll(&mut cx).is_pending(), "waits");
        assert_eq!(units_left(), usize::from(BUDGET) - 1, "the yield's unit");
    });
    assert!(pin!(barrier.wait()).poll(&mut cx).is_ready(), "the leader");
    with_budget(|| {
        assert!(waiter.as_mut().poll(&mut cx).is_ready());
        assert_eq!(units_left(), usize::from(BUDGET), "paid already");
    });
}

/// The answers found at once spend the budget too: a `wait_for` whose
/// condition holds (as tokio's does), a barrier's leader, and a sender's
/// `closed` with no receiver left (all three were once free).
#[test]
fn answers_found_at_once_spend_the_budget() {
    let (_tx, rx) = super::watch::channel(0);
    let mut receivers: Vec<_> = (0..=BUDGET).map(|_| rx.clone()).collect();
    let mut each = receivers.iter_mut();
    yields_after_the_budget(|| {
        let rx = each.next().unwrap();
        async move { rx.wait_for(|_| true).await.map(drop) }
    });
    let barrier = super::Barrier::new(1);
    yields_after_the_budget(|| barrier.wait());
    let (tx, rx) = super::broadcast::channel::<u8>(1);
    drop(rx);
    yields_after_the_budget(|| tx.closed());
    let (tx, rx) = super::watch::channel(0);
    drop(rx);
    yields_after_the_budget(|| tx.closed());
    let (tx, rx) = super::channel::bounded::<u8>(1);
    drop(rx);
    yields_after_the_budget(|| tx.closed());
    let (tx, rx) = super::channel::unbounded::<u8>();
    drop(tx);
    yields_after_the_budget(|| rx.closed());
}

/// A `wait_for` that yields for the budget has marked nothing seen.
#[test]
fn a_wait_for_dropped_while_yielding_marks_nothing_seen() {
    let (tx, mut rx) = super::watch::channel(0);
    tx.send(1).unwrap();
    assert!(
        pending_without_budget(rx.wait_for(|_| true)),
        "out of budget"
    );
    assert!(rx.has_changed().unwrap());
}

/// A `recv` that yields for the budget has taken nothing: dropped then,
/// it loses no message (the take once came before the yield).
#[test]
fn a_broadcast_recv_dropped_while_yielding_loses_nothing() {
    let (tx, mut rx) = super::broadcast::channel(4);
    tx.send(7).unwrap();
    assert!(pending_without_budget(rx.recv()), "out of budget");
    assert_eq!(rx.try_recv(), Ok(7));
}

#[test]
fn a_pending_recv_refunds_its_unit() {
    let (_tx, rx) = channel::bounded::<u8>(1);
    let mut cx = Context::from_waker(Waker::noop());
    with_budget(|| {
        for _ in 0..1_000 {
            assert!(pin!(rx.recv()).poll(&mut cx).is_pending());
        }
        assert!(crate::task::budget::has_remaining());
    });
}

#[test]
fn locks_and_permits_spend_the_budget() {
    let mutex = Mutex::new(());
    yields_after_the_budget(|| async { drop(mutex.lock().await) });
    let semaphore = Semaphore::new(1);
    yields_after_the_budget(|| async { drop(semaphore.acquire().await) });
    let wg = WaitGroup::new();
    yields_after_the_budget(|| wg.wait());
}

#[test]
fn signals_spend_the_budget() {
    let notify = Notify::new();
    yields_after_the_budget(|| {
        notify.notify_one();
        notify.notified()
    });
    let mut cx = Context::from_waker(Waker::noop());
    with_budget(|| {
        for _ in 0..BUDGET {
            let (tx, mut rx) = oneshot::channel();
            tx.send(()).unwrap();
            assert!(pin!(&mut rx).poll(&mut cx).is_ready());
        }
        let (tx, mut rx) = oneshot::channel();
        tx.send(()).unwrap();
        assert_eq!(pin!(&mut rx).poll(&mut cx), Poll::Pending);
    });
}

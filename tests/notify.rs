//! `corio::sync::Notify` under no runtime at all: plain `std::thread`s,
//! each driving its futures with `futures_lite::future::block_on`. Every
//! wait is bounded. (Moved from `sync.rs`, unchanged.)

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::task::Waker;

use common::threads::{Flag, on_thread, poll_with, waiting_on_thread};
use corio::sync::Notify;
use futures_lite::future::block_on;

#[test]
fn notify_one_stores_a_single_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    common::threads::at_once(notify.notified());
    let mut second = pin!(notify.notified());
    assert!(
        poll_with(second.as_mut(), Waker::noop()).is_pending(),
        "only one permit"
    );
}

#[test]
fn a_completed_notified_polled_again_stays_complete() {
    let notify = Notify::new();
    notify.notify_one();
    let mut notified = pin!(notify.notified());
    assert!(poll_with(notified.as_mut(), Waker::noop()).is_ready());
    assert!(
        poll_with(notified.as_mut(), Waker::noop()).is_ready(),
        "as tokio's does"
    );
    notify.notify_one();
    assert!(
        poll_with(pin!(notify.notified()), Waker::noop()).is_ready(),
        "the second poll took no permit"
    );
}

#[test]
fn notify_one_wakes_waiters_in_order() {
    let notify = Notify::new();
    let (flag_a, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = pin!(notify.notified());
    let mut b = pin!(notify.notified());
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    notify.notify_one();
    assert!(flag_a.take() && !flag_b.take());
    assert!(poll_with(a.as_mut(), &waker_a).is_ready());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
}

#[test]
fn notify_last_wakes_the_newest_waiter_or_stores_the_permit() {
    let notify = Notify::new();
    let (flag_a, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = pin!(notify.notified());
    let mut b = pin!(notify.notified());
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    notify.notify_last();
    assert!(flag_b.take() && !flag_a.take());
    assert!(poll_with(b.as_mut(), &waker_b).is_ready());
    notify.notify_last();
    assert!(flag_a.take());
    assert!(poll_with(a.as_mut(), &waker_a).is_ready());
    notify.notify_last(); // nobody waits: a permit
    assert!(block_on(futures_lite::future::poll_once(notify.notified())).is_some());
}

/// An enabled `Notified` is in the queue before its first poll: a
/// `notify_one` picks it instead of storing a permit, and `notify_waiters`
/// completes it as it would any future made before the call.
#[test]
fn an_enabled_notified_is_picked_before_its_first_poll() {
    let notify = Notify::new();
    let mut enabled = pin!(notify.notified());
    assert!(!enabled.as_mut().enable());
    notify.notify_one();
    assert!(
        block_on(futures_lite::future::poll_once(notify.notified())).is_none(),
        "the signal went to the enabled future, not to a permit"
    );
    assert!(enabled.as_mut().enable(), "enable reports it complete");
    let (_, waker) = Flag::new();
    assert!(poll_with(enabled.as_mut(), &waker).is_ready());

    notify.notify_one(); // a stored permit: enable takes it
    let mut taker = pin!(notify.notified());
    assert!(taker.as_mut().enable());
    assert!(block_on(futures_lite::future::poll_once(notify.notified())).is_none());
}

#[test]
fn notify_waiters_wakes_all_current_and_stores_nothing() {
    let notify = Notify::new();
    let (flag, waker) = Flag::new();
    let mut polled = pin!(notify.notified());
    assert!(poll_with(polled.as_mut(), &waker).is_pending());
    let mut unpolled = pin!(notify.notified());
    notify.notify_waiters();
    assert!(flag.take());
    assert!(poll_with(polled.as_mut(), &waker).is_ready());
    assert!(
        poll_with(unpolled.as_mut(), &waker).is_ready(),
        "created before the call"
    );
    let mut later = pin!(notify.notified());
    assert!(
        poll_with(later.as_mut(), &waker).is_pending(),
        "no permit stored"
    );
}

/// A `Notified` never polled, made before a `notify_waiters`, is completed
/// by it and leaves a stored permit to the next `notified()`, as tokio's
/// does since 1.51 (the permit was used up, and a port that counted on it
/// waited for good), through a poll or through `enable`.
#[test]
fn an_unpolled_notified_completed_by_notify_waiters_leaves_the_permit() {
    let (_flag, waker) = Flag::new();
    for enable_first in [false, true] {
        let notify = Notify::new();
        let mut early = pin!(notify.notified());
        notify.notify_waiters();
        notify.notify_one(); // nobody queued: stored
        if enable_first {
            assert!(early.as_mut().enable(), "the broadcast completed it");
        }
        assert!(poll_with(early.as_mut(), &waker).is_ready());
        let mut later = pin!(notify.notified());
        assert!(
            poll_with(later.as_mut(), &waker).is_ready(),
            "the permit was left for the next waiter"
        );
        let mut last = pin!(notify.notified());
        assert!(
            poll_with(last.as_mut(), &waker).is_pending(),
            "one permit, once"
        );
    }
}

#[test]
fn a_cancelled_notified_passes_the_signal_on() {
    let notify = Notify::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = Box::pin(notify.notified());
    let mut b = pin!(notify.notified());
    assert!(poll_with(a.as_mut(), Waker::noop()).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    notify.notify_one();
    drop(a);
    assert!(flag_b.take());
    assert!(poll_with(b.as_mut(), &waker_b).is_ready());
}

#[test]
fn notify_signals_across_threads() {
    let notify = Arc::new(Notify::new());
    let waiter = {
        let notify = notify.clone();
        waiting_on_thread(async move { notify.notified().await })
    };
    notify.notify_one();
    on_thread(move || waiter.join().unwrap());
}

/// `enable` on a future that was already polled answers without touching
/// its waker: the task that polled it is still the one a signal wakes.
#[test]
fn enable_after_a_poll_keeps_the_tasks_waker() {
    let notify = Notify::new();
    let (flag, waker) = Flag::new();
    let mut waiting = pin!(notify.notified());
    assert!(poll_with(waiting.as_mut(), &waker).is_pending());
    assert!(!waiting.as_mut().enable(), "queued, not signalled");
    notify.notify_one();
    assert!(flag.take(), "the polling task was woken");
    assert!(poll_with(waiting.as_mut(), &waker).is_ready());
}

/// A future picked by `notify_last` and dropped unused passes the signal
/// to the newest waiter left, not the oldest, as tokio's does.
#[test]
fn a_dropped_notify_last_pick_passes_to_the_next_newest() {
    let notify = Notify::new();
    let (flags, wakers): (Vec<_>, Vec<_>) = (0..3).map(|_| Flag::new()).unzip();
    let mut a = Box::pin(notify.notified());
    let mut b = Box::pin(notify.notified());
    let mut c = Box::pin(notify.notified());
    assert!(poll_with(a.as_mut(), &wakers[0]).is_pending());
    assert!(poll_with(b.as_mut(), &wakers[1]).is_pending());
    assert!(poll_with(c.as_mut(), &wakers[2]).is_pending());
    notify.notify_last();
    assert!(flags[2].take(), "c, the newest, was picked");
    drop(c);
    assert!(flags[1].take(), "its signal went to b");
    assert!(!flags[0].take(), "not to a, the oldest");
    assert!(poll_with(b.as_mut(), &wakers[1]).is_ready());
    assert!(poll_with(a.as_mut(), &wakers[0]).is_pending());
}

/// An owned waiter behaves as a borrowed one: woken by `notify_one` on
/// another thread, and, dropped after being picked, it passes the signal
/// on to the next waiter.
#[test]
fn an_owned_waiter_is_woken_and_passes_an_unused_signal_on() {
    let notify = Arc::new(Notify::new());
    let (first_flag, first_waker) = Flag::new();
    let (second_flag, second_waker) = Flag::new();
    let mut first = Box::pin(notify.clone().notified_owned());
    let mut second = Box::pin(notify.clone().notified_owned());
    assert!(poll_with(first.as_mut(), &first_waker).is_pending());
    assert!(poll_with(second.as_mut(), &second_waker).is_pending());
    let notifier = notify.clone();
    on_thread(move || notifier.notify_one());
    assert!(first_flag.take(), "the oldest was picked");
    drop(first);
    assert!(second_flag.take(), "its unused signal went on");
    assert!(poll_with(second.as_mut(), &second_waker).is_ready());
}

//! `corio::sync::watch`: the latest value, its versions, the close, and the
//! race between a send and a receiver about to wait. Plain threads drive
//! the futures; every wait is bounded.

mod common;

use std::pin::pin;
use std::task::Poll;
use std::thread;

use common::threads::{
    Flag, ROUNDS, assert_closed_waits_for_both, in_lockstep, on_thread, poll_with, run,
    waiting_on_thread,
};
use corio::sync::watch;

#[test]
fn a_send_replaces_the_value_and_marks_it_unseen() {
    let (tx, mut rx) = watch::channel(1);
    assert!(
        !rx.has_changed().unwrap(),
        "the initial value counts as seen"
    );
    assert!(!rx.borrow().has_changed());
    tx.send(2).unwrap();
    assert!(rx.has_changed().unwrap());
    assert_eq!(*rx.borrow(), 2);
    assert!(rx.has_changed().unwrap(), "borrow marks nothing seen");
    let seen = rx.borrow_and_update();
    assert!(seen.has_changed());
    assert_eq!(*seen, 2);
    drop(seen);
    assert!(!rx.has_changed().unwrap());
    assert_eq!(tx.send_replace(3), 2);
    assert_eq!(*tx.borrow(), 3);
}

#[test]
fn changed_waits_for_a_send_from_another_thread() {
    let (tx, mut rx) = watch::channel(0);
    let waiter = waiting_on_thread(async move {
        rx.changed().await.unwrap();
        *rx.borrow_and_update()
    });
    tx.send(7).unwrap();
    assert_eq!(on_thread(move || waiter.join().unwrap()), 7);
}

#[test]
fn a_slow_receiver_skips_to_the_newest_value() {
    let (tx, mut rx) = watch::channel(0);
    for i in 1..=5 {
        tx.send(i).unwrap();
    }
    run(async move {
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow_and_update(), 5, "five sends, one change");
        assert!(!rx.has_changed().unwrap());
    });
}

#[test]
fn the_last_value_is_seen_before_the_close_is_reported() {
    let (tx, mut rx) = watch::channel("first");
    tx.send("last").unwrap();
    drop(tx);
    assert!(
        rx.has_changed().is_err(),
        "has_changed reports the close at once"
    );
    run(async move {
        assert!(rx.changed().await.is_ok(), "the unseen last value");
        assert_eq!(*rx.borrow_and_update(), "last");
        assert!(rx.changed().await.is_err());
        assert_eq!(*rx.borrow(), "last", "the value outlives the sender");
    });
}

#[test]
fn dropping_the_sender_wakes_a_waiting_receiver_with_an_error() {
    let (tx, mut rx) = watch::channel(());
    let waiter = waiting_on_thread(async move { rx.changed().await });
    drop(tx);
    assert!(on_thread(move || waiter.join().unwrap()).is_err());
}

#[test]
fn a_send_with_no_receiver_fails_and_keeps_the_old_value() {
    let (tx, rx) = watch::channel(1);
    assert_eq!(tx.receiver_count(), 1);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(2).unwrap_err().0, 2);
    assert_eq!(*tx.borrow(), 1);
    tx.send_modify(|v| *v = 3);
    assert_eq!(*tx.borrow(), 3, "send_modify changes it regardless");
    let mut late = tx.subscribe();
    assert!(
        !late.has_changed().unwrap(),
        "a new receiver has seen the value"
    );
    tx.send(4).unwrap();
    assert!(late.has_changed().unwrap());
    assert_eq!(*late.borrow_and_update(), 4);
}

#[test]
fn send_if_modified_wakes_nobody_when_nothing_changed() {
    let (tx, mut rx) = watch::channel(5);
    let (flag, waker) = Flag::new();
    {
        let mut changed = pin!(rx.changed());
        assert!(poll_with(changed.as_mut(), &waker).is_pending());
        assert!(!tx.send_if_modified(|v| *v > 10));
        assert!(!flag.take(), "no change, no wake");
        assert!(tx.send_if_modified(|v| {
            *v += 1;
            true
        }));
        assert!(flag.take());
        assert_eq!(poll_with(changed.as_mut(), &waker), Poll::Ready(Ok(())));
    }
    assert_eq!(*rx.borrow(), 6);
}

#[test]
fn one_send_wakes_every_waiting_receiver() {
    let (tx, rx) = watch::channel(0);
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let mut rx = rx.clone();
            waiting_on_thread(async move {
                rx.changed().await.unwrap();
                *rx.borrow_and_update()
            })
        })
        .collect();
    tx.send(9).unwrap();
    let got = on_thread(move || {
        waiters
            .into_iter()
            .map(|w| w.join().unwrap())
            .collect::<Vec<_>>()
    });
    assert_eq!(got, [9; 4]);
}

#[test]
fn clones_and_marks_carry_what_was_seen() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    let copy = rx.clone();
    assert!(
        copy.has_changed().unwrap(),
        "the clone has seen what rx had"
    );
    rx.mark_unchanged();
    assert!(!rx.has_changed().unwrap());
    assert!(
        copy.has_changed().unwrap(),
        "each receiver keeps its own mark"
    );
    rx.mark_changed();
    assert!(rx.has_changed().unwrap());
    run(async move { rx.changed().await.unwrap() });
    assert!(copy.same_channel(&tx.subscribe()));
}

/// A `changed` woken by a send and dropped before it looked marks
/// nothing seen: the send only wakes it. (One that marks the value and
/// then yields on a spent budget is `src/sync/tests.rs`'s.)
#[test]
fn a_dropped_changed_marks_nothing_seen() {
    let (tx, mut rx) = watch::channel(0);
    let (flag, waker) = Flag::new();
    {
        let mut changed = pin!(rx.changed());
        assert!(poll_with(changed.as_mut(), &waker).is_pending());
        tx.send(1).unwrap();
        assert!(flag.take(), "woken, then dropped without a poll");
    }
    assert!(rx.has_changed().unwrap(), "the change is still unseen");
    let (flag, waker) = Flag::new();
    let mut changed = pin!(rx.changed());
    assert_eq!(poll_with(changed.as_mut(), &waker), Poll::Ready(Ok(())));
    assert!(!flag.take());
}

#[test]
fn wait_for_returns_the_value_that_passed() {
    let (tx, mut rx) = watch::channel(0u64);
    let found = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = found.clone();
    let producer = thread::spawn(move || {
        // Goes on sending past the value that passes, until the receiver
        // has its answer (or a bound), so the latest value has usually
        // moved on by the time `wait_for` returns. The bound is a multiple
        // of 7, so the wait ends even if the receiver only looks after it.
        let mut i = 0;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) && i < 49_999_999 {
            i += 1;
            // The receiver may be gone once it found one: no `send`.
            tx.send_replace(i);
        }
        tx
    });
    // The predicate notes the value it passed: a `wait_for` that returned
    // the latest value instead of the one it tested would differ from it.
    let passed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let noted = passed.clone();
    let got = run(async move {
        let got = *rx
            .wait_for(|&n| {
                let pass = n % 7 == 0 && n > 0;
                if pass {
                    noted.store(n, std::sync::atomic::Ordering::SeqCst);
                }
                pass
            })
            .await
            .unwrap();
        found.store(true, std::sync::atomic::Ordering::SeqCst);
        got
    });
    assert_eq!(got, passed.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(got % 7, 0, "got {got}");
    drop(producer.join().unwrap());

    let (tx, mut rx) = watch::channel(3);
    let now = common::threads::at_once(rx.wait_for(|&n| n == 3)).unwrap();
    assert!(!now.has_changed(), "the current value passed: nothing new");
    drop(now);
    drop(tx);
    let (tx, mut rx) = watch::channel(0);
    drop(tx);
    assert!(run(async move { rx.wait_for(|&n| n > 0).await.is_err() }));
}

#[test]
fn closed_waits_for_the_last_receiver() {
    let (tx, rx) = watch::channel(());
    let rx2 = rx.clone();
    assert_closed_waits_for_both(pin!(tx.closed()), rx, rx2);
    // With no receiver to begin with, it does not wait at all.
    run(async move { tx.closed().await });
}

/// Neither a sender's drop nor `subscribe`, `mark_unchanged` or `Debug`
/// waits for the value's lock: each would deadlock against a `Ref` held
/// by the same thread (or inside `send_modify`).
#[test]
fn nothing_but_a_send_waits_for_a_held_read() {
    on_thread(|| {
        let (tx, mut rx) = watch::channel(1);
        let held = rx.clone();
        let value = held.borrow();
        let _late = tx.subscribe();
        rx.mark_unchanged();
        assert_eq!(
            format!("{tx:?}"),
            "watch::Sender { value: 1, receivers: 3 }"
        );
        drop(tx);
        assert_eq!(*value, 1);
        drop(value);
        assert!(rx.has_changed().is_err());
    });
    on_thread(|| {
        let (tx, _rx) = watch::channel(1);
        tx.send_modify(|v| {
            assert_eq!(
                format!("{tx:?}"),
                "watch::Sender { value: <locked>, receivers: 1 }"
            );
            *v = 2;
        });
    });
}

/// A send lands between a receiver's look at the version and its wait:
/// the wait must still end. Rounds of a sender thread against a receiver
/// that waits for each value in turn.
#[test]
fn no_send_is_missed_by_a_receiver_about_to_wait() {
    let (tx, mut rx) = watch::channel(0);
    in_lockstep(
        ROUNDS,
        move |i| tx.send(i + 1).unwrap(),
        |ack| async move {
            for expected in 1..=ROUNDS {
                rx.changed().await.unwrap();
                assert_eq!(*rx.borrow_and_update(), expected);
                ack.send(()).unwrap();
            }
        },
    );
}

//! `bounded(0)`, Go's unbuffered channel: a send completes only once a
//! receiver took its value. Plain `std::thread`s and hand-polled futures,
//! no runtime, as in `channel.rs`; the loom models of its races are in
//! `src/sync/channel/loom_tests.rs`.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::thread;

use common::threads::{Flag, on_thread, poll_with};
use corio::sync::channel::{self, TryRecvError, TrySendError};
use futures_lite::future::block_on;

/// A send on `bounded(0)` completes only once a receiver took its value;
/// the channel itself holds nothing.
#[test]
fn a_rendezvous_send_completes_when_its_value_is_taken() {
    let (tx, rx) = channel::bounded(0);
    assert_eq!((tx.capacity(), tx.len()), (Some(0), 0));
    let (flag, waker) = Flag::new();
    let mut send = pin!(tx.send(1));
    assert!(
        poll_with(send.as_mut(), &waker).is_pending(),
        "no receiver yet"
    );
    assert!(poll_with(send.as_mut(), &waker).is_pending(), "still none");
    assert_eq!(rx.len(), 0, "an unbuffered channel holds nothing");
    assert_eq!(rx.try_recv(), Ok(1), "the waiting sender's value");
    assert!(flag.take(), "taking it woke the sender");
    assert_eq!(poll_with(send.as_mut(), &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

/// Waiting senders are served in order, and `try_send` succeeds only while
/// a receiver waits (Go's `select` with a `default`).
#[test]
fn rendezvous_senders_are_served_in_order_and_try_send_needs_a_receiver() {
    let (tx, rx) = channel::bounded(0);
    assert_eq!(
        tx.try_send('x'),
        Err(TrySendError::Full('x')),
        "nobody waits"
    );
    let (_flag_a, waker_a) = Flag::new();
    let (_flag_b, waker_b) = Flag::new();
    let mut a = pin!(tx.send('a'));
    let mut b = pin!(tx.send('b'));
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    assert_eq!((rx.try_recv(), rx.try_recv()), (Ok('a'), Ok('b')));
    assert!(poll_with(a.as_mut(), &waker_a).is_ready());
    assert!(poll_with(b.as_mut(), &waker_b).is_ready());

    let (flag_r, waker_r) = Flag::new();
    let mut recv = pin!(rx.recv());
    assert!(poll_with(recv.as_mut(), &waker_r).is_pending());
    assert_eq!(tx.try_send('y'), Ok(()), "a receiver waits");
    assert_eq!(
        tx.try_send('z'),
        Err(TrySendError::Full('z')),
        "one value a receiver"
    );
    assert!(flag_r.take());
    assert_eq!(poll_with(recv.as_mut(), &waker_r), Poll::Ready(Some('y')));

    // The waiting receiver gives up: the value is the next receiver's.
    let (_flag_gone, waker_gone) = Flag::new();
    let mut gone = Box::pin(rx.recv());
    assert!(poll_with(gone.as_mut(), &waker_gone).is_pending());
    assert_eq!(tx.try_send('w'), Ok(()));
    drop(gone);
    assert_eq!(rx.try_recv(), Ok('w'));
}

/// Two receivers wait: two `try_send`s in a row both succeed, one value
/// for each (Go's non-blocking send too). The first wakes a receiver and
/// takes it off the waiting line; that receiver still counts until it has
/// taken its value. Counting only the line, the second was refused with a
/// receiver still waiting, and a dispatcher filling idle workers with
/// `try_send` left half of them idle.
#[test]
fn each_waiting_receiver_takes_one_try_send() {
    let (tx, rx) = channel::bounded(0);
    let (flag_1, waker_1) = Flag::new();
    let (flag_2, waker_2) = Flag::new();
    let mut first = pin!(rx.recv());
    let mut second = pin!(rx.recv());
    assert!(poll_with(first.as_mut(), &waker_1).is_pending());
    assert!(poll_with(second.as_mut(), &waker_2).is_pending());
    assert_eq!(tx.try_send(1), Ok(()));
    assert_eq!(tx.try_send(2), Ok(()), "the second receiver waits too");
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)), "and no third");
    assert!(flag_1.take() && flag_2.take(), "each was woken");
    assert_eq!(poll_with(first.as_mut(), &waker_1), Poll::Ready(Some(1)));
    assert_eq!(poll_with(second.as_mut(), &waker_2), Poll::Ready(Some(2)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "nothing left over");
    assert_eq!(
        tx.try_send(4),
        Err(TrySendError::Full(4)),
        "nobody waits now"
    );

    // A woken receiver that goes before it takes its value stops counting
    // too; the value is the next receiver's.
    let (_flag, waker) = Flag::new();
    let mut gone = Box::pin(rx.recv());
    assert!(poll_with(gone.as_mut(), &waker).is_pending());
    assert_eq!(tx.try_send(5), Ok(()));
    drop(gone);
    assert_eq!(tx.try_send(6), Err(TrySendError::Full(6)), "nobody waits");
    assert_eq!(rx.try_recv(), Ok(5));
}

/// A send still waiting when the last receiver goes gets its value back;
/// a send dropped while waiting takes its value away with it.
#[test]
fn a_rendezvous_send_gets_its_value_back_when_no_receiver_is_left() {
    let (tx, rx) = channel::bounded(0);
    let (_flag, waker) = Flag::new();
    let mut cancelled = Box::pin(tx.send(String::from("gone")));
    assert!(poll_with(cancelled.as_mut(), &waker).is_pending());
    drop(cancelled);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "taken back");

    let (flag, waker) = Flag::new();
    let mut send = pin!(tx.send(String::from("kept")));
    assert!(poll_with(send.as_mut(), &waker).is_pending());
    drop(rx);
    assert!(flag.take(), "the last receiver's drop woke the sender");
    let Poll::Ready(Err(channel::SendError(back))) = poll_with(send.as_mut(), &waker) else {
        panic!("the send fails and gives its value back");
    };
    assert_eq!(back, "kept");
}

/// Threads hand values over one at a time: every send that returns `Ok`
/// was received, exactly once.
#[test]
#[cfg_attr(miri, ignore = "thousands of hand-overs between threads")]
fn rendezvous_hands_every_value_over_exactly_once_across_threads() {
    const SENDERS: usize = 4;
    const EACH: usize = 2_000;
    let (tx, rx) = channel::bounded::<usize>(0);
    let seen: Arc<Vec<AtomicBool>> = Arc::new(
        (0..SENDERS * EACH)
            .map(|_| AtomicBool::new(false))
            .collect(),
    );
    let receivers: Vec<_> = (0..2)
        .map(|_| {
            let (rx, seen) = (rx.clone(), seen.clone());
            thread::spawn(move || {
                block_on(async {
                    let mut got = 0;
                    while let Some(i) = rx.recv().await {
                        assert!(!seen[i].swap(true, Ordering::Relaxed), "value {i} twice");
                        got += 1;
                    }
                    got
                })
            })
        })
        .collect();
    drop(rx);
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let tx = tx.clone();
            thread::spawn(move || {
                block_on(async {
                    for i in 0..EACH {
                        tx.send(s * EACH + i).await.unwrap();
                    }
                })
            })
        })
        .collect();
    drop(tx);
    let received: usize = on_thread(move || {
        senders.into_iter().for_each(|t| t.join().unwrap());
        receivers.into_iter().map(|t| t.join().unwrap()).sum()
    });
    assert_eq!(received, SENDERS * EACH);
    assert!(seen.iter().all(|s| s.load(Ordering::Relaxed)));
}

/// A close fails a send still waiting, as on a buffered channel: its value
/// comes back, and no receiver takes it after the close. A `try_send`'s
/// value, already reported as sent, is still received.
#[test]
fn a_close_fails_a_waiting_rendezvous_send_and_keeps_what_was_sent() {
    for closed_by_receiver in [false, true] {
        let (tx, rx) = channel::bounded(0);
        let (flag, waker) = Flag::new();
        let mut receive = pin!(rx.recv());
        assert!(poll_with(receive.as_mut(), &waker).is_pending());
        assert_eq!(tx.try_send(1), Ok(()), "a receiver waits for it");
        let mut send = pin!(tx.send(2));
        assert!(poll_with(send.as_mut(), &waker).is_pending());
        flag.take();
        if closed_by_receiver {
            rx.close();
        } else {
            tx.clone().close();
        }
        assert!(flag.take(), "the close woke the waiting sender");
        match poll_with(send.as_mut(), &waker) {
            Poll::Ready(Err(error)) => assert_eq!(error.0, 2),
            other => panic!("the waiting send was not failed: {other:?}"),
        }
        assert_eq!(poll_with(receive.as_mut(), &waker), Poll::Ready(Some(1)));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }
}

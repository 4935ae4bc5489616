//! The channel under tokio's spellings: `recv_many`, and the `mpsc`
//! module's names over corio's channel.

mod common;

use std::pin::pin;
use std::task::Poll;
use std::thread;

use common::threads::{Flag, poll_with};
use corio::sync::channel;
use futures_lite::future::block_on;

/// `recv_many`: a limit of 0 takes nothing, a waiting call is woken by a
/// send and takes what is there up to its limit, and the slots it frees
/// reach a parked sender.
#[test]
fn recv_many_waits_for_one_then_takes_up_to_its_limit() {
    let (tx, rx) = channel::bounded(2);
    let (flag, waker) = Flag::new();
    let mut batch = Vec::new();
    {
        let mut waiting = pin!(rx.recv_many(&mut batch, 8));
        assert!(poll_with(waiting.as_mut(), &waker).is_pending());
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert!(flag.take(), "the first send woke it");
        assert_eq!(poll_with(waiting.as_mut(), &waker), Poll::Ready(2));
    }
    assert_eq!(batch, [1, 2]);

    tx.try_send(3).unwrap();
    tx.try_send(4).unwrap();
    {
        let (sent_flag, sender_waker) = Flag::new();
        let mut parked = pin!(tx.send(5));
        assert!(poll_with(parked.as_mut(), &sender_waker).is_pending());
        assert_eq!(block_on(rx.recv_many(&mut batch, 0)), 0);
        assert_eq!(block_on(rx.recv_many(&mut batch, 1)), 1);
        assert!(sent_flag.take(), "the freed slot went to the parked sender");
        let sent = poll_with(parked.as_mut(), &sender_waker);
        assert!(matches!(sent, Poll::Ready(Ok(()))));
    }
    assert_eq!(block_on(rx.recv_many(&mut batch, 8)), 2);
    assert_eq!(batch, [1, 2, 3, 4, 5]);
    drop(tx);
    assert_eq!(block_on(rx.recv_many(&mut batch, 8)), 0);
}

/// tokio's `mpsc` spelling: a bounded channel of 0 is refused as tokio
/// refuses it, an unbounded sender sends without waiting from plain code,
/// and a receiver drains what was sent before the senders went.
#[test]
#[cfg_attr(miri, ignore)]
fn the_mpsc_names_work_as_in_tokio() {
    use corio::sync::mpsc;
    let refused = std::panic::catch_unwind(|| mpsc::channel::<u8>(0));
    assert!(refused.is_err(), "tokio's channel(0) panics too");
    let (tx, rx) = mpsc::unbounded_channel();
    let producers: Vec<_> = (0..4)
        .map(|i| {
            let tx = tx.clone();
            thread::spawn(move || tx.send(i).unwrap())
        })
        .collect();
    drop(tx);
    for producer in producers {
        producer.join().unwrap();
    }
    let mut got = corio::block_on(async move {
        let mut got = Vec::new();
        while let Some(i) = rx.recv().await {
            got.push(i);
        }
        got
    });
    got.sort();
    assert_eq!(got, [0, 1, 2, 3]);
}

/// `closed()` (tokio's `Sender::closed`): pending while both sides live,
/// woken by the last receiver's drop, or by a `close`, on every kind of
/// channel; ready at once on a closed one.
#[test]
fn closed_waits_for_the_close() {
    for make in [
        || channel::bounded::<u8>(1),
        || channel::bounded::<u8>(0),
        channel::unbounded::<u8>,
    ] {
        let (tx, rx) = make();
        let (flag, waker) = Flag::new();
        let mut closed = pin!(tx.closed());
        assert!(poll_with(closed.as_mut(), &waker).is_pending());
        let other = rx.clone();
        drop(rx);
        assert!(!flag.take(), "a receiver is left");
        assert!(poll_with(closed.as_mut(), &waker).is_pending());
        thread::spawn(move || drop(other)).join().unwrap();
        assert!(flag.take(), "the last receiver's drop wakes it");
        assert_eq!(poll_with(closed.as_mut(), &waker), Poll::Ready(()));
        block_on(tx.closed());

        let (tx, rx) = make();
        let mut closed = pin!(rx.closed());
        assert!(poll_with(closed.as_mut(), &waker).is_pending());
        tx.close();
        assert!(flag.take(), "close wakes it");
        assert_eq!(poll_with(closed.as_mut(), &waker), Poll::Ready(()));
    }
}

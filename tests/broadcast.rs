//! `corio::sync::broadcast`: every receiver gets every message, a slow one
//! lags instead of holding senders back, and messages are dropped once the
//! last receiver that owed them a read has read them (or gone). Plain
//! threads drive the futures; every wait is bounded.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::thread;

use common::threads::{
    Flag, ROUNDS, assert_closed_waits_for_both, in_lockstep, on_thread, poll_with, run,
    waiting_on_thread,
};
use corio::sync::broadcast::{self, RecvError, TryRecvError};

#[test]
fn every_receiver_gets_every_message_in_order() {
    let (tx, rx) = broadcast::channel(1024);
    let readers: Vec<_> = std::iter::once(rx)
        .chain((0..3).map(|_| tx.subscribe()))
        .map(|mut rx| {
            thread::spawn(move || {
                futures_lite::future::block_on(async {
                    let mut got = Vec::new();
                    while let Ok(i) = rx.recv().await {
                        got.push(i);
                    }
                    got
                })
            })
        })
        .collect();
    for i in 0..1000 {
        assert_eq!(tx.send(i).unwrap(), 4);
    }
    drop(tx);
    let all = on_thread(move || {
        readers
            .into_iter()
            .map(|r| r.join().unwrap())
            .collect::<Vec<_>>()
    });
    for got in all {
        assert_eq!(got, (0..1000).collect::<Vec<_>>());
    }
}

#[test]
fn a_slow_receiver_lags_then_goes_on_from_the_oldest_kept() {
    let (tx, mut rx) = broadcast::channel(2);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.len(), 5);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(3)));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send(5).unwrap();
    tx.send(6).unwrap();
    tx.send(7).unwrap();
    drop(tx);
    run(async move {
        assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
        assert_eq!(rx.recv().await, Ok(6));
        assert_eq!(rx.recv().await, Ok(7));
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
    });
}

#[test]
fn a_waiting_receiver_is_woken_by_a_send_and_by_the_close() {
    let (tx, mut rx) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    let first = waiting_on_thread(async move { rx.recv().await });
    tx.send("go").unwrap();
    assert_eq!(on_thread(move || first.join().unwrap()), Ok("go"));
    assert_eq!(rx2.try_recv(), Ok("go"));
    let second = waiting_on_thread(async move { rx2.recv().await });
    drop(tx);
    assert_eq!(
        on_thread(move || second.join().unwrap()),
        Err(RecvError::Closed)
    );
}

#[test]
fn subscribers_see_only_later_messages_and_a_lone_sender_fails() {
    let (tx, rx) = broadcast::channel(4);
    drop(rx);
    assert_eq!(tx.send(1).unwrap_err().0, 1, "nobody to send to");
    let mut late = tx.subscribe();
    assert_eq!(late.try_recv(), Err(TryRecvError::Empty));
    tx.send(2).unwrap();
    let mut later = late.resubscribe();
    tx.send(3).unwrap();
    assert_eq!(late.try_recv(), Ok(2));
    assert_eq!(late.try_recv(), Ok(3));
    assert_eq!(later.try_recv(), Ok(3), "2 came before it");
    assert!(later.same_channel(&late));
}

/// A message lives while a receiver owes it a read: the last read moves it
/// out, a receiver that goes gives up its share, and an overwrite drops it.
#[test]
fn a_message_is_dropped_once_nobody_owes_it_a_read() {
    let message = Arc::new(());
    let (tx, mut a) = broadcast::channel(4);
    let mut b = tx.subscribe();
    tx.send(message.clone()).unwrap();
    assert_eq!(Arc::strong_count(&message), 2);
    let from_a = a.try_recv().unwrap();
    assert_eq!(
        Arc::strong_count(&message),
        3,
        "a cloned it; b still owes a read"
    );
    let from_b = b.try_recv().unwrap();
    assert_eq!(Arc::strong_count(&message), 3, "b, the last, moved it out");
    drop((from_a, from_b));
    assert_eq!(Arc::strong_count(&message), 1);

    tx.send(message.clone()).unwrap();
    a.try_recv().unwrap();
    drop(b);
    assert_eq!(Arc::strong_count(&message), 1, "b's share went with it");
    assert_eq!(tx.len(), 0);

    let (tx, _rx) = broadcast::channel(1);
    tx.send(message.clone()).unwrap();
    assert_eq!(tx.len(), 1);
    tx.send(Arc::new(())).unwrap();
    assert_eq!(Arc::strong_count(&message), 1, "overwritten, dropped");
}

/// A receive woken by a send and dropped before it looked leaves the
/// message in place: the send wakes, it does not hand the message to the
/// waiting receive (as a rendezvous would), whose drop would lose it. (A
/// receive that takes the message and then yields on a spent budget is
/// `src/sync/tests.rs`'s.)
#[test]
fn a_dropped_recv_loses_nothing() {
    let (tx, mut rx) = broadcast::channel(4);
    let (flag, waker) = Flag::new();
    {
        let mut recv = pin!(rx.recv());
        assert!(poll_with(recv.as_mut(), &waker).is_pending());
        tx.send(9).unwrap();
        assert!(flag.take());
    }
    assert_eq!(rx.try_recv(), Ok(9));
}

#[test]
fn closed_waits_for_the_last_receiver() {
    let (tx, rx) = broadcast::channel::<()>(1);
    let rx2 = tx.subscribe();
    assert_closed_waits_for_both(pin!(tx.closed()), rx, rx2);
}

/// A send lands between a receiver's look and its wait: the wait must
/// still end. A sender thread against a receiver that waits for each
/// message in turn.
#[test]
fn no_send_is_missed_by_a_receiver_about_to_wait() {
    let (tx, mut rx) = broadcast::channel(1);
    let send = move |i| assert_eq!(tx.send(i).unwrap(), 1, "one receiver");
    in_lockstep(ROUNDS, send, |ack| async move {
        for expected in 0..ROUNDS {
            assert_eq!(rx.recv().await, Ok(expected));
            ack.send(()).unwrap();
        }
    });
}

#[test]
fn a_capacity_of_zero_is_refused() {
    let refused = std::panic::catch_unwind(|| broadcast::channel::<u8>(0));
    assert!(common::panic_message(&*refused.unwrap_err()).contains("capacity of at least 1"));
}

/// A weak sender does not keep the channel open: a receiver waiting when
/// the last real sender drops is woken and told `Closed`, and the weak one
/// can no longer upgrade; while a sender lives, an upgraded one sends as
/// any sender does.
#[test]
fn a_weak_sender_does_not_keep_the_channel_open() {
    let (tx, mut rx) = broadcast::channel(4);
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    weak.upgrade().unwrap().send(7).unwrap();
    assert_eq!(tx.strong_count(), 1, "the upgraded sender is gone again");
    assert_eq!(rx.try_recv(), Ok(7));
    let (flag, waker) = Flag::new();
    let mut waiting = pin!(rx.recv());
    assert!(poll_with(waiting.as_mut(), &waker).is_pending());
    drop(tx);
    assert!(flag.take(), "the last real sender's drop woke the receiver");
    assert_eq!(
        poll_with(waiting.as_mut(), &waker),
        std::task::Poll::Ready(Err(RecvError::Closed))
    );
    assert!(weak.upgrade().is_none());
    assert_eq!((weak.strong_count(), weak.clone().weak_count()), (0, 2));
}

/// A message that carries a handle to its own channel (a weak sender, a
/// sender), read by one of two receivers: the read clones it, and the
/// clone counts a new handle. That count once took the lock the read
/// holds, and the thread hung on itself.
#[test]
fn a_message_may_carry_a_sender_of_its_own_channel() {
    #[derive(Clone)]
    struct Msg {
        weak: broadcast::WeakSender<Msg>,
        strong: broadcast::Sender<Msg>,
    }

    let counts = on_thread(|| {
        let (tx, mut a) = broadcast::channel::<Msg>(4);
        let mut b = tx.subscribe();
        tx.send(Msg {
            weak: tx.downgrade(),
            strong: tx.clone(),
        })
        .unwrap();
        let read = a.try_recv().expect("a message"); // cloned: b owes one
        assert!(read.strong.same_channel(&tx) && read.weak.upgrade().is_some());
        let counts = (tx.strong_count(), tx.weak_count());
        drop(read);
        drop(b.try_recv().expect("a message")); // moved out
        drop(tx);
        assert!(matches!(a.try_recv(), Err(TryRecvError::Closed)));
        counts
    });
    // tx, the message's and its clone's: three of each kind but the weak.
    assert_eq!(counts, (3, 2));
}

/// `Sender::new` asks nothing of `T` (tokio's does not either), so a
/// generic hub builds one.
#[test]
fn a_sender_is_made_without_a_clone_bound() {
    struct Hub<T>(broadcast::Sender<T>);
    impl<T> Hub<T> {
        fn new() -> Self {
            Hub(broadcast::Sender::new(8))
        }
    }
    let hub: Hub<std::cell::Cell<u8>> = Hub::new();
    assert_eq!(hub.0.receiver_count(), 0);
}

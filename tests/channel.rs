//! `corio::sync::channel` under no runtime at all: plain
//! `std::thread`s, each driving its futures with
//! `futures_lite::future::block_on`. Every wait is bounded. The oneshot
//! channel is in `oneshot.rs`.

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::thread;

use common::panic_message;
use common::threads::{Flag, on_thread, poll_with, run, waiting_on_thread};
use corio::sync::channel::{self, TryRecvError, TrySendError};
use corio::sync::oneshot;
use futures_lite::future::block_on;

// ---------------------------------------------------------------- channel

#[test]
fn channel_delivers_in_order_across_threads() {
    let (tx, rx) = channel::bounded(4);
    let producer = thread::spawn(move || {
        block_on(async {
            for i in 0..1_000 {
                tx.send(i).await.unwrap();
            }
        })
    });
    let got = run(async move {
        let mut got = Vec::new();
        while let Some(i) = rx.recv().await {
            got.push(i);
        }
        got
    });
    producer.join().unwrap();
    assert_eq!(got, (0..1_000).collect::<Vec<_>>());
}

#[test]
fn a_capacity_above_the_maximum_is_refused_before_any_allocation() {
    let refused = std::panic::catch_unwind(|| channel::bounded::<u8>(usize::MAX)).unwrap_err();
    let message = panic_message(&*refused);
    assert!(
        message.contains("above channel::MAX_CAPACITY"),
        "a clear message, not an overflow: {message}"
    );
}

/// Under the maximum, but more memory than an allocation can name: a
/// panic that says so (the process aborted on the allocation).
#[test]
#[cfg_attr(miri, ignore)] // Miri aborts on a failed allocation
fn a_capacity_past_what_can_be_allocated_panics_with_a_message() {
    let refused = std::panic::catch_unwind(|| channel::bounded::<[u8; 4096]>(1 << 50)).unwrap_err();
    let message = panic_message(&*refused);
    assert!(
        message.contains("bounded(1125899906842624): its slots need more memory"),
        "{message}"
    );
}

#[test]
fn try_send_reports_full_and_closed_with_the_value() {
    let (tx, rx) = channel::bounded(2);
    assert_eq!(tx.try_send(1), Ok(()));
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!((tx.len(), rx.len(), tx.capacity()), (2, 2, Some(2)));
    drop(rx);
    assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)));
    let err = common::threads::at_once(tx.send(5)).unwrap_err();
    assert_eq!(err.0, 5);
}

#[test]
fn receivers_drain_after_the_last_sender_drops() {
    let (tx, rx) = channel::unbounded();
    let tx2 = tx.clone();
    tx.try_send('a').unwrap();
    tx2.try_send('b').unwrap();
    drop(tx);
    assert!(!rx.is_closed(), "one sender is left");
    drop(tx2);
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Ok('a'));
    assert_eq!(common::threads::at_once(rx.recv()), Some('b'));
    assert_eq!(common::threads::at_once(rx.recv()), None);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn dropping_the_last_receiver_drops_the_buffered_messages() {
    for bounded in [true, false] {
        let (tx, rx) = if bounded {
            channel::bounded(4)
        } else {
            channel::unbounded()
        };
        let rx2 = rx.clone();
        // A request carrying its reply channel, as an actor's inbox holds.
        let (reply, mut answer) = oneshot::channel::<u8>();
        tx.try_send(reply).unwrap();
        drop(rx);
        assert!(!tx.is_closed(), "one receiver is left");
        drop(rx2);
        assert!(tx.is_closed());
        // The request went with the inbox: the requester is told at once,
        // while the sender still lives.
        assert_eq!(
            answer.try_recv(),
            Err(oneshot::TryRecvError::Closed),
            "bounded: {bounded}"
        );
        drop(tx);
    }
}

#[test]
fn close_from_either_side_reports_the_first_call() {
    for side in 0..2 {
        let (tx, rx) = channel::bounded::<u8>(1);
        tx.try_send(1).unwrap();
        let first = if side == 0 { tx.close() } else { rx.close() };
        assert!(first);
        assert!(!tx.close() && !rx.close());
        assert!(tx.is_closed() && rx.is_closed());
        assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
        assert_eq!(rx.try_recv(), Ok(1), "a message sent before close is kept");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }
}

#[test]
fn len_and_is_empty_track_messages() {
    let (tx, rx) = channel::bounded(3);
    assert!(tx.is_empty() && rx.is_empty());
    for i in 1..=3 {
        tx.try_send(i).unwrap();
        assert_eq!(rx.len(), i);
    }
    rx.try_recv().unwrap();
    assert_eq!(tx.len(), 2);
    assert!(!rx.is_empty());
    assert_eq!(channel::unbounded::<u8>().0.capacity(), None);
}

#[test]
fn a_full_channel_makes_send_wait_for_a_receive() {
    let (tx, rx) = channel::bounded(1);
    tx.try_send(0).unwrap();
    let (waker_flag, waker) = Flag::new();
    let mut send = pin!(tx.send(1));
    assert!(poll_with(send.as_mut(), &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(waker_flag.take(), "the receive woke the parked sender");
    assert_eq!(poll_with(send.as_mut(), &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn a_waiting_recv_polled_again_wakes_its_newest_waker_and_only_once_queued() {
    let (tx, rx) = channel::bounded::<u32>(1);
    let mut recv = pin!(rx.recv());
    let (first, first_waker) = Flag::new();
    let (second, second_waker) = Flag::new();
    // Queued with the first waker, polled again with the same one (the
    // lock-free path), then with another: that one must be the waker woken.
    for waker in [&first_waker, &first_waker, &second_waker] {
        let mut cx = Context::from_waker(waker);
        assert!(recv.as_mut().poll(&mut cx).is_pending());
    }
    tx.try_send(7).unwrap();
    assert!(second.take(), "the newest waker is woken");
    assert!(!first.take(), "the replaced waker is not");
    let mut cx = Context::from_waker(&second_waker);
    assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(7)));

    // A second receiver re-polled many times with one waker is still woken
    // by the next send: skipping the lock never drops it from the queue.
    let mut again = pin!(rx.recv());
    let mut cx = Context::from_waker(&first_waker);
    for _ in 0..3 {
        assert!(again.as_mut().poll(&mut cx).is_pending());
    }
    tx.try_send(8).unwrap();
    assert!(first.take());
    assert_eq!(again.as_mut().poll(&mut cx), Poll::Ready(Some(8)));

    // Woken (so taken off the queue), but another receiver took the value
    // first: polled again with the same waker, it must queue itself again.
    let mut late = pin!(rx.recv());
    assert!(late.as_mut().poll(&mut cx).is_pending());
    tx.try_send(9).unwrap();
    assert!(first.take());
    assert_eq!(rx.try_recv(), Ok(9));
    assert!(late.as_mut().poll(&mut cx).is_pending());
    tx.try_send(10).unwrap();
    assert!(
        first.take(),
        "a woken waiter that lost the race is queued again"
    );
    assert_eq!(late.as_mut().poll(&mut cx), Poll::Ready(Some(10)));
}

#[test]
fn recv_waits_for_a_send_from_another_thread() {
    let (tx, rx) = channel::bounded(1);
    let waiter = waiting_on_thread(async move { rx.recv().await });
    tx.try_send(42).unwrap();
    assert_eq!(on_thread(move || waiter.join().unwrap()), Some(42));
}

#[test]
fn receiver_is_a_stream_that_ends_at_close() {
    use futures_lite::StreamExt;
    let (tx, rx) = channel::bounded(8);
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    drop(tx);
    let all: Vec<i32> = run(rx.collect());
    assert_eq!(all, [0, 1, 2, 3, 4]);
}

#[test]
fn a_dropped_recv_passes_its_wake_to_the_next_receiver() {
    let (tx, rx) = channel::bounded(1);
    let rx2 = rx.clone();
    let (flag_a, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = Box::pin(rx.recv());
    let mut b = pin!(rx2.recv());
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    tx.try_send(7).unwrap();
    assert!(
        flag_a.take() && !flag_b.take(),
        "FIFO: the first receiver is woken"
    );
    drop(a);
    assert!(flag_b.take(), "the wake passed on");
    assert_eq!(poll_with(b.as_mut(), &waker_b), Poll::Ready(Some(7)));
}

#[test]
fn a_dropped_send_passes_its_wake_to_the_next_sender() {
    let (tx, rx) = channel::bounded(1);
    tx.try_send(0).unwrap();
    let (flag_a, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = Box::pin(tx.send(1));
    let mut b = pin!(tx.send(2));
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    rx.try_recv().unwrap();
    assert!(flag_a.take() && !flag_b.take());
    drop(a);
    assert!(flag_b.take(), "the wake passed on");
    assert_eq!(poll_with(b.as_mut(), &waker_b), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn close_wakes_parked_receivers_and_senders() {
    let (tx, rx) = channel::bounded::<u8>(1);
    let (flag, waker) = Flag::new();
    let mut recv = pin!(rx.recv());
    assert!(poll_with(recv.as_mut(), &waker).is_pending());
    tx.close();
    assert!(flag.take());
    assert_eq!(poll_with(recv.as_mut(), &waker), Poll::Ready(None));

    let (tx, rx) = channel::bounded(1);
    tx.try_send(1).unwrap();
    let mut send = pin!(tx.send(2));
    assert!(poll_with(send.as_mut(), &waker).is_pending());
    drop(rx);
    assert!(flag.take());
    assert!(matches!(poll_with(send.as_mut(), &waker), Poll::Ready(Err(e)) if e.0 == 2));
}

#[test]
fn errors_print_without_debug_values() {
    struct Opaque;
    let (tx, rx) = channel::bounded(1);
    drop(rx);
    let err = tx.try_send(Opaque).unwrap_err();
    assert_eq!(format!("{err:?}"), "Closed(..)");
    assert_eq!(err.to_string(), "channel closed"); // as tokio's
    let err = block_on(tx.send(Opaque)).unwrap_err();
    assert_eq!(format!("{err:?}"), "SendError { .. }");
    let boxed: Box<dyn std::error::Error> = Box::new(TryRecvError::Empty);
    assert_eq!(boxed.to_string(), "receiving on an empty channel");
}

#[test]
#[cfg_attr(miri, ignore = "800,000 messages take hours under Miri")]
fn stress_8_producers_8_consumers_every_message_once() {
    const PRODUCERS: usize = 8;
    const PER_PRODUCER: usize = 100_000;
    let (tx, rx) = channel::bounded::<usize>(64);
    let seen: Arc<Vec<AtomicBool>> = Arc::new(
        (0..PRODUCERS * PER_PRODUCER)
            .map(|_| AtomicBool::new(false))
            .collect(),
    );
    let received = Arc::new(AtomicUsize::new(0));
    let consumers: Vec<_> = (0..8)
        .map(|_| {
            let (rx, seen, received) = (rx.clone(), seen.clone(), received.clone());
            thread::spawn(move || {
                block_on(async {
                    while let Some(i) = rx.recv().await {
                        assert!(!seen[i].swap(true, Ordering::Relaxed), "message {i} twice");
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
        })
        .collect();
    drop(rx);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                block_on(async {
                    for i in 0..PER_PRODUCER {
                        tx.send(p * PER_PRODUCER + i).await.unwrap();
                    }
                })
            })
        })
        .collect();
    drop(tx);
    on_thread(move || {
        producers
            .into_iter()
            .chain(consumers)
            .for_each(|t| t.join().unwrap());
    });
    assert_eq!(received.load(Ordering::Relaxed), PRODUCERS * PER_PRODUCER);
    assert!(
        seen.iter().all(|s| s.load(Ordering::Relaxed)),
        "every message arrived"
    );
}

/// A receive from a full channel wakes the longest-waiting sender, and the
/// freed slot is that sender's: a newcomer (`try_send`, or a new `send`)
/// finds the channel full until it has run, as in tokio and Go. Before,
/// the newcomer took the slot and a sender in a hot loop could starve a
/// parked one for good.
#[test]
fn a_freed_slot_goes_to_the_woken_sender_not_to_a_newcomer() {
    let (tx, rx) = channel::bounded(1);
    tx.try_send(0).unwrap();
    let (flag_a, waker_a) = Flag::new();
    let (flag_n, waker_n) = Flag::new();
    let mut a = pin!(tx.send(1));
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(flag_a.take(), "the parked sender is woken");
    assert_eq!(
        tx.try_send(9),
        Err(TrySendError::Full(9)),
        "the slot is promised"
    );
    let mut newcomer = pin!(tx.send(2));
    assert!(poll_with(newcomer.as_mut(), &waker_n).is_pending());
    assert_eq!(poll_with(a.as_mut(), &waker_a), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(
        flag_n.take(),
        "the newcomer waits in line, and is woken next"
    );
    assert_eq!(poll_with(newcomer.as_mut(), &waker_n), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
}

/// The promise covers one slot per woken sender, no more: a woken sender
/// that has not run yet does not hold up a newcomer while other slots are
/// free, and a woken sender that gives up hands its slot back.
#[test]
fn a_woken_sender_holds_one_slot_and_gives_it_back_when_dropped() {
    let (tx, rx) = channel::bounded(2);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    let (flag_a, waker_a) = Flag::new();
    let mut a = Box::pin(tx.send(2));
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(flag_a.take());
    assert_eq!(
        tx.try_send(8),
        Err(TrySendError::Full(8)),
        "one slot, promised"
    );
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.try_send(9), Ok(()), "a second slot is free for anyone");
    assert_eq!(tx.try_send(10), Err(TrySendError::Full(10)));
    drop(a);
    assert_eq!(
        tx.try_send(10),
        Ok(()),
        "the dropped sender's slot is free again"
    );
    assert_eq!(rx.try_recv(), Ok(9));
    assert_eq!(rx.try_recv(), Ok(10));
}

/// Senders queued on a full channel get through in the order they came,
/// each woken by the receive that frees its slot.
#[test]
fn queued_senders_get_through_in_order() {
    let (tx, rx) = channel::bounded(1);
    tx.try_send(0).unwrap();
    let senders: Vec<_> = (1..=3)
        .map(|i| (Flag::new(), Box::pin(tx.send(i))))
        .collect();
    let mut senders = senders;
    for ((_, waker), send) in &mut senders {
        assert!(poll_with(send.as_mut(), waker).is_pending());
    }
    for expected in 0..3 {
        assert_eq!(rx.try_recv(), Ok(expected));
        let woken: Vec<bool> = senders.iter().map(|((flag, _), _)| flag.take()).collect();
        assert_eq!(
            woken.iter().filter(|&&w| w).count(),
            1,
            "one sender per freed slot"
        );
        let ((_, waker), send) = &mut senders[expected];
        assert!(woken[expected], "sender {} is next", expected + 1);
        assert_eq!(poll_with(send.as_mut(), waker), Poll::Ready(Ok(())));
    }
    assert_eq!(rx.try_recv(), Ok(3));
}

/// A `next()` abandoned before a message came (a timeout, a `select!`
/// branch that lost) leaves this handle's place among the waiting
/// receivers. A `recv()` of the same handle, in another task, gives that
/// place up first: the next message must wake it, not the stale place.
#[test]
#[cfg_attr(miri, ignore)]
fn a_recv_after_an_abandoned_next_still_gets_the_message() {
    use futures_lite::StreamExt;

    let runtime = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let got = runtime.block_on(common::bounded(async {
        let (tx, mut rx) = channel::bounded::<u32>(4);
        assert_eq!(futures_lite::future::poll_once(rx.next()).await, None);
        let (parked_tx, parked) = corio::sync::oneshot::channel();
        let receiver = corio::spawn(async move {
            let mut recv = std::pin::pin!(rx.recv());
            // Parked on its `recv` (polled once, with the task's waker),
            // before the send below, or the test tests nothing.
            assert!(futures_lite::future::poll_once(&mut recv).await.is_none());
            parked_tx.send(()).unwrap();
            recv.await
        });
        parked.await.unwrap();
        tx.try_send(7).unwrap();
        receiver.await.unwrap()
    }));
    assert_eq!(got, Some(7));
}

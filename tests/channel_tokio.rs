//! The channel under tokio's spellings: `recv_many`, and the `mpsc`
//! module's names over corio's channel.

mod common;

use std::pin::pin;
use std::task::Poll;
use std::thread;

use common::threads::{Flag, poll_with};
use corio::sync::channel;

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
        assert_eq!(common::threads::at_once(rx.recv_many(&mut batch, 0)), 0);
        assert_eq!(common::threads::at_once(rx.recv_many(&mut batch, 1)), 1);
        assert!(sent_flag.take(), "the freed slot went to the parked sender");
        let sent = poll_with(parked.as_mut(), &sender_waker);
        assert!(matches!(sent, Poll::Ready(Ok(()))));
    }
    assert_eq!(common::threads::at_once(rx.recv_many(&mut batch, 8)), 2);
    assert_eq!(batch, [1, 2, 3, 4, 5]);
    drop(tx);
    assert_eq!(common::threads::at_once(rx.recv_many(&mut batch, 8)), 0);
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
    let mut got = corio::block_on(common::bounded(async move {
        let mut got = Vec::new();
        while let Some(i) = rx.recv().await {
            got.push(i);
        }
        got
    }));
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
        common::threads::at_once(tx.closed());

        let (tx, rx) = make();
        let mut closed = pin!(rx.closed());
        assert!(poll_with(closed.as_mut(), &waker).is_pending());
        tx.close();
        assert!(flag.take(), "close wakes it");
        assert_eq!(poll_with(closed.as_mut(), &waker), Poll::Ready(()));
    }
}

/// The actor pattern `WeakSender` exists for: an actor keeps a weak handle
/// to its own mailbox (to give out later), and its receive loop still ends
/// once every outside sender is gone. A strong handle would keep the loop
/// waiting for good.
#[test]
fn an_actor_holding_a_weak_sender_to_itself_still_sees_its_mailbox_close() {
    common::block_on(async {
        let (tx, rx) = corio::sync::mpsc::channel::<u32>(4);
        let myself = tx.downgrade();
        let actor = corio::spawn(async move {
            let mut sum = 0;
            while let Some(n) = rx.recv().await {
                sum += n;
            }
            (sum, myself.upgrade().is_none(), myself.strong_count())
        });
        for n in 1..=3 {
            tx.send(n).await.unwrap();
        }
        drop(tx);
        assert_eq!(actor.await.unwrap(), (6, true, 0));
    });
}

/// Counts on every handle, and an upgraded sender keeps the channel open
/// after the sender it came from is gone; the unbounded forms upgrade to
/// unbounded senders.
#[test]
fn weak_senders_count_and_upgrade_like_tokios() {
    let (tx, rx) = corio::sync::mpsc::channel::<u8>(2);
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 2));
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (1, 2));
    let upgraded = weak.upgrade().unwrap();
    assert_eq!(weak2.strong_count(), 2);
    drop(tx);
    assert!(!rx.is_closed(), "the upgraded sender keeps it open");
    upgraded.try_send(7).unwrap();
    drop((upgraded, weak2));
    assert!(rx.is_closed());
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (0, 1));
    assert!(weak.upgrade().is_none(), "closed for good");
    assert_eq!(rx.try_recv(), Ok(7));

    let (tx, rx) = corio::sync::mpsc::unbounded_channel::<u8>();
    let weak = tx.downgrade().clone();
    let upgraded: corio::sync::mpsc::UnboundedSender<u8> = weak.upgrade().unwrap();
    upgraded.send(1).unwrap();
    drop((tx, upgraded));
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        format!("{weak:?}"),
        "WeakUnboundedSender(WeakSender { strong_count: 0, weak_count: 1 })"
    );
}

/// A runtime on one thread whose clock is paused: it jumps to the next
/// timer when every task waits, so the deadlines below come in order
/// without real waiting.
fn paused() -> corio::Runtime {
    corio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

/// `send_timeout` gives the value back at the deadline and leaves the line
/// of waiting senders: the sender queued behind it gets the next slot.
#[test]
fn send_timeout_gives_the_value_back_and_leaves_the_line() {
    use corio::sync::mpsc::error::SendTimeoutError;
    use std::time::Duration;
    paused().block_on(common::bounded(async {
        let (tx, rx) = corio::sync::mpsc::channel(1);
        tx.send(0).await.unwrap();
        let first = tx.clone();
        let gives_up =
            corio::spawn(async move { first.send_timeout(1, Duration::from_millis(10)).await });
        corio::task::yield_now().await; // `gives_up` waits first
        let second = tx.clone();
        let waits = corio::spawn(async move { second.send(2).await });
        assert_eq!(gives_up.await.unwrap(), Err(SendTimeoutError::Timeout(1)));
        assert_eq!(rx.recv().await, Some(0));
        waits.await.unwrap().unwrap();
        assert_eq!(rx.recv().await, Some(2), "the slot went to the one left");

        tx.send_timeout(3, Duration::from_secs(1)).await.unwrap();
        assert_eq!(rx.recv().await, Some(3), "room: sent at once");
        rx.close();
        let closed = tx.send_timeout(4, Duration::from_secs(1)).await;
        assert_eq!(closed, Err(SendTimeoutError::Closed(4)));
    }));
}

/// On a rendezvous channel the value is an offer: with nobody to take it
/// it comes back at the deadline; taken, the send succeeds.
#[test]
fn a_rendezvous_send_timeout_succeeds_only_if_the_value_was_taken() {
    use corio::sync::channel::SendTimeoutError;
    use std::time::Duration;
    paused().block_on(common::bounded(async {
        let (tx, rx) = channel::bounded(0);
        let alone = tx.send_timeout("nobody", Duration::from_millis(10)).await;
        assert_eq!(alone, Err(SendTimeoutError::Timeout("nobody")));
        assert_eq!(
            rx.try_recv(),
            Err(channel::TryRecvError::Empty),
            "withdrawn"
        );
        let receiver = corio::spawn(async move { rx.recv().await });
        let taken = tx.send_timeout("taken", Duration::from_millis(10)).await;
        assert_eq!(taken, Ok(()));
        assert_eq!(receiver.await.unwrap(), Some("taken"));
    }));
}

/// A `send_timeout` too long for any `Instant` has no deadline, as
/// `time::timeout`'s and tokio's: it was a 30-year one, which a paused
/// clock reaches (here at once, by `advance`) and gave the value back.
#[test]
fn a_send_timeout_past_any_instant_never_times_out() {
    use futures_lite::future::poll_once;
    use std::time::Duration;
    // Bounded on the wall clock: the paused one passes 40 years here.
    common::within_limit(|| {
        paused().block_on(async {
            let (tx, rx) = channel::bounded(1);
            tx.try_send(1).unwrap();
            let mut waiting = pin!(tx.send_timeout(2, Duration::MAX));
            assert!(poll_once(waiting.as_mut()).await.is_none(), "full");
            corio::time::advance(Duration::from_secs(40 * 365 * 86_400)).await;
            assert!(poll_once(waiting.as_mut()).await.is_none(), "timed out");
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(waiting.await, Ok(()));
            assert_eq!(rx.recv().await, Some(2));
        });
    });
}

/// `poll_recv` and `poll_recv_many`, tokio's polling receives: pending on
/// an empty channel, woken by a send, `None` (or 0) once closed and
/// drained; a limit of 0 takes nothing and never waits.
#[test]
fn poll_recv_waits_is_woken_and_ends_with_the_channel() {
    let (tx, mut rx) = corio::sync::mpsc::channel::<u8>(4);
    let (flag, waker) = Flag::new();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut batch = Vec::new();
    assert_eq!(rx.poll_recv_many(&mut cx, &mut batch, 0), Poll::Ready(0));
    assert!(rx.poll_recv(&mut cx).is_pending());
    tx.try_send(1).unwrap();
    assert!(flag.take(), "the send woke the poller");
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));

    assert!(rx.poll_recv_many(&mut cx, &mut batch, 2).is_pending());
    for i in 2..5 {
        tx.try_send(i).unwrap();
    }
    assert!(flag.take(), "the send woke the batch poller");
    assert_eq!(rx.poll_recv_many(&mut cx, &mut batch, 2), Poll::Ready(2));
    drop(tx);
    assert_eq!(rx.poll_recv_many(&mut cx, &mut batch, 2), Poll::Ready(1));
    assert_eq!(batch, [2, 3, 4]);
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
    assert_eq!(rx.poll_recv_many(&mut cx, &mut batch, 2), Poll::Ready(0));
}

/// `blocking_recv_many` on a plain thread waits for what another thread
/// sends (the send comes once the receiving thread is asleep), and gives
/// 0 once closed.
#[test]
fn blocking_recv_many_waits_for_a_send() {
    common::threads::on_thread(|| {
        let (tx, rx) = corio::sync::mpsc::unbounded_channel::<u8>();
        let (probe_tx, probe_rx) = std::sync::mpsc::channel();
        let receiver = thread::spawn(move || {
            probe_tx
                .send(common::threads::this_thread_asleep())
                .unwrap();
            let mut batch = Vec::new();
            let first = rx.blocking_recv_many(&mut batch, 8);
            (first, batch, rx)
        });
        let asleep = probe_rx.recv().unwrap();
        common::threads::until("it never waited", asleep);
        tx.send(1).unwrap();
        let (first, batch, rx) = receiver.join().unwrap();
        assert_eq!((first, batch), (1, vec![1]));
        drop(tx);
        assert_eq!(rx.blocking_recv_many(&mut Vec::new(), 8), 0, "closed");
    });
}

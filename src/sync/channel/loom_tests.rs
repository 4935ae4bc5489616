//! loom models of the channel's races: close against receive, send against
//! a parked receiver. Run with `RUSTFLAGS="--cfg loom -C debug-assertions=on" cargo test --release --lib loom`.

use loom::future::block_on;
use loom::thread;

use super::{TrySendError, bounded, unbounded};

/// A receiver parks on an empty channel while another thread sends: the
/// wake must not be lost (the Dekker fences in `waiters.rs`).
#[test]
fn loom_send_wakes_a_parked_receiver() {
    loom::model(|| {
        let (tx, rx) = bounded(1);
        let sender = thread::spawn(move || tx.try_send(1).is_ok());
        assert_eq!(block_on(rx.recv()), Some(1));
        assert!(sender.join().unwrap());
    });
}

/// A receive polled with its task's budget spent, while another thread
/// sends: it parks if the channel is empty (`Chan::poll_spent`), and the
/// send must reach it whether it lands before the look, between the look
/// and the registration (the receive then leaves the line and yields), or
/// after. The budget is a plain thread-local that only this thread uses.
#[test]
fn loom_a_spent_receive_gets_a_racing_send() {
    use crate::task::budget;
    use std::future::Future;
    loom::model(|| {
        let (tx, rx) = bounded(1);
        let sender = thread::spawn(move || tx.try_send(1).is_ok());
        let mut recv = std::pin::pin!(rx.recv());
        let mut spent = true;
        let got = block_on(std::future::poll_fn(|cx| {
            if !std::mem::take(&mut spent) {
                return recv.as_mut().poll(cx);
            }
            budget::with_budget(|| {
                while budget::has_remaining() {
                    budget::spend_left();
                }
                recv.as_mut().poll(cx)
            })
        }));
        assert_eq!(got, Some(1));
        assert!(sender.join().unwrap());
    });
}

/// A send racing with `close`: if the send succeeded, the receiver gets the
/// message before `None`; if not, `None` straight away. Never a hang.
#[test]
fn loom_close_races_send_and_receive() {
    loom::model(|| {
        let (tx, rx) = bounded::<u8>(1);
        let closer = tx.clone();
        let closing = thread::spawn(move || {
            closer.close();
        });
        let sent = match tx.try_send(7) {
            Ok(()) => true,
            Err(TrySendError::Closed(7)) => false,
            Err(other) => panic!("unexpected {other:?}"),
        };
        drop(tx);
        let first = block_on(rx.recv());
        assert_eq!(first, sent.then_some(7));
        assert_eq!(block_on(rx.recv()), None);
        closing.join().unwrap();
    });
}

/// The same race on the unbounded queue.
#[test]
fn loom_close_races_send_unbounded() {
    loom::model(|| {
        let (tx, rx) = unbounded::<u8>();
        let closer = rx.clone();
        let closing = thread::spawn(move || {
            closer.close();
        });
        let sent = tx.try_send(7).is_ok();
        let first = block_on(rx.recv());
        closing.join().unwrap();
        assert_eq!(first, sent.then_some(7));
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// A receiver polled again while still queued (its task woken by something
/// else: here a second channel) takes the lock-free path in `waiters.rs`; a
/// send racing with that re-poll must still reach it.
#[test]
fn loom_a_receiver_polled_again_while_queued_is_still_woken() {
    use std::future::{Future, poll_fn};
    use std::pin::pin;
    use std::task::Poll;

    // Three threads and two channels: bound the preemptions, or the
    // exploration runs for hours (loom's advice for larger models).
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let (tx, rx) = bounded(1);
        let (ping_tx, ping_rx) = bounded::<()>(1);
        let pinger = thread::spawn(move || ping_tx.try_send(()).is_ok());
        let sender = thread::spawn(move || tx.try_send(1).is_ok());
        let mut recv = pin!(rx.recv());
        let mut ping = pin!(ping_rx.recv());
        let (mut value, mut pinged) = (None, false);
        block_on(poll_fn(|cx| {
            if !pinged && ping.as_mut().poll(cx).is_ready() {
                pinged = true;
            }
            if value.is_none()
                && let Poll::Ready(got) = recv.as_mut().poll(cx)
            {
                value = Some(got);
            }
            if pinged && value.is_some() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
        assert_eq!(value, Some(Some(1)));
        assert!(pinger.join().unwrap() && sender.join().unwrap());
    });
}

/// Two receivers park while a sender sends two messages. A receiver may
/// take a message on its own retry just after queueing, and then be woken
/// for the second message too: it must pass that wake on, or the other
/// receiver sleeps beside a message (a hang corio once had).
#[test]
fn loom_two_receivers_each_get_one_of_two_messages() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let (tx, rx) = unbounded::<u8>();
        let rx2 = rx.clone();
        let first = thread::spawn(move || block_on(rx.recv()));
        let second = thread::spawn(move || block_on(rx2.recv()));
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        let mut got = [first.join().unwrap(), second.join().unwrap()];
        got.sort();
        assert_eq!(got, [Some(1), Some(2)]);
    });
}

/// The mirror of the first model: a sender parks on a full channel while
/// another thread receives; the freed slot must wake it (the ring's "full"
/// check and the senders' waiter list), and both messages arrive in order.
#[test]
fn loom_receive_wakes_a_parked_sender() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let (tx, rx) = bounded(1);
        tx.try_send(1).unwrap();
        let receiver = thread::spawn(move || (block_on(rx.recv()), block_on(rx.recv())));
        block_on(tx.send(2)).unwrap();
        assert_eq!(receiver.join().unwrap(), (Some(1), Some(2)));
    });
}

/// Two sends wait on a full channel (in one task, polled in turn) while a
/// receiver on another thread drains it. Each send may be new, first in
/// line, behind the other, or woken with a promised slot (the turns in
/// `chan.rs`); whatever the interleaving, both get through: a send that
/// waits behind another is never left waiting beside a free slot. (Two
/// sender threads and a receiver make paths longer than loom will follow:
/// the ring's spins under its model of stale loads.)
#[test]
fn loom_two_sends_on_a_full_channel_both_get_through() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let (tx, rx) = bounded(1);
        tx.try_send(0).unwrap();
        let receiver = thread::spawn(move || {
            let mut got = [0; 3];
            for slot in &mut got {
                *slot = block_on(rx.recv()).unwrap();
            }
            got
        });
        block_on(both(tx.send(1), tx.send(2)));
        let mut got = receiver.join().unwrap();
        got[1..].sort();
        assert_eq!(got, [0, 1, 2]);
    });
}

/// Polls two sends in one task until both are done (a `join!`).
fn both<A, B>(a: A, b: B) -> impl std::future::Future<Output = ()>
where
    A: std::future::Future<Output = Result<(), super::SendError<u8>>>,
    B: std::future::Future<Output = Result<(), super::SendError<u8>>>,
{
    async move {
        use std::future::poll_fn;
        use std::pin::pin;
        use std::task::Poll;

        let (mut a, mut b) = (pin!(a), pin!(b));
        let (mut a_done, mut b_done) = (false, false);
        poll_fn(|cx| {
            if !a_done {
                a_done = a.as_mut().poll(cx).is_ready();
            }
            if !b_done {
                b_done = b.as_mut().poll(cx).is_ready();
            }
            if a_done && b_done {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
}

/// One task sends twice at once (a `join!` of two sends) into a channel of
/// one slot. The second send queues behind the first and does not try on
/// its own; the first, completing with room left, must wake it.
#[test]
fn loom_one_task_sending_twice_is_not_stuck_behind_itself() {
    // Unbounded, the receiver's spins make this run for minutes; three
    // preemptions take a second.
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let (tx, rx) = bounded(1);
        let receiver = thread::spawn(move || {
            let a = block_on(rx.recv());
            let b = block_on(rx.recv());
            (a, b)
        });
        block_on(both(tx.send(1), tx.send(2)));
        let (a, b) = receiver.join().unwrap();
        let mut got = [a.unwrap(), b.unwrap()];
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

/// A rendezvous send completes once the receiver on another thread took
/// the value: never before, never lost, never a hang.
#[test]
fn loom_rendezvous_send_completes_when_received() {
    loom::model(|| {
        let (tx, rx) = bounded::<u8>(0);
        let receiver = thread::spawn(move || block_on(rx.recv()));
        assert!(block_on(tx.send(7)).is_ok());
        assert_eq!(receiver.join().unwrap(), Some(7));
    });
}

/// A rendezvous send of 7 said `Ok` if and only if the receiver got 7;
/// otherwise it handed 7 back and the receiver got nothing.
fn assert_sent_iff_received(sent: Result<(), super::SendError<u8>>, got: Option<u8>) {
    match sent {
        Ok(()) => assert_eq!(got, Some(7)),
        Err(error) => {
            assert_eq!(error.0, 7);
            assert_eq!(got, None);
        }
    }
}

/// The last receiver may take a waiting send's value or drop without it;
/// the send reports which: `Ok` if and only if the value was received, the
/// value back otherwise.
#[test]
fn loom_rendezvous_send_races_the_last_receivers_drop() {
    loom::model(|| {
        let (tx, rx) = bounded::<u8>(0);
        let receiver = thread::spawn(move || {
            let got = rx.try_recv().ok();
            drop(rx);
            got
        });
        let sent = block_on(tx.send(7));
        let got = receiver.join().unwrap();
        assert_sent_iff_received(sent, got);
    });
}

/// Two receivers on a rendezvous channel, two sends: a receiver woken for
/// an offer another one took passes the wake on, so both values arrive
/// and neither side hangs (`len()` is always 0 here, so the pass-on must
/// look at the offers).
#[test]
fn loom_rendezvous_two_receivers_both_get_a_value() {
    // Three threads: unbounded, the search ran past 18 minutes. Three
    // preemptions take about 30 s and find the lost pass-on this guards
    // (two do not).
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let (tx, rx) = bounded::<u8>(0);
        let rx2 = rx.clone();
        let a = thread::spawn(move || block_on(rx.recv()));
        let b = thread::spawn(move || block_on(rx2.recv()));
        block_on(tx.send(1)).unwrap();
        block_on(tx.send(2)).unwrap();
        let mut got = [a.join().unwrap(), b.join().unwrap()];
        got.sort();
        assert_eq!(got, [Some(1), Some(2)]);
    });
}

/// A waiting rendezvous send racing a close: `Ok` if and only if the
/// receiver got the value; a send still waiting at the close fails, and
/// the receiver then sees the close, not the value.
#[test]
fn loom_rendezvous_send_races_a_close() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let (tx, rx) = bounded::<u8>(0);
        let closer = tx.clone();
        let receiver = thread::spawn(move || block_on(rx.recv()));
        let closing = thread::spawn(move || closer.close());
        let sent = block_on(tx.send(7));
        closing.join().unwrap();
        let got = receiver.join().unwrap();
        assert_sent_iff_received(sent, got);
    });
}

/// `try_send` racing a waiting sender for one parked receiver: every
/// value reported sent is received, once, and a send's value that was not
/// received comes back. (Go would also promise that the parked receiver
/// takes the `try_send`'s value; here, when the receiver takes the other
/// offer in the instant after `try_send` counted it as parked, that value
/// goes to the next receive instead: it is the receivers', not lost.)
#[test]
fn loom_rendezvous_try_send_racing_a_send_loses_nothing() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let (tx, rx) = bounded::<u8>(0);
        let waiting = tx.clone();
        let receiver = thread::spawn(move || (block_on(rx.recv()), rx));
        let sender = thread::spawn(move || block_on(waiting.send(1)).is_ok());
        let tried = tx.try_send(2).is_ok();
        let (got, rx) = receiver.join().unwrap();
        let mut received = vec![got.unwrap()];
        received.extend(rx.try_recv().ok());
        // The last receiver's drop fails a send still waiting.
        drop(rx);
        let sent = sender.join().unwrap();
        received.sort();
        let mut reported = Vec::new();
        reported.extend(sent.then_some(1));
        reported.extend(tried.then_some(2));
        assert_eq!(
            received, reported,
            "received exactly what was reported sent"
        );
    });
}

/// A woken sender fills its promised slot while a `try_send` looks for
/// another: with three slots, two free and one of them promised, the
/// `try_send` must find the unpromised one at every instant. (The promise
/// once stopped counting only after the woken send completed, so between
/// its write and its completion the slot counted twice and `try_send` saw
/// a full channel; `Waiters::redeem` drops the promise before the write.)
#[test]
fn loom_a_woken_send_leaves_the_unpromised_slot_free() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Waker};

    loom::model(|| {
        let (tx, rx) = bounded(3);
        for n in 0..3 {
            tx.try_send(n).unwrap();
        }
        let mut parked = pin!(tx.send(3));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(parked.as_mut().poll(&mut cx).is_pending());
        // The first receive wakes the parked send and promises it a slot;
        // the second frees a slot nobody is promised.
        assert_eq!(rx.try_recv().ok(), Some(0));
        assert_eq!(rx.try_recv().ok(), Some(1));
        let other = tx.clone();
        let newcomer = thread::spawn(move || other.try_send(4));
        assert!(block_on(parked).is_ok());
        assert_eq!(newcomer.join().unwrap(), Ok(()));
        let mut got: Vec<_> = (0..3).map(|_| rx.try_recv().unwrap()).collect();
        got.sort();
        assert_eq!(got, [2, 3, 4]);
    });
}

/// A receive frees the one slot of a full channel while a sender is parked
/// on it, and a `try_send` on another thread races the wake: at no instant
/// may the newcomer take the slot promised to the sender that waited. The
/// waker's promise (`woken`) once rose only after the waiter left the queue
/// (`queued`), and a `try_send` reading both in between saw neither.
#[test]
fn loom_a_try_send_racing_a_wake_never_takes_the_promised_slot() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Waker};

    loom::model(|| {
        let (tx, rx) = bounded(1);
        tx.try_send(1).unwrap();
        let mut parked = pin!(tx.send(2));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(parked.as_mut().poll(&mut cx).is_pending());
        let other = tx.clone();
        let newcomer = thread::spawn(move || other.try_send(3));
        assert_eq!(rx.try_recv().ok(), Some(1));
        assert_eq!(newcomer.join().unwrap(), Err(TrySendError::Full(3)));
        assert!(block_on(parked).is_ok());
        assert_eq!(rx.try_recv().ok(), Some(2));
    });
}

/// An upgrade racing the drop of the last sender: either it won (the
/// channel stays open until the upgraded sender goes) or it lost (the
/// channel is closed and no handle brings it back). Never a sender to a
/// channel the last drop already closed.
#[test]
fn loom_an_upgrade_racing_the_last_drop_never_reopens_the_channel() {
    loom::model(|| {
        let (tx, rx) = unbounded::<u8>();
        let weak = tx.downgrade();
        let dropper = thread::spawn(move || drop(tx));
        let upgraded = weak.upgrade();
        dropper.join().unwrap();
        if let Some(tx) = upgraded {
            assert!(!rx.is_closed(), "the upgrade won: still open");
            tx.try_send(1).unwrap();
            drop(tx);
            assert_eq!(rx.try_recv(), Ok(1));
        }
        assert!(rx.is_closed());
        assert!(weak.upgrade().is_none());
    });
}

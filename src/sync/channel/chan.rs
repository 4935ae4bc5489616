//! The state both halves of a channel share, and the two futures that wait
//! on it. Each poll is "try; if it would wait, park; try once more": the
//! second try closes the race with the other side described in `waiters.rs`.
//!
//! **Senders take turns.** When a receive frees a slot of a full bounded
//! channel, it wakes the sender that has waited longest, and that slot is
//! promised to it: until it has run, a new `send` or `try_send` finds the
//! channel full, as in tokio (whose bounded channel hands a freed permit to
//! the first waiting sender) and Go (whose receive moves the first waiting
//! sender's value into the freed slot itself). Without the promise, a sender
//! in a hot loop takes every freed slot before the woken one runs, and the
//! parked sender starves. The rules, by where a sender stands:
//!
//! ```text
//!   new (never waited)    takes a slot if nobody is queued
//!                         and more slots are free than are promised
//!   first in line         takes a slot if more are free than are promised
//!   queued behind others  waits for its wake
//!   woken                 takes any free slot (one is its own)
//! ```
//!
//! A woken sender drops its promise just before it writes (`Waiters::
//! redeem`): kept until the send completed, the slot would count twice for
//! a moment, as promised and as filled, and a `try_send` beside it could
//! find a free slot full (a loom model shows it).
//!
//! The counts are read without a lock, so the promise is kept in the
//! common case, not at every instant: a newcomer that read "nobody waits"
//! just before a sender queued may still go first. Whoever completes a wait
//! with room left and others queued wakes the next in line, so a sender
//! that waits behind others is never left waiting while there is room.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::queue::{Pop, Push, Queue};
use super::rendezvous::Offers;
use super::waiters::{Place, Slot, Waiters};
use super::{Receiver, SendError, Sender};
use crate::loom::Arc;
use crate::loom::atomic::{AtomicUsize, Ordering};
use crate::task::budget::{self, poll_proceed};

/// What the handles share.
pub(super) struct Chan<T> {
    pub(super) queue: Queue<T>,
    /// Receivers parked on an empty channel.
    pub(super) receiving: Waiters,
    /// Senders parked on a full channel.
    pub(super) sending: Waiters,
    pub(super) senders: AtomicUsize,
    pub(super) receivers: AtomicUsize,
    /// `WeakSender`s, which keep the channel reachable but not open.
    pub(super) weak_senders: AtomicUsize,
    /// Handles waiting in `closed()`; woken once, by the close.
    pub(super) closing: crate::sync::Notify,
}

impl<T> Chan<T> {
    pub(super) fn create(queue: Queue<T>) -> (Sender<T>, Receiver<T>) {
        let chan = Arc::new(Chan {
            queue,
            receiving: Waiters::new(),
            sending: Waiters::new(),
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
            weak_senders: AtomicUsize::new(0),
            closing: crate::sync::Notify::new(),
        });
        let receiver = Receiver {
            chan: chan.clone(),
            stream_waiter: crate::loom::Mutex::new(Slot::default()),
            stream_placed: crate::loom::atomic::AtomicBool::new(false),
        };
        (Sender { chan }, receiver)
    }

    /// A send from a sender that is not waiting (`try_send`, and the first
    /// try of `send`): it takes its turn after the waiting ones.
    pub(super) fn push(&self, value: T) -> Result<(), Push<T>> {
        self.push_in_turn(value, Turn::New)
    }

    fn push_in_turn(&self, value: T, turn: Turn) -> Result<(), Push<T>> {
        match &self.queue {
            Queue::Rendezvous(offers) => return self.try_offer(offers, value),
            Queue::Bounded(_) if !self.may_take_a_slot(turn) => {
                return Err(if self.queue.is_closed() {
                    Push::Closed(value)
                } else {
                    Push::Full(value)
                });
            }
            _ => {}
        }
        self.queue.push(value)?;
        self.receiving.notify_one();
        Ok(())
    }

    /// Whether a sender standing at `turn` may take a free slot of a
    /// bounded channel now (the rules are in the module doc).
    #[inline]
    fn may_take_a_slot(&self, turn: Turn) -> bool {
        match turn {
            Turn::Woken => true,
            Turn::Behind => false,
            Turn::New if self.sending.queued() > 0 => false,
            Turn::New | Turn::First => self.sending.woken() == 0 || self.has_unpromised_slot(),
        }
    }

    /// `try_send` on a rendezvous channel: as in Go, it succeeds only if a
    /// receiver is waiting (and no earlier offer waits for that receiver
    /// already); the value is then the receivers' to take:
    /// if the one that waited gives up first, the next one takes it, and
    /// if every receiver goes, it is dropped with the last, as a buffered
    /// channel's messages are.
    fn try_offer(&self, offers: &crate::loom::Mutex<Offers<T>>, value: T) -> Result<(), Push<T>> {
        let receivers = self.receiving.waiting_or_woken();
        let mut offers = offers.lock();
        if offers.is_closed() {
            return Err(Push::Closed(value));
        }
        // One offer for each waiting receiver at most: parked, or woken
        // for an offer and not yet back to take it (each offer wakes one
        // off the line, and it still counts). A waiting sender's offer
        // counts too: it may have offered but not yet woken a receiver, and
        // the receiver would take that one first. (A receiver that took an
        // offer in the instant before this and has not yet left the woken
        // count still lets this through: the value then waits for the next
        // receive, as the loom model `loom_rendezvous_try_send_racing_a_
        // send_loses_nothing` shows.)
        if offers.len() >= receivers {
            return Err(Push::Full(value));
        }
        offers.offer(value, None).map_err(Push::Closed)?;
        drop(offers);
        self.receiving.notify_one();
        Ok(())
    }

    /// One poll of a send on a rendezvous channel: the first leaves the
    /// value as an offer (see `rendezvous.rs`), later ones look whether a
    /// receiver took it, and take it back if no receiver is left.
    pub(super) fn poll_offer(
        &self,
        offers: &crate::loom::Mutex<Offers<T>>,
        value: &mut Option<T>,
        offer: &mut Option<u64>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        let spent = ready!(poll_proceed(cx));
        let Some(id) = *offer else {
            let value = value
                .take()
                .expect("a send future polled after it completed");
            let offered = offers.lock().offer(value, Some(cx.waker()));
            match offered {
                Ok(id) => *offer = Some(id),
                Err(value) => {
                    spent.made_progress();
                    return Poll::Ready(Err(SendError(value)));
                }
            }
            self.receiving.notify_one();
            // A receiver that took it meanwhile woke this task already.
            return Poll::Pending;
        };
        let mut offers = offers.lock();
        // Read under the lock that `close` takes to wake the offers: a last
        // receiver dropped (or a close) after this read wakes this task
        // again. A closed channel fails a send still waiting, as a buffered
        // one does; no receiver takes its offer after the close.
        if self.receivers.load(Ordering::Acquire) == 0 || offers.is_closed() {
            let back = offers.withdraw(id);
            drop(offers);
            *offer = None;
            spent.made_progress();
            return Poll::Ready(match back {
                None => Ok(()),
                Some((value, _waker)) => Err(SendError(value)),
            });
        }
        match offers.refresh(id, cx.waker()) {
            None => {
                drop(offers);
                *offer = None;
                spent.made_progress();
                Poll::Ready(Ok(()))
            }
            Some(replaced) => {
                drop(offers);
                drop(replaced);
                Poll::Pending
            }
        }
    }

    pub(super) fn pop(&self) -> Pop<T> {
        let popped = self.queue.pop();
        if let Pop::Value(_) = popped {
            self.sending.notify_one();
        }
        popped
    }

    /// Whether a slot is free that no woken sender has been promised.
    fn has_unpromised_slot(&self) -> bool {
        self.queue
            .capacity()
            .is_none_or(|capacity| self.queue.len() + self.sending.woken() < capacity)
    }

    pub(super) fn close(&self) -> bool {
        let first = self.queue.close();
        if first {
            self.receiving.notify_all();
            self.sending.notify_all();
            self.closing.notify_waiters();
        }
        first
    }

    /// One poll of a send: try in its turn, and if that fails, park and
    /// try once more (see `waiters.rs` for why the second try is needed;
    /// the module doc for the turns).
    pub(super) fn poll_send(
        &self,
        value: &mut Option<T>,
        waiter: &mut Slot,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        let spent = ready!(poll_proceed(cx));
        let next = value
            .take()
            .expect("a send future polled after it completed");
        let first_try = match self.sending.place(waiter) {
            Place::None => self.push_in_turn(next, Turn::New),
            Place::Woken => {
                self.sending.redeem(waiter);
                self.push_in_turn(next, Turn::Woken)
            }
            // Polled again while in line: `register` below refreshes the
            // waker and tells whether it is first.
            Place::Queued => Err(Push::Full(next)),
        };
        let sent = match first_try {
            Ok(()) => Ok(()),
            Err(Push::Closed(back)) => Err(SendError(back)),
            Err(Push::Full(back)) => {
                let turn = if self.sending.register(waiter, cx.waker()) {
                    Turn::First
                } else {
                    Turn::Behind
                };
                match self.push_in_turn(back, turn) {
                    Ok(()) => Ok(()),
                    Err(Push::Closed(back)) => Err(SendError(back)),
                    Err(Push::Full(back)) => {
                        *value = Some(back);
                        return Poll::Pending;
                    }
                }
            }
        };
        // Room is left and others wait: the wake we held may have been
        // meant for a slot we did not take, or we went first on our own and
        // those behind us did not try; the next in line gets the wake (else
        // it waits on a channel with room, for a wake already spent).
        if self.sending.complete(waiter) && self.has_unpromised_slot() {
            self.sending.notify_one();
        }
        spent.made_progress();
        Poll::Ready(sent)
    }

    /// One poll of a receive; the mirror image of `poll_send`, but for a
    /// spent budget on an empty channel (`poll_spent`).
    pub(super) fn poll_recv(&self, waiter: &mut Slot, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Some(spent) = budget::try_proceed() else {
            return self.poll_spent(waiter, cx);
        };
        let mut parked = false;
        let received = loop {
            match self.pop() {
                Pop::Value(value) => break Some(value),
                Pop::Closed => break None,
                Pop::Empty if parked => return Poll::Pending,
                Pop::Empty => {
                    self.receiving.register(waiter, cx.waker());
                    parked = true;
                }
            }
        };
        // The mirror image: others wait and messages are left (a receiver
        // that completed while still queued passes a wake it may not owe:
        // a spare wake costs a poll, a missing one a hang).
        if self.receiving.complete(waiter) && self.queue.has_messages() {
            self.receiving.notify_one();
        }
        spent.made_progress();
        Poll::Ready(received)
    }

    /// Whether a receive would find nothing to take: no message, and the
    /// channel open.
    fn nothing_to_receive(&self) -> bool {
        !self.queue.has_messages() && !self.queue.is_closed()
    }

    /// A receive polled by a task whose budget is spent: it yields, as
    /// every spent leaf does, unless there is nothing to take; then it
    /// parks, as on an empty channel with budget left.
    ///
    /// A spent budget makes every other leaf yield: the task goes to the
    /// back of the worker's queue, to be polled again later. A receive with
    /// nothing to take gives the worker up just as well by parking, and
    /// here the yield has a price: a consumer that drained its producer's
    /// messages in one budget then sits in the worker's queue, where an
    /// idle worker steals it, and the pair runs on two cores, every
    /// message crossing between their caches (docs/work-stealing.md, "A
    /// pair taking turns is left together"). Parked, it is woken by the
    /// next send, onto the sender's worker when the sender is a task, and
    /// the pair stays together.
    ///
    /// If a message (or the close) came between the look and the
    /// registration, the receive leaves the line again, passing on any wake
    /// it was handed meanwhile, and yields as every spent leaf does: its
    /// next poll takes the message, with a fresh budget.
    fn poll_spent(&self, waiter: &mut Slot, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if self.nothing_to_receive() {
            self.receiving.register(waiter, cx.waker());
            if self.nothing_to_receive() {
                return Poll::Pending;
            }
            self.receiving.cancel(waiter);
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Where a sender stands in line, which decides whether it may take a
/// free slot (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Turn {
    /// Not waiting: `try_send`, or the first try of a `send`.
    New,
    /// Queued, first in line.
    First,
    /// Queued behind another sender.
    Behind,
    /// Woken by a receive: a slot is promised to it.
    Woken,
}

/// The state of one `send(..).await`.
pub(super) struct Sending<'a, T> {
    pub(super) chan: &'a Chan<T>,
    pub(super) value: Option<T>,
    pub(super) waiter: Slot,
    /// On a rendezvous channel, the id of the offer this send left.
    pub(super) offer: Option<u64>,
}

// The value is moved in and out of its `Option`, never pinned.
impl<T> Unpin for Sending<'_, T> {}

impl<T> Future for Sending<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Queue::Rendezvous(offers) = &this.chan.queue {
            return this
                .chan
                .poll_offer(offers, &mut this.value, &mut this.offer, cx);
        }
        this.chan.poll_send(&mut this.value, &mut this.waiter, cx)
    }
}

impl<T> Sending<'_, T> {
    /// Gives up the send: leaves the line of waiting senders (passing on a
    /// slot promised to it) and returns the value, or `None` if it was
    /// sent (on a rendezvous channel, a receiver took the offer already).
    /// What it returns, and the offer's waker, are dropped after the lock:
    /// a waker's or a value's `Drop` may call back in.
    pub(super) fn take_back(&mut self) -> Option<T> {
        self.chan.sending.cancel(&mut self.waiter);
        if let (Some(id), Queue::Rendezvous(offers)) = (self.offer.take(), &self.chan.queue) {
            let back = offers.lock().withdraw(id);
            return back.map(|(value, waker)| {
                // A panic there must not unwind out of a drop.
                crate::task::drop_waker_catching_panics(waker);
                value
            });
        }
        self.value.take()
    }
}

impl<T> Drop for Sending<'_, T> {
    fn drop(&mut self) {
        // Given up before it was sent: the value goes with this future
        // (`send_timeout` takes it back instead).
        drop(self.take_back());
    }
}

/// The state of one `recv().await`.
pub(super) struct Receiving<'a, T> {
    pub(super) chan: &'a Chan<T>,
    pub(super) waiter: Slot,
}

impl<T> Future for Receiving<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        this.chan.poll_recv(&mut this.waiter, cx)
    }
}

impl<T> Drop for Receiving<'_, T> {
    fn drop(&mut self) {
        self.chan.receiving.cancel(&mut self.waiter);
    }
}

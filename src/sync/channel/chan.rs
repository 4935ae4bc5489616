//! The state both halves of a channel share, and the two futures that wait
//! on it. Each poll is "try; if it would wait, park; try once more": the
//! second try closes the race with the other side described in `waiters.rs`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::queue::{Pop, Push, Queue};
use super::rendezvous::Offers;
use super::waiters::{Slot, Waiters};
use super::{Receiver, SendError, Sender};
use crate::loom::Arc;
use crate::loom::atomic::{AtomicUsize, Ordering};
use crate::task::budget::poll_proceed;

/// What the handles share.
pub(super) struct Chan<T> {
    pub(super) queue: Queue<T>,
    /// Receivers parked on an empty channel.
    pub(super) receiving: Waiters,
    /// Senders parked on a full channel.
    pub(super) sending: Waiters,
    pub(super) senders: AtomicUsize,
    pub(super) receivers: AtomicUsize,
}

impl<T> Chan<T> {
    pub(super) fn create(queue: Queue<T>) -> (Sender<T>, Receiver<T>) {
        let chan = Arc::new(Chan {
            queue,
            receiving: Waiters::new(),
            sending: Waiters::new(),
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
        });
        let receiver = Receiver {
            chan: chan.clone(),
            stream_waiter: crate::loom::Mutex::new(Slot::default()),
            stream_placed: crate::loom::atomic::AtomicBool::new(false),
        };
        (Sender { chan }, receiver)
    }

    pub(super) fn push(&self, value: T) -> Result<(), Push<T>> {
        if let Queue::Rendezvous(offers) = &self.queue {
            return self.try_offer(offers, value);
        }
        self.queue.push(value)?;
        self.receiving.notify_one();
        Ok(())
    }

    /// `try_send` on a rendezvous channel: as in Go, it succeeds only if a
    /// receiver is waiting (and no earlier offer waits for that receiver
    /// already); the value is then the receivers' to take:
    /// if the one that waited gives up first, the next one takes it, and
    /// if every receiver goes, it is dropped with the last, as a buffered
    /// channel's messages are.
    fn try_offer(&self, offers: &crate::loom::Mutex<Offers<T>>, value: T) -> Result<(), Push<T>> {
        let parked = self.receiving.waiting();
        let mut offers = offers.lock();
        if offers.is_closed() {
            return Err(Push::Closed(value));
        }
        // One offer for each parked receiver at most. A waiting sender's
        // counts too: it may have offered but not yet woken a receiver, and
        // the receiver would take that one first. (A receiver that took an
        // offer in the instant before this and has not yet left the parked
        // count still lets this through: the value then waits for the next
        // receive, as the loom model `loom_rendezvous_try_send_racing_a_
        // send_loses_nothing` shows.)
        if offers.len() >= parked {
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

    /// Whether a send would find room now.
    fn has_room(&self) -> bool {
        self.queue
            .capacity()
            .is_none_or(|capacity| self.queue.len() < capacity)
    }

    pub(super) fn close(&self) -> bool {
        let first = self.queue.close();
        if first {
            self.receiving.notify_all();
            self.sending.notify_all();
        }
        first
    }

    /// One poll of a send: try, and if full, park and try once more (see
    /// `waiters.rs` for why the second try is needed).
    pub(super) fn poll_send(
        &self,
        value: &mut Option<T>,
        waiter: &mut Slot,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        let spent = ready!(poll_proceed(cx));
        let mut next = value
            .take()
            .expect("a send future polled after it completed");
        let mut parked = false;
        let sent = loop {
            match self.push(next) {
                Ok(()) => break Ok(()),
                Err(Push::Closed(back)) => break Err(SendError(back)),
                Err(Push::Full(back)) if parked => {
                    *value = Some(back);
                    return Poll::Pending;
                }
                Err(Push::Full(back)) => {
                    next = back;
                    self.sending.register(waiter, cx.waker());
                    parked = true;
                }
            }
        };
        // Woken, and room is left: the wake may have been meant for a slot
        // we did not take, so the next sender gets it (else it waits on a
        // channel with room, for a wake already spent).
        if self.sending.complete(waiter) && self.has_room() {
            self.sending.notify_one();
        }
        spent.made_progress();
        Poll::Ready(sent)
    }

    /// One poll of a receive; the mirror image of `poll_send`.
    pub(super) fn poll_recv(&self, waiter: &mut Slot, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let spent = ready!(poll_proceed(cx));
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
        // The mirror image: woken, and messages are left.
        if self.receiving.complete(waiter) && self.queue.has_messages() {
            self.receiving.notify_one();
        }
        spent.made_progress();
        Poll::Ready(received)
    }
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

impl<T> Drop for Sending<'_, T> {
    fn drop(&mut self) {
        self.chan.sending.cancel(&mut self.waiter);
        if let (Some(id), Queue::Rendezvous(offers)) = (self.offer, &self.chan.queue) {
            // Given up before a receiver took it: the value goes with this
            // future, as a cancelled send's does. Both are dropped after the
            // lock: a waker's or a value's `Drop` may call back in (and a
            // panic there must not unwind out of this drop).
            let back = offers.lock().withdraw(id);
            if let Some((value, waker)) = back {
                drop(value);
                crate::task::drop_waker_catching_panics(waker);
            }
        }
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

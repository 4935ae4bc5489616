//! The channel's buffer, bounded or not, behind one interface.
//!
//! A bounded channel keeps its messages in a lock-free [`Ring`]; an unbounded
//! one in a `VecDeque` behind a mutex (it is never full, so it needs no
//! slots to race on); a rendezvous one (`bounded(0)`) keeps no messages at
//! all, only the waiting senders' offers ([`Offers`]). Each folds "closed"
//! into the same step as "push" (the rendezvous one as "offer", under the
//! offers' lock), so a send that races with `close` either lands before it
//! or fails: a receiver that saw `Closed` can never see a message
//! afterwards.

use std::collections::VecDeque;

use super::rendezvous::Offers;
use super::ring::Ring;
use crate::loom::Mutex;

/// Why a push did not happen; the value comes back.
pub(super) enum Push<T> {
    Full(T),
    Closed(T),
}

/// The outcome of a pop.
pub(super) enum Pop<T> {
    Value(T),
    Empty,
    /// Closed and drained: no message will ever come.
    Closed,
}

// The ring is large on purpose (its indices sit on separate cache lines), and
// a channel holds one queue, inside its `Arc`: boxing it would only add a hop.
#[allow(clippy::large_enum_variant)]
pub(super) enum Queue<T> {
    Bounded(Ring<T>),
    Unbounded(Mutex<Unbounded<T>>),
    Rendezvous(Mutex<Offers<T>>),
}

pub(super) struct Unbounded<T> {
    items: VecDeque<T>,
    closed: bool,
}

impl<T> Queue<T> {
    pub(super) fn bounded(capacity: usize) -> Self {
        Queue::Bounded(Ring::new(capacity))
    }

    pub(super) fn rendezvous() -> Self {
        Queue::Rendezvous(Mutex::new(Offers::new()))
    }

    pub(super) fn unbounded() -> Self {
        Queue::Unbounded(Mutex::new(Unbounded {
            items: VecDeque::new(),
            closed: false,
        }))
    }

    #[inline]
    pub(super) fn push(&self, value: T) -> Result<(), Push<T>> {
        match self {
            Queue::Bounded(ring) => ring.push(value),
            Queue::Unbounded(list) => {
                let mut list = list.lock();
                if list.closed {
                    return Err(Push::Closed(value));
                }
                list.items.push_back(value);
                Ok(())
            }
            // Only a sender that waits for its receiver can offer: see
            // `Chan::push` and `Chan::poll_offer`.
            Queue::Rendezvous(offers) if offers.lock().is_closed() => Err(Push::Closed(value)),
            Queue::Rendezvous(_) => Err(Push::Full(value)),
        }
    }

    #[inline]
    pub(super) fn pop(&self) -> Pop<T> {
        match self {
            Queue::Bounded(ring) => ring.pop(),
            Queue::Unbounded(list) => {
                let mut list = list.lock();
                match list.items.pop_front() {
                    Some(value) => Pop::Value(value),
                    None if list.closed => Pop::Closed,
                    None => Pop::Empty,
                }
            }
            Queue::Rendezvous(offers) => {
                let mut offers = offers.lock();
                match offers.take() {
                    Some((value, sender)) => {
                        drop(offers);
                        // Its sender learns that the value was taken.
                        if let Some(sender) = sender {
                            crate::task::wake_catching_panics(sender);
                        }
                        Pop::Value(value)
                    }
                    None if offers.is_closed() => Pop::Closed,
                    None => Pop::Empty,
                }
            }
        }
    }

    /// Closes the queue; `true` if this call did it.
    pub(super) fn close(&self) -> bool {
        match self {
            Queue::Bounded(ring) => ring.close(),
            Queue::Unbounded(list) => !std::mem::replace(&mut list.lock().closed, true),
            Queue::Rendezvous(offers) => {
                let (first, senders) = offers.lock().close();
                // Each waiting sender looks at its offer again.
                senders
                    .into_iter()
                    .for_each(crate::task::wake_catching_panics);
                first
            }
        }
    }

    /// What the last receiver's drop takes out: every buffered message, or
    /// of a rendezvous channel the offers nobody waits on (the waiting
    /// senders take theirs back).
    pub(super) fn take_for_drop(&self) -> Vec<T> {
        match self {
            Queue::Rendezvous(offers) => offers.lock().take_unwatched(),
            _ => {
                let mut taken = Vec::new();
                while let Pop::Value(message) = self.pop() {
                    taken.push(message);
                }
                taken
            }
        }
    }

    pub(super) fn is_closed(&self) -> bool {
        match self {
            Queue::Bounded(ring) => ring.is_closed(),
            Queue::Unbounded(list) => list.lock().closed,
            Queue::Rendezvous(offers) => offers.lock().is_closed(),
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Queue::Bounded(ring) => ring.len(),
            Queue::Unbounded(list) => list.lock().items.len(),
            // As Go's `len` of an unbuffered channel: it holds nothing.
            Queue::Rendezvous(_) => 0,
        }
    }

    /// Whether a receive would find a message now (for a rendezvous
    /// channel, whose `len` is always 0: whether a sender's offer waits).
    pub(super) fn has_messages(&self) -> bool {
        match self {
            Queue::Rendezvous(offers) => offers.lock().can_take(),
            _ => self.len() > 0,
        }
    }

    pub(super) fn capacity(&self) -> Option<usize> {
        match self {
            Queue::Bounded(ring) => Some(ring.capacity()),
            Queue::Unbounded(_) => None,
            Queue::Rendezvous(_) => Some(0),
        }
    }
}

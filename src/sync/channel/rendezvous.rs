//! `bounded(0)`: Go's unbuffered channel, where a send completes only once
//! a receiver has taken its value.
//!
//! There is no buffer to race on. Each waiting sender leaves an *offer*,
//! its value and its waker, in a FIFO list under a lock, as Go's runtime
//! queues a blocked sender's `sudog` with the value it carries:
//!
//! ```text
//!   send(v):  offer (id, v, waker) ──► [ (1, a, w1) (2, b, w2) ]
//!   recv():   take the first offer, wake its sender     ▲
//!   the sender, polled again: is my id still there?  ───┘
//!             gone: received, Ok      there: still waiting
//! ```
//!
//! A sender that gives up (its future dropped, or every receiver gone)
//! takes its own offer back, so a value is never both received and handed
//! back, and the lock orders the two. An offer nobody waits for (a
//! `try_send`'s, made only while a receiver was parked) is simply taken by
//! the next receiver, or dropped with the last one.

use std::collections::VecDeque;
use std::task::Waker;

/// The offers of the senders waiting on a rendezvous channel.
pub(super) struct Offers<T> {
    list: VecDeque<Offer<T>>,
    next_id: u64,
    closed: bool,
}

struct Offer<T> {
    id: u64,
    value: T,
    /// The waiting sender's waker; `None` for a `try_send`'s offer, which
    /// nobody waits on.
    waker: Option<Waker>,
}

impl<T> Offers<T> {
    pub(super) fn new() -> Self {
        Offers {
            list: VecDeque::new(),
            next_id: 0,
            closed: false,
        }
    }

    /// Leaves `value` for a receiver, with the waker of the sender waiting
    /// for it to be taken (if any): the offer's id, or the value back if
    /// the channel is closed.
    pub(super) fn offer(&mut self, value: T, waker: Option<&Waker>) -> Result<u64, T> {
        if self.closed {
            return Err(value);
        }
        self.next_id += 1;
        self.list.push_back(Offer {
            id: self.next_id,
            value,
            waker: waker.cloned(),
        });
        Ok(self.next_id)
    }

    /// The first offer a receiver may take: its value, and its sender's
    /// waker to wake once the lock is released. Once the channel is closed,
    /// only an offer nobody waits on (a `try_send`'s, already reported as
    /// sent) may still be taken: a sender still waiting at the close fails
    /// and gets its value back, as on a buffered channel.
    pub(super) fn take(&mut self) -> Option<(T, Option<Waker>)> {
        let at = self.first_takeable()?;
        self.list.remove(at).map(|offer| (offer.value, offer.waker))
    }

    /// Whether [`take`](Self::take) would find an offer now.
    pub(super) fn can_take(&self) -> bool {
        self.first_takeable().is_some()
    }

    fn first_takeable(&self) -> Option<usize> {
        if self.closed {
            self.list.iter().position(|offer| offer.waker.is_none())
        } else {
            (!self.list.is_empty()).then_some(0)
        }
    }

    /// If offer `id` still waits, makes `waker` its sender's waker and
    /// returns `Some` with the waker it replaced (to drop after the lock);
    /// `None` if a receiver took it.
    pub(super) fn refresh(&mut self, id: u64, waker: &Waker) -> Option<Option<Waker>> {
        let offer = self.list.iter_mut().find(|offer| offer.id == id)?;
        if offer.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            return Some(None);
        }
        Some(offer.waker.replace(waker.clone()))
    }

    /// Takes offer `id` back, if no receiver took it: its sender gives up.
    /// The value comes back with the sender's waker, which the caller drops
    /// after the lock (a waker's `Drop` may call back into the channel).
    pub(super) fn withdraw(&mut self, id: u64) -> Option<(T, Option<Waker>)> {
        let at = self.list.iter().position(|offer| offer.id == id)?;
        self.list.remove(at).map(|offer| (offer.value, offer.waker))
    }

    /// Marks the channel closed (`true` if this call did it) and returns
    /// clones of the waiting senders' wakers: each looks at its offer again
    /// (and takes it back if no receiver is left). The wakers stay in their
    /// offers, which are still waited on.
    pub(super) fn close(&mut self) -> (bool, Vec<Waker>) {
        let first = !std::mem::replace(&mut self.closed, true);
        let wakers = self
            .list
            .iter()
            .filter_map(|offer| offer.waker.clone())
            .collect();
        (first, wakers)
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed
    }

    /// How many offers wait for a receiver.
    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    /// Takes the values of the offers nobody waits on (`try_send`'s), for
    /// the last receiver to drop: the waiting senders take theirs back.
    pub(super) fn take_unwatched(&mut self) -> Vec<T> {
        let (unwatched, watched): (Vec<_>, Vec<_>) =
            self.list.drain(..).partition(|offer| offer.waker.is_none());
        self.list.extend(watched);
        unwatched.into_iter().map(|offer| offer.value).collect()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn offers_are_taken_in_order_and_withdrawn_only_while_waiting() {
        let mut offers = Offers::new();
        let waker = Waker::noop();
        let a = offers.offer('a', Some(waker)).unwrap();
        let b = offers.offer('b', Some(waker)).unwrap();
        let c = offers.offer('c', None).unwrap();
        assert!(matches!(offers.take(), Some(('a', Some(_)))));
        assert!(offers.refresh(a, waker).is_none(), "taken");
        assert!(offers.withdraw(a).is_none(), "taken: nothing to take back");
        assert!(offers.refresh(b, waker).is_some(), "still waiting");
        assert!(matches!(offers.withdraw(b), Some(('b', Some(_)))));
        let (first, wakers) = offers.close();
        assert!(
            first && wakers.is_empty(),
            "only c is left, and nobody waits on it"
        );
        assert_eq!(offers.offer('d', Some(waker)), Err('d'), "closed");
        assert_eq!(offers.take_unwatched(), ['c']);
        assert!(offers.withdraw(c).is_none() && offers.take().is_none());
    }

    #[test]
    fn after_the_close_only_offers_nobody_waits_on_are_taken() {
        let mut offers = Offers::new();
        let waker = Waker::noop();
        let waiting = offers.offer('a', Some(waker)).unwrap();
        offers.offer('b', None).unwrap();
        let (_, wakers) = offers.close();
        assert_eq!(wakers.len(), 1, "the waiting sender is woken to fail");
        assert!(offers.can_take(), "b was reported sent: it is still taken");
        assert!(matches!(offers.take(), Some(('b', None))));
        assert!(!offers.can_take() && offers.take().is_none(), "a is not");
        assert!(matches!(offers.withdraw(waiting), Some(('a', Some(_)))));
    }
}

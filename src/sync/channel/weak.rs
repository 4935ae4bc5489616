//! Weak senders: a handle that reaches the channel without keeping it open.
//!
//! The channel closes when its last [`Sender`] goes. Some code must be able
//! to send without counting as a sender: an actor that hands its own
//! address to the tasks it spawns would otherwise keep its mailbox open for
//! ever, and never learn that everyone else let go. A [`WeakSender`] is
//! that address. It cannot send; [`upgrade`](WeakSender::upgrade) turns it
//! into a `Sender` while at least one other sender lives, and gives `None`
//! once the last one is gone (the channel is closed then, for good).
//!
//! ```text
//!   senders: 2 ─ drop ─► 1 ─ upgrade ─► 2      a live count grows
//!   senders: 1 ─ drop ─► 0 (closed)  ─ upgrade ─► None, and stays 0
//! ```
//!
//! The upgrade is a compare-and-swap that never moves the count up from 0:
//! the drop that reached 0 has closed the channel, and no handle may bring
//! it back. (tokio's `WeakSender`, and `std::sync::Weak`, work the same.)

use std::fmt;

use super::{Chan, Receiver, Sender};
use crate::loom::Arc;
use crate::loom::atomic::Ordering;

/// A sender that does not keep the channel open: made by
/// [`Sender::downgrade`], turned back into a [`Sender`] by
/// [`upgrade`](Self::upgrade) while another sender lives (and `None`
/// once the last one is gone, for good).
///
/// # Examples
///
/// ```
/// let (tx, rx) = corio::sync::channel::unbounded::<u8>();
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().try_send(1).unwrap();
/// drop(tx);
/// assert!(weak.upgrade().is_none(), "the last sender is gone");
/// assert!(rx.is_closed());
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct WeakSender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// A [`WeakSender`] to this channel, which does not keep it open.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::channel::bounded::<u8>(1);
    /// let weak = tx.downgrade();
    /// drop(tx);
    /// assert!(rx.is_closed(), "a weak sender does not keep it open");
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        self.chan.weak_senders.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            chan: self.chan.clone(),
        }
    }

    /// How many [`Sender`]s this channel has (this one included).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::channel::bounded::<u8>(1);
    /// let tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// drop(tx2);
    /// assert_eq!(tx.strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.senders.load(Ordering::Acquire)
    }

    /// How many [`WeakSender`]s this channel has.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::channel::bounded::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// drop(weak);
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_senders.load(Ordering::Acquire)
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if the channel still has one; `None` once the last
    /// sender was dropped (which closed the channel for good). A channel
    /// closed by [`close`](Sender::close) or by its receivers still gives
    /// a sender while others live, and its sends fail.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::channel::unbounded::<&str>();
    /// let weak = tx.downgrade();
    /// let upgraded = weak.upgrade().expect("`tx` lives");
    /// drop(tx);
    /// upgraded.try_send("still open").unwrap();
    /// drop(upgraded);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut senders = self.chan.senders.load(Ordering::Relaxed);
        loop {
            if senders == 0 {
                return None;
            }
            // Acquire on success, as the drop that may follow releases.
            match self.chan.senders.compare_exchange_weak(
                senders,
                senders + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Some(Sender {
                        chan: self.chan.clone(),
                    });
                }
                Err(now) => senders = now,
            }
        }
    }

    /// How many [`Sender`]s the channel has.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::channel::bounded::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.senders.load(Ordering::Acquire)
    }

    /// How many [`WeakSender`]s the channel has (this one included).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::channel::bounded::<u8>(1);
    /// let weak = tx.downgrade();
    /// let _weak2 = weak.clone();
    /// assert_eq!(weak.weak_count(), 2);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_senders.load(Ordering::Acquire)
    }
}

impl<T> Receiver<T> {
    /// How many [`Sender`]s the channel has (tokio's name).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::channel::bounded::<u8>(1);
    /// assert_eq!(rx.sender_strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(rx.sender_strong_count(), 0);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.chan.senders.load(Ordering::Acquire)
    }

    /// How many [`WeakSender`]s the channel has (tokio's name).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::channel::bounded::<u8>(1);
    /// let _weak = tx.downgrade();
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.chan.weak_senders.load(Ordering::Acquire)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.chan.weak_senders.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.chan.weak_senders.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender")
            .field("strong_count", &self.strong_count())
            .field("weak_count", &self.weak_count())
            .finish()
    }
}

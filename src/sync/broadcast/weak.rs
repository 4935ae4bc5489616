//! `WeakSender`: a handle to a broadcast channel that does not keep it open.
//!
//! A task that only sometimes sends (a logger, a registry of subscribers)
//! holds a weak sender, so the channel still closes when the real senders
//! are gone; it upgrades for each send. The weak handle keeps the channel's
//! memory (the ring) alive, not its senders' count.

use std::fmt;
use std::sync::Arc;

use super::{Sender, Shared};
use crate::loom::atomic::Ordering;

/// A sender that does not count: see [`Sender::downgrade`].
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = corio::sync::broadcast::channel(4);
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).unwrap();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert_eq!(rx.try_recv(), Err(corio::sync::broadcast::TryRecvError::Closed));
/// ```
pub struct WeakSender<T> {
    pub(super) shared: Arc<Shared<T>>,
}

impl<T> WeakSender<T> {
    /// A sender again, or `None` once the last sender is gone (a closed
    /// channel stays closed).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::broadcast::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// let tx2 = weak.upgrade().unwrap();
    /// drop(tx);
    /// assert!(weak.upgrade().is_some(), "tx2 keeps it open");
    /// drop(tx2);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        // Up by one, but never from zero: once the last sender has gone,
        // the channel is closed for good.
        let mut senders = self.shared.senders.load(Ordering::Relaxed);
        loop {
            if senders == 0 {
                return None;
            }
            match self.shared.senders.compare_exchange_weak(
                senders,
                senders + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => senders = now,
            }
        }
        Some(Sender {
            shared: self.shared.clone(),
        })
    }

    /// How many senders there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::broadcast::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.senders.load(Ordering::Acquire)
    }

    /// How many weak senders there are (this one included).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::broadcast::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// let _weak2 = weak.clone();
    /// assert_eq!(weak.weak_count(), 2);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.weak_senders.load(Ordering::Acquire)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.shared.weak_senders.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.weak_senders.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::WeakSender")
            .field("senders", &self.strong_count())
            .finish_non_exhaustive()
    }
}

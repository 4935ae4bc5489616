//! The receiving half of a watch channel: the version it last saw, and
//! the wait for a newer one.

use crate::loom::atomic::Ordering;
use std::fmt;
use std::sync::Arc;

use super::{CLOSED, RecvError, Ref, Shared};

/// A receiving half; `Clone` (the clone has seen what this one has seen).
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = corio::sync::watch::channel(0);
/// tx.send(1).unwrap();
/// let other = rx.clone();
/// rx.borrow_and_update();
/// assert!(!rx.has_changed().unwrap());
/// assert!(other.has_changed().unwrap(), "each receiver keeps its own mark");
/// ```
pub struct Receiver<T> {
    pub(super) shared: Arc<Shared<T>>,
    /// The version of the value this receiver last marked seen.
    pub(super) seen: usize,
}

impl<T> Receiver<T> {
    /// Reads the current value without marking it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow().has_changed());
    /// assert!(rx.borrow().has_changed(), "still unseen");
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        let version = self.shared.version.load(Ordering::Acquire) & !CLOSED;
        Ref {
            guard,
            changed: version != self.seen,
        }
    }

    /// Reads the current value and marks it seen: the next `changed` waits
    /// for a send after this one.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 1);
    /// assert!(!rx.has_changed().unwrap(), "now seen");
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        let version = self.shared.version.load(Ordering::Acquire) & !CLOSED;
        let changed = version != self.seen;
        self.seen = version;
        Ref { guard, changed }
    }

    /// Whether a value this receiver has not seen is there; an error once
    /// the sender is gone (as tokio's, even if a last value is unseen:
    /// `changed` still returns that one).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::watch::channel(0);
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(1).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let version = self.shared.version.load(Ordering::Acquire);
        if version & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(version != self.seen)
    }

    /// Waits for a value this receiver has not seen, and marks it seen.
    /// Returns at once if one is there already; an error once the sender
    /// is gone and its last value was seen.
    ///
    /// Cancel-safe: dropping the future marks nothing seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::watch::channel(0);
    /// std::thread::spawn(move || tx.send(1).unwrap());
    /// futures_lite::future::block_on(rx.changed()).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 1);
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        changed(&self.shared, &mut self.seen).await
    }

    /// Waits until the value satisfies `condition` (checked on the current
    /// value first), marks it seen and returns it. An error if the sender
    /// goes first.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::watch::channel(0);
    /// corio::block_on(async move {
    ///     corio::spawn(async move {
    ///         for i in 1..=5 {
    ///             tx.send(i).unwrap();
    ///             corio::task::yield_now().await;
    ///         }
    ///     });
    ///     let at_least_3 = *rx.wait_for(|&n| n >= 3).await.unwrap();
    ///     assert!(at_least_3 >= 3);
    /// });
    /// ```
    pub async fn wait_for(
        &mut self,
        mut condition: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        // Two disjoint borrows, so that the guard returned from the shared
        // one may outlive the loop that also waits.
        let (shared, seen) = (&*self.shared, &mut self.seen);
        // One unit of the task's coop budget per call, as tokio's: a wait
        // pays it in `changed`, a value that passes at once pays it here,
        // so that a loop over a condition that holds still yields. Paying
        // may yield, and a future dropped while it yields must not have
        // marked anything seen: so with the budget spent it yields first,
        // and a pass found at once pays out of the unit known to be left
        // (the guard it returns cannot be held across an `.await`).
        let mut paid = false;
        if !crate::task::budget::has_remaining() {
            crate::task::consume_budget().await;
            paid = true;
        }
        loop {
            // A block, not a `drop`: the guard's scope must end before the
            // `.await`, or the future is not `Send`.
            {
                let guard = shared.value.read();
                let version = shared.version.load(Ordering::Acquire) & !CLOSED;
                let changed_now = version != *seen;
                *seen = version;
                // Checked under the lock, and returned with it: the value
                // handed back is the one that passed.
                if condition(&guard) {
                    if !paid {
                        crate::task::budget::spend_left();
                    }
                    return Ok(Ref {
                        guard,
                        changed: changed_now,
                    });
                }
            }
            changed(shared, seen).await?;
            paid = true;
        }
    }

    /// Marks the current value unseen: the next `changed` returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, mut rx) = corio::sync::watch::channel(0);
    /// rx.mark_changed();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn mark_changed(&mut self) {
        // Versions are even (bit 0 is `CLOSED`), so an odd one is unseen.
        self.seen = usize::MAX;
    }

    /// Marks the current value seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged();
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.version.load(Ordering::Acquire) & !CLOSED;
    }

    /// Whether both receivers watch the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = corio::sync::watch::channel(0);
    /// let (_other_tx, other) = corio::sync::watch::channel(0);
    /// assert!(rx.same_channel(&rx.clone()));
    /// assert!(!rx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Whether every sender is gone: no new value will come (the last one
    /// stays readable).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::watch::channel(1);
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert_eq!(*rx.borrow(), 1);
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.version.load(Ordering::Acquire) & CLOSED != 0
    }
}

/// `Receiver::changed`, on the receiver's two parts (see `wait_for`).
async fn changed<T>(shared: &Shared<T>, seen: &mut usize) -> Result<(), RecvError> {
    // One unit of the task's coop budget per call: a wait pays it when the
    // `Notified` completes; a change found at once pays it here, so that a
    // loop over an ever-changing value still yields now and then.
    let mut paid = false;
    loop {
        // Made before the look: a send after the look completes it.
        let notified = shared.changed.notified();
        let version = shared.version.load(Ordering::Acquire);
        let outcome = if version & !CLOSED != *seen {
            Ok(())
        } else if version & CLOSED != 0 {
            Err(RecvError(()))
        } else {
            notified.await;
            paid = true;
            continue;
        };
        if !paid {
            crate::task::consume_budget().await;
        }
        if outcome.is_ok() {
            // The newest version, should more sends have come while paying.
            *seen = shared.version.load(Ordering::Acquire) & !CLOSED;
        }
        return outcome;
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.receivers_gone.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("value", &super::Peek(&self.shared.value))
            .field("seen", &self.seen)
            .finish()
    }
}

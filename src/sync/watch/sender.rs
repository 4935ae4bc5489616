//! The sending half of a watch channel: replace or modify the value, then
//! wake every receiver with one `notify_waiters`.

use crate::loom::atomic::Ordering;
use std::fmt;
use std::sync::Arc;

use super::{CLOSED, Receiver, Ref, STEP, SendError, Shared};

/// The sending half; `Clone`. The channel closes when the last one drops.
///
/// # Examples
///
/// ```
/// let (tx, rx) = corio::sync::watch::channel(0);
/// let tx2 = tx.clone();
/// tx2.send(1).unwrap();
/// drop(tx);
/// assert!(rx.has_changed().unwrap(), "one sender is left");
/// drop(tx2);
/// assert!(rx.has_changed().is_err(), "closed");
/// ```
pub struct Sender<T> {
    pub(super) shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// A sender with no receiver yet: [`subscribe`](Self::subscribe) makes
    /// them. Until one exists, [`send`](Self::send) fails and gives the
    /// value back; [`send_replace`](Self::send_replace) stores it anyway.
    ///
    /// # Examples
    ///
    /// ```
    /// let tx = corio::sync::watch::Sender::new(0);
    /// assert!(tx.send(1).is_err(), "nobody watches yet");
    /// let rx = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// ```
    pub fn new(init: T) -> Sender<T> {
        super::channel(init).0
    }

    /// How many senders there are (this one included).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::watch::channel(());
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.senders.load(Ordering::Acquire)
    }

    /// Replaces the value and wakes the receivers; fails (handing `value`
    /// back, and leaving the old value in place) when no receiver is left.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.receivers.load(Ordering::Acquire) == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Replaces the value whether or not anyone receives, and returns the
    /// old one.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::watch::channel(1);
    /// drop(rx);
    /// assert_eq!(tx.send_replace(2), 1, "no receiver needed");
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    pub fn send_replace(&self, value: T) -> T {
        let mut value = Some(value);
        let mut old = None;
        self.send_if_modified(|current| {
            old = Some(std::mem::replace(
                current,
                value.take().expect("called once"),
            ));
            true
        });
        old.expect("the closure ran")
    }

    /// Changes the value in place and wakes the receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Lets `modify` change the value in place; the receivers hear of it
    /// only if it returns `true`. Returns what `modify` returned.
    ///
    /// If `modify` panics, the value keeps whatever it did before the
    /// panic, and the receivers are not woken.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::watch::channel(3);
    /// let raised = tx.send_if_modified(|max| {
    ///     let new = 2;
    ///     (new > *max).then(|| *max = new).is_some()
    /// });
    /// assert!(!raised);
    /// assert!(!rx.has_changed().unwrap(), "receivers did not hear of it");
    /// ```
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        {
            let mut value = self.shared.value.write();
            if !modify(&mut value) {
                return false;
            }
            // Under the write lock: a reader sees the value and its version
            // together.
            self.shared.version.fetch_add(STEP, Ordering::Release);
        }
        self.shared.changed.notify_waiters();
        true
    }

    /// Reads the current value (without marking anything seen).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::watch::channel(7);
    /// assert_eq!(*tx.borrow(), 7);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.value.read(),
            changed: false,
        }
    }

    /// A new receiver that has seen the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::watch::channel(0);
    /// drop(rx);
    /// tx.send_replace(1);
    /// let rx = tx.subscribe();
    /// assert_eq!(*rx.borrow(), 1);
    /// assert!(!rx.has_changed().unwrap(), "it has seen the current value");
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        // No lock (module doc): a send in flight may be counted as unseen,
        // which at worst reports its change twice.
        let seen = self.shared.version.load(Ordering::Acquire) & !CLOSED;
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            shared: self.shared.clone(),
            seen,
        }
    }

    /// How many receivers there are now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::watch::channel(());
    /// let _rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(Ordering::Acquire)
    }

    /// Whether every receiver is gone (a `send` would fail).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::watch::channel(());
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::watch::channel(0);
    /// let (other, _other_rx) = corio::sync::watch::channel(0);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Waits until every receiver is gone: a producer's cue to stop.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::watch::channel(());
    /// corio::block_on(async move {
    ///     corio::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub async fn closed(&self) {
        self.shared
            .receivers_gone
            .wait_until(|| self.is_closed())
            .await;
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            // No lock: readers mask the bit off, so it pairs with no value.
            self.shared.version.fetch_or(CLOSED, Ordering::Release);
            self.shared.changed.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("value", &super::Peek(&self.shared.value))
            .field("receivers", &self.receiver_count())
            .finish()
    }
}

/// A sender of `T::default()` with no receiver yet, as tokio's.
impl<T: Default> Default for Sender<T> {
    fn default() -> Sender<T> {
        Sender::new(T::default())
    }
}

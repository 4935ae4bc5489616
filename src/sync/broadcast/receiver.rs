//! A broadcast receiver: its own position in the ring, and the wait for
//! the next send.

use crate::loom::atomic::Ordering;
use std::fmt;
use std::sync::Arc;

use super::{RecvError, Shared, TryRecvError};

/// A receiving half: gets every message sent after it subscribed, unless
/// it falls more than the capacity behind ([`RecvError::Lagged`]). Not
/// `Clone` (as tokio's): [`resubscribe`](Receiver::resubscribe) makes one
/// at the tail, [`Sender::subscribe`](super::Sender::subscribe) too.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = corio::sync::broadcast::channel(8);
/// for i in 0..3 {
///     tx.send(i).unwrap();
/// }
/// let got: Vec<_> = (0..3).map(|_| rx.try_recv().unwrap()).collect();
/// assert_eq!(got, [0, 1, 2]);
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The position of the next message this receiver reads.
    next: u64,
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Arc<Shared<T>>, next: u64) -> Self {
        Receiver { shared, next }
    }

    /// Messages sent that this receiver has not read yet (counting those
    /// it has missed by lagging, as tokio's does).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::broadcast::channel(4);
    /// tx.send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let tail = self.shared.state.lock().tail;
        usize::try_from(tail - self.next).unwrap_or(usize::MAX)
    }

    /// Whether this receiver has read everything sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = corio::sync::broadcast::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every sender is gone (messages may still be left to read).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::broadcast::channel::<u8>(4);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.state.lock().closed
    }

    /// A new receiver of the same channel, at its tail: it gets the
    /// messages sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut again = rx.resubscribe();
    /// assert!(again.try_recv().is_err(), "1 came before it");
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        super::subscribe(&self.shared)
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = corio::sync::broadcast::channel::<u8>(1);
    /// assert!(rx.same_channel(&rx.resubscribe()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// How many senders the channel has.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::broadcast::channel::<u8>(1);
    /// let _tx2 = tx.clone();
    /// assert_eq!(rx.sender_strong_count(), 2);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.shared.senders.load(Ordering::Acquire)
    }

    /// How many [`WeakSender`](super::WeakSender)s the channel has.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::broadcast::channel::<u8>(1);
    /// let _weak = tx.downgrade();
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.shared.weak_senders.load(Ordering::Acquire)
    }
}

impl<T: Clone> Receiver<T> {
    /// The next message, if one is there now; never waits.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], [`TryRecvError::Closed`], or
    /// [`TryRecvError::Lagged`] after this receiver fell behind.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::broadcast::channel(2);
    /// tx.send('a').unwrap();
    /// assert_eq!(rx.try_recv(), Ok('a'));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        take(&self.shared, &mut self.next)
    }

    /// Waits for the next message.
    ///
    /// Cancel-safe: dropping the future loses no message.
    ///
    /// # Errors
    ///
    /// [`RecvError::Closed`] once every sender is gone and this receiver
    /// has read the rest; [`RecvError::Lagged`] after it fell behind.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::broadcast::channel(4);
    /// std::thread::spawn(move || tx.send(5).unwrap());
    /// assert_eq!(futures_lite::future::block_on(rx.recv()), Ok(5));
    /// ```
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        // One unit of the task's coop budget per call: a wait pays it when
        // its `Notified` completes, a message found at once pays it here.
        // Paying may yield, and a future dropped while it yields must have
        // taken nothing (a message was once lost that way, when the
        // take came first): so with the budget spent it yields *before* the
        // take, and after a take it pays only out of a budget known to be
        // left, which cannot yield.
        let mut paid = false;
        loop {
            // Made before the look: a send after the look completes it.
            let sent = self.shared.sent.notified();
            if !paid && !crate::task::budget::has_remaining() {
                crate::task::consume_budget().await;
                paid = true;
            }
            let outcome = match take(&self.shared, &mut self.next) {
                Ok(value) => Ok(value),
                Err(TryRecvError::Lagged(missed)) => Err(RecvError::Lagged(missed)),
                Err(TryRecvError::Closed) => Err(RecvError::Closed),
                Err(TryRecvError::Empty) => {
                    sent.await;
                    paid = true;
                    continue;
                }
            };
            if !paid {
                // Ready at once: the budget was checked above, with no
                // `.await` since.
                crate::task::consume_budget().await;
            }
            return outcome;
        }
    }

    /// Waits for the next message from synchronous code, blocking the
    /// thread (tokio's `blocking_recv`).
    ///
    /// # Errors
    ///
    /// As [`recv`](Receiver::recv).
    ///
    /// # Panics
    ///
    /// On a worker thread or inside `block_on`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::broadcast::channel(4);
    /// let reader = std::thread::spawn(move || rx.blocking_recv());
    /// tx.send(1).unwrap();
    /// assert_eq!(reader.join().unwrap(), Ok(1));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        crate::sync::block_here(
            "corio::sync::broadcast::Receiver::blocking_recv",
            self.recv(),
        )
    }
}

/// `try_recv`, on the receiver's two parts (so that `recv` may hold a
/// `Notified` borrowed from the one while it moves the other).
fn take<T: Clone>(shared: &Shared<T>, next: &mut u64) -> Result<T, TryRecvError> {
    let mut state = shared.state.lock();
    if *next == state.tail {
        return Err(if state.closed {
            TryRecvError::Closed
        } else {
            TryRecvError::Empty
        });
    }
    let oldest = state.oldest();
    if *next < oldest {
        let missed = oldest - *next;
        *next = oldest;
        return Err(TryRecvError::Lagged(missed));
    }
    let slot = state.slot(*next);
    *next += 1;
    slot.owed -= 1;
    // The last reader moves the message out; the others clone it.
    let value = if slot.owed == 0 {
        slot.value.take()
    } else {
        slot.value.clone()
    };
    Ok(value.expect("a message some receiver owes a read is kept"))
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut dropped = Vec::new();
        let last = {
            let mut state = self.shared.state.lock();
            // The messages this receiver still owed a read: one fewer
            // reader each, and the last reader's due goes with it.
            for pos in self.next.max(state.oldest())..state.tail {
                let slot = state.slot(pos);
                slot.owed -= 1;
                if slot.owed == 0 {
                    dropped.extend(slot.value.take());
                }
            }
            state.receivers -= 1;
            state.receivers == 0
        };
        // Wake first, then drop the messages: theirs is the user's code,
        // run after the lock, and a panic there must not leave a sender
        // in `closed()` asleep.
        if last {
            self.shared.receivers_gone.notify_waiters();
        }
        drop(dropped);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

//! `broadcast`: every receiver gets every message (tokio's `broadcast`; in
//! Go, a fan-out loop over one channel per subscriber; in asyncio, a list
//! of queues).
//!
//! ```text
//!   send(v) ──► [ pos 4 │ pos 5 │ pos 2 │ pos 3 ]   a ring of `capacity` slots
//!                                   ▲ tail = 6: the next send overwrites pos 2
//!                                     (each slot: the value, and how many
//!                                      receivers still owe it a read)
//!   Receiver A: next = 3 ── reads 3, 4, 5
//!   Receiver B: next = 1 ── 1 was overwritten: Lagged(1), then reads 2...
//! ```
//!
//! * **A ring, not a queue per receiver.** A message is stored once, with
//!   the count of receivers that have yet to read it; each read clones it,
//!   and the last read moves it out. Memory is bounded by `capacity`, not by
//!   the slowest receiver.
//! * **A slow receiver lags; it does not hold the senders back.** A send
//!   always succeeds (while someone receives): when the ring is full it
//!   overwrites the oldest message. A receiver that had not read it learns
//!   so at its next `recv`: [`RecvError::Lagged`] with how many it missed,
//!   and it goes on from the oldest message still there. (A bounded
//!   `channel` chooses back-pressure instead; pick per use.)
//! * **One lock.** The ring, the positions and the counts sit behind one
//!   mutex, held for a slot's write or a read's clone: short, and simple to
//!   check. Waiting receivers park on a [`Notify`]: a send wakes them all
//!   with `notify_waiters`, and each makes its `Notified` before it looks,
//!   so a send between the look and the wait still wakes it.
//!
//! A message's `clone` runs under that lock: it must not send or receive
//! on the channel, nor drop a receiver or the last sender (each takes the
//! lock, which would wait for good). Cloning a handle, or dropping a
//! [`WeakSender`] or a sender that is not the last, is fine (a message may
//! carry a `WeakSender` back to its own channel): the senders are counted
//! in atomics, outside the lock, as tokio counts them.
//! The capacity is kept as given (tokio rounds it up to a power of two, so
//! its `channel(3)` keeps 4 messages).

pub mod error;
mod receiver;
mod weak;

use std::fmt;
use std::sync::Arc;

pub use self::error::{RecvError, SendError, TryRecvError};
pub use self::receiver::Receiver;
pub use self::weak::WeakSender;
use super::Notify;
use crate::loom::Mutex;
use crate::loom::atomic::{AtomicUsize, Ordering};

/// Creates a broadcast channel of `capacity` slots (the messages kept for
/// receivers that fall behind).
///
/// # Panics
///
/// If `capacity` is 0, or over `usize::MAX / 2`.
///
/// # Examples
///
/// ```
/// use corio::sync::broadcast;
///
/// corio::block_on(async {
///     let (tx, mut a) = broadcast::channel(16);
///     let mut b = tx.subscribe();
///     tx.send("hello").unwrap();
///     assert_eq!(a.recv().await.unwrap(), "hello");
///     assert_eq!(b.recv().await.unwrap(), "hello", "every receiver gets it");
/// });
/// ```
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    open(capacity)
}

/// `channel`, without the `Clone` bound that only receiving needs (so
/// that `Sender::new` has none, as in tokio).
fn open<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "a broadcast channel needs a capacity of at least 1"
    );
    assert!(
        capacity <= usize::MAX / 2,
        "a broadcast channel's capacity must be at most usize::MAX / 2"
    );
    let slots = (0..capacity)
        .map(|_| Slot {
            owed: 0,
            value: None,
        })
        .collect();
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            slots,
            tail: 0,
            receivers: 1,
            closed: false,
        }),
        senders: AtomicUsize::new(1),
        weak_senders: AtomicUsize::new(0),
        sent: Notify::new(),
        receivers_gone: Notify::new(),
    });
    let receiver = Receiver::new(shared.clone(), 0);
    (Sender { shared }, receiver)
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Live senders; the last one to go sets `State::closed`.
    senders: AtomicUsize,
    /// [`WeakSender`]s: they keep the channel's memory, not the channel open.
    weak_senders: AtomicUsize,
    /// Receivers waiting for a send (or the close).
    sent: Notify,
    /// Senders waiting in `closed()` for the last receiver to go.
    receivers_gone: Notify,
}

struct State<T> {
    slots: Box<[Slot<T>]>,
    /// The position of the next send; the message at `pos` lives in slot
    /// `pos % capacity` until position `pos + capacity` overwrites it.
    tail: u64,
    receivers: usize,
    /// The last sender is gone.
    closed: bool,
}

struct Slot<T> {
    /// Receivers that have yet to read this message.
    owed: usize,
    /// Taken by the last of them (or overwritten).
    value: Option<T>,
}

impl<T> State<T> {
    fn capacity(&self) -> u64 {
        self.slots.len() as u64
    }

    /// The oldest position still in the ring.
    fn oldest(&self) -> u64 {
        self.tail.saturating_sub(self.capacity())
    }

    fn slot(&mut self, pos: u64) -> &mut Slot<T> {
        let index = (pos % self.capacity()) as usize;
        &mut self.slots[index]
    }
}

/// The sending half; `Clone`. The channel closes when the last one drops.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = corio::sync::broadcast::channel(4);
/// let tx2 = tx.clone();
/// tx2.send(1).unwrap();
/// drop((tx, tx2));
/// assert_eq!(rx.try_recv(), Ok(1), "what was sent is still received");
/// assert_eq!(rx.try_recv(), Err(corio::sync::broadcast::TryRecvError::Closed));
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// A sender with no receiver yet: [`subscribe`](Self::subscribe) makes
    /// them. Until one exists, [`send`](Self::send) fails and gives the
    /// value back.
    ///
    /// # Panics
    ///
    /// As [`channel`].
    ///
    /// # Examples
    ///
    /// ```
    /// let tx = corio::sync::broadcast::Sender::new(4);
    /// assert_eq!(tx.send(1).unwrap_err().0, 1, "nobody listens yet");
    /// let mut rx = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    pub fn new(capacity: usize) -> Sender<T> {
        open(capacity).0
    }

    /// Sends `value` to every receiver there is now, and returns how many.
    /// Never waits: a full ring drops its oldest message (module doc).
    ///
    /// # Errors
    ///
    /// With no receiver, the value comes back in [`SendError`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::broadcast::channel(4);
    /// let _rx2 = tx.subscribe();
    /// assert_eq!(tx.send("x").unwrap(), 2);
    /// drop((rx, _rx2));
    /// assert_eq!(tx.send("y").unwrap_err().0, "y");
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let (receivers, overwritten) = {
            let mut state = self.shared.state.lock();
            if state.receivers == 0 {
                return Err(SendError(value));
            }
            let (tail, receivers) = (state.tail, state.receivers);
            let slot = state.slot(tail);
            slot.owed = receivers;
            let overwritten = slot.value.replace(value);
            state.tail += 1;
            (receivers, overwritten)
        };
        // Wake first, then drop the message it replaced: its `Drop` is the
        // user's code, run after the lock, and a panic there must not
        // leave the receivers asleep.
        self.shared.sent.notify_waiters();
        drop(overwritten);
        Ok(receivers)
    }

    /// A new receiver, which gets the messages sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2), "1 was sent before it subscribed");
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        subscribe(&self.shared)
    }

    /// How many receivers there are now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::broadcast::channel::<()>(1);
    /// assert_eq!(tx.receiver_count(), 1);
    /// drop(rx);
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.state.lock().receivers
    }

    /// How many messages some receiver has yet to read (at most the
    /// capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let mut state = self.shared.state.lock();
        let (oldest, tail) = (state.oldest(), state.tail);
        (oldest..tail)
            .filter(|&pos| state.slot(pos).owed > 0)
            .count()
    }

    /// Whether every receiver has read every message.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::broadcast::channel::<u8>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::broadcast::channel::<()>(1);
    /// corio::block_on(async move {
    ///     corio::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert_eq!(tx.receiver_count(), 0);
    /// });
    /// ```
    pub async fn closed(&self) {
        self.shared
            .receivers_gone
            .wait_until(|| self.receiver_count() == 0)
            .await;
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::broadcast::channel::<u8>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// A [`WeakSender`]: it does not keep the channel open, and
    /// [`upgrade`](WeakSender::upgrade)s to a sender while one lives.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::broadcast::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none(), "the last sender closed the channel");
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.weak_senders.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// How many senders there are (this one included).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::broadcast::channel::<u8>(1);
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.senders.load(Ordering::Acquire)
    }

    /// How many [`WeakSender`]s there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::broadcast::channel::<u8>(1);
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.weak_senders.load(Ordering::Acquire)
    }
}

/// A receiver at the channel's tail, counted in.
fn subscribe<T>(shared: &Arc<Shared<T>>) -> Receiver<T> {
    let next = {
        let mut state = shared.state.lock();
        state.receivers += 1;
        state.tail
    };
    Receiver::new(shared.clone(), next)
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        // A sender exists (this one): the count cannot be at zero.
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // AcqRel: the last one sees every other sender's sends before it
        // closes (they are under the lock anyway). An `upgrade` racing with
        // it cannot bring the count back from zero (`weak.rs`).
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.state.lock().closed = true;
            self.shared.sent.notify_waiters();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender")
            .field("receivers", &self.receiver_count())
            .finish_non_exhaustive()
    }
}

//! Go-style channels: many senders, many receivers, bounded or not.
//!
//! ```text
//!   Sender ─┐                                   ┌─► Receiver
//!   Sender ─┼─► [ queue: Ring (bounded) or  ] ──┼─► Receiver
//!   Sender ─┘   [ VecDeque (unbounded)      ]   └─► Receiver
//!                 recv waiters │ send waiters
//!                 (parked when │ (parked when
//!                  empty)      │  full)
//! ```
//!
//! Both handles are `Clone`; each message goes to exactly one receiver. A
//! [`bounded`] channel holds at most `capacity` messages and makes senders
//! wait when it is full (back-pressure); an [`unbounded`] one never does.
//!
//! **Closing.** The channel closes when [`Sender::close`] or
//! [`Receiver::close`] is called, when the last `Sender` is dropped, or when
//! the last `Receiver` is dropped. After that every send fails and gives the
//! value back, while receivers still drain what was sent before the close;
//! then `recv` returns `None`. A send that races with the close either lands
//! before it (and is received) or fails: nothing sent successfully is lost
//! while a receiver remains. When the last receiver goes, the messages still
//! buffered are dropped at once (as tokio does), so a request that carries
//! its reply channel tells its requester, instead of waiting for the last
//! sender. (The handles' counts and drops are in `handles.rs`; a [`WeakSender`],
//! which reaches the channel without keeping it open, in `weak.rs`.)
//!
//! **Speed.** The bounded buffer is a lock-free ring (see `ring.rs`), and a
//! side only takes its waiter lock when somebody is parked on the other side
//! (see `waiters.rs`). A parked receiver is woken by the first send, then
//! drains everything sent meanwhile without further wakes, so a busy channel
//! pays for a wake once per burst rather than once per message.
//!
//! **Order.** Parked senders are served first-come first-served: a receive
//! that frees a slot of a full channel promises it to the sender that has
//! waited longest, and a new `send` or `try_send` finds the channel full
//! until that sender runs (as in tokio and Go; see `chan.rs`). The promise
//! ends as the woken sender starts its push, not as the push lands (or the
//! slot would count twice for a moment, as promised and as taken): a
//! `try_send` in that instant may take the slot, and the woken sender then
//! goes back to the head of the line. A woken
//! sender whose future is kept but never polled again holds its slot until
//! it is dropped, as a tokio permit does (on a channel of one slot, every
//! other sender waits until then). Receivers keep no such order:
//! whoever asks first when a message is there takes it.
//!
//! **Rendezvous.** `bounded(0)` is Go's unbuffered channel: no buffer, and
//! a send completes when a receiver has taken its value (`rendezvous.rs`).
//!
//! **Cancel safety.** `recv` is cancel-safe: dropping the future never loses
//! a message, and a wake it had been given passes to the next receiver.
//! `send` is cancel-safe in the same sense, but the value inside a dropped
//! `send` future is dropped with it (use `try_send` to keep it). One
//! exception: on `bounded(0)` a send waits *after* a receiver may have
//! taken its value (it learns so at its next poll), so a send future
//! dropped while waiting (a `select!` branch that lost, a `timeout`) may
//! have been received. Loop on it with care: resending the value may
//! deliver it twice.

mod chan;
mod error;
mod handles;
mod poll_recv;
mod queue;
mod rendezvous;
mod ring;
mod send_timeout;
mod waiters;
mod weak;

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use self::chan::{Chan, Receiving, Sending};
pub use self::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use self::queue::{Pop, Push, Queue};
pub use self::weak::WeakSender;
use crate::loom::atomic::{AtomicBool, Ordering};
use crate::loom::{Arc, Mutex};

/// Creates a channel holding at most `capacity` messages. Its ring of
/// `capacity` slots is allocated here, at once (as crossbeam's and
/// async-channel's bounded queues are), so size it for the messages you
/// mean to buffer, not as a limit you never expect to reach.
///
/// `bounded(0)` is Go's unbuffered channel (`make(chan T)`): it holds no
/// message, and a `send` completes only once a receiver has taken its
/// value (a rendezvous). If every receiver is dropped first, the send
/// fails and gives the value back. `try_send` succeeds only while a
/// receiver is waiting, one value for each, as far as it can see (it
/// cannot wait to see the value taken: if that receiver gives up, the next
/// one takes it, and if every receiver goes, it is dropped with the last,
/// as buffered messages are). A receiver that has just taken another
/// offer, or whose `next()` was abandoned, may still count as waiting for a
/// moment; the value then waits for a later receive. `len()` is always 0
/// and `capacity()` `Some(0)`.
///
/// ```
/// use corio::sync::channel;
///
/// corio::block_on(async {
///     let (tx, rx) = channel::bounded(0);
///     let sender = corio::spawn(async move {
///         tx.send("ping").await.unwrap(); // returns once it is received
///         "delivered"
///     });
///     assert_eq!(rx.recv().await, Some("ping"));
///     assert_eq!(sender.await.unwrap(), "delivered");
/// });
/// ```
///
/// # Panics
///
/// If `capacity` is above [`MAX_CAPACITY`] (tokio's limit for its
/// channel's buffer), or its slots, allocated at once, need more memory
/// than can be allocated.
///
/// # Examples
///
/// ```
/// use corio::sync::channel;
///
/// let (tx, rx) = channel::bounded(16);
/// let producer = std::thread::spawn(move || {
///     futures_lite::future::block_on(async {
///         for i in 0..100u32 {
///             tx.send(i).await.unwrap();
///         }
///     })
/// });
/// let sum = futures_lite::future::block_on(async {
///     let mut sum = 0;
///     while let Some(i) = rx.recv().await {
///         sum += i;
///     }
///     sum
/// });
/// producer.join().unwrap();
/// assert_eq!(sum, 4950);
/// ```
pub fn bounded<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    if capacity == 0 {
        return Chan::create(Queue::rendezvous());
    }
    assert!(
        capacity <= MAX_CAPACITY,
        "corio::sync::channel::bounded({capacity}): the capacity is above \
         channel::MAX_CAPACITY ({MAX_CAPACITY})"
    );
    Chan::create(Queue::bounded(capacity))
}

/// The largest capacity [`bounded`] takes: `usize::MAX >> 3`, as tokio's.
/// The ring's lap arithmetic needs room above its capacity.
///
/// # Examples
///
/// ```
/// use corio::sync::channel;
///
/// let too_big = std::panic::catch_unwind(|| channel::bounded::<u8>(channel::MAX_CAPACITY + 1));
/// assert!(too_big.is_err());
/// ```
pub const MAX_CAPACITY: usize = usize::MAX >> 3;

/// Creates a channel with no limit on the messages it holds: `send` never waits.
///
/// # Examples
///
/// ```
/// let (tx, rx) = corio::sync::channel::unbounded();
/// for i in 0..10_000 {
///     tx.try_send(i).unwrap();
/// }
/// assert_eq!(rx.len(), 10_000);
/// assert_eq!(rx.capacity(), None);
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    Chan::create(Queue::unbounded())
}

/// The sending half of a channel; clone it for more producers.
///
/// The channel closes when the last `Sender` is dropped.
///
/// # Examples
///
/// ```
/// let (tx, rx) = corio::sync::channel::unbounded();
/// let tx2 = tx.clone();
/// tx.try_send(1).unwrap();
/// tx2.try_send(2).unwrap();
/// drop((tx, tx2));
/// assert!(rx.is_closed(), "the last sender is gone");
/// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(1), Ok(2)), "but it drains");
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of a channel; clone it for more consumers. It is also
/// a [`Stream`] of the messages, which ends when the channel is closed and
/// drained.
///
/// The channel closes when the last `Receiver` is dropped, and the
/// messages still buffered are dropped with it.
///
/// Polled as a `Stream`, a receiver keeps its place among the waiting
/// receivers in itself, not in a future: a `next()` abandoned by `select!`
/// or a timeout keeps that place until this handle polls again, calls
/// [`recv`](Receiver::recv) (which gives the place up first) or is dropped.
/// With cloned receivers, a message may wait for that place meanwhile while
/// another clone sleeps (async-channel has the same trait). Where clones
/// share the work under cancellation, use `recv`, whose future gives its
/// place up when dropped.
///
/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
///
/// let (tx, rx) = corio::sync::channel::unbounded();
/// for i in 1..=3 {
///     tx.try_send(i).unwrap();
/// }
/// drop(tx);
/// let all: Vec<i32> = futures_lite::future::block_on(rx.collect());
/// assert_eq!(all, [1, 2, 3]);
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
    /// This handle's place among the parked receivers, for `poll_next`;
    /// behind a lock only so that `recv(&self)` can give it up.
    stream_waiter: Mutex<waiters::Slot>,
    /// Whether `stream_waiter` holds a place (`recv` reads this, not the
    /// lock).
    stream_placed: AtomicBool,
}

// A panic in the middle of a channel call leaves the channel whole: a value
// moves in or out in one step, and wakers that panic are caught where they
// are woken or dropped. So the handles may cross `catch_unwind`, as tokio's
// do (its channel declares the same).
impl<T> std::panic::UnwindSafe for Chan<T> {}
impl<T> std::panic::RefUnwindSafe for Chan<T> {}
impl<T> std::panic::UnwindSafe for Receiver<T> {}
impl<T> std::panic::RefUnwindSafe for Receiver<T> {}

impl<T> Sender<T> {
    /// Sends `value`, waiting for room if the channel is bounded and full.
    /// Fails, giving the value back, if the channel is closed.
    ///
    /// Cancel safety: dropping the future sends nothing and drops the value,
    /// except on `bounded(0)`, where a receiver may already have taken it
    /// (module doc).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::channel::bounded(1);
    /// futures_lite::future::block_on(async {
    ///     tx.send("hello").await.unwrap();
    ///     assert_eq!(rx.recv().await, Some("hello"));
    /// });
    /// ```
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        Sending {
            chan: &self.chan,
            value: Some(value),
            waiter: waiters::Slot::default(),
            offer: None,
        }
        .await
    }

    /// Sends `value` from synchronous code, blocking the thread while the
    /// channel is full (tokio's `blocking_send`): a plain thread or a
    /// `spawn_blocking` closure feeding tasks.
    ///
    /// # Panics
    ///
    /// On a worker thread or inside `block_on` (`.await`
    /// [`send`](Self::send) there).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::channel::bounded(1);
    /// let producer = std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         tx.blocking_send(i).unwrap(); // waits while the slot is taken
    ///     }
    /// });
    /// let got: Vec<i32> = corio::block_on(async {
    ///     let mut got = Vec::new();
    ///     while let Some(i) = rx.recv().await {
    ///         got.push(i);
    ///     }
    ///     got
    /// });
    /// producer.join().unwrap();
    /// assert_eq!(got, [0, 1, 2]);
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        super::block_here(
            "corio::sync::channel::Sender::blocking_send",
            self.send(value),
        )
    }

    /// Sends `value` if there is room now; never parks the task (it may
    /// spin for a moment while a receiver on another thread finishes a
    /// step, as crossbeam's channels do).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = corio::sync::channel::bounded(1);
    /// assert!(tx.try_send(1).is_ok());
    /// assert!(tx.try_send(2).is_err(), "full");
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.push(value).map_err(|refused| match refused {
            Push::Full(value) => TrySendError::Full(value),
            Push::Closed(value) => TrySendError::Closed(value),
        })
    }
}

impl<T> Receiver<T> {
    /// Receives the next message, waiting for one; `None` once the channel
    /// is closed and drained.
    ///
    /// Cancel safety: dropping the future never loses a message.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::channel::unbounded();
    /// tx.try_send(7).unwrap();
    /// drop(tx);
    /// futures_lite::future::block_on(async {
    ///     assert_eq!(rx.recv().await, Some(7));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    pub async fn recv(&self) -> Option<T> {
        self.leave_stream_place();
        Receiving {
            chan: &self.chan,
            waiter: waiters::Slot::default(),
        }
        .await
    }

    /// Waits for at least one message, then moves up to `limit` of those
    /// waiting into `buffer` (appended) and returns how many: 0 once the
    /// channel is closed and drained, or at once if `limit` is 0 (tokio's
    /// `recv_many`). One wake for a burst of messages: a consumer that
    /// writes them out in one batch pays for it once.
    ///
    /// Cancel safety: as [`recv`](Self::recv); after the first message
    /// nothing waits, so a dropped future has taken none or all it reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::channel::unbounded();
    /// for i in 0..5 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// drop(tx);
    /// futures_lite::future::block_on(async {
    ///     let mut batch = Vec::new();
    ///     assert_eq!(rx.recv_many(&mut batch, 3).await, 3);
    ///     assert_eq!(rx.recv_many(&mut batch, 3).await, 2);
    ///     assert_eq!(batch, [0, 1, 2, 3, 4]);
    ///     assert_eq!(rx.recv_many(&mut batch, 3).await, 0, "closed and drained");
    /// });
    /// ```
    pub async fn recv_many(&self, buffer: &mut Vec<T>, limit: usize) -> usize {
        if limit == 0 {
            return 0;
        }
        let Some(first) = self.recv().await else {
            return 0;
        };
        buffer.push(first);
        1 + self.take_ready(buffer, limit - 1)
    }

    /// Receives the next message from synchronous code, blocking the
    /// thread while the channel is empty; `None` once it is closed and
    /// drained (tokio's `blocking_recv`).
    ///
    /// # Panics
    ///
    /// On a worker thread or inside `block_on` (`.await`
    /// [`recv`](Self::recv) there).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::channel::bounded(4);
    /// let consumer = std::thread::spawn(move || {
    ///     let mut sum = 0;
    ///     while let Some(i) = rx.blocking_recv() {
    ///         sum += i;
    ///     }
    ///     sum
    /// });
    /// corio::block_on(async move {
    ///     for i in 1..=4 {
    ///         tx.send(i).await.unwrap();
    ///     }
    /// });
    /// assert_eq!(consumer.join().unwrap(), 10);
    /// ```
    #[track_caller]
    pub fn blocking_recv(&self) -> Option<T> {
        super::block_here("corio::sync::channel::Receiver::blocking_recv", self.recv())
    }

    /// Receives a message if one is there now; never parks the task (it
    /// may spin for a moment while a sender on another thread finishes a
    /// step, as crossbeam's channels do).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::channel::bounded(4);
    /// tx.try_send('a').unwrap();
    /// assert_eq!(rx.try_recv(), Ok('a'));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        match self.chan.pop() {
            Pop::Value(value) => Ok(value),
            Pop::Empty => Err(TryRecvError::Empty),
            Pop::Closed => Err(TryRecvError::Closed),
        }
    }
}

impl<T> Receiver<T> {
    /// Gives up the place a `next()` left among the waiting receivers, if
    /// any, passing on a wake it got: a `next()` abandoned by a timeout
    /// leaves it there, and a `recv()` of this handle queued behind it
    /// would otherwise sleep while the wake went to the stale place.
    #[inline]
    fn leave_stream_place(&self) {
        if self.stream_placed.load(Ordering::Relaxed) {
            self.leave_stream_place_now();
        }
    }

    fn leave_stream_place_now(&self) {
        // Out of the lock before the cancel, which may wake a waker that
        // polls inline and calls back into this handle.
        let mut slot = std::mem::take(&mut *self.stream_waiter.lock());
        self.stream_placed.store(false, Ordering::Relaxed);
        self.chan.receiving.cancel(&mut slot);
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let slot = this.stream_waiter.get_mut();
        let poll = this.chan.poll_recv(slot, cx);
        this.stream_placed
            .store(waiters::Waiters::holds_place(slot), Ordering::Relaxed);
        poll
    }
}

#[cfg(all(test, loom))]
mod loom_tests;

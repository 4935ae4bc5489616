//! tokio's `mpsc` names over corio's [`sync::channel`](crate::sync::channel): a program
//! ported from tokio keeps `use corio::sync::mpsc;`, `mpsc::channel(n)` and
//! `mpsc::unbounded_channel()`, and an unbounded sender's `send` stays a
//! plain call (no `.await`), as it is in tokio.
//!
//! The channel underneath is corio's Go-style one, so it can do more than
//! tokio's: receivers clone (many consumers), either side may `close` it,
//! and `bounded(0)` (not reachable here: `channel(0)` panics, as tokio's
//! does) is a rendezvous. The differences a port may meet, all found by the
//! compiler but the last:
//! - a `TryRecvError` says `Closed` where tokio's says `Disconnected`;
//! - `Sender::capacity` gives the buffer's size as an `Option` (`None`
//!   unbounded; tokio's `max_capacity`), not the free slots;
//! - `reserve` and its `Permit` (and `try_reserve`, `reserve_many`,
//!   `reserve_owned`) do not exist;
//! - `Receiver` and `UnboundedReceiver` are one type, so a trait
//!   implemented for both needs one `impl`;
//! - `channel(n)` allocates its `n` slots at once, where tokio's grows in
//!   blocks as it fills: a capacity far beyond what the channel will hold
//!   costs memory up front, and one past what can be allocated panics.
//!
//! `Sender::closed`, `send_timeout`, `same_channel`, `is_closed`, `recv_many`,
//! `poll_recv`, `poll_recv_many`, the `blocking_` forms and the `try_` forms
//! are there under tokio's names.

use std::fmt;
use std::ops::Deref;

use super::channel;

/// The sending half of [`channel()`]: corio's [`channel::Sender`].
///
/// # Examples
///
/// ```
/// let (tx, _rx): (corio::sync::mpsc::Sender<u8>, _) = corio::sync::mpsc::channel(1);
/// assert!(tx.try_send(1).is_ok());
/// ```
pub type Sender<T> = channel::Sender<T>;

/// The receiving half of [`channel()`]: corio's [`channel::Receiver`].
///
/// # Examples
///
/// ```
/// let (tx, rx): (_, corio::sync::mpsc::Receiver<u8>) = corio::sync::mpsc::channel(1);
/// tx.try_send(5).unwrap();
/// assert_eq!(rx.try_recv(), Ok(5));
/// ```
pub type Receiver<T> = channel::Receiver<T>;

/// The receiving half of [`unbounded_channel`]: corio's [`channel::Receiver`].
///
/// # Examples
///
/// ```
/// use corio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
///
/// let (tx, rx): (_, UnboundedReceiver<&str>) = unbounded_channel();
/// tx.send("x").unwrap();
/// assert_eq!(rx.try_recv(), Ok("x"));
/// ```
pub type UnboundedReceiver<T> = channel::Receiver<T>;

/// A sender of a [`channel()`] that does not keep it open: corio's
/// [`channel::WeakSender`].
///
/// # Examples
///
/// ```
/// use corio::sync::mpsc;
///
/// let (tx, rx) = mpsc::channel::<u8>(1);
/// let weak: mpsc::WeakSender<u8> = tx.downgrade();
/// drop(tx);
/// assert!(weak.upgrade().is_none() && rx.is_closed());
/// ```
pub type WeakSender<T> = channel::WeakSender<T>;

/// The errors, under tokio's path (`mpsc::error::SendError`, ...).
pub mod error {
    pub use crate::sync::channel::{SendError, SendTimeoutError, TryRecvError, TrySendError};
}

/// A channel holding at most `buffer` messages: [`channel::bounded`]. Its
/// `buffer` slots are allocated at once (tokio's grow in blocks of 32): a
/// huge `buffer` meant as "practically unbounded" is an
/// [`unbounded_channel`] instead.
///
/// # Panics
///
/// If `buffer` is 0, as tokio's does (corio's `channel::bounded(0)` is a
/// rendezvous instead), and where [`channel::bounded`] panics: above
/// [`channel::MAX_CAPACITY`], or past what can be allocated.
///
/// # Examples
///
/// ```
/// use corio::sync::mpsc;
///
/// corio::block_on(async {
///     let (tx, rx) = mpsc::channel(8); // tokio's needs `mut rx`; corio's `recv` takes `&self`
///     corio::spawn(async move { tx.send("ping").await.unwrap() });
///     assert_eq!(rx.recv().await, Some("ping"));
/// });
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    channel::bounded(buffer)
}

/// A channel with no bound: [`channel::unbounded`], whose sender sends
/// without `.await`.
///
/// # Examples
///
/// ```
/// use corio::sync::mpsc;
///
/// let (tx, rx) = mpsc::unbounded_channel();
/// tx.send(1).unwrap(); // no .await: it never waits
/// drop(tx);
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = channel::unbounded();
    (UnboundedSender(tx), rx)
}

/// The sending half of [`unbounded_channel`]. Its [`send`](Self::send) is a
/// plain call; every other method is the [`channel::Sender`]'s (through
/// `Deref`).
///
/// # Examples
///
/// ```
/// let (tx, rx) = corio::sync::mpsc::unbounded_channel::<u8>();
/// let tx2 = tx.clone();
/// tx2.send(2).unwrap();
/// assert_eq!(tx.len(), 1, "a channel::Sender method, through Deref");
/// drop(rx);
/// assert!(tx.send(3).is_err(), "nobody receives any more");
/// ```
pub struct UnboundedSender<T>(channel::Sender<T>);

impl<T> UnboundedSender<T> {
    /// Sends `value` at once (an unbounded channel never waits); fails,
    /// giving it back, once the channel is closed.
    ///
    /// # Errors
    ///
    /// [`SendError`](error::SendError) with the value, if the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::mpsc::unbounded_channel();
    /// tx.send("a").unwrap();
    /// rx.close();
    /// assert_eq!(tx.send("b").unwrap_err().0, "b");
    /// ```
    pub fn send(&self, value: T) -> Result<(), error::SendError<T>> {
        self.0.try_send(value).map_err(|refused| match refused {
            error::TrySendError::Closed(value) => error::SendError(value),
            error::TrySendError::Full(_) => unreachable!("an unbounded channel is never full"),
        })
    }
}

impl<T> UnboundedSender<T> {
    /// A [`WeakUnboundedSender`], which does not keep the channel open.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// weak.upgrade().unwrap().send(1).unwrap(); // an `UnboundedSender`
    /// drop(tx);
    /// assert!(weak.upgrade().is_none() && rx.is_closed());
    /// ```
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender(self.0.downgrade())
    }
}

/// A sender of an [`unbounded_channel`] that does not keep it open; its
/// [`upgrade`](Self::upgrade) gives an [`UnboundedSender`], and its other
/// methods are the [`channel::WeakSender`]'s (through `Deref`).
///
/// # Examples
///
/// ```
/// let (tx, _rx) = corio::sync::mpsc::unbounded_channel::<u8>();
/// let weak = tx.downgrade();
/// assert_eq!((weak.strong_count(), weak.weak_count()), (1, 1));
/// ```
pub struct WeakUnboundedSender<T>(channel::WeakSender<T>);

impl<T> WeakUnboundedSender<T> {
    /// An [`UnboundedSender`] while another sender lives, else `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::mpsc::{error::TryRecvError, unbounded_channel};
    ///
    /// let (tx, rx) = unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.0.upgrade().map(UnboundedSender)
    }
}

impl<T> Deref for WeakUnboundedSender<T> {
    type Target = channel::WeakSender<T>;

    fn deref(&self) -> &channel::WeakSender<T> {
        &self.0
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender(self.0.clone())
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WeakUnboundedSender").field(&self.0).finish()
    }
}

impl<T> Deref for UnboundedSender<T> {
    type Target = channel::Sender<T>;

    fn deref(&self) -> &channel::Sender<T> {
        &self.0
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender(self.0.clone())
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnboundedSender").field(&self.0).finish()
    }
}

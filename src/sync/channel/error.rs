//! The channel's errors. Each one that refuses a value gives it back, and none
//! needs `T: Debug` to be printed (the value is shown as `..`). They print
//! what tokio's print.

use std::error::Error;
use std::fmt;

/// [`Sender::send`](super::Sender::send) found the channel closed; the value
/// comes back in `.0`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = corio::sync::channel::unbounded();
/// drop(rx);
/// let err = futures_lite::future::block_on(tx.send("lost")).unwrap_err();
/// assert_eq!(err.0, "lost");
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

/// Why [`Sender::try_send`](super::Sender::try_send) did not send; the value
/// comes back in either case.
///
/// # Examples
///
/// ```
/// use corio::sync::channel::{self, TrySendError};
///
/// let (tx, rx) = channel::bounded(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// drop(rx);
/// assert_eq!(tx.try_send(3).unwrap_err().into_inner(), 3);
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The channel is bounded and sending would have to wait: it holds
    /// `capacity` messages, or its free slots are promised to senders that
    /// waited first, or others still wait in line (on a rendezvous channel,
    /// no receiver is waiting).
    Full(T),
    /// The channel is closed: no receiver would ever see the value.
    Closed(T),
}

/// Why [`Sender::send_timeout`](super::Sender::send_timeout) did not
/// send; the value comes back in either case.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use corio::sync::channel::{self, SendTimeoutError};
///
/// corio::block_on(async {
///     let (tx, rx) = channel::bounded(1);
///     tx.send('a').await.unwrap();
///     let full = tx.send_timeout('b', Duration::from_millis(1)).await;
///     assert_eq!(full, Err(SendTimeoutError::Timeout('b')));
///     drop(rx);
///     let closed = tx.send_timeout('c', Duration::from_millis(1)).await;
///     assert_eq!(closed.unwrap_err().into_inner(), 'c');
/// });
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendTimeoutError<T> {
    /// The channel stayed full until the time ran out.
    Timeout(T),
    /// The channel is closed: no receiver would ever see the value.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The value that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::channel::SendTimeoutError;
    ///
    /// assert_eq!(SendTimeoutError::Timeout(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(value) | SendTimeoutError::Closed(value) => value,
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendTimeoutError::Timeout(_) => "timed out waiting on send operation",
            SendTimeoutError::Closed(_) => "channel closed",
        })
    }
}

impl<T> Error for SendTimeoutError<T> {}

/// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no message.
///
/// # Examples
///
/// ```
/// use corio::sync::channel::{self, TryRecvError};
///
/// let (tx, rx) = channel::unbounded::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// No message now; one may come later.
    Empty,
    /// Closed and drained: no message will ever come.
    Closed,
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::channel::{self, TrySendError};
    ///
    /// let (tx, _rx) = channel::bounded(1);
    /// tx.try_send('a').unwrap();
    /// let refused: TrySendError<char> = tx.try_send('b').unwrap_err();
    /// assert_eq!(refused.into_inner(), 'b');
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(value) | TrySendError::Closed(value) => value,
        }
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl<T> Error for SendError<T> {}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrySendError::Full(_) => "no available capacity",
            TrySendError::Closed(_) => "channel closed",
        })
    }
}

impl<T> Error for TrySendError<T> {}

/// A closed channel's `send` error as a `try_send` one (tokio's), so `?`
/// passes a `blocking_send`'s error out of a function that returns
/// `TrySendError`.
///
/// # Examples
///
/// ```
/// use corio::sync::channel::{SendError, TrySendError};
///
/// assert_eq!(TrySendError::from(SendError(1)), TrySendError::Closed(1));
/// ```
impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(error: SendError<T>) -> TrySendError<T> {
        TrySendError::Closed(error.0)
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "receiving on an empty channel",
            TryRecvError::Closed => "receiving on a closed channel",
        })
    }
}

impl Error for TryRecvError {}

//! The broadcast channel's errors (also re-exported from `broadcast`
//! itself; tokio users name them by this path).

use std::fmt;

/// `send` found no receiver; the value comes back.
///
/// # Examples
///
/// ```
/// use corio::sync::broadcast::error::SendError;
///
/// let (tx, rx) = corio::sync::broadcast::channel(1);
/// drop(rx);
/// let SendError(back) = tx.send(3).unwrap_err();
/// assert_eq!(back, 3);
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

/// Why `recv` returned no message.
///
/// # Examples
///
/// ```
/// use corio::sync::broadcast::{self, error::RecvError};
///
/// let (tx, mut rx) = broadcast::channel(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap(); // overwrites 1: rx falls behind
/// drop(tx);
/// corio::block_on(async move {
///     assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
///     assert_eq!(rx.recv().await, Ok(2));
///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
/// });
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum RecvError {
    /// Every sender is gone and every message was received.
    Closed,
    /// This receiver fell behind: so many messages were overwritten before
    /// it read them. It goes on from the oldest message kept at that
    /// moment (the next `recv` may report another lag if more sends
    /// overwrite that one first).
    Lagged(u64),
}

/// Why `try_recv` returned no message.
///
/// # Examples
///
/// ```
/// use corio::sync::broadcast::{self, error::TryRecvError};
///
/// let (tx, mut rx) = broadcast::channel::<u8>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// No message now.
    Empty,
    /// Every sender is gone and every message was received.
    Closed,
    /// As [`RecvError::Lagged`].
    Lagged(u64),
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("broadcasting on a channel with no receiver")
    }
}

impl<T> std::error::Error for SendError<T> {}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("the broadcast channel is closed"),
            RecvError::Lagged(n) => write!(f, "the receiver fell behind by {n} messages"),
        }
    }
}

impl std::error::Error for RecvError {}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("the broadcast channel is empty"),
            TryRecvError::Closed => f.write_str("the broadcast channel is closed"),
            TryRecvError::Lagged(n) => write!(f, "the receiver fell behind by {n} messages"),
        }
    }
}

impl std::error::Error for TryRecvError {}

//! The watch channel's two errors (also re-exported from `watch` itself;
//! tokio users name them by this path).

use std::fmt;

/// `send` found no receiver left; the value comes back.
///
/// # Examples
///
/// ```
/// let (tx, rx) = corio::sync::watch::channel(0);
/// drop(rx);
/// let corio::sync::watch::SendError(back) = tx.send(5).unwrap_err();
/// assert_eq!(back, 5);
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

/// The sender is gone, and this receiver has seen its last value.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = corio::sync::watch::channel(0);
/// drop(tx);
/// let err = futures_lite::future::block_on(rx.changed()).unwrap_err();
/// assert_eq!(err.to_string(), "the watch channel's sender is gone");
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct RecvError(pub(super) ());

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a watch channel with no receiver")
    }
}

impl<T> std::error::Error for SendError<T> {}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the watch channel's sender is gone")
    }
}

impl std::error::Error for RecvError {}

//! Why a semaphore gave no permit.

use std::error::Error;
use std::fmt;

/// The semaphore was closed.
///
/// # Examples
///
/// ```
/// let semaphore = corio::sync::Semaphore::new(0);
/// semaphore.close();
/// let err = futures_lite::future::block_on(semaphore.acquire()).unwrap_err();
/// assert_eq!(err.to_string(), "the semaphore was closed");
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct AcquireError(());

impl AcquireError {
    pub(super) fn new() -> Self {
        AcquireError(())
    }
}

/// Why [`Semaphore::try_acquire`](super::Semaphore::try_acquire) took no permit.
///
/// # Examples
///
/// ```
/// use corio::sync::{Semaphore, TryAcquireError};
///
/// let semaphore = Semaphore::new(0);
/// assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// semaphore.close();
/// assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::Closed);
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are free, or others are waiting in line first.
    NoPermits,
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the semaphore was closed")
    }
}

impl Error for AcquireError {}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryAcquireError::Closed => "the semaphore was closed",
            TryAcquireError::NoPermits => "no permits available",
        })
    }
}

impl Error for TryAcquireError {}

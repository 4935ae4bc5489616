//! A counting semaphore with a FIFO queue: the primitive the locks build on.
//!
//! A semaphore holds `permits`; `acquire` takes some, waiting in line if
//! there are not enough, and the permit gives them back when dropped. Use it
//! to bound concurrency ("at most 10 downloads at once"), or as corio does,
//! to build [`Mutex`](super::Mutex) (one permit) and
//! [`RwLock`](super::RwLock) (a reader takes one, a writer takes them all).
//!
//! **Fairness.** Waiters are served strictly first-come first-served, and the
//! head of the line blocks those behind it: if the head needs 5 permits and
//! 3 are free, a later waiter wanting 1 still waits. That is what keeps a
//! large request (a writer) from starving behind a stream of small ones.
//!
//! ```text
//!   permits: 3    queue: [needs 5] ─► [needs 1] ─► [needs 2]
//!   release(2) ─► permits 5 ─► grant head: permits 0, wake it
//! ```
//!
//! The flip side: a request for more permits than the semaphore will ever
//! hold waits for ever, and holds up everyone behind it (as in tokio). Ask
//! for at most what [`add_permits`](Semaphore::add_permits) will provide.
//!
//! A grant moves permits to the waiter *before* it runs (the permits leave
//! the pool at once, so nobody can take them in between); the waiter finds
//! them when it is next polled. If its future is dropped first, the granted
//! permits go back to the pool and on to the next waiter: no permit and no
//! wake-up is lost. So `acquire` is cancel-safe: dropping it gives up the
//! place in line and nothing else.
//!
//! The free permits and the closed flag live in one atomic word, which an
//! acquire or a release changes without a lock while nobody waits
//! (`pool.rs`). The line of waiters is behind a lock, and while it is not
//! empty every change to the pool goes through that lock too. A grant's
//! news travels without it: a flag in the waiting future, which the grant
//! raises, so a woken waiter does not take the lock again to learn that
//! its permits came. The line and its grants are in `line.rs`; this file
//! is the public face.

mod error;
mod line;
#[cfg(all(test, loom))]
mod loom_tests;
mod permit;
mod pool;
#[cfg(all(test, not(loom)))]
mod tests;

use std::fmt;
use std::sync::Arc;

pub use self::error::{AcquireError, TryAcquireError};
use self::line::State;
pub use self::permit::{OwnedSemaphorePermit, SemaphorePermit};
use self::pool::Pool;
use crate::loom::Mutex;
use crate::sync::wait_queue::WaitQueue;

/// A counting semaphore; see the module doc.
///
/// # Examples
///
/// ```
/// use corio::sync::Semaphore;
///
/// let semaphore = Semaphore::new(2);
/// futures_lite::future::block_on(async {
///     let a = semaphore.acquire().await.unwrap();
///     let _b = semaphore.acquire().await.unwrap();
///     assert!(semaphore.try_acquire().is_err(), "both permits are out");
///     drop(a);
///     assert!(semaphore.try_acquire().is_ok());
/// });
/// ```
pub struct Semaphore {
    pool: Pool,
    state: Mutex<State>,
}

impl Semaphore {
    /// The most permits a semaphore can hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(Semaphore::MAX_PERMITS);
    /// assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
    /// ```
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    /// Creates a semaphore holding `permits`.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = corio::sync::Semaphore::new(3);
    /// assert_eq!(semaphore.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Self {
        Semaphore {
            pool: Pool::new(permits, false),
            state: Mutex::new(State {
                waiters: WaitQueue::new(),
            }),
        }
    }

    /// [`new`](Self::new) in a `const` context, for a `static`.
    ///
    /// # Panics
    /// If `permits` is above [`MAX_PERMITS`](Self::MAX_PERMITS) (at compile
    /// time in a `static`).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::Semaphore;
    ///
    /// static CONNECTIONS: Semaphore = Semaphore::const_new(2);
    ///
    /// corio::block_on(async {
    ///     let _permit = CONNECTIONS.acquire().await.unwrap();
    ///     assert_eq!(CONNECTIONS.available_permits(), 1);
    /// });
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(permits: usize) -> Self {
        Semaphore {
            pool: Pool::new(permits, false),
            state: Mutex::new(State {
                waiters: WaitQueue::new(),
            }),
        }
    }

    /// A closed semaphore with no permits, in a `const` context (a
    /// `OnceCell` made set, whose right to initialize is gone).
    #[cfg(not(loom))]
    pub(crate) const fn const_closed() -> Self {
        Semaphore {
            pool: Pool::new(0, true),
            state: Mutex::new(State {
                waiters: WaitQueue::new(),
            }),
        }
    }

    /// Permits free for a new request now. While a waiter is in line, the
    /// permits in the pool are held for the head of the line (which needs
    /// more than there are), so this is 0, as in tokio, and `try_acquire`
    /// fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = corio::sync::Semaphore::new(3);
    /// let _permit = semaphore.try_acquire_many(2).unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.pool.available()
    }

    /// Adds `n` permits to the pool, waking waiters they satisfy.
    ///
    /// # Panics
    ///
    /// If the pool would exceed [`Semaphore::MAX_PERMITS`]. The pool counts
    /// the permits set aside for a waiting `acquire_many` that they do not
    /// cover yet (tokio's waiter holds those itself, and hands it the rest
    /// before the check): with such a waiter, `add_permits(MAX_PERMITS)`
    /// panics here where tokio's does not.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = corio::sync::Semaphore::new(0);
    /// semaphore.add_permits(2);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        self.release(n);
    }

    /// Closes the semaphore: every waiting and later `acquire` fails, as
    /// tokio's do, even a waiter that a release granted its permits
    /// before the close but that was not polled since (the permits go
    /// back to the semaphore). Permits already held stay valid.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = corio::sync::Semaphore::new(1);
    /// semaphore.close();
    /// assert!(semaphore.is_closed());
    /// assert!(futures_lite::future::block_on(semaphore.acquire()).is_err());
    /// ```
    pub fn close(&self) {
        let mut wakers = Vec::new();
        {
            let mut state = self.state.lock();
            self.pool.close();
            while let Some((waker, _)) = state.waiters.pop_front() {
                wakers.push(waker);
            }
            self.pool.clear_waiting();
        }
        wakers
            .into_iter()
            .for_each(crate::task::wake_catching_panics);
    }

    /// Whether [`Semaphore::close`] was called.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!corio::sync::Semaphore::new(1).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.pool.is_closed()
    }

    /// Waits in line for one permit.
    ///
    /// Cancel safety: cancel-safe; dropping the future gives up its place in
    /// line, and permits granted to it go to the next waiter. Such a drop
    /// panics, as a permit's does, if [`add_permits`](Self::add_permits)
    /// has meanwhile filled the pool so that they would not fit under
    /// [`MAX_PERMITS`](Self::MAX_PERMITS) (tokio asserts the same).
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = corio::sync::Semaphore::new(1);
    /// let permit = futures_lite::future::block_on(semaphore.acquire()).unwrap();
    /// assert_eq!(permit.num_permits(), 1);
    /// ```
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_many(1).await
    }

    /// Waits in line for `n` permits at once (see the module doc on fairness).
    ///
    /// Cancel safety: as [`Semaphore::acquire`].
    ///
    /// # Panics
    ///
    /// If `n` exceeds [`Semaphore::MAX_PERMITS`] (possible only where
    /// `usize` is 32 bits): no pool could ever grant it.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = corio::sync::Semaphore::new(5);
    /// let permit = futures_lite::future::block_on(semaphore.acquire_many(3)).unwrap();
    /// assert_eq!(semaphore.available_permits(), 2);
    /// drop(permit);
    /// assert_eq!(semaphore.available_permits(), 5);
    /// ```
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        let permits = n as usize;
        self.acquire_permits(permits).await?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits,
        })
    }

    /// Like [`Semaphore::acquire`], for a semaphore in an `Arc`: the permit
    /// owns a handle, so it can move into a spawned task.
    ///
    /// Cancel safety: as [`Semaphore::acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(corio::sync::Semaphore::new(1));
    /// let permit = futures_lite::future::block_on(semaphore.clone().acquire_owned()).unwrap();
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Like [`Semaphore::acquire_many`], for a semaphore in an `Arc`.
    ///
    /// Cancel safety: as [`Semaphore::acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(corio::sync::Semaphore::new(4));
    /// let permit = futures_lite::future::block_on(semaphore.clone().acquire_many_owned(4)).unwrap();
    /// assert_eq!((permit.num_permits(), semaphore.available_permits()), (4, 0));
    /// ```
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        let permits = n as usize;
        self.acquire_permits(permits).await?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits,
        })
    }

    /// Takes one permit if it is free now and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{Semaphore, TryAcquireError};
    ///
    /// let semaphore = Semaphore::new(1);
    /// let _permit = semaphore.try_acquire().unwrap();
    /// assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free now and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = corio::sync::Semaphore::new(2);
    /// assert!(semaphore.try_acquire_many(3).is_err());
    /// assert!(semaphore.try_acquire_many(2).is_ok());
    /// ```
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        let permits = n as usize;
        self.try_acquire_permits(permits)?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits,
        })
    }

    /// Like [`Semaphore::try_acquire`], for a semaphore in an `Arc`: the
    /// permit can be moved into a spawned task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(corio::sync::Semaphore::new(1));
    /// let permit = semaphore.clone().try_acquire_owned().unwrap();
    /// assert!(semaphore.clone().try_acquire_owned().is_err());
    /// drop(permit);
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Like [`Semaphore::try_acquire_many`], for a semaphore in an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(corio::sync::Semaphore::new(3));
    /// let permit = semaphore.clone().try_acquire_many_owned(2).unwrap();
    /// assert_eq!((permit.num_permits(), semaphore.available_permits()), (2, 1));
    /// assert!(semaphore.clone().try_acquire_many_owned(2).is_err());
    /// ```
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        let permits = n as usize;
        self.try_acquire_permits(permits)?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits,
        })
    }

    /// Takes up to `n` free permits out of the pool for good, and returns
    /// how many it took: fewer than `n` when fewer are free. "Free" is what
    /// [`available_permits`](Self::available_permits) says: while a waiter
    /// is in line, the pool is set aside for it and none is free (tokio's
    /// waiter holds those permits itself). Permits held by permit guards
    /// are not touched; they return to the pool as usual.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = corio::sync::Semaphore::new(5);
    /// let held = semaphore.try_acquire_many(2).unwrap();
    /// assert_eq!(semaphore.forget_permits(4), 3, "only the 3 free ones");
    /// drop(held);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        self.pool.forget(n)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.pool.held())
            .field("closed", &self.pool.is_closed())
            .finish_non_exhaustive()
    }
}

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
//! A grant moves permits to the waiter *before* it runs (the permits leave
//! the pool at once, so nobody can take them in between); the waiter finds
//! them when it is next polled. If its future is dropped first, the granted
//! permits go back to the pool and on to the next waiter: no permit and no
//! wake-up is lost. So `acquire` is cancel-safe: dropping it gives up the
//! place in line and nothing else.
//!
//! Everything is behind one lock: permits, the closed flag and the queue.

mod error;
#[cfg(all(test, loom))]
mod loom_tests;
mod permit;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};

pub use self::error::{AcquireError, TryAcquireError};
pub use self::permit::{OwnedSemaphorePermit, SemaphorePermit};
use crate::loom::{Mutex, MutexGuard};
use crate::sync::wait_queue::{Recheck, WaitQueue};
use crate::task::budget::poll_proceed;

/// Waiters woken per hold of the lock by one release.
const WAKE_BATCH: usize = 8;

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
    state: Mutex<State>,
}

struct State {
    permits: usize,
    closed: bool,
    waiters: WaitQueue<Waiter>,
}

struct Waiter {
    needed: usize,
    /// Set when the permits were moved to this waiter; still clear if it was
    /// popped by `close`.
    granted: bool,
}

impl State {
    /// Grants the head of the line if the pool covers it; returns its waker.
    fn grant_front(&mut self) -> Option<Waker> {
        let needed = self.waiters.front()?.needed;
        if self.closed || needed > self.permits {
            return None;
        }
        self.permits -= needed;
        let (waker, waiter) = self.waiters.pop_front()?;
        waiter.granted = true;
        Some(waker)
    }

    fn add(&mut self, permits: usize) {
        self.permits = self
            .permits
            .checked_add(permits)
            .filter(|&total| total <= Semaphore::MAX_PERMITS)
            .expect("a semaphore cannot hold more than Semaphore::MAX_PERMITS permits");
    }
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
        let mut state = State {
            permits: 0,
            closed: false,
            waiters: WaitQueue::new(),
        };
        state.add(permits);
        Semaphore {
            state: Mutex::new(state),
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
        assert!(
            permits <= Semaphore::MAX_PERMITS,
            "a semaphore cannot hold more than Semaphore::MAX_PERMITS permits"
        );
        Semaphore {
            state: Mutex::new(State {
                permits,
                closed: false,
                waiters: WaitQueue::new(),
            }),
        }
    }

    /// Permits in the pool now.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = corio::sync::Semaphore::new(3);
    /// let _permit = semaphore.try_acquire_many(2).unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.state.lock().permits
    }

    /// Adds `n` permits to the pool, waking waiters they satisfy.
    ///
    /// # Panics
    ///
    /// If the pool would exceed [`Semaphore::MAX_PERMITS`].
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

    /// Closes the semaphore: every waiting and later `acquire` fails.
    /// Permits already held stay valid.
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
            state.closed = true;
            while let Some((waker, _)) = state.waiters.pop_front() {
                wakers.push(waker);
            }
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
        self.state.lock().closed
    }

    /// Waits in line for one permit.
    ///
    /// Cancel safety: cancel-safe; dropping the future gives up its place in
    /// line, and permits granted to it go to the next waiter.
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
        self.try_acquire_permits(1)?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: 1,
        })
    }

    /// Waits in line for `needed` permits; the caller must `release` them.
    pub(crate) fn acquire_permits(&self, needed: usize) -> Acquire<'_> {
        // Only reachable where `usize` is 32 bits: a request no pool can
        // ever hold would block the line for good.
        assert!(
            needed <= Semaphore::MAX_PERMITS,
            "cannot acquire more than Semaphore::MAX_PERMITS permits"
        );
        Acquire {
            semaphore: self,
            needed,
            waiter: None,
        }
    }

    /// Takes `needed` permits without waiting; the caller must `release` them.
    pub(crate) fn try_acquire_permits(&self, needed: usize) -> Result<(), TryAcquireError> {
        let mut state = self.state.lock();
        if state.closed {
            Err(TryAcquireError::Closed)
        } else if state.waiters.is_empty() && state.permits >= needed {
            state.permits -= needed;
            Ok(())
        } else {
            Err(TryAcquireError::NoPermits)
        }
    }

    /// Returns `permits` to the pool and grants the waiters they satisfy.
    pub(crate) fn release(&self, permits: usize) {
        let mut state = self.state.lock();
        state.add(permits);
        self.grant(state);
    }

    /// Grants waiters from the head of the line while the pool covers them,
    /// waking them outside the lock: up to [`WAKE_BATCH`] per lock hold, so
    /// the common release (one permit, one waiter granted) takes the lock
    /// once, not a second time only to find the pool empty.
    fn grant<'a>(&'a self, mut state: MutexGuard<'a, State>) {
        loop {
            let mut wakers: [Option<Waker>; WAKE_BATCH] = Default::default();
            let mut granted = 0;
            while granted < WAKE_BATCH
                && let Some(waker) = state.grant_front()
            {
                wakers[granted] = Some(waker);
                granted += 1;
            }
            drop(state);
            wakers
                .into_iter()
                .flatten()
                .for_each(crate::task::wake_catching_panics);
            if granted < WAKE_BATCH {
                return;
            }
            state = self.state.lock();
        }
    }
}

/// The future behind every wait on a semaphore.
pub(crate) struct Acquire<'a> {
    semaphore: &'a Semaphore,
    needed: usize,
    /// Our node in the line, once we joined it.
    waiter: Option<usize>,
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let spent = ready!(poll_proceed(cx));
        let mut state = this.semaphore.state.lock();
        let acquired = match state.waiters.recheck(&mut this.waiter, cx.waker()) {
            Recheck::Waiting => return Poll::Pending,
            // Popped: by a grant (the permits are ours) or by `close`.
            Recheck::Woken(waiter) if waiter.granted => Ok(()),
            Recheck::Woken(_) => Err(AcquireError::new()),
            Recheck::Absent if state.closed => Err(AcquireError::new()),
            Recheck::Absent if state.waiters.is_empty() && state.permits >= this.needed => {
                state.permits -= this.needed;
                Ok(())
            }
            Recheck::Absent => {
                let waiter = Waiter {
                    needed: this.needed,
                    granted: false,
                };
                this.waiter = Some(state.waiters.push_back(waiter, cx.waker()));
                return Poll::Pending;
            }
        };
        spent.made_progress();
        Poll::Ready(acquired)
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return;
        };
        let mut state = self.semaphore.state.lock();
        let (_, waiter) = state.waiters.remove(key);
        if waiter.granted {
            state.add(waiter.needed);
        }
        // Permits came back, or a head that did not fit left: either way the
        // waiters behind may fit now.
        self.semaphore.grant(state);
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Semaphore")
            .field("permits", &state.permits)
            .field("closed", &state.closed)
            .finish_non_exhaustive()
    }
}

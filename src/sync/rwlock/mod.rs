//! An async reader-writer lock: many readers or one writer, served in order.
//!
//! It is a [`Semaphore`] with one permit per reader it allows (`u32::MAX >>
//! 3` unless [`RwLock::with_max_readers`] says fewer): a reader takes one, a
//! writer takes all of them. The semaphore's strict FIFO
//! line gives the policy:
//!
//! ```text
//!   held by: R R        line: [W] ─► [R] ─► [R]
//!   the writer waits for both readers; the readers behind it wait for the
//!   writer, even though a read lock is held right now.
//! ```
//!
//! **Policy: strict FIFO.** A waiting writer blocks every reader that
//! comes after it, so a steady stream of readers can never starve a writer;
//! when a writer leaves, the readers queued behind it enter together, up to
//! the next writer in line.
//! The price: a read while another read is held may still wait, if a writer
//! is in line between them. (A task that takes a read lock twice, with a
//! writer arriving in between, deadlocks: as with tokio's `RwLock`.)
//!
//! **Cancel safety.** `read` and `write` are cancel-safe: dropping the future
//! gives up its place in line, and a lock handed to it passes on.
//!
//! **Downgrading** a write lock to a read lock gives back all permits but
//! one, in one step: the readers in line ahead of the first waiting writer
//! enter at once, and no writer can slip in between
//! (`RwLockWriteGuard::downgrade`). The owned
//! guards (`owned.rs`) hold an `Arc` of the lock instead of a borrow, so
//! they can move into spawned tasks.
//!
//! **Mapping** narrows a guard to a part of the value (`RwLockReadGuard::map`,
//! `RwLockWriteGuard::map`, `mapped.rs`, and their owned twins in
//! `owned_mapped.rs`): the new guard keeps the same permits and points at
//! the part; the whole value stays locked until it is dropped. A write
//! guard can also downgrade to a part in one step, or become a mapped
//! guard of the whole (`downgrade_map`, `into_mapped`, `downgrade.rs`).

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use super::mutex::TryLockError;
use super::semaphore::Semaphore;

mod downgrade;
mod mapped;
mod owned;
mod owned_mapped;
#[cfg(test)]
mod tests;

pub use mapped::RwLockMappedWriteGuard;
pub use owned::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard};
pub use owned_mapped::OwnedRwLockMappedWriteGuard;

/// The most readers at once a lock can allow (the semaphore's limit); a
/// lock made by [`RwLock::new`] allows this many, and its writer takes all
/// of them.
const MAX_READS: u32 = u32::MAX >> 3;

/// A fair async reader-writer lock; see the module doc.
///
/// # Examples
///
/// ```
/// let lock = corio::sync::RwLock::new(1);
/// futures_lite::future::block_on(async {
///     {
///         let (a, b) = (lock.read().await, lock.read().await);
///         assert_eq!(*a + *b, 2);
///         assert!(lock.try_write().is_err(), "readers hold it");
///     }
///     *lock.write().await += 1;
///     assert_eq!(*lock.read().await, 2);
/// });
/// ```
pub struct RwLock<T: ?Sized> {
    semaphore: Semaphore,
    /// The permits a writer takes: every reader's at once.
    max_readers: u32,
    value: UnsafeCell<T>,
}

// SAFETY: readers on many threads share `&T` (needs `Sync`), a writer gets
// `&mut T` on any thread (needs `Send`), as std's RwLock.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}
// SAFETY: moving the lock moves the `T` inside.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}

/// A read lock on a [`RwLock`]; dropping it releases it.
///
/// # Examples
///
/// ```
/// let lock = corio::sync::RwLock::new(5);
/// let a = lock.try_read().unwrap();
/// let b = lock.try_read().unwrap();
/// assert_eq!(*a + *b, 10);
/// assert!(lock.try_write().is_err(), "readers hold it");
/// drop((a, b));
/// assert!(lock.try_write().is_ok());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    /// The lock's semaphore, whose one permit this guard gives back.
    semaphore: &'a Semaphore,
    /// The locked value, or the part of it a [`map`](Self::map) picked.
    value: *const T,
    /// Borrows the value shared for `'a`, as a `&'a T` would.
    _value: PhantomData<&'a T>,
}

// SAFETY: a read guard is a `&T` that gives a permit back when dropped: it
// may go to (and be shared with) another thread when `&T` may, that is when
// `T: Sync`; the semaphore it releases on is `Sync`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: as for `Send`: a shared read guard only gives `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}

/// The write lock on a [`RwLock`]; dropping it releases it.
///
/// # Examples
///
/// ```
/// let lock = corio::sync::RwLock::new(String::from("a"));
/// let mut guard = lock.try_write().unwrap();
/// guard.push('b');
/// assert!(lock.try_read().is_err(), "the writer holds it");
/// drop(guard);
/// assert_eq!(*lock.try_read().unwrap(), "ab");
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
}

// SAFETY: a shared write guard only gives `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}

impl<T> RwLock<T> {
    /// Creates an unlocked lock holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = corio::sync::RwLock::new('a');
    /// assert_eq!(lock.into_inner(), 'a');
    /// ```
    pub fn new(value: T) -> Self {
        RwLock {
            semaphore: Semaphore::new(MAX_READS as usize),
            max_readers: MAX_READS,
            value: UnsafeCell::new(value),
        }
    }

    /// [`new`](Self::new) in a `const` context, for a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// static CONFIG: corio::sync::RwLock<&str> = corio::sync::RwLock::const_new("v1");
    ///
    /// corio::block_on(async {
    ///     *CONFIG.write().await = "v2";
    ///     assert_eq!(*CONFIG.read().await, "v2");
    /// });
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> Self {
        RwLock {
            semaphore: Semaphore::const_new(MAX_READS as usize),
            max_readers: MAX_READS,
            value: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked lock holding `value` that lets at most
    /// `max_readers` tasks read at once; a reader beyond them waits in line
    /// as it would behind a writer.
    ///
    /// # Panics
    ///
    /// If `max_readers` is 0 (nobody could ever read, and a writer would take
    /// no permit at all) or above `u32::MAX >> 3`, the most the lock can
    /// count.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = corio::sync::RwLock::with_max_readers(0, 2);
    /// let (_a, _b) = (lock.try_read().unwrap(), lock.try_read().unwrap());
    /// assert!(lock.try_read().is_err(), "two readers at most");
    /// ```
    #[track_caller]
    pub fn with_max_readers(value: T, max_readers: u32) -> Self {
        check_max_readers(max_readers);
        RwLock {
            semaphore: Semaphore::new(max_readers as usize),
            max_readers,
            value: UnsafeCell::new(value),
        }
    }

    /// [`with_max_readers`](Self::with_max_readers) in a `const` context,
    /// for a `static`.
    ///
    /// # Panics
    ///
    /// As [`with_max_readers`](Self::with_max_readers) (at compile time,
    /// for a `static`).
    ///
    /// # Examples
    ///
    /// ```
    /// static POOL: corio::sync::RwLock<u8> = corio::sync::RwLock::const_with_max_readers(7, 3);
    ///
    /// let readers: Vec<_> = (0..3).map(|_| POOL.try_read().unwrap()).collect();
    /// assert_eq!(*readers[2], 7);
    /// assert!(POOL.try_read().is_err(), "three readers at most");
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub const fn const_with_max_readers(value: T, max_readers: u32) -> Self {
        check_max_readers(max_readers);
        RwLock {
            semaphore: Semaphore::const_new(max_readers as usize),
            max_readers,
            value: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(corio::sync::RwLock::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Waits in line for a read lock.
    ///
    /// Cancel safety: cancel-safe (module doc).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = corio::sync::RwLock::new(5);
    /// assert_eq!(*futures_lite::future::block_on(lock.read()), 5);
    /// ```
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        self.read_guard()
    }

    /// Waits in line for the write lock.
    ///
    /// Cancel safety: cancel-safe (module doc).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = corio::sync::RwLock::new(5);
    /// *futures_lite::future::block_on(lock.write()) = 6;
    /// assert_eq!(lock.into_inner(), 6);
    /// ```
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(self.max_readers).await;
        RwLockWriteGuard { lock: self }
    }

    /// Takes a read lock if one is free now and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = corio::sync::RwLock::new(0);
    /// let _read = lock.try_read().unwrap();
    /// assert!(lock.try_read().is_ok(), "readers share");
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.try_acquire(1)?;
        Ok(self.read_guard())
    }

    /// Takes the write lock if it is free now and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = corio::sync::RwLock::new(0);
    /// let _write = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.try_acquire(self.max_readers)?;
        Ok(RwLockWriteGuard { lock: self })
    }

    /// Waits in line for a read lock from synchronous code, blocking the
    /// thread.
    ///
    /// # Panics
    ///
    /// On a worker thread or inside `block_on` (`.await` [`read`](Self::read)
    /// there).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = corio::sync::RwLock::new(1);
    /// assert_eq!(*lock.blocking_read(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        super::block_here("corio::sync::RwLock::blocking_read", self.read())
    }

    /// Waits in line for the write lock from synchronous code, blocking the
    /// thread.
    ///
    /// # Panics
    ///
    /// On a worker thread or inside `block_on` (`.await`
    /// [`write`](Self::write) there).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = corio::sync::RwLock::new(1);
    /// *lock.blocking_write() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        super::block_here("corio::sync::RwLock::blocking_write", self.write())
    }

    /// The value, without locking: `&mut self` proves nobody else holds it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = corio::sync::RwLock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    async fn acquire(&self, permits: u32) {
        self.semaphore
            .acquire_permits(permits as usize)
            .await
            .expect("a RwLock never closes its semaphore");
    }

    fn try_acquire(&self, permits: u32) -> Result<(), TryLockError> {
        self.semaphore
            .try_acquire_permits(permits as usize)
            .map_err(|_| TryLockError(()))
    }

    /// A read guard on the whole value, for a permit just taken.
    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            semaphore: &self.semaphore,
            value: self.value.get(),
            _value: PhantomData,
        }
    }
}

/// Rejects a reader limit the lock cannot keep.
#[track_caller]
const fn check_max_readers(max_readers: u32) {
    assert!(max_readers > 0, "a RwLock must allow at least one reader");
    assert!(
        max_readers <= MAX_READS,
        "a RwLock allows at most u32::MAX >> 3 readers"
    );
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Turns the write lock into a read lock without letting go: all
    /// permits but one go back to the line at once, so the readers queued
    /// ahead of the first waiting writer enter now, and no writer can take
    /// the lock in between.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::RwLock;
    ///
    /// let lock = RwLock::new(1);
    /// let mut write = lock.try_write().unwrap();
    /// *write = 2;
    /// let read = write.downgrade();
    /// assert_eq!(*read, 2);
    /// assert!(lock.try_read().is_ok(), "readers share it now");
    /// assert!(lock.try_write().is_err(), "still held for reading");
    /// ```
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let lock = self.lock;
        // The write guard's permits, less the one the read guard keeps:
        // its own drop must not release them all again.
        std::mem::forget(self);
        lock.semaphore.release(lock.max_readers as usize - 1);
        lock.read_guard()
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // `value` points into the lock's value (or a part a map picked,
        // derived from a `&T` of it), which lives for `'a`.
        // SAFETY: a read permit is held, so no writer (which needs every
        // permit) holds `&mut T` while this guard lives.
        unsafe { &*self.value }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: every permit is held by this guard: no other reference exists.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only use.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(self.lock.max_readers as usize);
    }
}

crate::sync::fmt_as_target!(impl<T> RwLockReadGuard<'_, T> => T);

crate::sync::fmt_as_target!(impl<T> RwLockWriteGuard<'_, T> => T);

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("value", &&*guard),
            Err(_) => d.field("value", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

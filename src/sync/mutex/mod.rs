//! An async mutex: a semaphore with one permit, and the value it guards.
//!
//! Use it when a lock must be held across an `.await` (a connection, a
//! file being written in steps). For data touched only between awaits, a
//! plain blocking mutex (`std::sync::Mutex`) is faster and fine.
//!
//! **Fairness.** The lock is handed over in FIFO order: `unlock` grants the
//! single permit to the longest waiter before anyone else can grab it, so a
//! task that locks in a loop cannot starve the others (see
//! [`Semaphore`] for the queue).
//!
//! **Cancel safety.** `lock` is cancel-safe: dropping the future gives up its
//! place in line, and a lock handed to it passes to the next waiter.
//!
//! Four guards, one rule (the guard holds the semaphore's only permit, and
//! dropping it releases that permit): [`MutexGuard`] borrows the mutex;
//! [`OwnedMutexGuard`] (`owned.rs`) holds an `Arc` of it, so it can move
//! into a spawned task; [`MappedMutexGuard`] (`mapped.rs`) and
//! [`OwnedMappedMutexGuard`] (`owned_mapped.rs`) narrow either to a part
//! of the value, and map again.

use std::cell::UnsafeCell;
use std::error::Error;
use std::fmt;
use std::ops::{Deref, DerefMut};

use super::semaphore::Semaphore;

mod mapped;
mod owned;
mod owned_mapped;
#[cfg(test)]
mod tests;

pub use mapped::MappedMutexGuard;
pub use owned::OwnedMutexGuard;
pub use owned_mapped::OwnedMappedMutexGuard;

/// A FIFO-fair async mutex; see the module doc.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use corio::sync::Mutex;
///
/// let count = Arc::new(Mutex::new(0));
/// let threads: Vec<_> = (0..4)
///     .map(|_| {
///         let count = count.clone();
///         std::thread::spawn(move || {
///             futures_lite::future::block_on(async {
///                 for _ in 0..100 {
///                     *count.lock().await += 1;
///                 }
///             })
///         })
///     })
///     .collect();
/// threads.into_iter().for_each(|t| t.join().unwrap());
/// assert_eq!(*count.try_lock().unwrap(), 400);
/// ```
pub struct Mutex<T: ?Sized> {
    semaphore: Semaphore,
    value: UnsafeCell<T>,
}

// SAFETY: the mutex hands `&mut T` to one thread at a time, so it can be
// shared (Sync) when `T` can move between threads (Send), as std's Mutex.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: moving the mutex moves the `T` inside.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

/// The lock on a [`Mutex`]; the value is reachable through it, and dropping
/// it unlocks.
///
/// # Examples
///
/// ```
/// let mutex = corio::sync::Mutex::new(vec![1]);
/// futures_lite::future::block_on(async {
///     let mut guard = mutex.lock().await;
///     guard.push(2);
///     assert!(mutex.try_lock().is_err(), "locked while the guard lives");
///     drop(guard);
///     assert_eq!(*mutex.try_lock().unwrap(), [1, 2]);
/// });
/// ```
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
}

// SAFETY: a shared guard only gives `&T`, as `&T` itself would.
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}

/// The lock was held (or others were waiting for it).
///
/// # Examples
///
/// ```
/// let mutex = corio::sync::Mutex::new(());
/// let _guard = mutex.try_lock().unwrap();
/// assert_eq!(mutex.try_lock().unwrap_err().to_string(), "the lock is held");
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct TryLockError(pub(super) ());

impl<T> Mutex<T> {
    /// Creates an unlocked mutex holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = corio::sync::Mutex::new(5);
    /// assert_eq!(mutex.into_inner(), 5);
    /// ```
    pub fn new(value: T) -> Self {
        Mutex {
            semaphore: Semaphore::new(1),
            value: UnsafeCell::new(value),
        }
    }

    /// [`new`](Self::new) in a `const` context, for a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// static COUNT: corio::sync::Mutex<u32> = corio::sync::Mutex::const_new(0);
    ///
    /// corio::block_on(async {
    ///     *COUNT.lock().await += 1;
    ///     assert_eq!(*COUNT.lock().await, 1);
    /// });
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> Self {
        Mutex {
            semaphore: Semaphore::const_new(1),
            value: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(corio::sync::Mutex::new("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits in line for the lock.
    ///
    /// Cancel safety: cancel-safe (module doc).
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = corio::sync::Mutex::new(vec![1]);
    /// futures_lite::future::block_on(async {
    ///     mutex.lock().await.push(2);
    ///     assert_eq!(*mutex.lock().await, [1, 2]);
    /// });
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.semaphore
            .acquire_permits(1)
            .await
            .expect("a mutex never closes its semaphore");
        MutexGuard { mutex: self }
    }

    /// Takes the lock if it is free now and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = corio::sync::Mutex::new(1);
    /// let guard = mutex.try_lock().unwrap();
    /// assert!(mutex.try_lock().is_err());
    /// drop(guard);
    /// assert!(mutex.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.semaphore.try_acquire_permits(1) {
            Ok(()) => Ok(MutexGuard { mutex: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Waits in line for the lock from synchronous code, blocking the
    /// thread (tokio's `blocking_lock`).
    ///
    /// # Panics
    ///
    /// On a worker thread or inside `block_on` (`.await` [`lock`](Self::lock)
    /// there).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let shared = Arc::new(corio::sync::Mutex::new(0));
    /// let runtime = corio::Runtime::new().unwrap();
    /// let task = runtime.spawn({
    ///     let shared = shared.clone();
    ///     async move { *shared.lock().await += 1 }
    /// });
    /// runtime.block_on(task).unwrap();
    /// *shared.blocking_lock() += 1; // a thread outside the runtime
    /// assert_eq!(*shared.blocking_lock(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        super::block_here("corio::sync::Mutex::blocking_lock", self.lock())
    }

    /// The value, without locking: `&mut self` proves nobody else holds it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mutex = corio::sync::Mutex::new(1);
    /// *mutex.get_mut() += 1;
    /// assert_eq!(mutex.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit, so no other
        // reference to the value exists while it lives.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only use.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.semaphore.release(1);
    }
}

crate::sync::fmt_as_target!(impl<T> MutexGuard<'_, T> => T);

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("value", &&*guard),
            Err(_) => d.field("value", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the lock is held")
    }
}

impl Error for TryLockError {}

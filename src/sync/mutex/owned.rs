//! `OwnedMutexGuard`: the lock held through an `Arc` of the mutex, not a
//! borrow, so the guard is `'static` and can move into a spawned task (or
//! be kept in a struct) while the lock is held.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::{Mutex, TryLockError};

/// The lock on an `Arc<Mutex<T>>`, from [`Mutex::lock_owned`]; dropping it
/// unlocks.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// corio::block_on(async {
///     let mutex = Arc::new(corio::sync::Mutex::new(Vec::new()));
///     let guard = mutex.clone().lock_owned().await;
///     // The guard moves into another task and unlocks when it ends there.
///     let task = corio::spawn(async move {
///         let mut guard = guard;
///         guard.push("from the task");
///     });
///     task.await.unwrap();
///     assert_eq!(*mutex.lock().await, ["from the task"]);
/// });
/// ```
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T: ?Sized> {
    pub(super) mutex: Arc<Mutex<T>>,
}

// SAFETY: a shared guard gives `&T` (and `&Arc<Mutex<T>>`, through
// `mutex()`), so sharing it needs `T: Sync` as `&T` would, and `T: Send`
// as the mutex itself does (without this impl the guard would be `Sync`
// whenever `T: Send`, handing `&T` of a `!Sync` value to other threads).
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}

impl<T: ?Sized> Mutex<T> {
    /// As [`lock`](Mutex::lock), through an `Arc`: the guard keeps the
    /// mutex alive and borrows nothing.
    ///
    /// Cancel safety: cancel-safe, as `lock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// corio::block_on(async {
    ///     let mutex = Arc::new(corio::sync::Mutex::new(1));
    ///     let mut guard = mutex.clone().lock_owned().await;
    ///     *guard += 1;
    ///     assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &mutex));
    ///     drop(guard);
    ///     assert_eq!(*mutex.lock().await, 2);
    /// });
    /// # use corio::sync::OwnedMutexGuard;
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        // The permit is taken through a borrow that ends here; the guard
        // then holds it by the `Arc`.
        std::mem::forget(self.lock().await);
        OwnedMutexGuard { mutex: self }
    }

    /// As [`blocking_lock`](Mutex::blocking_lock), through an `Arc`.
    ///
    /// # Panics
    ///
    /// On a worker thread or inside `block_on` (`.await`
    /// [`lock_owned`](Mutex::lock_owned) there).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(corio::sync::Mutex::new(1));
    /// let guard = mutex.clone().blocking_lock_owned();
    /// assert!(mutex.try_lock().is_err(), "locked while the guard lives");
    /// let worker = std::thread::spawn(move || *guard + 1); // the guard moves
    /// assert_eq!(worker.join().unwrap(), 2);
    /// assert!(mutex.try_lock().is_ok(), "unlocked when the thread dropped it");
    /// ```
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        super::super::block_here("corio::sync::Mutex::blocking_lock_owned", self.lock_owned())
    }

    /// As [`try_lock`](Mutex::try_lock), through an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let mutex = Arc::new(corio::sync::Mutex::new(()));
    /// let guard = mutex.clone().try_lock_owned().unwrap();
    /// assert!(mutex.clone().try_lock_owned().is_err());
    /// drop(guard);
    /// assert!(mutex.try_lock_owned().is_ok());
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        std::mem::forget(self.try_lock()?);
        Ok(OwnedMutexGuard { mutex: self })
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{Mutex, OwnedMutexGuard};
    ///
    /// let mutex = Arc::new(Mutex::new(0));
    /// let guard = mutex.clone().try_lock_owned().unwrap();
    /// assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &mutex));
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.mutex
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit (taken in
        // `lock_owned`), so no other reference to the value exists.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only use.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.mutex.semaphore.release(1);
    }
}

crate::sync::fmt_as_target!(impl<T> OwnedMutexGuard<T> => T);

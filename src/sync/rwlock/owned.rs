//! The owned guards: a read or write lock held through an `Arc` of the
//! `RwLock`, not a borrow, so the guard is `'static` and can move into a
//! spawned task while the lock is held. Same permits, same line, same
//! release as the borrowed guards in `mod.rs`.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::{RwLock, TryLockError};

/// A read lock on an `Arc<RwLock<T>>`, from [`RwLock::read_owned`];
/// dropping it releases it. `U` is the part of `T` it shows once
/// [mapped](OwnedRwLockReadGuard::map) (`T` itself until then).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// corio::block_on(async {
///     let lock = Arc::new(corio::sync::RwLock::new(7));
///     let read = lock.clone().read_owned().await;
///     let task = corio::spawn(async move { *read * 6 });
///     assert_eq!(task.await.unwrap(), 42);
///     assert!(lock.try_write().is_ok(), "released when the task ended");
/// });
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    /// Keeps the lock (and so the value) alive while the guard lives.
    pub(super) lock: Arc<RwLock<T>>,
    /// The locked value, or the part of it a map picked.
    pub(super) value: *const U,
}

// SAFETY: the guard owns a share of the lock (`Arc<RwLock<T>>` is `Send`
// when `T: Send + Sync`) and is a `&U` into it (`Send` when `U: Sync`).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: a shared guard only gives `&U`, and its `Arc` is `Sync` when
// `T: Send + Sync`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Sync for OwnedRwLockReadGuard<T, U> {}

/// The write lock on an `Arc<RwLock<T>>`, from [`RwLock::write_owned`];
/// dropping it releases it.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// corio::block_on(async {
///     let lock = Arc::new(corio::sync::RwLock::new(Vec::new()));
///     let mut write = lock.clone().write_owned().await;
///     let task = corio::spawn(async move { write.push("in the task") });
///     task.await.unwrap();
///     assert_eq!(*lock.read().await, ["in the task"]);
/// });
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    pub(super) lock: Arc<RwLock<T>>,
}

impl<T: ?Sized> RwLock<T> {
    /// As [`read`](RwLock::read), through an `Arc`.
    ///
    /// Cancel safety: cancel-safe, as `read`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// corio::block_on(async {
    ///     let lock = Arc::new(corio::sync::RwLock::new(1));
    ///     let (a, b) = (lock.clone().read_owned().await, lock.clone().read_owned().await);
    ///     assert_eq!(*a + *b, 2);
    /// });
    /// ```
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard::whole(self)
    }

    /// As [`write`](RwLock::write), through an `Arc`.
    ///
    /// Cancel safety: cancel-safe, as `write`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// corio::block_on(async {
    ///     let lock = Arc::new(corio::sync::RwLock::new(1));
    ///     *lock.clone().write_owned().await += 1;
    ///     assert_eq!(*lock.read().await, 2);
    /// });
    /// ```
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(self.max_readers).await;
        OwnedRwLockWriteGuard { lock: self }
    }

    /// As [`try_read`](RwLock::try_read), through an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(corio::sync::RwLock::new(0));
    /// let _write = lock.try_write().unwrap();
    /// assert!(lock.clone().try_read_owned().is_err());
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.try_acquire(1)?;
        Ok(OwnedRwLockReadGuard::whole(self))
    }

    /// As [`try_write`](RwLock::try_write), through an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(corio::sync::RwLock::new(0));
    /// let write = lock.clone().try_write_owned().unwrap();
    /// assert!(lock.try_read().is_err());
    /// drop(write);
    /// assert!(lock.try_read().is_ok());
    /// ```
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.try_acquire(self.max_readers)?;
        Ok(OwnedRwLockWriteGuard { lock: self })
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// The lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let guard = lock.clone().try_write_owned().unwrap();
    /// assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&guard), &lock));
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Turns the write lock into a read lock without letting go, as
    /// [`RwLockWriteGuard::downgrade`](super::RwLockWriteGuard::downgrade).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::RwLock;
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut write = lock.clone().try_write_owned().unwrap();
    /// *write = 2;
    /// let read = write.downgrade(); // tokio's form; `OwnedRwLockWriteGuard::downgrade(write)` works too
    /// assert_eq!(*read, 2);
    /// assert!(lock.try_read().is_ok() && lock.try_write().is_err());
    /// ```
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        let lock = Self::into_lock(self);
        lock.semaphore.release(lock.max_readers as usize - 1);
        OwnedRwLockReadGuard::whole(lock)
    }

    /// The `Arc`, out of a guard whose drop must not run (which would
    /// release every permit): the permits pass on with it, to a read guard
    /// (all but one released first) or a mapped one.
    pub(super) fn into_lock(this: Self) -> Arc<RwLock<T>> {
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is
        // moved out exactly once.
        unsafe { std::ptr::read(&this.lock) }
    }
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    /// A guard on the whole value, for a read permit just taken.
    fn whole(lock: Arc<RwLock<T>>) -> Self {
        let value = lock.value.get();
        OwnedRwLockReadGuard { lock, value }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// The lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let guard = lock.clone().try_read_owned().unwrap();
    /// assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&guard), &lock));
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockReadGuard<T, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // `value` points into the value the `Arc` keeps alive (or at a part
        // a map derived from a `&T` of it).
        // SAFETY: a read permit is held, so no writer (which needs every
        // permit) holds `&mut T` while this guard lives.
        unsafe { &*self.value }
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: every permit is held by this guard: no other reference exists.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only use.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockReadGuard<T, U> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(self.lock.max_readers as usize);
    }
}

crate::sync::fmt_as_target!(impl<T, U> OwnedRwLockReadGuard<T, U> => U);

crate::sync::fmt_as_target!(impl<T> OwnedRwLockWriteGuard<T> => T);

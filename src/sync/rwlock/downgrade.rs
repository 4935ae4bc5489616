//! A write lock handed over to readers with only a part of the value, or
//! kept whole as a mapped guard: tokio's `downgrade_map`,
//! `try_downgrade_map` and `into_mapped`, borrowed and owned.
//!
//! `downgrade_map` is `downgrade` followed by a read guard's `map`, with
//! one difference: `f` runs *before* the downgrade, while the writer still
//! holds every permit, so it picks its part from a value no reader sees
//! half-way, and `try_downgrade_map` can give the write guard back whole
//! when `f` finds nothing. `f` gets a `&T`, not a `&mut T`: a part picked
//! through `&mut T` could be one that `&T` keeps shut (`Cell::get_mut`),
//! which the readers must not share (see `mapped.rs`).
//!
//! ```text
//!   write guard (every permit) ── f(&T) picks a part ──► release all permits but one
//!                                                        └─► read guard on the part
//! ```

use std::marker::PhantomData;

use super::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// The same write lock as a [`RwLockMappedWriteGuard`] of the whole
    /// value, for code that takes mapped guards.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(1);
    /// let mut whole: RwLockMappedWriteGuard<'_, i32> =
    ///     RwLockWriteGuard::into_mapped(lock.try_write().unwrap());
    /// *whole += 1;
    /// assert!(lock.try_read().is_err(), "still the write lock");
    /// drop(whole);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        Self::map(this, |value| value)
    }

    /// Downgrades to a read lock on the part of the value `f` picks, `f`
    /// running while the write lock is still held (module doc).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new((String::from("name"), 0));
    /// let mut write = lock.try_write().unwrap();
    /// write.1 += 1;
    /// let name = RwLockWriteGuard::downgrade_map(write, |pair| &pair.0);
    /// assert_eq!(*name, "name");
    /// assert!(lock.try_read().is_ok(), "readers share it now");
    /// assert!(lock.try_write().is_err(), "writers wait for the part's guard");
    /// ```
    pub fn downgrade_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&T) -> &U,
    ) -> RwLockReadGuard<'a, U> {
        crate::sync::picked(Self::try_downgrade_map(this, |value| Some(f(value))))
    }

    /// As [`downgrade_map`](Self::downgrade_map), when `f` may find no
    /// part: then the write guard comes back, still held.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(vec![1, 2]);
    /// let write = RwLockWriteGuard::try_downgrade_map(lock.try_write().unwrap(), |v| v.get(5))
    ///     .unwrap_err();
    /// assert!(lock.try_read().is_err(), "still the write lock");
    /// let first = RwLockWriteGuard::try_downgrade_map(write, |v| v.first()).unwrap();
    /// assert_eq!(*first, 1);
    /// ```
    pub fn try_downgrade_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&T) -> Option<&U>,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        let Some(part) = f(&*this) else {
            return Err(this);
        };
        let value: *const U = part;
        let lock = this.lock;
        // The write guard's permits, less the one the read guard keeps:
        // its own drop must not release them all again.
        std::mem::forget(this);
        lock.semaphore.release(lock.max_readers as usize - 1);
        Ok(RwLockReadGuard {
            semaphore: &lock.semaphore,
            value,
            _value: PhantomData,
        })
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// The same write lock as an [`OwnedRwLockMappedWriteGuard`] of the
    /// whole value.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut whole = OwnedRwLockWriteGuard::into_mapped(lock.clone().try_write_owned().unwrap());
    /// *whole += 1;
    /// assert!(lock.try_read().is_err(), "still the write lock");
    /// drop(whole);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        Self::map(this, |value| value)
    }

    /// As [`RwLockWriteGuard::downgrade_map`], for an owned guard.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new((String::from("name"), 0)));
    /// let write = lock.clone().try_write_owned().unwrap();
    /// let name = OwnedRwLockWriteGuard::downgrade_map(write, |pair| &pair.0);
    /// assert_eq!(*name, "name");
    /// assert!(lock.try_read().is_ok() && lock.try_write().is_err());
    /// ```
    pub fn downgrade_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&T) -> &U,
    ) -> OwnedRwLockReadGuard<T, U> {
        crate::sync::picked(Self::try_downgrade_map(this, |value| Some(f(value))))
    }

    /// As [`RwLockWriteGuard::try_downgrade_map`], for an owned guard.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(vec![1, 2]));
    /// let write = lock.clone().try_write_owned().unwrap();
    /// let write = OwnedRwLockWriteGuard::try_downgrade_map(write, |v| v.get(5)).unwrap_err();
    /// assert!(lock.try_read().is_err(), "still the write lock");
    /// let last = OwnedRwLockWriteGuard::try_downgrade_map(write, |v| v.last()).unwrap();
    /// assert_eq!(*last, 2);
    /// ```
    pub fn try_downgrade_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&T) -> Option<&U>,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self> {
        let Some(part) = f(&*this) else {
            return Err(this);
        };
        let value: *const U = part;
        let lock = Self::into_lock(this);
        lock.semaphore.release(lock.max_readers as usize - 1);
        Ok(OwnedRwLockReadGuard { lock, value })
    }
}

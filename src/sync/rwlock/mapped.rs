//! Mapped guards: a read or write lock narrowed to a part of the value (a
//! field, an element), for code that should see only that part while the
//! whole stays locked.
//!
//! A read guard is already "a pointer and a permit", so its map returns
//! another `RwLockReadGuard`. A write guard knows its whole lock, so its map
//! returns the smaller [`RwLockMappedWriteGuard`]: a pointer to the part,
//! the lock's semaphore and the count of permits it holds, which it gives
//! back when dropped.
//!
//! A mapped write guard has **no `downgrade`**: its part was picked
//! through `&mut T`, which can open what `&T` keeps shut (`Cell::get_mut`,
//! `Mutex::get_mut`), so sharing it with readers would let one of them
//! change the part under another's `&U` (corio once had one; tokio
//! and parking_lot removed theirs for the same reason). Downgrade the whole
//! guard first, then map the read guard, or do both in one step with
//! `downgrade_map`, which picks the part through `&T` (`downgrade.rs`).

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use super::{RwLockReadGuard, RwLockWriteGuard};
use crate::sync::semaphore::Semaphore;

/// A [`RwLockWriteGuard`] narrowed by [`RwLockWriteGuard::map`] or
/// [`RwLockWriteGuard::try_map`]; dropping it releases the whole lock.
///
/// # Examples
///
/// ```
/// use corio::sync::{RwLock, RwLockWriteGuard};
///
/// let lock = RwLock::new((String::from("ana"), 10_u64));
/// let mut balance = RwLockWriteGuard::map(lock.try_write().unwrap(), |a| &mut a.1);
/// *balance += 5;
/// assert!(lock.try_read().is_err(), "still locked through the part");
/// drop(balance);
/// assert_eq!(lock.try_read().unwrap().1, 15);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    semaphore: &'a Semaphore,
    /// Every permit of the lock: what dropping gives back.
    permits: u32,
    value: *mut T,
    /// Borrows the part mutably for `'a`, as the guard it came from did.
    _part: PhantomData<&'a mut T>,
}

// SAFETY: the guard is the only way to the part while it lives, as a
// `&mut T` is, so moving it needs `T: Send`; it also asks `T: Sync`, as
// tokio's does and as the lock itself does (kept from when it could
// downgrade: stricter than needed, never unsound). Its drop only releases
// permits of the semaphore, which is `Sync`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: a shared guard only gives `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the read lock to the part of the value that `f` picks; the
    /// lock stays held for reading until the new guard is dropped. An
    /// associated function (`RwLockReadGuard::map(guard, f)`), so it cannot
    /// shadow a method of `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(vec![String::from("a"), String::from("b")]);
    /// let first = RwLockReadGuard::map(lock.try_read().unwrap(), |v| &v[0]);
    /// assert_eq!(*first, "a");
    /// assert!(lock.try_write().is_err(), "still read-locked");
    /// ```
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&T) -> &U) -> RwLockReadGuard<'a, U> {
        crate::sync::picked(Self::try_map(this, |value| Some(f(value))))
    }

    /// As [`map`](Self::map), when `f` may find no part: then the guard
    /// comes back unchanged, still held.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(vec![1, 2]);
    /// let guard = RwLockReadGuard::try_map(lock.try_read().unwrap(), |v| v.get(5)).unwrap_err();
    /// let second = RwLockReadGuard::try_map(guard, |v| v.get(1)).unwrap();
    /// assert_eq!(*second, 2);
    /// ```
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&T) -> Option<&U>,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        let Some(part) = f(&*this) else {
            return Err(this);
        };
        let value: *const U = part;
        let semaphore = this.semaphore;
        // The permit passes to the new guard: this one must not release it.
        std::mem::forget(this);
        Ok(RwLockReadGuard {
            semaphore,
            value,
            _value: PhantomData,
        })
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the write lock to the part of the value that `f` picks; the
    /// whole lock stays held until the new guard is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new((1, String::from("x")));
    /// let mut text = RwLockWriteGuard::map(lock.try_write().unwrap(), |pair| &mut pair.1);
    /// text.push('y');
    /// drop(text);
    /// assert_eq!(lock.try_read().unwrap().1, "xy");
    /// ```
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> RwLockMappedWriteGuard<'a, U> {
        crate::sync::picked(Self::try_map(this, |value| Some(f(value))))
    }

    /// As [`map`](Self::map), when `f` may find no part: then the guard
    /// comes back unchanged, still held.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(vec![1, 2]);
    /// let guard = RwLockWriteGuard::try_map(lock.try_write().unwrap(), |v| v.get_mut(5)).unwrap_err();
    /// *RwLockWriteGuard::try_map(guard, |v| v.get_mut(0)).unwrap() = 10;
    /// assert_eq!(*lock.try_read().unwrap(), [10, 2]);
    /// ```
    pub fn try_map<U: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        let Some(part) = f(&mut *this) else {
            return Err(this);
        };
        let value: *mut U = part;
        let lock = this.lock;
        // The permits pass to the mapped guard: this one must not release
        // them.
        std::mem::forget(this);
        Ok(RwLockMappedWriteGuard {
            semaphore: &lock.semaphore,
            permits: lock.max_readers,
            value,
            _part: PhantomData,
        })
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// Narrows the guard further, to a part of this part.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new((0, (1, 2)));
    /// let inner = RwLockWriteGuard::map(lock.try_write().unwrap(), |t| &mut t.1);
    /// *RwLockMappedWriteGuard::map(inner, |pair| &mut pair.0) = 5;
    /// assert_eq!(lock.try_read().unwrap().1, (5, 2));
    /// ```
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> RwLockMappedWriteGuard<'a, U> {
        crate::sync::picked(Self::try_map(this, |value| Some(f(value))))
    }

    /// As [`map`](Self::map), when `f` may find no part: then the guard
    /// comes back unchanged, still held.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new((0, vec![1]));
    /// let list = RwLockWriteGuard::map(lock.try_write().unwrap(), |t| &mut t.1);
    /// let list = RwLockMappedWriteGuard::try_map(list, |v| v.get_mut(3)).unwrap_err();
    /// assert_eq!(*list, [1]);
    /// ```
    pub fn try_map<U: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        let Some(part) = f(&mut *this) else {
            return Err(this);
        };
        let value: *mut U = part;
        let (semaphore, permits) = (this.semaphore, this.permits);
        // The permits pass to the new guard: this one must not release them.
        std::mem::forget(this);
        Ok(RwLockMappedWriteGuard {
            semaphore,
            permits,
            value,
            _part: PhantomData,
        })
    }
}

impl<T: ?Sized> Deref for RwLockMappedWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // `value` came from a `&mut` the closure derived from the locked
        // value (or a `'static` one), valid for `'a`: the lock is borrowed
        // that long.
        // SAFETY: valid for `'a` (above); this guard holds every permit, so
        // nothing else reaches the value.
        unsafe { &*self.value }
    }
}

impl<T: ?Sized> DerefMut for RwLockMappedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only use.
        unsafe { &mut *self.value }
    }
}

impl<T: ?Sized> Drop for RwLockMappedWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits as usize);
    }
}

crate::sync::fmt_as_target!(impl<T> RwLockMappedWriteGuard<'_, T> => T);

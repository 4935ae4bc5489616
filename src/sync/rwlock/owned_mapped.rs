//! The owned guards, mapped: as `mapped.rs` does for the borrowed guards,
//! a map narrows an owned guard to a part of the value, and the new guard
//! keeps the `Arc` (so the value lives) and the permits (so it stays
//! locked). `OwnedRwLockReadGuard<T, U>` reads a `U` inside a `T`;
//! `OwnedRwLockMappedWriteGuard<T, U>` writes one, and has no `downgrade`
//! (see `mapped.rs`).

use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

/// An [`OwnedRwLockWriteGuard`] narrowed by [`OwnedRwLockWriteGuard::map`]
/// or [`OwnedRwLockWriteGuard::try_map`] to a `U` inside the `T`; dropping
/// it releases the whole lock.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use corio::sync::{OwnedRwLockWriteGuard, RwLock};
///
/// corio::block_on(async {
///     let lock = Arc::new(RwLock::new((String::from("ana"), 10_u64)));
///     let write = lock.clone().write_owned().await;
///     let mut balance = OwnedRwLockWriteGuard::map(write, |a| &mut a.1);
///     corio::spawn(async move { *balance += 5 }).await.unwrap();
///     assert_eq!(lock.read().await.1, 15);
/// });
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    value: *mut U,
}

// SAFETY: the guard owns a share of the lock (`Arc<RwLock<T>>` is `Send`
// when `T: Send + Sync`) and is the only way to the part, as a `&mut U`
// is (`Send` when `U: Send`); it also asks `U: Sync`, as tokio's does (kept
// from when it could downgrade, which `mapped.rs` explains it must not).
unsafe impl<T, U> Send for OwnedRwLockMappedWriteGuard<T, U>
where
    T: ?Sized + Send + Sync,
    U: ?Sized + Send + Sync,
{
}
// SAFETY: a shared guard only gives `&U`, and its `Arc` is `Sync` when
// `T: Send + Sync`.
unsafe impl<T, U> Sync for OwnedRwLockMappedWriteGuard<T, U>
where
    T: ?Sized + Send + Sync,
    U: ?Sized + Send + Sync,
{
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// Narrows the read lock to the part of the value that `f` picks; the
    /// lock stays held for reading until the new guard is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new((1, String::from("x"))));
    /// let text = OwnedRwLockReadGuard::map(lock.clone().try_read_owned().unwrap(), |t| &t.1);
    /// assert_eq!(*text, "x");
    /// assert!(lock.try_write().is_err(), "still read-locked");
    /// ```
    pub fn map<V: ?Sized>(this: Self, f: impl FnOnce(&U) -> &V) -> OwnedRwLockReadGuard<T, V> {
        crate::sync::picked(Self::try_map(this, |value| Some(f(value))))
    }

    /// As [`map`](Self::map), when `f` may find no part: then the guard
    /// comes back unchanged, still held.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(vec![1, 2]));
    /// let guard = lock.try_read_owned().unwrap();
    /// let guard = OwnedRwLockReadGuard::try_map(guard, |v| v.get(5)).unwrap_err();
    /// assert_eq!(*OwnedRwLockReadGuard::try_map(guard, |v| v.get(1)).unwrap(), 2);
    /// ```
    pub fn try_map<V: ?Sized>(
        this: Self,
        f: impl FnOnce(&U) -> Option<&V>,
    ) -> Result<OwnedRwLockReadGuard<T, V>, Self> {
        let Some(part) = f(&*this) else {
            return Err(this);
        };
        let value: *const V = part;
        // The `Arc` and the permit move to the new guard without this
        // guard's drop releasing the permit.
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is
        // moved out exactly once.
        let lock = unsafe { std::ptr::read(&this.lock) };
        Ok(OwnedRwLockReadGuard { lock, value })
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Narrows the write lock to the part of the value that `f` picks; the
    /// whole lock stays held until the new guard is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new((1, String::from("x"))));
    /// let mut text = OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |t| &mut t.1);
    /// text.push('y');
    /// drop(text);
    /// assert_eq!(lock.try_read().unwrap().1, "xy");
    /// ```
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> OwnedRwLockMappedWriteGuard<T, U> {
        crate::sync::picked(Self::try_map(this, |value| Some(f(value))))
    }

    /// As [`map`](Self::map), when `f` may find no part: then the guard
    /// comes back unchanged, still held.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(vec![1, 2]));
    /// let guard = lock.clone().try_write_owned().unwrap();
    /// let guard = OwnedRwLockWriteGuard::try_map(guard, |v| v.get_mut(5)).unwrap_err();
    /// *OwnedRwLockWriteGuard::try_map(guard, |v| v.get_mut(0)).unwrap() = 10;
    /// assert_eq!(*lock.try_read().unwrap(), [10, 2]);
    /// ```
    pub fn try_map<U: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self> {
        let Some(part) = f(&mut *this) else {
            return Err(this);
        };
        let value: *mut U = part;
        let lock = Self::into_lock(this);
        Ok(OwnedRwLockMappedWriteGuard { lock, value })
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// Narrows the guard further, to a part of this part.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new((0, (1, 2))));
    /// let inner = OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |t| &mut t.1);
    /// *OwnedRwLockMappedWriteGuard::map(inner, |pair| &mut pair.0) = 5;
    /// assert_eq!(lock.try_read().unwrap().1, (5, 2));
    /// ```
    pub fn map<V: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut U) -> &mut V,
    ) -> OwnedRwLockMappedWriteGuard<T, V> {
        crate::sync::picked(Self::try_map(this, |value| Some(f(value))))
    }

    /// As [`map`](Self::map), when `f` may find no part: then the guard
    /// comes back unchanged, still held.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new((0, vec![1])));
    /// let list = OwnedRwLockWriteGuard::map(lock.try_write_owned().unwrap(), |t| &mut t.1);
    /// let list = OwnedRwLockMappedWriteGuard::try_map(list, |v| v.get_mut(3)).unwrap_err();
    /// assert_eq!(*list, [1]);
    /// ```
    pub fn try_map<V: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut U) -> Option<&mut V>,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self> {
        let Some(part) = f(&mut *this) else {
            return Err(this);
        };
        let value: *mut V = part;
        let lock = Self::into_lock(this);
        Ok(OwnedRwLockMappedWriteGuard { lock, value })
    }

    /// The lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let part = OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |t| &mut t.0);
    /// assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&part), &lock));
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// The `Arc`, out of a guard whose drop must not run (its permits
    /// pass on with it).
    fn into_lock(this: Self) -> Arc<RwLock<T>> {
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is
        // moved out exactly once.
        unsafe { std::ptr::read(&this.lock) }
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockMappedWriteGuard<T, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: `value` came from a `&mut` the closure derived from the
        // value the `Arc` keeps alive (or a `'static` one); this guard
        // holds every permit, so nothing else reaches the value.
        unsafe { &*self.value }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedRwLockMappedWriteGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`; `&mut self` makes this the only use.
        unsafe { &mut *self.value }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockMappedWriteGuard<T, U> {
    fn drop(&mut self) {
        self.lock.semaphore.release(self.lock.max_readers as usize);
    }
}

crate::sync::fmt_as_target!(impl<T, U> OwnedRwLockMappedWriteGuard<T, U> => U);

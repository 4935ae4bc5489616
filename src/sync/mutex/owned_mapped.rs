//! `OwnedMappedMutexGuard`: an owned lock narrowed to a part of the value.
//! As `mapped.rs` does for the borrowed guard, the new guard points at the
//! part; as `owned.rs` does, it keeps the `Arc` (so the value lives) and
//! the permit (so the mutex stays locked) until it is dropped.

use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::{Mutex, OwnedMutexGuard};

/// An [`OwnedMutexGuard`] narrowed by [`OwnedMutexGuard::map`] or
/// [`OwnedMutexGuard::try_map`] to a `U` inside the `T`; dropping it
/// unlocks the whole mutex.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use corio::sync::{Mutex, OwnedMutexGuard};
///
/// corio::block_on(async {
///     let mutex = Arc::new(Mutex::new((String::from("ana"), 10_u64)));
///     let guard = mutex.clone().lock_owned().await;
///     let mut balance = OwnedMutexGuard::map(guard, |a| &mut a.1);
///     corio::spawn(async move { *balance += 5 }).await.unwrap();
///     assert_eq!(mutex.lock().await.1, 15);
/// });
/// ```
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    mutex: Arc<Mutex<T>>,
    value: *mut U,
}

// SAFETY: the guard owns a share of the mutex (`Arc<Mutex<T>>` is `Send`
// when `T: Send`) and is the only way to the part, as a `&mut U` is (`Send`
// when `U: Send`).
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}
// SAFETY: a shared guard gives `&U` (needs `U: Sync`) and `&Arc<Mutex<T>>`
// through `mutex()`, which is `Sync` when `T: Send`. The `Send` bounds
// beyond that are tokio's for the same guard: stricter than needed, so a
// guard shared here is shared there too.
unsafe impl<T, U> Sync for OwnedMappedMutexGuard<T, U>
where
    T: ?Sized + Send + Sync,
    U: ?Sized + Send + Sync,
{
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Narrows the guard to the part of the value that `f` picks; the whole
    /// mutex stays locked until the new guard is dropped. An associated
    /// function (`OwnedMutexGuard::map(guard, f)`), so it cannot shadow a
    /// method of `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{Mutex, OwnedMutexGuard};
    ///
    /// let mutex = Arc::new(Mutex::new((1, String::from("x"))));
    /// let mut text = OwnedMutexGuard::map(mutex.clone().try_lock_owned().unwrap(), |t| &mut t.1);
    /// text.push('y');
    /// assert!(mutex.try_lock().is_err(), "still locked through the part");
    /// drop(text);
    /// assert_eq!(mutex.try_lock().unwrap().1, "xy");
    /// ```
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> OwnedMappedMutexGuard<T, U> {
        crate::sync::picked(Self::try_map(this, |value| Some(f(value))))
    }

    /// As [`map`](Self::map), when `f` may find no part: then the guard
    /// comes back unchanged, still locked.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{Mutex, OwnedMutexGuard};
    ///
    /// let mutex = Arc::new(Mutex::new(vec![1, 2]));
    /// let guard = mutex.clone().try_lock_owned().unwrap();
    /// let guard = OwnedMutexGuard::try_map(guard, |v| v.get_mut(5)).unwrap_err();
    /// *OwnedMutexGuard::try_map(guard, |v| v.get_mut(1)).unwrap() = 20;
    /// assert_eq!(*mutex.try_lock().unwrap(), [1, 20]);
    /// ```
    pub fn try_map<U: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<OwnedMappedMutexGuard<T, U>, Self> {
        let Some(part) = f(&mut *this) else {
            return Err(this);
        };
        let value: *mut U = part;
        // The `Arc` and the permit move to the new guard without this
        // guard's drop unlocking.
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is
        // moved out exactly once.
        let mutex = unsafe { std::ptr::read(&this.mutex) };
        Ok(OwnedMappedMutexGuard { mutex, value })
    }
}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// Narrows the guard further, to a part of this part.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// let mutex = Arc::new(Mutex::new((0, (1, 2))));
    /// let inner = OwnedMutexGuard::map(mutex.clone().try_lock_owned().unwrap(), |t| &mut t.1);
    /// *OwnedMappedMutexGuard::map(inner, |pair| &mut pair.0) = 5;
    /// assert_eq!(mutex.try_lock().unwrap().1, (5, 2));
    /// ```
    pub fn map<V: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut U) -> &mut V,
    ) -> OwnedMappedMutexGuard<T, V> {
        crate::sync::picked(Self::try_map(this, |value| Some(f(value))))
    }

    /// As [`map`](Self::map), when `f` may find no part: then the guard
    /// comes back unchanged, still locked.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// let mutex = Arc::new(Mutex::new((0, vec![1])));
    /// let list = OwnedMutexGuard::map(mutex.try_lock_owned().unwrap(), |t| &mut t.1);
    /// let list = OwnedMappedMutexGuard::try_map(list, |v| v.get_mut(3)).unwrap_err();
    /// assert_eq!(*list, [1]);
    /// ```
    pub fn try_map<V: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut U) -> Option<&mut V>,
    ) -> Result<OwnedMappedMutexGuard<T, V>, Self> {
        let Some(part) = f(&mut *this) else {
            return Err(this);
        };
        let value: *mut V = part;
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is
        // moved out exactly once.
        let mutex = unsafe { std::ptr::read(&this.mutex) };
        Ok(OwnedMappedMutexGuard { mutex, value })
    }

    /// The mutex this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// let mutex = Arc::new(Mutex::new((1, 2)));
    /// let part = OwnedMutexGuard::map(mutex.clone().try_lock_owned().unwrap(), |t| &mut t.0);
    /// assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&part), &mutex));
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.mutex
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: `value` came from a `&mut` the closure derived from the
        // value the `Arc` keeps alive (or a `'static` one); this guard holds
        // the mutex's only permit, so nothing else reaches the value.
        unsafe { &*self.value }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`; `&mut self` makes this the only use.
        unsafe { &mut *self.value }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedMutexGuard<T, U> {
    fn drop(&mut self) {
        self.mutex.semaphore.release(1);
    }
}

crate::sync::fmt_as_target!(impl<T, U> OwnedMappedMutexGuard<T, U> => U);

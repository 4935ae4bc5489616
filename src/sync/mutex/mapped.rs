//! `MappedMutexGuard`: a guard narrowed to a part of the locked value (a
//! field, an element), for code that should see only that part while the
//! whole stays locked.
//!
//! It keeps a pointer to the part and a reference to the mutex's
//! semaphore, whose permit it releases when dropped: the same lock, seen
//! through a smaller window.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use super::{Mutex, MutexGuard};
use crate::sync::semaphore::Semaphore;

/// A [`MutexGuard`] narrowed by [`MutexGuard::map`] or
/// [`MutexGuard::try_map`]; dropping it unlocks the whole mutex.
///
/// # Examples
///
/// ```
/// use corio::sync::{Mutex, MutexGuard};
///
/// struct Account { owner: String, balance: u64 }
///
/// let mutex = Mutex::new(Account { owner: "ana".into(), balance: 10 });
/// let mut balance = MutexGuard::map(mutex.try_lock().unwrap(), |a| &mut a.balance);
/// *balance += 5;
/// assert!(mutex.try_lock().is_err(), "still locked through the part");
/// drop(balance);
/// assert_eq!(mutex.try_lock().unwrap().balance, 15);
/// ```
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    semaphore: &'a Semaphore,
    value: *mut T,
    /// Borrows the part mutably for `'a`, as the guard it came from did.
    _part: PhantomData<&'a mut T>,
}

// SAFETY: the guard is the only way to the part while it lives, as a
// `&mut T` is: it may move to another thread when `T` may. Its drop there
// only releases a permit of the semaphore, which is `Sync`.
unsafe impl<T: ?Sized + Send> Send for MappedMutexGuard<'_, T> {}
// SAFETY: a shared guard only gives `&T`.
unsafe impl<T: ?Sized + Sync> Sync for MappedMutexGuard<'_, T> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The mutex this guard locks (tokio's `MutexGuard::mutex`); an
    /// associated function, as `map` is.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{Mutex, MutexGuard};
    ///
    /// let mutex = Mutex::new(1);
    /// let guard = mutex.try_lock().unwrap();
    /// assert!(std::ptr::eq(MutexGuard::mutex(&guard), &mutex));
    /// ```
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.mutex
    }

    /// Narrows the guard to the part of the value that `f` picks; the whole
    /// mutex stays locked until the new guard is dropped. An associated
    /// function (`MutexGuard::map(guard, f)`), so it cannot shadow a method
    /// of `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{Mutex, MutexGuard};
    ///
    /// let mutex = Mutex::new((1, String::from("x")));
    /// let mut text = MutexGuard::map(mutex.try_lock().unwrap(), |pair| &mut pair.1);
    /// text.push('y');
    /// drop(text);
    /// assert_eq!(mutex.try_lock().unwrap().1, "xy");
    /// ```
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedMutexGuard<'a, U> {
        crate::sync::picked(Self::try_map(this, |value| Some(f(value))))
    }

    /// As [`map`](Self::map), when `f` may find no part: then the guard
    /// comes back unchanged, still locked.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{Mutex, MutexGuard};
    ///
    /// let mutex = Mutex::new(vec![1, 2]);
    /// let guard = mutex.try_lock().unwrap();
    /// let guard = MutexGuard::try_map(guard, |v| v.get_mut(5)).unwrap_err();
    /// let mut second = MutexGuard::try_map(guard, |v| v.get_mut(1)).unwrap();
    /// *second = 20;
    /// drop(second);
    /// assert_eq!(*mutex.try_lock().unwrap(), [1, 20]);
    /// ```
    pub fn try_map<U: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        let Some(part) = f(&mut *this) else {
            return Err(this);
        };
        let value: *mut U = part;
        let semaphore = &this.mutex.semaphore;
        // The permit passes to the mapped guard: this one must not release
        // it.
        std::mem::forget(this);
        Ok(MappedMutexGuard {
            semaphore,
            value,
            _part: PhantomData,
        })
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further, to a part of this part.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// let mutex = Mutex::new((0, (1, 2)));
    /// let inner = MutexGuard::map(mutex.try_lock().unwrap(), |t| &mut t.1);
    /// *MappedMutexGuard::map(inner, |pair| &mut pair.0) = 5;
    /// assert_eq!(mutex.try_lock().unwrap().1, (5, 2));
    /// ```
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedMutexGuard<'a, U> {
        crate::sync::picked(Self::try_map(this, |value| Some(f(value))))
    }

    /// As [`map`](Self::map), when `f` may find no part: then the guard
    /// comes back unchanged, still locked.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// let mutex = Mutex::new((0, vec![1]));
    /// let list = MutexGuard::map(mutex.try_lock().unwrap(), |t| &mut t.1);
    /// let list = MappedMutexGuard::try_map(list, |v| v.get_mut(3)).unwrap_err();
    /// assert_eq!(*list, [1]);
    /// ```
    pub fn try_map<U: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        let Some(part) = f(&mut *this) else {
            return Err(this);
        };
        let value: *mut U = part;
        let semaphore = this.semaphore;
        // The permit passes to the new guard: this one must not release it.
        std::mem::forget(this);
        Ok(MappedMutexGuard {
            semaphore,
            value,
            _part: PhantomData,
        })
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // `value` came from a `&mut` the closure derived from the locked
        // value (or a `'static` one), valid for `'a`: the mutex is borrowed
        // that long.
        // SAFETY: a borrow valid for `'a`, which nothing else can reach
        // while this guard holds the mutex's only permit.
        unsafe { &*self.value }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only use.
        unsafe { &mut *self.value }
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

crate::sync::fmt_as_target!(impl<T> MappedMutexGuard<'_, T> => T);

//! `OnceCell`: a value set once, perhaps by an `async` initializer that
//! many tasks ask for at the same time (a connection pool, a config file
//! read on first use). tokio's `OnceCell`, from two parts corio has:
//!
//! ```text
//!   ready: false ── get_or_init ──► the one with the permit runs init ──► ready: true
//!                   (the others wait in the semaphore's line)                close the semaphore:
//!                                                                            every waiter returns
//! ```
//!
//! * A flag, `ready`, stored with `Release` after the value is written and
//!   read with `Acquire`: once a reader sees `true`, the value is there, and
//!   `get` is one atomic load.
//! * A [`Semaphore`] of one permit decides who initializes: the first task
//!   takes the permit and runs its initializer; the others wait in FIFO
//!   order. When the value is set, the semaphore is closed, which wakes every
//!   waiter at once; each then finds `ready`.
//!
//! **Cancel safety.** If the initializing task is cancelled (or its
//! initializer panics or fails), its permit goes back, and the next waiter
//! runs *its* initializer; the value is set at most once. An initializer
//! that never finishes (or whose future is leaked) holds every waiter, as in
//! tokio: put a `timeout` around a slow one.

use super::{Semaphore, TryAcquireError};
use crate::loom::atomic::{AtomicBool, Ordering};
use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;

/// A cell set at most once, from sync or async code; see the module doc.
///
/// # Examples
///
/// ```
/// use corio::sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
///
/// async fn config() -> &'static str {
///     CONFIG
///         .get_or_init(|| async {
///             // Read once, by the first task to ask.
///             String::from("verbose=1")
///         })
///         .await
/// }
///
/// corio::block_on(async {
///     let (a, b) = corio::join!(config(), config());
///     assert!(std::ptr::eq(a, b), "one value for everyone");
/// });
/// ```
pub struct OnceCell<T> {
    /// Set (Release) once `value` is written; never cleared but by `&mut`.
    ready: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    /// One permit: the right to initialize. Closed once the value is set.
    init: Semaphore,
}

// SAFETY: the cell hands out `&T` to any thread (so `T: Sync`) and may be
// given its value by any thread, or dropped on one (so `T: Send`). The value
// is written once, by the holder of the only permit, before `ready` is
// published; after that it is only read.
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}
// SAFETY: moving the cell moves the `T` inside it.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// Why [`OnceCell::set`] did not set the value; the value comes back.
///
/// # Examples
///
/// ```
/// use corio::sync::{OnceCell, SetError};
///
/// let cell = OnceCell::new();
/// cell.set(1).unwrap();
/// assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// Another task holds the right to initialize: it is running its
    /// initializer, or was just handed the right and has not run yet.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell already held a value.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = corio::sync::OnceCell::new_with(Some(1));
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether another task was initializing the cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = corio::sync::OnceCell::<u8>::new();
    /// assert!(cell.set(1).is_ok());
    /// assert!(!cell.set(2).unwrap_err().is_initializing_err());
    /// ```
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> OnceCell<T> {
    /// An empty cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = corio::sync::OnceCell::<u8>::new();
    /// assert!(cell.get().is_none());
    /// ```
    pub fn new() -> Self {
        OnceCell {
            ready: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            init: Semaphore::new(1),
        }
    }

    /// An empty cell, in a `const` context (a `static`).
    ///
    /// # Examples
    ///
    /// ```
    /// static CELL: corio::sync::OnceCell<u8> = corio::sync::OnceCell::const_new();
    /// assert!(!CELL.initialized());
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> Self {
        OnceCell {
            ready: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            init: Semaphore::const_new(1),
        }
    }

    /// A cell already holding `value`, in a `const` context (a `static`).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::OnceCell;
    ///
    /// static LIMIT: OnceCell<u32> = OnceCell::const_new_with(10);
    /// assert_eq!(LIMIT.get(), Some(&10));
    /// assert!(LIMIT.set(20).is_err(), "it is set already");
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> Self {
        OnceCell {
            ready: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            init: Semaphore::const_closed(),
        }
    }

    /// A cell holding `value` if it is `Some`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = corio::sync::OnceCell::new_with(Some(3));
    /// assert_eq!(cell.get(), Some(&3));
    /// ```
    pub fn new_with(value: Option<T>) -> Self {
        let cell = Self::new();
        if let Some(value) = value {
            // SAFETY: nobody else can see the cell yet.
            unsafe { cell.publish(value) };
        }
        cell
    }

    /// The value, if it is set; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = corio::sync::OnceCell::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set("x").unwrap();
    /// assert_eq!(cell.get(), Some(&"x"));
    /// ```
    pub fn get(&self) -> Option<&T> {
        if self.ready.load(Ordering::Acquire) {
            // SAFETY: `ready` was published (Release) after the value was
            // written, and the value is never written again while shared.
            Some(unsafe { (*self.value.get()).assume_init_ref() })
        } else {
            None
        }
    }

    /// Whether the value is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = corio::sync::OnceCell::new();
    /// assert!(!cell.initialized());
    /// cell.set(()).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Sets the value if nobody has and nobody is initializing it.
    ///
    /// # Errors
    ///
    /// [`SetError::AlreadyInitializedError`] or [`SetError::InitializingError`], with
    /// the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = corio::sync::OnceCell::new();
    /// assert!(cell.set(5).is_ok());
    /// assert!(cell.set(6).is_err());
    /// assert_eq!(cell.get(), Some(&5));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        // Set already (as tokio checks first): the initializer may still
        // hold the permit for a moment after publishing, and "initializing"
        // would be the wrong answer for a cell a caller saw set.
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.init.try_acquire() {
            Ok(permit) => {
                // Holding the only permit: nobody else writes. The cell may
                // have been set just before the permit came back.
                if self.initialized() {
                    return Err(SetError::AlreadyInitializedError(value));
                }
                // SAFETY: the permit makes this the only writer, and the
                // value is not set (checked just above under the permit).
                unsafe { self.publish(value) };
                drop(permit);
                Ok(())
            }
            Err(TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
            Err(TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
        }
    }

    /// The value, running `init` to make it if it is not set. Of the tasks
    /// that call this at the same time, one runs its `init` and the others
    /// wait for it (module doc: if it is cancelled, the next one runs its
    /// own).
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let cell = corio::sync::OnceCell::new();
    ///     assert_eq!(*cell.get_or_init(|| async { 1 }).await, 1);
    ///     assert_eq!(*cell.get_or_init(|| async { 2 }).await, 1, "set once");
    /// });
    /// ```
    pub async fn get_or_init<F, Fut>(&self, init: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let never = self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(init().await) })
            .await;
        match never {
            Ok(value) => value,
        }
    }

    /// As [`get_or_init`](Self::get_or_init), with an `init` that may fail:
    /// on `Err` the cell stays empty, the error is returned, and the next
    /// waiter runs its own `init`.
    ///
    /// # Errors
    ///
    /// The error `init` returned.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let cell = corio::sync::OnceCell::<u32>::new();
    ///     let failed = cell.get_or_try_init(|| async { "42x".parse::<u32>() }).await;
    ///     assert!(failed.is_err());
    ///     assert!(!cell.initialized(), "an error sets nothing");
    ///     let ok = cell.get_or_try_init(|| async { "42".parse::<u32>() }).await;
    ///     assert_eq!(ok, Ok(&42));
    /// });
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, init: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        // A closed semaphore means the value was set meanwhile.
        let Ok(permit) = self.init.acquire().await else {
            return Ok(self
                .get()
                .expect("the semaphore closes once the value is set"));
        };
        if let Some(value) = self.get() {
            // Set by the one before us in the line.
            return Ok(value);
        }
        // If `init` is cancelled or panics, the permit goes back with it.
        let value = init().await?;
        // SAFETY: the permit makes this the only writer, and the value was
        // not set when it was taken; only a permit holder sets it.
        unsafe { self.publish(value) };
        drop(permit);
        Ok(self.get().expect("just set"))
    }

    /// Writes the value, publishes it and wakes every waiter.
    ///
    /// # Safety
    ///
    /// The caller is the only writer (it holds the permit, or the cell is
    /// not shared yet) and the value is not set.
    unsafe fn publish(&self, value: T) {
        // SAFETY: the caller's contract: nobody reads before `ready` and
        // nobody else writes.
        unsafe { (*self.value.get()).write(value) };
        self.ready.store(true, Ordering::Release);
        self.init.close();
    }

    /// The value, mutably, if it is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = corio::sync::OnceCell::new_with(Some(1));
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        // `&mut self`: no other access, so any ordering will do.
        if self.ready.load(Ordering::Relaxed) {
            // SAFETY: set, and `&mut self` excludes every other access.
            Some(unsafe { (*self.value.get()).assume_init_mut() })
        } else {
            None
        }
    }

    /// Takes the value out, leaving the cell empty and ready to be set
    /// again.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = corio::sync::OnceCell::new_with(Some("a"));
    /// assert_eq!(cell.take(), Some("a"));
    /// assert!(cell.set("b").is_ok(), "empty again");
    /// ```
    pub fn take(&mut self) -> Option<T> {
        std::mem::take(self).into_inner()
    }

    /// The value, if it is set, consuming the cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = corio::sync::OnceCell::new_with(Some(vec![1]));
    /// assert_eq!(cell.into_inner(), Some(vec![1]));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        if self.ready.swap(false, Ordering::Relaxed) {
            // SAFETY: it was set, and clearing `ready` first means `Drop`
            // will not drop it again.
            Some(unsafe { (*self.value.get()).assume_init_read() })
        } else {
            None
        }
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        if self.ready.load(Ordering::Relaxed) {
            // SAFETY: set, and dropped once: this is the cell's last use.
            unsafe { (*self.value.get()).assume_init_drop() };
        }
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        Self::new_with(Some(value))
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        Self::new_with(self.get().cloned())
    }
}

/// Equal when both hold equal values or both are empty, as tokio's.
impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &OnceCell<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SetError::AlreadyInitializedError(_) => "the cell already holds a value",
            SetError::InitializingError(_) => "the cell is being initialized",
        })
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::OnceCell;

    /// Threads race to initialize: one `init` runs, everyone sees its value
    /// (under Miri, this checks the publication of the value).
    #[test]
    fn racing_initializers_run_once_and_share_the_value() {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let (cell, runs) = (cell.clone(), runs.clone());
                std::thread::spawn(move || {
                    let value = futures_lite::future::block_on(cell.get_or_init(|| async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        vec![i]
                    }));
                    value.clone()
                })
            })
            .collect();
        let seen: Vec<Vec<i32>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(seen.iter().all(|v| v == &seen[0]));
    }

    #[test]
    fn the_value_is_dropped_once_with_the_cell() {
        let value = Arc::new(());
        let mut cell = OnceCell::new_with(Some(value.clone()));
        assert_eq!(Arc::strong_count(&value), 2);
        let taken = cell.take();
        assert_eq!(Arc::strong_count(&value), 2, "moved out, not dropped");
        drop(taken);
        cell.set(value.clone()).unwrap();
        drop(cell);
        assert_eq!(Arc::strong_count(&value), 1);
    }
}

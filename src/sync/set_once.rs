//! `SetOnce`: a value set once, that tasks can wait for: asyncio's
//! `Event` with a value attached (and no `clear`), under tokio's name.
//!
//! ```text
//!   unset ── set(v) ──► publish v (OnceCell) ──► notify_waiters: every wait returns &v
//!     ▲                                          later set(w): Err(SetOnceError(w))
//!     └── wait(): take a Notified, look, sleep on it if still unset
//! ```
//!
//! Two parts corio has already: a [`OnceCell`] holds the value (one atomic
//! load to read it), and a [`Notify`] wakes the waiters. The order closes
//! the race between a `set` and a `wait`: a waiter takes its `Notified`
//! *before* it looks at the cell, and `notify_waiters` wakes every
//! `Notified` taken before it, polled yet or not. So either the waiter's
//! look sees the value, or the setter's notify comes after the `Notified`
//! was taken, and wakes it.

use std::error::Error;
use std::fmt;

use super::{Notify, OnceCell, SetError};
use crate::loom::thread;

/// A cell set at most once, whose value tasks can wait for; see the module
/// doc.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use corio::sync::SetOnce;
///
/// corio::block_on(async {
///     let address = Arc::new(SetOnce::new());
///     let client = {
///         let address = address.clone();
///         corio::spawn(async move { format!("connect to {}", address.wait().await) })
///     };
///     address.set("127.0.0.1:8080").unwrap();
///     assert_eq!(client.await.unwrap(), "connect to 127.0.0.1:8080");
///     assert!(address.set("10.0.0.1:80").is_err(), "set once");
/// });
/// ```
pub struct SetOnce<T> {
    cell: OnceCell<T>,
    set: Notify,
}

/// The error of [`SetOnce::set`] on a cell set already (or being set by
/// another `set` at that moment): the value comes back.
///
/// # Examples
///
/// ```
/// use corio::sync::{SetOnce, SetOnceError};
///
/// let once = SetOnce::new_with(Some(1));
/// let error: SetOnceError<i32> = once.set(2).unwrap_err();
/// assert_eq!(error.0, 2);
/// assert_eq!(error.to_string(), "SetOnce was set already");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnce was set already")
    }
}

impl<T: fmt::Debug> Error for SetOnceError<T> {}

impl<T> SetOnce<T> {
    /// An unset cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = corio::sync::SetOnce::<u8>::new();
    /// assert!(!once.initialized());
    /// ```
    pub fn new() -> Self {
        SetOnce {
            cell: OnceCell::new(),
            set: Notify::new(),
        }
    }

    /// [`new`](Self::new) in a `const` context, for a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::SetOnce;
    ///
    /// static SHUTDOWN: SetOnce<&str> = SetOnce::const_new();
    ///
    /// corio::block_on(async {
    ///     corio::spawn(async { SHUTDOWN.set("ctrl-c").unwrap() });
    ///     assert_eq!(*SHUTDOWN.wait().await, "ctrl-c");
    /// });
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> Self {
        SetOnce {
            cell: OnceCell::const_new(),
            set: Notify::const_new(),
        }
    }

    /// A cell holding `value` if it is `Some`.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = corio::sync::SetOnce::new_with(Some(5));
    /// assert_eq!(once.get(), Some(&5));
    /// ```
    pub fn new_with(value: Option<T>) -> Self {
        SetOnce {
            cell: OnceCell::new_with(value),
            set: Notify::new(),
        }
    }

    /// A cell already holding `value`, in a `const` context.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::SetOnce;
    ///
    /// static PORT: SetOnce<u16> = SetOnce::const_new_with(8080);
    /// assert_eq!(PORT.get(), Some(&8080));
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> Self {
        SetOnce {
            cell: OnceCell::const_new_with(value),
            set: Notify::const_new(),
        }
    }

    /// Whether the value is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = corio::sync::SetOnce::new();
    /// once.set(()).unwrap();
    /// assert!(once.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.cell.initialized()
    }

    /// The value, if it is set; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = corio::sync::SetOnce::new();
    /// assert_eq!(once.get(), None);
    /// once.set('x').unwrap();
    /// assert_eq!(once.get(), Some(&'x'));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.cell.get()
    }

    /// Sets the value and wakes every task waiting for it; or, if it was
    /// set already, gives `value` back in the error. An error means the
    /// cell is set: a `set` that loses a race with another waits the few
    /// instructions until the winner's value is in.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::{SetOnce, SetOnceError};
    ///
    /// let once = SetOnce::new();
    /// assert_eq!(once.set(1), Ok(()));
    /// assert_eq!(once.set(2), Err(SetOnceError(2)));
    /// assert_eq!(once.get(), Some(&1));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        match self.cell.set(value) {
            Ok(()) => {
                self.set.notify_waiters();
                Ok(())
            }
            Err(SetError::AlreadyInitializedError(value)) => Err(SetOnceError(value)),
            Err(SetError::InitializingError(value)) => {
                // Another `set` holds the right to write, and writes with
                // no user code in between (a `SetOnce` has no initializer).
                while !self.cell.initialized() {
                    thread::yield_now();
                }
                Err(SetOnceError(value))
            }
        }
    }

    /// Waits until the value is set, and returns it: at once if it is set
    /// already (after a unit of the task's budget, as every ready leaf
    /// spends one). Cancel-safe: dropping the wait leaves nothing behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio::sync::SetOnce;
    ///
    /// corio::block_on(async {
    ///     let ready = Arc::new(SetOnce::new());
    ///     let waiters: Vec<_> = (0..3)
    ///         .map(|_| {
    ///             let ready = ready.clone();
    ///             corio::spawn(async move { *ready.wait().await * 2 })
    ///         })
    ///         .collect();
    ///     ready.set(21).unwrap();
    ///     for waiter in waiters {
    ///         assert_eq!(waiter.await.unwrap(), 42);
    ///     }
    /// });
    /// ```
    pub async fn wait(&self) -> &T {
        // Each look's `Notified` is taken before it (module doc).
        self.set.wait_until(|| self.cell.initialized()).await;
        self.cell.get().expect("`wait_until` saw the value set")
    }

    /// The value, if it was set, taking the cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = corio::sync::SetOnce::new();
    /// once.set(String::from("done")).unwrap();
    /// assert_eq!(once.into_inner().as_deref(), Some("done"));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.cell.into_inner()
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> Self {
        SetOnce::new()
    }
}

impl<T> From<T> for SetOnce<T> {
    fn from(value: T) -> Self {
        SetOnce::new_with(Some(value))
    }
}

impl<T: Clone> Clone for SetOnce<T> {
    fn clone(&self) -> Self {
        SetOnce::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for SetOnce<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}

/// loom model of the race the module doc closes: a `set` on another thread
/// against a `wait`. Run with
/// `RUSTFLAGS="--cfg loom -C debug-assertions=on" cargo test --release --lib loom`.
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::future::block_on;
    use loom::sync::Arc;
    use loom::thread;

    use super::SetOnce;

    /// Whichever comes first, the look or the set, the wait returns the
    /// value (taking the `Notified` after the look deadlocks here).
    #[test]
    fn loom_a_set_racing_a_wait_is_never_missed() {
        loom::model(|| {
            let once = Arc::new(SetOnce::new());
            let setter = once.clone();
            let setting = thread::spawn(move || setter.set(7).unwrap());
            assert_eq!(*block_on(once.wait()), 7);
            setting.join().unwrap();
        });
    }

    /// Two `set`s race: one wins, and the loser's error comes only once the
    /// winner's value is in (it could come before with the race's
    /// `InitializingError` passed straight on).
    #[test]
    fn loom_the_loser_of_two_sets_sees_the_winners_value() {
        loom::model(|| {
            let once = Arc::new(SetOnce::new());
            let other = once.clone();
            let racing = thread::spawn(move || other.set(1).map_err(|_| other.get().copied()));
            let mine = once.set(2).map_err(|_| once.get().copied());
            let theirs = racing.join().unwrap();
            match (mine, theirs) {
                (Ok(()), Err(seen)) => assert_eq!(seen, Some(2)),
                (Err(seen), Ok(())) => assert_eq!(seen, Some(1)),
                outcome => panic!("not one winner: {outcome:?}"),
            }
        });
    }
}

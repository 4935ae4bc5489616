//! Task ids, and which task is running on this thread.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;

// The id counter is not part of any loom model: plain std atomics.
use std::sync::atomic::{AtomicU64, Ordering};

/// A task's id: unique among the tasks of one process, never reused.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let handle = corio::spawn(async { corio::task::id() });
///     let id = handle.id();
///     assert_eq!(handle.await.unwrap(), id);
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

impl Id {
    pub(crate) fn next() -> Id {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        Id(NonZeroU64::new(id).expect("task id counter overflowed"))
    }

    /// The id as a number, as shown in dumps and reports.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let a = corio::spawn(async {});
    ///     let b = corio::spawn(async {});
    ///     assert_ne!(a.id().as_u64(), b.id().as_u64());
    ///     assert!(a.id().as_u64() > 0, "ids start at 1");
    /// });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

thread_local! {
    static CURRENT: Cell<Option<Id>> = const { Cell::new(None) };
}

/// Marks `id` as the running task until the guard drops.
pub(crate) fn enter(id: Id) -> impl Drop {
    struct Restore(Option<Id>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    Restore(CURRENT.with(|c| c.replace(Some(id))))
}

/// The id of the task being polled on this thread.
///
/// # Panics
/// Outside a task. Use [`try_id`] where that can happen.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let id = corio::spawn(async { corio::task::id() }).await.unwrap();
///     assert!(id.as_u64() > 0);
/// });
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect(
        "`corio::task::id()` was called outside a corio task; \
         call it from a spawned task or use `corio::task::try_id()`",
    )
}

/// The id of the task being polled on this thread, or `None` outside a task.
///
/// # Examples
///
/// ```
/// assert!(corio::task::try_id().is_none());
/// ```
pub fn try_id() -> Option<Id> {
    CURRENT.with(|c| c.get())
}

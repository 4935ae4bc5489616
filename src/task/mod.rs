//! Tasks: the unit of work corio schedules, and everything a user holds to
//! one.
//!
//! A task is a future plus the bookkeeping that lets any thread wake it, any
//! worker poll it, and its `JoinHandle` collect its output. corio packs all of
//! it into **one allocation** (`cell.rs`) governed by **one atomic word**
//! (`state.rs`). The files, in reading order:
//!
//! | file | idea |
//! | --- | --- |
//! | `state.rs` | the state word, bit by bit, one function per transition |
//! | `cell.rs` | the memory layout: header, future/output, join waker |
//! | `raw.rs` | the type-erased handles queues and wakers hold |
//! | `harness.rs` | each transition applied to a typed cell |
//! | `waker.rs` | a `Waker` is a pointer to the header |
//! | `join.rs` | `JoinHandle`, `AbortHandle` |
//! | `owned.rs` | the list of live tasks, for shutdown and the dump |
//! | `budget.rs` | the cooperative budget |
//! | `coop.rs` | the budget under tokio's names, and for leaves of your own |
//!
//! The chapter `docs/tasks.md` walks from a naive `Arc<Mutex<Future>>`
//! executor to this design.

mod alloc;
pub(crate) mod budget;
mod cell;
pub mod coop;
mod harness;
mod id;
mod join;
mod join_error;
mod owned;
mod raw;
mod state;
mod task_local;
mod waker;
mod yield_now;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

use std::future::Future;
use std::panic::Location;

pub(crate) use budget::{poll_proceed, unconstrained_sync, with_budget};
pub(crate) use harness::{
    discard_panic, drop_waker_catching_panics, wake_by_ref_catching_panics, wake_catching_panics,
};
pub(crate) use owned::OwnedTasks;
pub(crate) use raw::{Header, Notified, Task};

pub use budget::{Unconstrained, consume_budget, unconstrained};
pub use id::{Id, id, try_id};
pub use join::{AbortHandle, JoinError, JoinHandle};
pub use task_local::{AccessError, LocalKey};
pub use yield_now::yield_now;

/// The futures of this module that have a name, where tokio keeps them.
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}

// Spawning needs a runtime, so these live in `runtime/`; they are re-exported
// here because this is where a tokio user looks for them.
pub use crate::runtime::spawn::{Builder, Shield};
pub use crate::runtime::{
    JoinSet, LocalEnterGuard, LocalSet, block_in_place, shield, spawn, spawn_blocking, spawn_local,
};

/// How a scheduler receives the tasks it owns. Implemented by the worker
/// pool (and by test schedulers); the task code calls it on wake, yield and
/// completion.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// Queues a task that was spawned or woken.
    fn schedule(&self, task: Notified<Self>);

    /// The task completed: remove it from the owned list, returning the
    /// list's reference if it was there.
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>>;

    /// A freed task hands back its scheduler handle. The default drops it;
    /// a scheduler may keep it to save reference-count traffic.
    fn recycle(self) {}

    /// A poll ran from coarse time `started` to `ended` (see
    /// `observe::clock`): the place to notice a slow one.
    fn after_poll(&self, _header: &Header, _started: u64, _ended: u64) {}
}

/// Allocates a task. Returns the owned list's reference, the first queue
/// reference, and the user's handle.
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    location: &'static Location<'static>,
    name: Option<Box<str>>,
) -> (Task<S>, Notified<S>, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: a Send future may be polled and dropped on any thread.
    unsafe { new_task_unchecked(future, scheduler, location, name) }
}

/// Allocates a task whose future need not be `Send`.
///
/// # Safety
/// The future must be polled and dropped only on the thread that created it:
/// the scheduler `S` must run it there, and shut it down there (`LocalSet`
/// does both). Wakers may still be used from any thread: they only touch the
/// state word and the scheduler's queue.
pub(crate) unsafe fn new_task_unchecked<F, S>(
    future: F,
    scheduler: S,
    location: &'static Location<'static>,
    name: Option<Box<str>>,
) -> (Task<S>, Notified<S>, JoinHandle<F::Output>)
where
    F: Future + 'static,
    S: Schedule,
{
    let ptr = cell::Cell::allocate(future, scheduler, Id::next(), location, name);
    let raw = raw::RawTask::from_header(ptr);
    // SAFETY: a new cell starts with exactly these three references.
    unsafe {
        (
            Task::from_raw(raw),
            Notified(Task::from_raw(raw)),
            JoinHandle::new(raw),
        )
    }
}

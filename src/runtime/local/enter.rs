//! `LocalSet::enter`: a set made current on this thread outside its turns,
//! so that `spawn_local` from plain code (a callback, a constructor that
//! starts a task) queues onto it. The tasks run at the set's next turn.
//!
//! This is apart from the turn's own mark (`run.rs`'s `CURRENT`), which
//! also means "the set's tasks are running now": a task woken during its
//! own set's turn is not announced to the set's runners, since that turn
//! runs it anyway. An entered set runs nothing, so it must not pass for
//! one whose turn is running, or such a wake would be lost:
//!
//! ```text
//!   spawn_local ─► the set whose turn runs here?  ─ yes ─► that set
//!                        │ no
//!                  the set entered here?          ─ yes ─► that set (queued
//!                        │ no                               for its next turn)
//!                  no set: error (spawn_local panics)
//! ```
//!
//! The entered set is held by an owned `Arc`, not a pointer, so guards
//! dropped in any order stay memory-safe: each puts back what it replaced,
//! as tokio's do (so `a.enter()`, `b.enter()`, then dropping `a`'s guard
//! first leaves `a` entered, with no guard left to end it). A set dropped
//! while entered only closes, so a task spawned onto it then is cancelled
//! at once.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::{LocalSet, Shared};

thread_local! {
    /// The set `LocalSet::enter` made current on this thread.
    static ENTERED: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
}

/// The set entered on this thread, if any (`None` too while the thread's
/// locals are being destroyed).
pub(super) fn entered() -> Option<Arc<Shared>> {
    ENTERED
        .try_with(|entered| entered.borrow().clone())
        .ok()
        .flatten()
}

impl LocalSet {
    /// Makes this set current on this thread until the guard drops, so
    /// that [`spawn_local`](super::spawn_local) outside its `run_until`
    /// queues onto it (tokio's `LocalSet::enter`); the tasks run at the
    /// set's next turn. Inside a turn of a set (a local task, a
    /// `run_until`, or the future given to a current-thread `block_on`,
    /// which runs inside an implicit set), `spawn_local` still spawns onto
    /// that set; tokio's goes to a set entered during the turn, or around
    /// the `block_on`. A `corio::spawn` task on a current-thread runtime
    /// runs outside every turn, so while a guard is held around a
    /// `block_on` (or is alive as such a task runs on this thread), that
    /// task's `spawn_local`s go to the entered set: keep the guard in
    /// synchronous code that runs no tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let local = corio::task::LocalSet::new();
    /// let task = {
    ///     let _entered = local.enter();
    ///     let shared = Rc::new(21);
    ///     corio::task::spawn_local(async move { *shared * 2 }) // queued, not run
    /// };
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(runtime.block_on(local.run_until(task)).unwrap(), 42);
    /// ```
    pub fn enter(&self) -> LocalEnterGuard {
        let ours = Some(self.shared.clone());
        let previous = ENTERED.with(|entered| entered.replace(ours));
        LocalEnterGuard {
            previous,
            _not_send: PhantomData,
        }
    }
}

/// Keeps a [`LocalSet`] entered on this thread; see [`LocalSet::enter`].
/// Dropping it puts back the set entered before, if any. Not `Send`.
///
/// # Examples
///
/// ```
/// let local = corio::task::LocalSet::new();
/// let guard = local.enter();
/// drop(guard);
/// let outside = std::panic::catch_unwind(|| corio::task::spawn_local(async {}));
/// assert!(outside.is_err(), "no set entered any more");
/// ```
///
/// It stays on its thread:
///
/// ```compile_fail
/// fn is_send<T: Send>(_: T) {}
/// let local = corio::task::LocalSet::new();
/// is_send(local.enter());
/// ```
#[must_use = "the set stays entered only while the guard lives"]
pub struct LocalEnterGuard {
    previous: Option<Arc<Shared>>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for LocalEnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // The set put aside is dropped after the borrow (its drop frees
        // only empty structures, by then, but nothing runs under a borrow).
        let ours = ENTERED.try_with(|entered| entered.replace(previous));
        drop(ours);
    }
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEnterGuard").finish_non_exhaustive()
    }
}

//! Which blocking pool `fs` and other blocking-based code on this thread use.
//!
//! Like the reactor and the timers, the pool is found through a thread-local
//! that the runtime sets when a thread enters it, so modules below `runtime/`
//! (such as `fs/`) can run closures on it without importing `runtime/`.

use std::cell::RefCell;
use std::panic::Location;

use super::Pool;
use crate::task::{JoinError, JoinHandle};

thread_local! {
    static CURRENT: RefCell<Option<Pool>> = const { RefCell::new(None) };
}

/// Restores the previous pool when dropped.
pub(crate) struct EnterGuard(Option<Pool>);

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.0.take();
        // (Gone only if the thread's thread-locals are being destroyed.)
        // What it held is dropped after the borrow (it may be the last
        // reference, and its drop may run user code that looks it up).
        let ours = CURRENT.try_with(|c| std::mem::replace(&mut *c.borrow_mut(), previous));
        drop(ours);
    }
}

/// Makes `pool` the current thread's until the guard drops; `None` once
/// this thread's thread-locals are being destroyed.
pub(crate) fn try_enter(pool: &Pool) -> Option<EnterGuard> {
    let previous = CURRENT
        .try_with(|c| c.borrow_mut().replace(pool.clone()))
        .ok()?;
    Some(EnterGuard(previous))
}

/// Runs the blocking `f` on the current runtime's blocking pool and waits for
/// it (the `fs` calls, `net::lookup_host`). `what` names the public call in
/// the panic outside a runtime.
pub(crate) async fn asyncify<F, T>(what: &'static str, f: F) -> std::io::Result<T>
where
    F: FnOnce() -> std::io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match spawn(what, f).await {
        Ok(result) => result,
        Err(err) => Err(job_failed(format_args!("`{what}`"), &err)),
    }
}

/// The `io::Error` for a blocking job that did not complete, named by
/// `subject`: cancelled by the runtime's shutdown (an error that
/// `runtime::is_rt_shutdown_err` knows), or panicked (the panic's message
/// goes along). Every `io::Result` call that rides on the pool (`asyncify`,
/// `fs::File`, `fs::ReadDir`) reports it so.
pub(crate) fn job_failed(subject: impl std::fmt::Display, err: &JoinError) -> std::io::Error {
    if err.is_cancelled() {
        crate::io::shut_down_error(format!(
            "{subject} did not complete: the corio runtime shut down"
        ))
    } else {
        std::io::Error::other(format!("{subject} did not complete: {err}"))
    }
}

/// Runs `f` on the current runtime's blocking pool.
///
/// # Panics
/// Outside a corio runtime, naming `what` (the API the user called).
#[track_caller]
pub(crate) fn spawn<F, R>(what: &str, f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    // Taken out here, and the panic too: `#[track_caller]` does not reach
    // into the closure, which would name this file instead of the caller.
    let location = Location::caller();
    // Cloned out, not borrowed across the spawn: a pool that has shut down
    // drops `f` right there, and `f` may own a runtime whose shutdown
    // enters (and so borrows) this thread-local.
    match CURRENT.try_with(|c| c.borrow().clone()) {
        Ok(Some(pool)) => pool.spawn(f, location, false),
        Ok(None) => outside_runtime(what),
        Err(_) => crate::teardown::locals_gone(format_args!("`{what}` was called")),
    }
}

/// Runs `f` on the current runtime's blocking pool as a job that must run
/// even if the runtime shuts down while it is queued (a file's flush: its
/// bytes would be lost). Outside a runtime, `f` comes back to the caller
/// (to run it itself).
#[cfg(feature = "fs")]
#[track_caller]
pub(crate) fn try_spawn_mandatory<F, R>(f: F) -> Result<JoinHandle<R>, F>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    // `try_with`: a `File` dropped by the shutdown of a runtime kept in a
    // `thread_local!` runs after this thread-local is gone; its bytes are
    // then written by the caller, not lost in a panic.
    match CURRENT.try_with(|c| c.borrow().clone()).ok().flatten() {
        Some(pool) => Ok(pool.spawn(f, Location::caller(), true)),
        None => Err(f),
    }
}

/// The current runtime's pool, for a caller that must know it has one
/// before it gives a job its state (a `File` moving its buffer into the
/// job would lose it in [`spawn`]'s panic).
///
/// # Panics
/// Outside a corio runtime, as [`spawn`] does.
#[cfg(feature = "fs")]
#[track_caller]
pub(crate) fn current(what: &str) -> Pool {
    // A `match`, not `unwrap_or_else`: the panic must see the caller.
    match CURRENT.try_with(|c| c.borrow().clone()) {
        Ok(Some(pool)) => pool,
        Ok(None) => outside_runtime(what),
        Err(_) => crate::teardown::locals_gone(format_args!("`{what}` was called")),
    }
}

#[track_caller]
fn outside_runtime(what: &str) -> ! {
    panic!(
        "`{what}` was called outside a corio runtime; call it inside `corio::block_on` \
         or a spawned task, or under `Runtime::enter()`"
    )
}

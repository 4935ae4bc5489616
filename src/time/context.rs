//! Which runtime's timers a `sleep` on this thread registers with.

use std::cell::RefCell;
use std::sync::Arc;

use super::timers::Timers;

thread_local! {
    static CURRENT: RefCell<Option<Arc<Timers>>> = const { RefCell::new(None) };
}

/// Restores the previous timers when dropped.
pub(crate) struct EnterGuard(Option<Arc<Timers>>);

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

/// Makes `timers` the current thread's until the guard drops; `None` once
/// this thread's thread-locals are being destroyed.
pub(crate) fn try_enter(timers: &Arc<Timers>) -> Option<EnterGuard> {
    let previous = CURRENT
        .try_with(|c| c.borrow_mut().replace(timers.clone()))
        .ok()?;
    Some(EnterGuard(previous))
}

/// Whether `timers` are the current thread's.
pub(crate) fn is_current(timers: &Timers) -> bool {
    CURRENT
        .try_with(|c| {
            c.borrow()
                .as_ref()
                .is_some_and(|current| std::ptr::eq(Arc::as_ptr(current), timers))
        })
        .unwrap_or(false)
}

/// The current thread's timers, for the clock controls (`pause`,
/// `resume`, `advance`): outside a runtime, a panic that names `what`.
#[track_caller]
pub(crate) fn current_for_clock(what: &str) -> Arc<Timers> {
    match CURRENT.try_with(|c| c.borrow().clone()) {
        Ok(Some(timers)) => timers,
        Ok(None) => panic!(
            "time cannot be frozen from outside the corio runtime: `{what}` was called outside \
             one; call it inside `corio::block_on` or a spawned task, or under `Runtime::enter()`"
        ),
        Err(_) => crate::teardown::locals_gone(format_args!("`{what}` was called")),
    }
}

/// The current thread's timers.
#[track_caller]
pub(crate) fn current() -> Arc<Timers> {
    // A `match`: a closure's panic would point into corio, not the caller.
    match CURRENT.try_with(|c| c.borrow().clone()) {
        Ok(Some(timers)) => timers,
        Ok(None) => panic!(
            "a corio timer (`sleep`, `timeout`, `interval`) was created outside a corio runtime; \
             create it inside `corio::block_on` or a spawned task, or under `Runtime::enter()`"
        ),
        Err(_) => crate::teardown::locals_gone(
            "a corio timer (`sleep`, `timeout`, `interval`) was created",
        ),
    }
}

/// The current runtime's clock time (std's outside a runtime, and while
/// the thread's locals are being destroyed: a logger's `Drop` that stamps
/// the time must not panic there, which would abort the process).
pub(crate) fn now() -> std::time::Instant {
    CURRENT
        .try_with(|c| c.borrow().as_ref().map(|timers| timers.clock.now()))
        .ok()
        .flatten()
        .unwrap_or_else(std::time::Instant::now)
}

//! `task::block_in_place`, the user's side of `scheduler/handoff.rs`: when
//! it may hand the worker away, and when it may not.

use super::builder::RuntimeFlavor;
use super::context;
use crate::scheduler;

/// Runs `f`, which may block, on this thread, after moving this worker's
/// queue to a new thread so that the runtime's other tasks go on meanwhile
/// (tokio's `block_in_place`). Unlike [`spawn_blocking`](crate::spawn_blocking),
/// `f` may borrow from the task, and its result needs no `.await`.
///
/// The task that calls it stays on this thread, blocked, until `f` returns;
/// other futures in the same task (a `join!` or `select!` beside it) wait
/// too. Outside a runtime, or on a thread that may block already (a
/// `spawn_blocking` job, a multi-thread runtime's `block_on` thread), it
/// just calls `f`. Inside `f`, `Handle::block_on` may be used to wait on a
/// future, except where the worker could not be handed over: outside a
/// task's poll (an `on_thread_park` hook, a waker the driver runs), `f`
/// runs in place and blocks the worker, which may not block on the
/// runtime. Each hand-over starts a thread, not counted against
/// `max_blocking_threads`.
///
/// # Panics
///
/// On a current-thread runtime (inside its `block_on` or one of its
/// tasks): its one thread *is* the runtime, and nothing could take its
/// place (as in tokio). Use `spawn_blocking` there.
///
/// # Examples
///
/// ```
/// let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
/// let total = runtime.block_on(async {
///     let numbers = vec![1, 2, 3];
///     corio::spawn(async move {
///         // Borrows `numbers`: no `'static` closure, no handle to await.
///         corio::task::block_in_place(|| numbers.iter().sum::<u32>())
///     })
///     .await
///     .unwrap()
/// });
/// assert_eq!(total, 6);
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    match scheduler::hand_off() {
        scheduler::HandOff::Done(back) => {
            // This thread is no worker while `f` runs: it may block, and
            // wait on the runtime itself.
            let allowed = context::allow_blocking();
            let output = f();
            drop(allowed);
            drop(back); // take the core back if it is still free
            output
        }
        scheduler::HandOff::Inline => f(),
        scheduler::HandOff::NotAWorker => {
            let flavor = context::with_current(|handle| handle.map(|h| h.runtime_flavor()));
            if !context::may_block() && flavor == Some(RuntimeFlavor::CurrentThread) {
                panic!(
                    "block_in_place was called on a current-thread runtime, whose one thread \
                     runs every task: nothing could go on while it blocks. Use \
                     `spawn_blocking` there, or a multi-thread runtime"
                );
            }
            // A `spawn_blocking` job, or a multi-thread runtime's
            // `block_on` thread, which runs no task but its own future.
            let _allowed = context::allow_blocking();
            f()
        }
    }
}

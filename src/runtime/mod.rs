//! The runtime: where the pieces are assembled and the user's entry points
//! live.
//!
//! ```text
//!   Runtime ──owns──► worker threads ──run──► scheduler (work stealing)
//!      │                                          │ parks on
//!      │                                          ▼
//!      ├──────────────────────────────────► Driver = timer wheels (one per worker) + reactor
//!      └──────────────────────────────────► blocking pool
//!   Handle: a cheap, cloneable reference to all of it
//! ```
//!
//! `runtime/` is the only module that knows every other one; the arrows point
//! from here down. What reaches back up is small: `blocking/` and the
//! scheduler's watchdog take the builder's `ThreadName` to name their
//! threads, `time/` asks `on_a_worker_thread` and `may_block` (and the
//! scheduler, whether a task is being polled) to spot a poll a shutdown
//! left running, and `sync/` asks `assert_may_block` and borrows
//! the thread-parking `block_on` for its `blocking_*` methods; `task/`
//! re-exports the spawn functions, `JoinSet` and `LocalSet`, where tokio's
//! users look for them; `io/` never imports `runtime/`. A thread-local
//! (`context.rs`) records which runtime the current thread belongs to,
//! which is how `corio::spawn` finds it.

mod block_in_place;
mod block_on;
mod builder;
mod context;
mod driver;
mod handle;
mod join_set;
mod local;
mod rt;
pub(crate) mod spawn;
mod workers;

pub use crate::io::shut_down::is_rt_shutdown_err;
/// Under tokio's path too (`tokio::runtime::RuntimeMetrics`).
pub use crate::observe::RuntimeMetrics;
pub use block_in_place::block_in_place;
pub(crate) use block_on::block_on as block_on_this_thread;
pub(crate) use builder::ThreadName;
pub use builder::{Builder, RuntimeFlavor};
pub(crate) use context::{assert_may_block, may_block};
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use join_set::JoinSet;
pub use local::{LocalEnterGuard, LocalSet, spawn_local};
pub use rt::Runtime;
pub use spawn::{shield, spawn, spawn_blocking};
pub(crate) use workers::on_a_worker_thread;

/// Runs `future` to completion on a new runtime, then shuts the runtime down
/// (cancelling tasks still running): the model of Python's `asyncio.run`.
///
/// # Examples
///
/// ```
/// let answer = corio::block_on(async {
///     let task = corio::spawn(async { 21 * 2 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
///
/// # Panics
/// If the runtime cannot be built (the error is in the message), or on a
/// thread that runs a runtime's tasks (a worker, another `block_on`; a
/// blocking-pool thread or a `block_in_place` closure may call it), or if
/// `future` panics. Returning, it also waits for the blocking jobs still
/// running, with no limit, as dropping a [`Runtime`] does.
#[track_caller]
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    // Before the runtime is built: its threads would only be started to be
    // abandoned by the panic.
    context::assert_may_block("`block_on`");
    let runtime = Runtime::new()
        .unwrap_or_else(|err| panic!("corio::block_on could not build a runtime: {err}"));
    runtime.block_on(future)
}

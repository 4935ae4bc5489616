//! Which runtime the current thread belongs to.
//!
//! Worker threads, blocking-pool threads and a thread inside `block_on` all
//! "enter" their runtime: a thread-local holds its `Handle`, so free
//! functions like `corio::spawn` need no argument. Entering nests (an inner
//! guard restores the outer handle when dropped).

use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;

use super::handle::Handle;
use crate::blocking;
use crate::io::{self, Reactor};
use crate::time;

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
    /// True on a worker thread or inside `block_on`: blocking there would
    /// stall the runtime.
    static BLOCKING_FORBIDDEN: Cell<bool> = const { Cell::new(false) };
    /// How many guards are alive on this thread: each guard knows its own
    /// depth, so one dropped out of order is caught (a panic that leaves
    /// the thread's context as it was, all its parts alike) instead of
    /// putting back a runtime whose guard is still alive.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// The runtime (its `Inner`'s address) whose shutdown is dropping its
    /// tasks' futures on this thread, or null.
    static DROPPING_TASKS_OF: Cell<*const ()> = const { Cell::new(std::ptr::null()) };
    /// True inside a current-thread runtime's `block_on`, whether or not
    /// this thread holds the runtime's core at the moment (another thread
    /// may be running its tasks while this one waits for its future).
    static CURRENT_THREAD_BLOCK_ON: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread, until the guard drops, as inside a current-thread
/// runtime's `block_on`: `block_in_place` refuses there even while another
/// thread holds the core, as it refuses when this one does (tokio's
/// refuses there too), so that whether it panics does not hang on timing.
pub(crate) fn current_thread_block_on() -> CurrentThreadBlockOn {
    CurrentThreadBlockOn(CURRENT_THREAD_BLOCK_ON.with(|c| c.replace(true)))
}

/// Whether this thread is inside a current-thread runtime's `block_on`.
pub(crate) fn in_current_thread_block_on() -> bool {
    CURRENT_THREAD_BLOCK_ON.with(Cell::get)
}

/// Restores the mark [`current_thread_block_on`] replaced.
pub(crate) struct CurrentThreadBlockOn(bool);

impl Drop for CurrentThreadBlockOn {
    fn drop(&mut self) {
        CURRENT_THREAD_BLOCK_ON.with(|c| c.set(self.0));
    }
}

/// Marks this thread, until the guard drops, as the one a shutdown of
/// `handle`'s runtime drops the tasks' futures on (see
/// [`assert_not_dropping_tasks_of`]).
pub(crate) fn dropping_tasks_of(handle: &Handle) -> DroppingTasks {
    let runtime = std::sync::Arc::as_ptr(&handle.inner).cast();
    DroppingTasks(DROPPING_TASKS_OF.with(|d| d.replace(runtime)))
}

/// Restores the mark [`dropping_tasks_of`] replaced.
pub(crate) struct DroppingTasks(*const ());

impl Drop for DroppingTasks {
    fn drop(&mut self) {
        DROPPING_TASKS_OF.with(|d| d.set(self.0));
    }
}

/// Panics if `handle`'s runtime is dropping its tasks' futures on this
/// thread: a `Drop` there that blocks on that runtime would wait for
/// timers, sockets or tasks that nothing drives any more (the workers are
/// gone) or that are cancelled only after it returns.
#[track_caller]
pub(crate) fn assert_not_dropping_tasks_of(handle: &Handle) {
    let runtime: *const () = std::sync::Arc::as_ptr(&handle.inner).cast();
    if DROPPING_TASKS_OF.with(Cell::get) == runtime {
        panic!(
            "`block_on` was called on a corio runtime from the `Drop` of a future or blocking \
             closure that runtime's shutdown is dropping: its workers are gone and its other \
             tasks are cancelled only after this drop, so the wait could never end; let the \
             `Drop` not wait on the runtime (spawn the cleanup, or do it before the shutdown)"
        );
    }
}

/// Restores the previous runtime when dropped.
pub(crate) struct EnterGuard {
    depth: usize,
    previous: Option<Handle>,
    /// What `BLOCKING_FORBIDDEN` was, to restore: only for a thread that
    /// runs tasks. A guard that merely makes a runtime current
    /// (`Runtime::enter`) leaves the flag alone, so that one carried across
    /// a `block_in_place` closure's edge cannot lift the ban after the
    /// closure or impose it inside.
    was_forbidden: Option<bool>,
    /// The parts' own guards, dropped by hand after the depth check: a
    /// guard dropped out of order must restore none of them, or the thread
    /// would be left with one runtime's handle and another's timers.
    parts: ManuallyDrop<Parts>,
}

/// The guards of an entered runtime's parts, each restoring what it replaced.
struct Parts {
    _timers: time::EnterGuard,
    _reactor: io::EnterGuard,
    _blocking: blocking::EnterGuard,
}

/// Makes `handle` current on this thread. `runs_tasks` marks a thread on
/// which `block_on` must refuse to run.
pub(crate) fn enter(handle: &Handle, runs_tasks: bool) -> EnterGuard {
    try_enter(handle, runs_tasks)
        .expect("a corio runtime entered while this thread's thread-locals are being destroyed")
}

/// Like [`enter`], but `None` once this thread's thread-locals are being
/// destroyed: a `Runtime` kept in a `thread_local!` is dropped at thread
/// exit, maybe after these, and its shutdown must not panic there (a panic
/// in a thread-local's destructor aborts the process). Also `None` while
/// [`with_current`] lends the current handle out (it runs no user code
/// meanwhile, so no runtime is ever entered or dropped there).
pub(crate) fn try_enter(handle: &Handle, runs_tasks: bool) -> Option<EnterGuard> {
    let driver = &handle.inner.driver;
    // The parts first: if a later one fails, those made restore themselves.
    let timers = time::try_enter(&driver.timers)?;
    let reactor = Reactor::try_enter(&driver.reactor)?;
    let blocking = blocking::try_enter(&handle.inner.blocking)?;
    let previous = CURRENT
        .try_with(|c| Some(c.try_borrow_mut().ok()?.replace(handle.clone())))
        .ok()??;
    // A const `Cell` has no destructor: always there.
    let was_forbidden = runs_tasks.then(|| BLOCKING_FORBIDDEN.with(|b| b.replace(true)));
    let depth = DEPTH.with(|d| d.get() + 1);
    DEPTH.with(|d| d.set(depth));
    Some(EnterGuard {
        depth,
        previous,
        was_forbidden,
        parts: ManuallyDrop::new(Parts {
            _timers: timers,
            _reactor: reactor,
            _blocking: blocking,
        }),
    })
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        // Only `Runtime::enter`'s guards can be dropped in any order: the
        // runtime's own ones nest by construction.
        // Out of order, the context stays whole as it is (the parts'
        // guards are leaked, with the timers, reactor and pool they would
        // restore; the previous handle is dropped with the guard's
        // fields). During an unwind, which a second panic would turn into
        // an abort, the whole context is put back instead: never half of
        // it.
        if DEPTH.with(Cell::get) != self.depth && !std::thread::panicking() {
            panic!(
                "corio runtime EnterGuards dropped out of order: drop the guard of the \
                 last `enter` first (as with tokio's)"
            );
        }
        DEPTH.with(|d| d.set(self.depth - 1));
        let previous = self.previous.take();
        // (Gone only if the thread's thread-locals are being destroyed.)
        // The handle put aside is dropped after the borrow: it may be the
        // runtime's last, and dropping that drops the user's hooks, whose
        // captures may look up the current runtime.
        let ours = CURRENT.try_with(|c| std::mem::replace(&mut *c.borrow_mut(), previous));
        if let Some(was_forbidden) = self.was_forbidden {
            BLOCKING_FORBIDDEN.with(|b| b.set(was_forbidden));
        }
        // SAFETY: dropped once, here, and never used again (this is the
        // guard's own drop).
        unsafe { ManuallyDrop::drop(&mut self.parts) };
        // Last, once the parts are restored too: a hook's capture dropped
        // with it that makes a timer or a socket finds the same runtime
        // as the one `Handle::try_current` names.
        drop(ours);
    }
}

/// Calls `f` with the current runtime, or `None` outside every runtime,
/// and while the thread's locals are being destroyed (a runtime kept in a
/// `thread_local!` dropping its tasks then, a logger's `Drop` calling a
/// `blocking_*` method): `Handle::try_current` must say `Err` there, not
/// panic. The thread-local stays borrowed while `f` runs: `f` must not run
/// user code (see [`current`]).
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let mut f = Some(f);
    let mut call = |handle: Option<&Handle>| (f.take().expect("called once"))(handle);
    match CURRENT.try_with(|c| call(c.borrow().as_ref())) {
        Ok(result) => result,
        Err(_) => call(None),
    }
}

/// The current runtime's handle, cloned: for `spawn` and the like, which
/// may run user code (a future dropped on the spot when the runtime has shut
/// down, a destructor run by a queue push) that enters a runtime itself.
pub(crate) fn current() -> Option<Handle> {
    with_current(|handle| handle.cloned())
}

/// Whether this thread's thread-locals are being destroyed (it is exiting),
/// so that no runtime can be found on it any more.
pub(crate) fn locals_destroyed() -> bool {
    CURRENT.try_with(|_| ()).is_err()
}

/// Whether this thread may block: false on a worker thread and inside
/// `block_on`, where blocking would stall the runtime.
pub(crate) fn may_block() -> bool {
    !BLOCKING_FORBIDDEN.with(Cell::get)
}

/// Lets this thread block while the guard lives (`block_in_place`'s
/// closure, whose worker went to another thread).
pub(crate) fn allow_blocking() -> MayBlock {
    MayBlock(BLOCKING_FORBIDDEN.with(|b| b.replace(false)))
}

/// Restores the thread's "may block" flag.
pub(crate) struct MayBlock(bool);

impl Drop for MayBlock {
    fn drop(&mut self) {
        BLOCKING_FORBIDDEN.with(|b| b.set(self.0));
    }
}

/// Panics with a clear message if this thread runs tasks of a runtime.
#[track_caller]
pub(crate) fn assert_may_block(what: &str) {
    if !may_block() {
        panic!(
            "{what} was called from inside a corio runtime (a worker thread or another block_on); \
             blocking here would stall the runtime: `.await` the future instead, \
             or call {what} from a thread outside the runtime (e.g. `std::thread::spawn`)"
        );
    }
}

//! Type-erased handles to a task cell: what queues, wakers and join handles
//! hold.
//!
//! A task is one allocation (see `cell.rs`) whose first field is a
//! [`Header`]. Everything outside `task/` sees only a pointer to that header
//! plus a vtable of functions that know the real types. Five kinds of owning
//! handle exist, each holding one unit of the reference count in the state word:
//!
//! ```text
//!   Task<S>      the owned-task list's reference (shutdown reaches it here)
//!   Notified<S>  a reference sitting in a run queue: "poll me"
//!   JoinHandle   the user's reference (join.rs)
//!   AbortHandle  one reference per handle (join.rs)
//!   Waker        one reference per clone (waker.rs)
//! ```
//!
//! Dropping any of them decrements the count; the last one frees the cell.

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::panic::Location;
use std::ptr::NonNull;
use std::task::Waker;

use std::time::Duration;

use super::Schedule;
use super::id::Id;
use super::state::State;
use crate::loom::atomic::{AtomicU64, Ordering};
use crate::observe::{TaskInfo, TaskState};

/// The functions that know a cell's concrete future and scheduler types.
pub(crate) struct Vtable {
    /// Polls the future (consumes the caller's `Notified` reference, unless
    /// it returns true: the task yielded and must be queued again).
    pub(super) poll: unsafe fn(NonNull<Header>, u64) -> bool,
    /// Queues the task on its scheduler (consumes one reference).
    pub(super) schedule: unsafe fn(NonNull<Header>),
    /// Frees the cell (reference count reached zero).
    pub(super) dealloc: unsafe fn(NonNull<Header>),
    /// Moves the output into `*dst` (a `Poll<Result<T, JoinError>>`) if the
    /// task is complete, else registers the waker.
    pub(super) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// Registers the waker without reading the output; true if the task
    /// is complete already (nothing registered).
    pub(super) set_join_waker: unsafe fn(NonNull<Header>, &Waker) -> bool,
    /// The `JoinHandle` drops when the fast path failed.
    pub(super) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    /// Cancels the task at runtime shutdown (consumes the list's reference).
    pub(super) shutdown: unsafe fn(NonNull<Header>),
}

/// Doubly linked list pointers of the owned-task list, guarded by the lock of
/// the list shard that holds the task.
#[derive(Default)]
pub(crate) struct Links {
    pub(super) prev: Option<NonNull<Header>>,
    pub(super) next: Option<NonNull<Header>>,
}

/// The first field of every task cell; everything generic code needs.
pub(crate) struct Header {
    pub(super) state: State,
    pub(super) vtable: &'static Vtable,
    pub(super) links: UnsafeCell<Links>,
    pub(super) id: Id,
    /// Where `spawn` was called, for the task dump.
    pub(crate) location: &'static Location<'static>,
    pub(crate) name: Option<Box<str>>,
    /// Times the task was polled. Written only by the thread that holds
    /// RUNNING, so a plain load+store suffices (no read-modify-write).
    pub(crate) polls: AtomicU64,
    /// Coarse time (`observe::clock`) spent inside polls, in microseconds.
    pub(crate) busy_us: AtomicU64,
    /// Coarse time when the last poll ended (or the task was spawned).
    pub(crate) last_poll_us: AtomicU64,
}

// SAFETY: the header is shared between threads by design; `links` is only
// touched under the owned-list shard lock, and every other field is either
// immutable after spawn or atomic.
unsafe impl Send for Header {}
// SAFETY: as above.
unsafe impl Sync for Header {}

impl Header {
    pub(crate) fn id(&self) -> Id {
        self.id
    }

    pub(crate) fn state(&self) -> super::state::Snapshot {
        self.state.load()
    }

    /// Books one finished poll that started at coarse time `started`.
    /// Only the RUNNING thread calls it: plain loads and stores suffice.
    pub(super) fn record_poll(&self, started: u64, ended: u64) {
        let polls = self.polls.load(Ordering::Relaxed);
        self.polls.store(polls + 1, Ordering::Relaxed);
        if ended != started {
            let busy = self.busy_us.load(Ordering::Relaxed);
            self.busy_us
                .store(busy + ended.saturating_sub(started), Ordering::Relaxed);
        }
        self.last_poll_us.store(ended, Ordering::Relaxed);
    }

    /// A snapshot of this task for the dump; `None` once it has completed
    /// (it leaves the task list a moment later, after waking its joiner).
    pub(crate) fn info(&self, now_us: u64) -> Option<TaskInfo> {
        let state = self.state.load();
        if state.is_complete() {
            return None;
        }
        let state = if state.is_running() {
            TaskState::Running
        } else if state.is_notified() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        let since = now_us.saturating_sub(self.last_poll_us.load(Ordering::Relaxed));
        Some(TaskInfo {
            id: self.id.as_u64(),
            name: self.name.as_deref().map(str::to_owned),
            location: self.location,
            state,
            polls: self.polls.load(Ordering::Relaxed),
            busy: Duration::from_micros(self.busy_us.load(Ordering::Relaxed)),
            idle_for: if state == TaskState::Running {
                Duration::ZERO
            } else {
                Duration::from_micros(since)
            },
        })
    }
}

/// A non-owning pointer to a task's header. Copying it does not touch the
/// reference count; the owner of the copy must know the task is alive.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

impl RawTask {
    pub(super) fn from_header(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: a `RawTask` is only made from a live cell, and its holders
        // keep a reference for as long as they use it.
        unsafe { self.ptr.as_ref() }
    }

    fn vtable(&self) -> &'static Vtable {
        self.header().vtable
    }

    /// Drops one reference, freeing the cell if it was the last.
    pub(super) fn drop_reference(self) {
        if self.header().state.ref_dec() {
            // SAFETY: the count reached zero, so nobody else can reach the cell.
            unsafe { (self.vtable().dealloc)(self.ptr) }
        }
    }

    /// Frees the cell after a transition brought the count to zero.
    pub(super) fn dealloc(self) {
        // SAFETY: only called when the state word says no reference is left.
        unsafe { (self.vtable().dealloc)(self.ptr) }
    }

    /// Hands a reference the caller owns to the scheduler's queue.
    pub(super) fn schedule(self) {
        // SAFETY: the caller transfers one owned reference, and the vtable
        // matches the cell it was created with.
        unsafe { (self.vtable().schedule)(self.ptr) }
    }

    pub(super) fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: the caller is the JoinHandle, and `dst` points to a
        // `Poll<Result<T, JoinError>>` of the cell's output type.
        unsafe { (self.vtable().try_read_output)(self.ptr, dst, waker) }
    }

    pub(super) fn set_join_waker(self, waker: &Waker) -> bool {
        // SAFETY: the caller is the JoinHandle (it holds JOIN_INTEREST).
        unsafe { (self.vtable().set_join_waker)(self.ptr, waker) }
    }

    pub(super) fn drop_join_handle_slow(self) {
        // SAFETY: called once, by the JoinHandle, which owns a reference.
        unsafe { (self.vtable().drop_join_handle_slow)(self.ptr) }
    }

    /// Aborts from a handle: cancel, and queue the task if it was idle.
    pub(super) fn remote_abort(self) {
        if self.header().state.transition_to_notified_and_cancel() {
            // The transition took a reference for the queue.
            self.schedule();
        }
    }
}

/// The owned-task list's reference to a task.
pub(crate) struct Task<S: 'static> {
    raw: RawTask,
    _scheduler: PhantomData<S>,
}

// SAFETY: a `Task` is a counted reference: moved to or shared with another
// thread, it lets that thread touch only the header (atomic state, vtable)
// and the reference count, which are `Sync`. The future itself is polled or
// dropped only by `run`/`shutdown`: for a `spawn`ed task its future is
// `Send` (checked at spawn), and a `LocalSet` task (`new_task_unchecked`,
// whose future may be `!Send`) is run and shut down on its owner thread
// only, by that function's contract; a reference dropped elsewhere frees
// the cell only once the future is gone.
unsafe impl<S: Schedule> Send for Task<S> {}
// SAFETY: as above; `&Task` only reads the header.
unsafe impl<S: Schedule> Sync for Task<S> {}

impl<S: 'static> Task<S> {
    /// Takes ownership of one reference that the caller holds.
    ///
    /// # Safety
    ///
    /// `raw` is a live task whose scheduler type is `S`, and the caller
    /// holds one reference to it that it gives up to the returned `Task`.
    pub(super) unsafe fn from_raw(raw: RawTask) -> Task<S> {
        Task {
            raw,
            _scheduler: PhantomData,
        }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    pub(crate) fn header(&self) -> &Header {
        self.raw.header()
    }

    /// Gives the reference up without dropping it.
    pub(super) fn into_raw(self) -> RawTask {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }

    /// Cancels the task at runtime shutdown, consuming this reference.
    pub(crate) fn shutdown(self) {
        let raw = self.into_raw();
        // SAFETY: we hand over the list's reference, as `shutdown` expects.
        unsafe { (raw.vtable().shutdown)(raw.ptr) }
    }
}

impl<S: 'static> Drop for Task<S> {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

/// A task sitting in a run queue: one reference that says "poll me".
pub(crate) struct Notified<S: 'static>(pub(super) Task<S>);

impl<S: 'static> From<Notified<S>> for Task<S> {
    /// The queue's reference, used as a plain one (to shut the task down).
    fn from(notified: Notified<S>) -> Task<S> {
        notified.0
    }
}

impl<S: 'static> Notified<S> {
    /// Polls the task (or cancels it, if it was aborted), consuming the
    /// queue's reference. Returns the task if it was woken while running
    /// (by itself, as a yield does, or from another thread): the caller
    /// queues it again, behind the other work.
    #[must_use = "a yielded task must be queued again"]
    pub(crate) fn run(self) -> Option<Notified<S>> {
        self.run_from(crate::observe::clock::now())
    }

    /// As [`run`](Self::run), for a poll that started at coarse time
    /// `started` (see `harness::poll` for why the caller reads it).
    #[must_use = "a yielded task must be queued again"]
    pub(crate) fn run_from(self, started: u64) -> Option<Notified<S>> {
        let raw = self.0.into_raw();
        // SAFETY: we hand over the queue's reference, as `poll` expects.
        let yielded = unsafe { (raw.vtable().poll)(raw.ptr, started) };
        // SAFETY: on `true` the reference came back to us.
        yielded.then(|| Notified(unsafe { Task::from_raw(raw) }))
    }

    pub(crate) fn header(&self) -> &Header {
        self.0.header()
    }

    /// Gives the queue's reference up as a raw pointer (for the atomic
    /// LIFO slot).
    pub(crate) fn into_raw(self) -> NonNull<Header> {
        self.0.into_raw().header_ptr()
    }

    /// Takes back a reference given up by `into_raw`.
    ///
    /// # Safety
    /// `ptr` must come from `Notified::<S>::into_raw` with the same `S`, and
    /// be taken back once.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Notified<S> {
        // SAFETY: guaranteed by the caller.
        Notified(unsafe { Task::from_raw(RawTask::from_header(ptr)) })
    }
}

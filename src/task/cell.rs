//! The task cell: the one heap allocation a spawn makes.
//!
//! ```text
//!   ┌──────────────────────── Cell<F, S> (#[repr(C)]) ───────────────────────┐
//!   │ Header   state word · vtable · list links · id · location · name · polls│ ◄── Waker, Notified,
//!   ├─────────────────────────────────────────────────────────────────────────┤     JoinHandle point here
//!   │ Core     scheduler handle S · Stage: Running(F) | Finished(out) | Consumed│
//!   ├─────────────────────────────────────────────────────────────────────────┤
//!   │ Trailer  the JoinHandle's waker                                          │
//!   └─────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! The header comes first, so a pointer to the cell is a pointer to its
//! header: type-erased code (queues, wakers, join handles) holds that pointer
//! and reaches the typed parts through the header's vtable, whose functions
//! (`harness.rs`) are instantiated for this very `F` and `S`. The future and
//! its output share one slot, `Stage`: the output is written where the future
//! was, so a task never allocates twice.

use std::alloc::Layout;
use std::cell::UnsafeCell;
use std::future::Future;
use std::panic::Location;
use std::ptr::NonNull;
use std::task::Waker;

use super::Schedule;
use super::alloc;
use super::harness;
use super::id::Id;
use super::join::JoinError;
use super::raw::{Header, Links, Vtable};
use super::state::State;
use crate::loom::atomic::AtomicU64;

/// The whole task, typed. Only `harness.rs` sees it; everyone else sees the
/// header.
#[repr(C)]
pub(super) struct Cell<F: Future, S> {
    pub(super) header: Header,
    pub(super) core: Core<F, S>,
    pub(super) trailer: Trailer,
}

pub(super) struct Core<F: Future, S> {
    /// The scheduler handle, needed only until the task completes; then
    /// `complete` hands it back to the scheduler (`Schedule::recycle`).
    scheduler: UnsafeCell<Option<S>>,
    /// Accessed only by the thread that holds RUNNING (the future), or by
    /// the JoinHandle after COMPLETE (the output).
    pub(super) stage: UnsafeCell<Stage<F>>,
}

/// The future, then its output, in the same place.
pub(super) enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

impl<F: Future, S> Core<F, S> {
    /// The scheduler, for a task that is not complete yet.
    pub(super) fn scheduler(&self) -> &S {
        // SAFETY: the field is only taken by `take_scheduler`, after
        // COMPLETE, and nothing calls this after COMPLETE (wakes of a
        // complete task never schedule it).
        unsafe { (*self.scheduler.get()).as_ref().unwrap_unchecked() }
    }

    /// Takes the scheduler out of a completed task.
    ///
    /// # Safety
    /// Only the thread completing the task may call it, once, after the
    /// last use of `scheduler()`.
    pub(super) unsafe fn take_scheduler(&self) -> Option<S> {
        // SAFETY: guaranteed by the caller: no other access can overlap.
        unsafe { (*self.scheduler.get()).take() }
    }
}

pub(super) struct Trailer {
    /// Written by the JoinHandle while JOIN_WAKER is clear, read by the
    /// runtime while it is set (see `state.rs`).
    pub(super) waker: UnsafeCell<Option<Waker>>,
}

impl<F, S> Cell<F, S>
where
    F: Future + 'static,
    S: Schedule,
{
    /// Allocates the cell and returns a pointer to its header. The state
    /// starts with the three references of `state::INITIAL`.
    pub(super) fn allocate(
        future: F,
        scheduler: S,
        id: Id,
        location: &'static Location<'static>,
        name: Option<Box<str>>,
    ) -> NonNull<Header> {
        let cell = Cell {
            header: Header {
                state: State::new(),
                vtable: vtable::<F, S>(),
                links: UnsafeCell::new(Links::default()),
                id,
                location,
                name,
                polls: AtomicU64::new(0),
                busy_us: AtomicU64::new(0),
                last_poll_us: AtomicU64::new(crate::observe::clock::now()),
            },
            core: Core {
                scheduler: UnsafeCell::new(Some(scheduler)),
                stage: UnsafeCell::new(Stage::Running(future)),
            },
            trailer: Trailer {
                waker: UnsafeCell::new(None),
            },
        };
        let ptr = alloc::allocate(Layout::new::<Cell<F, S>>()).cast::<Cell<F, S>>();
        // SAFETY: `ptr` is fresh memory with the layout of a `Cell<F, S>`.
        unsafe { ptr.as_ptr().write(cell) };
        // The cast is sound because of #[repr(C)]: the header is at offset 0.
        ptr.cast()
    }
}

impl<F: Future, S> Cell<F, S> {
    /// Drops the cell in place and returns its memory.
    ///
    /// # Safety
    /// `ptr` must come from `allocate` with these types, and no reference to
    /// the cell may remain.
    pub(super) unsafe fn deallocate(ptr: NonNull<Header>) {
        let cell = ptr.cast::<Cell<F, S>>();
        // SAFETY: guaranteed by the caller: the cell is initialised and ours.
        unsafe {
            cell.as_ptr().drop_in_place();
            alloc::deallocate(cell.cast(), Layout::new::<Cell<F, S>>());
        }
    }
}

fn vtable<F, S>() -> &'static Vtable
where
    F: Future + 'static,
    S: Schedule,
{
    &Vtable {
        poll: harness::poll::<F, S>,
        schedule: harness::schedule::<F, S>,
        dealloc: harness::dealloc::<F, S>,
        try_read_output: harness::try_read_output::<F, S>,
        drop_join_handle_slow: harness::drop_join_handle_slow::<F, S>,
        shutdown: harness::shutdown::<F, S>,
    }
}

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
    /// The scheduler handle. Taken out only when the cell is freed, and
    /// handed back to the scheduler then (`Schedule::recycle`).
    scheduler: UnsafeCell<Option<S>>,
    /// Accessed only by the thread that holds RUNNING (the future; a
    /// shutdown holds it too), by the JoinHandle after COMPLETE (the
    /// output), or by the completing thread, which drops the output itself
    /// when no handle wants it (JOIN_INTEREST gone).
    pub(super) stage: UnsafeCell<Stage<F>>,
}

/// The future, then its output, in the same place.
pub(super) enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

impl<F: Future, S> Core<F, S> {
    /// The scheduler.
    pub(super) fn scheduler(&self) -> &S {
        // SAFETY: the field is `Some` from `allocate` until `deallocate`,
        // which runs when no reference to the cell is left.
        unsafe { (*self.scheduler.get()).as_ref().unwrap_unchecked() }
    }
}

pub(super) struct Trailer {
    /// Written by the JoinHandle while JOIN_WAKER is clear, only read
    /// while it is set (by the runtime, and by the handle's `will_wake`
    /// check), and taken and dropped by the runtime after COMPLETE once the
    /// handle is gone (see `state.rs`).
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

impl<F: Future, S: Schedule> Cell<F, S> {
    /// Drops the cell in place and returns its memory, handing the
    /// scheduler handle back to the scheduler first.
    ///
    /// # Safety
    /// `ptr` must come from `allocate` with these types, and no reference to
    /// the cell may remain (its reference count reached zero).
    pub(super) unsafe fn deallocate(ptr: NonNull<Header>) {
        let cell = ptr.cast::<Cell<F, S>>();
        // SAFETY: guaranteed by the caller: the cell is initialised and ours
        // alone, so nothing else can be reading the scheduler field.
        unsafe {
            if let Some(scheduler) = (*(*cell.as_ptr()).core.scheduler.get()).take() {
                scheduler.recycle();
            }
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
        set_join_waker: harness::set_join_waker::<F, S>,
        drop_join_handle_slow: harness::drop_join_handle_slow::<F, S>,
        shutdown: harness::shutdown::<F, S>,
    }
}

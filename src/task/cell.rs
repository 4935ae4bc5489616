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

use std::cell::UnsafeCell;
use std::future::Future;
use std::panic::Location;
use std::ptr::NonNull;
use std::task::Waker;

use super::Schedule;
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
    pub(super) scheduler: S,
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
        let cell = Box::new(Cell {
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
                scheduler,
                stage: UnsafeCell::new(Stage::Running(future)),
            },
            trailer: Trailer {
                waker: UnsafeCell::new(None),
            },
        });
        // The cast is sound because of #[repr(C)]: the header is at offset 0.
        NonNull::from(Box::leak(cell)).cast()
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

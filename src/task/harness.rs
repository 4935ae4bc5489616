//! The vtable functions: each state transition of `state.rs` applied to a
//! typed cell.
//!
//! These are the only functions that see a task's real future type. Each is
//! one step of the task's life, and each says which reference it consumes:
//!
//! ```text
//!   spawn ──► [queued] ──poll──► [running] ──Pending──► [idle] ──wake──► [queued]
//!                 ▲                 │   │                                  
//!                 └──woken while────┘   └──Ready / panic / abort──► [complete]
//!                    running                                          │
//!                                      JoinHandle reads the output ◄──┘
//! ```

use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::Schedule;
use super::budget;
use super::cell::{Cell, Stage};
use super::id;
use super::join_error::JoinError;
use super::raw::{Header, Notified, RawTask, Task};
use super::state::{ToIdle, ToRunning};
use super::waker;
use crate::observe::clock;

/// Borrows the typed cell behind a header pointer.
///
/// # Safety
/// `ptr` must come from `Cell::<F, S>::allocate` with these very types, and
/// the caller must hold a reference that keeps the cell alive.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: guaranteed by the caller (see above); the header is at offset 0.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

/// Polls the task once. Consumes the queue's reference, except when the
/// task was woken while running (by itself, as a yield does, or from
/// another thread): then it returns true and the caller must queue the task
/// again with that same reference.
///
/// Requeueing is the caller's job, not a call into the task's scheduler from
/// here: the moment a task is back in a queue another worker may run it to
/// completion and free the cell, so no reference into the cell may still be
/// in use.
///
/// `started` is the coarse time (`observe::clock`) the caller stamped the
/// poll with. The caller reads it, not this function: this one is generic,
/// so it is compiled in the user's crate, and there the read measured as
/// about 3 % of a chain of tiny tasks, against 1 % in the worker's code.
/// # Safety
///
/// `ptr` is the header of a live cell made by `Cell::<F, S>::allocate`
/// (the vtable's functions are instantiated for exactly that cell), and the
/// caller holds the reference of the queue it took the task from. This
/// function makes the transition to RUNNING itself (and gives up if the
/// task is running or complete already).
pub(super) unsafe fn poll<F: Future, S: Schedule>(ptr: NonNull<Header>, started: u64) -> bool {
    // SAFETY: the vtable was built for these types; the queue's ref keeps it alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    match cell.header.state.transition_to_running() {
        ToRunning::Poll => {
            let result = poll_future(cell, ptr);
            let ended = clock::now();
            cell.header.record_poll(started, ended);
            // The coarse clock ticks a few times per slow-poll threshold, so
            // nearly every poll starts and ends on the same tick: such a
            // poll cannot be slow, and skipping the check keeps it cheap.
            if ended != started {
                cell.core
                    .scheduler()
                    .after_poll(&cell.header, started, ended);
            }
            if result.is_ready() {
                // SAFETY: we hold RUNNING and the running reference.
                unsafe { finish::<F, S>(ptr) };
                return false;
            }
            match cell.header.state.transition_to_idle() {
                ToIdle::Idle => false,
                // transition_to_idle kept the running reference for the queue.
                ToIdle::Reschedule => true,
                ToIdle::Cancel => {
                    cancel(cell);
                    // SAFETY: as above.
                    unsafe { finish::<F, S>(ptr) };
                    false
                }
            }
        }
        ToRunning::Cancel => {
            cancel(cell);
            // SAFETY: as above.
            unsafe { finish::<F, S>(ptr) };
            false
        }
        ToRunning::Skip => false,
        ToRunning::Dealloc => {
            // SAFETY: the last reference is gone.
            unsafe { dealloc::<F, S>(ptr) };
            false
        }
    }
}

/// Polls the future under the task's id and a fresh budget, catching a panic.
fn poll_future<F: Future, S>(cell: &Cell<F, S>, ptr: NonNull<Header>) -> Poll<()> {
    // The poll borrows the queue's reference: this waker does not own one.
    // SAFETY: the pointer is a live task header; ManuallyDrop skips the ref_dec.
    let waker = ManuallyDrop::new(unsafe { waker::from_header(ptr) });
    let mut cx = Context::from_waker(&waker);
    let stage = cell.core.stage.get();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _id = id::enter(cell.header.id);
        budget::with_budget(|| {
            // SAFETY: we hold RUNNING, so nobody else touches the stage, and
            // the future is never moved out of the heap cell (it is pinned).
            let Stage::Running(future) = (unsafe { &mut *stage }) else {
                unreachable!("a running task has its future");
            };
            // SAFETY: see above: the cell is never moved until it is freed.
            unsafe { Pin::new_unchecked(future) }.poll(&mut cx)
        })
    }));
    let output = match result {
        Ok(Poll::Pending) => return Poll::Pending,
        Ok(Poll::Ready(output)) => Ok(output),
        Err(payload) => Err(JoinError::panic(cell.header.id, payload)),
    };
    // Drop the future first, then store the output. A future's Drop may
    // panic after its `Ready` (a combinator dropping the branch that lost,
    // say): then the task panicked, and its output goes, as in tokio, which
    // drops the future inside the poll's catch. A panic after a panic
    // keeps the first.
    let output = match drop_stage(cell) {
        Ok(()) => output,
        Err(payload) => match output {
            Ok(value) => {
                if let Err(second) = catch_unwind(AssertUnwindSafe(|| drop(value))) {
                    discard_panic(second);
                }
                Err(JoinError::panic(cell.header.id, payload))
            }
            Err(first) => {
                discard_panic(payload);
                Err(first)
            }
        },
    };
    // SAFETY: we still hold RUNNING.
    unsafe { *stage = Stage::Finished(output) };
    Poll::Ready(())
}

/// Replaces the stage with `Consumed`, catching a panic from the drop. The
/// drop runs under the task's id, as its polls do: a future's `Drop` may
/// call `task::id()`. If the old value's `Drop` panics, the assignment
/// has still stored `Consumed` (Rust's drop-and-replace writes the new
/// value on the unwind path too): the value is never dropped twice.
fn drop_stage<F: Future, S>(cell: &Cell<F, S>) -> std::thread::Result<()> {
    let stage = cell.core.stage.get();
    let _id = id::enter(cell.header.id);
    // SAFETY: only the one party that owns the stage calls this: the
    // RUNNING holder, the JoinHandle after completion, or `complete` once
    // JOIN_INTEREST is gone (no handle will read the output).
    catch_unwind(AssertUnwindSafe(|| unsafe { *stage = Stage::Consumed }))
}

/// Wakes `waker`, one of a batch: the driver's due timers and I/O events,
/// or the waiters a semaphore, `Notify` or channel releases at once. A
/// user's waker (a foreign executor's, say) may panic. In the driver that
/// would unwind through the parked worker and leave it marked asleep; in a
/// batch it would leave the rest unwoken (holding permits they were
/// granted). So the panic stops here, and its message is printed by the
/// panic hook as usual.
pub(crate) fn wake_catching_panics(waker: Waker) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
        discard_panic(payload);
    }
}

/// [`wake_catching_panics`] for a waker that stays where it is (a oneshot
/// wakes the one it holds, from `send` or from a half's `Drop`).
pub(crate) fn wake_by_ref_catching_panics(waker: &Waker) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref())) {
        discard_panic(payload);
    }
}

/// Drops a waker, catching a panic from its `Drop` (a user's waker may do
/// anything): for a join waker, the runtime's bookkeeping after it must
/// still run; for a waiter's own waker dropped by a future's `Drop`, maybe
/// during an unwind, a second panic would abort.
pub(crate) fn drop_waker_catching_panics(waker: Option<Waker>) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(waker))) {
        discard_panic(payload);
    }
}

/// Drops a caught panic's payload, whose own `Drop` may panic in turn: that
/// second panic is caught too, and its payload leaked rather than dropped,
/// so that nothing unwinds out of the runtime's bookkeeping.
pub(crate) fn discard_panic(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(again);
    }
}

/// Drops the future of a cancelled task and stores the `JoinError`.
fn cancel<F: Future, S>(cell: &Cell<F, S>) {
    let id = cell.header.id;
    let error = match drop_stage(cell) {
        Ok(()) => JoinError::cancelled(id),
        Err(payload) => JoinError::panic(id, payload),
    };
    // SAFETY: we hold RUNNING.
    unsafe { *cell.core.stage.get() = Stage::Finished(Err(error)) };
}

/// Completes the task, drops its references, then frees the cell if those
/// were the last.
///
/// Dropping the references is where another thread may free the cell (a
/// `JoinHandle` or a waker dropped there takes the count to zero), so it
/// happens here, after `complete` has returned: `complete`'s `&Cell`
/// argument is protected for the whole call, and memory freed under a live
/// reference argument is undefined behaviour even if nothing reads it
/// again (Miri reports it). The count is dropped through a `&State`, all
/// atomics, which may be freed while in use (as `Arc`'s count is).
///
/// # Safety
/// As for `poll`: `ptr` is a live cell of these types, and the caller holds
/// the running reference.
unsafe fn finish<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: guaranteed by the caller; the borrow ends with the call.
    let refs = complete(unsafe { cell::<F, S>(ptr) }, ptr);
    // SAFETY: our references keep the header alive until this call drops
    // them; `state` is all atomics (see above).
    let last = unsafe { ptr.as_ref() }.state.transition_to_terminal(refs);
    if last {
        // SAFETY: those were the last references; no borrow of the cell remains.
        unsafe { dealloc::<F, S>(ptr) };
    }
}

/// RUNNING -> COMPLETE, wake the joiner, leave the owned list. Returns how
/// many references the caller must drop (ours, and the list's if it let
/// go): see `finish` for why not here.
fn complete<F: Future, S: Schedule>(cell: &Cell<F, S>, ptr: NonNull<Header>) -> usize {
    let snapshot = cell.header.state.transition_to_complete();
    if !snapshot.is_join_interested() {
        // Nobody will read the output: drop it here.
        if let Err(payload) = drop_stage(cell) {
            discard_panic(payload);
        }
    } else if snapshot.is_join_waker_set() {
        // SAFETY: JOIN_WAKER is set, so the runtime may read the field.
        if let Some(waker) = unsafe { &*cell.trailer.waker.get() } {
            // A user's waker may panic; the task must still complete, or it
            // would stay in the owned list with its references forever.
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref())) {
                discard_panic(payload);
            }
        }
        let after = cell.header.state.unset_waker_after_complete();
        if !after.is_join_interested() {
            // The handle went away meanwhile; the waker is ours to drop.
            // SAFETY: JOIN_WAKER is now clear and JOIN_INTEREST gone: no one else looks.
            let waker = unsafe { (*cell.trailer.waker.get()).take() };
            drop_waker_catching_panics(waker);
        }
    }
    // SAFETY: borrow the running reference as a Task without consuming it.
    let me = ManuallyDrop::new(unsafe { Task::<S>::from_raw(RawTask::from_header(ptr)) });
    match cell.core.scheduler().release(&me) {
        Some(list_ref) => {
            // Its count is dropped with ours, in `finish`.
            let _ = list_ref.into_raw();
            2
        }
        None => 1,
    }
}

/// Queues the task. Consumes one reference (it becomes the queue's).
///
/// # Safety
///
/// `ptr` is the header of a live cell made by `Cell::<F, S>::allocate`
/// (the vtable's functions are instantiated for exactly that cell), and the
/// caller gives up one reference it holds.
pub(super) unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller hands us a reference and the vtable matches.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the caller's reference becomes the Notified's.
    let task = unsafe { Task::from_raw(RawTask::from_header(ptr)) };
    cell.core.scheduler().schedule(Notified(task));
}

/// Frees the cell.
///
/// # Safety
///
/// `ptr` is the header of a live cell made by `Cell::<F, S>::allocate`
/// (the vtable's functions are instantiated for exactly that cell), and its
/// reference count has reached zero: no other pointer to it is used again.
pub(super) unsafe fn dealloc<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the reference count reached zero, so this is the only pointer,
    // and the cell was made by `Cell::<F, S>::allocate`.
    unsafe { Cell::<F, S>::deallocate(ptr) };
}

/// The JoinHandle's poll: move the output out, or leave a waker.
///
/// # Safety
///
/// `ptr` is the header of a live cell made by `Cell::<F, S>::allocate`
/// (the vtable's functions are instantiated for exactly that cell), and the
/// caller is the task's `JoinHandle`, whose reference keeps it alive; `dst`
/// points at a `Poll<Result<F::Output, JoinError>>` the caller owns.
pub(super) unsafe fn try_read_output<F: Future, S>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the JoinHandle holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    if !can_read_output(cell, waker) {
        return;
    }
    // SAFETY: COMPLETE is set and JOIN_INTEREST is ours: the stage is ours.
    let stage = unsafe { std::mem::replace(&mut *cell.core.stage.get(), Stage::Consumed) };
    let Stage::Finished(output) = stage else {
        panic!("a JoinHandle was polled again after it returned Ready");
    };
    let dst = dst.cast::<Poll<Result<F::Output, JoinError>>>();
    // SAFETY: the JoinHandle<F::Output> passed a pointer to its Poll slot.
    unsafe { *dst = Poll::Ready(output) };
}

/// Stores `waker` to be woken when the task completes, as a poll of the
/// `JoinHandle` would, without reading the output (a `JoinSet` learns the
/// order its tasks finish in this way); true if the task is complete
/// already, and nothing was stored.
///
/// # Safety
///
/// As for [`try_read_output`]: `ptr` is a live cell of exactly `F` and `S`,
/// and the caller is its `JoinHandle`.
pub(super) unsafe fn set_join_waker<F: Future, S>(ptr: NonNull<Header>, waker: &Waker) -> bool {
    // SAFETY: the JoinHandle holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    can_read_output(cell, waker)
}

/// True if the task is complete; otherwise makes sure `waker` is stored.
fn can_read_output<F: Future, S>(cell: &Cell<F, S>, waker: &Waker) -> bool {
    let state = &cell.header.state;
    let snapshot = state.load();
    if snapshot.is_complete() {
        return true;
    }
    if snapshot.is_join_waker_set() {
        // SAFETY: while JOIN_WAKER is set nobody writes the field: the
        // runtime writes it only after JOIN_INTEREST is gone, impossible
        // while this handle polls.
        let same = unsafe { &*cell.trailer.waker.get() }
            .as_ref()
            .is_some_and(|w| w.will_wake(waker));
        if same {
            return false;
        }
        // Take the field back before writing it; fails only on completion.
        if state.unset_join_waker().is_err() {
            return true;
        }
    }
    // SAFETY: JOIN_WAKER is clear: the handle has the field to itself.
    unsafe { *cell.trailer.waker.get() = Some(waker.clone()) };
    if state.set_join_waker().is_ok() {
        return false;
    }
    // Completed while we stored it: the runtime never saw it, drop it.
    // SAFETY: JOIN_WAKER is still clear.
    unsafe { *cell.trailer.waker.get() = None };
    true
}

/// The JoinHandle is dropped and the fast path failed.
///
/// # Safety
///
/// `ptr` is the header of a live cell made by `Cell::<F, S>::allocate`
/// (the vtable's functions are instantiated for exactly that cell), and the
/// caller is the dropped `JoinHandle`, whose reference this consumes.
pub(super) unsafe fn drop_join_handle_slow<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the JoinHandle holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    let dropped = cell.header.state.transition_to_join_handle_dropped();
    if dropped.drop_output
        && let Err(payload) = drop_stage(cell)
    {
        discard_panic(payload);
    }
    if dropped.drop_waker {
        // SAFETY: the transition gave the handle exclusive use of the field.
        let waker = unsafe { (*cell.trailer.waker.get()).take() };
        // Caught: the reference below must still go, or the cell leaks.
        drop_waker_catching_panics(waker);
    }
    RawTask::from_header(ptr).drop_reference();
}

/// Runtime shutdown: cancel the task unless another thread runs it (that
/// thread will see CANCELLED). Consumes the owned list's reference.
///
/// # Safety
///
/// `ptr` is the header of a live cell made by `Cell::<F, S>::allocate`
/// (the vtable's functions are instantiated for exactly that cell), and the
/// caller is the owned list, handing over the reference it held.
pub(super) unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the list's reference keeps it alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.header.state.transition_to_shutdown() {
        cancel(cell);
        // SAFETY: the shutdown claimed the task (RUNNING) with the list's reference.
        unsafe { finish::<F, S>(ptr) };
    } else {
        RawTask::from_header(ptr).drop_reference();
    }
}

//! The task's state word: one `AtomicUsize` that every thread touching a task
//! agrees on.
//!
//! ```text
//!   bit:  63 ........ 6 | 5          | 4             | 3         | 2        | 1        | 0
//!         ref count     | JOIN_WAKER | JOIN_INTEREST | CANCELLED | NOTIFIED | COMPLETE | RUNNING
//! ```
//!
//! The low bits say where the task is in its life; the high bits count the
//! references to the one allocation (the owned-task list, a queued
//! `Notified`, the `JoinHandle`, each `AbortHandle`, each `Waker`). Every transition is a single
//! compare-and-swap (or `fetch_*`) on this word, so a wake, a poll, an abort
//! and a join can race from different threads and still agree on who does
//! what. Each transition is one function below, and each says what it does
//! to the reference count.
//!
//! The invariants the rest of `task/` relies on:
//! - only the thread that set `RUNNING` touches the future;
//! - `COMPLETE` is set once, by the thread that ran the future to the end
//!   (or cancelled it), and from then on the output belongs to the
//!   `JoinHandle` (if `JOIN_INTEREST`) or to that thread (if not);
//! - before `COMPLETE`, `NOTIFIED` means exactly one `Notified` reference
//!   for this task is in a queue (or about to be), so a task is never
//!   queued twice; the exception is a wake or an abort during a poll
//!   (the abort sets it with `CANCELLED`) that the poll's end overtakes: a
//!   poll that completes the task, or a runner that then cancels it
//!   instead of queuing it, leaves `NOTIFIED` set with none queued through
//!   `COMPLETE`, meaning nothing (as it means nothing once `COMPLETE` in
//!   any case);
//! - the join waker field is written only by the `JoinHandle` while
//!   `JOIN_WAKER` is clear; while it is set nobody writes it, and both the
//!   runtime (to wake it) and the handle (to compare it with a new waker)
//!   may read it; after `COMPLETE`, with the handle gone, the runtime takes
//!   and drops it.

use crate::loom::atomic::{AtomicUsize, Ordering};

/// The task is being polled by some thread (or cancelled by a shutdown).
/// Set by `transition_to_running` or `transition_to_shutdown`, cleared by
/// `transition_to_idle` or `transition_to_complete`. Never
/// together with `COMPLETE`.
const RUNNING: usize = 0b00_0001;

/// The future has finished (or was cancelled) and its output, if any, is
/// stored. Set once, never cleared. Never together with `RUNNING`.
const COMPLETE: usize = 0b00_0010;

/// A `Notified` for this task is queued or about to be. Set by a wake, cleared
/// when a worker starts polling. Set while `RUNNING` means "poll again".
const NOTIFIED: usize = 0b00_0100;

/// The task was aborted (or the runtime is shutting down). The next thread to
/// get hold of it drops the future instead of polling it. Never cleared.
const CANCELLED: usize = 0b00_1000;

/// The `JoinHandle` still exists and wants the output. Cleared when it drops.
const JOIN_INTEREST: usize = 0b01_0000;

/// The `JoinHandle` has stored a waker in the trailer. While set, nobody
/// writes that field (the runtime and the handle may both read it); the
/// handle may only clear the bit while not `COMPLETE`.
const JOIN_WAKER: usize = 0b10_0000;

const LIFECYCLE: usize = RUNNING | COMPLETE;
const REF_SHIFT: u32 = 6;
const REF_ONE: usize = 1 << REF_SHIFT;

/// A freshly spawned task: queued once, joined by its handle, and referenced
/// three times (the owned-task list, the queued `Notified`, the `JoinHandle`).
const INITIAL: usize = (REF_ONE * 3) | JOIN_INTEREST | NOTIFIED;

/// A copy of the state word at one moment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
    fn is_idle(self) -> bool {
        self.0 & LIFECYCLE == 0
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}

/// What the caller of `transition_to_running` must do next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// Poll the future.
    Poll,
    /// The task was cancelled: drop the future and complete it as cancelled.
    Cancel,
    /// Someone else runs it or it is complete; our reference was dropped.
    Skip,
    /// As `Skip`, and ours was the last reference: free the cell.
    Dealloc,
}

/// What the caller of `transition_to_idle` must do next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Nothing: the task waits for a wake. Our reference was dropped.
    Idle,
    /// Woken while running: queue it again (our reference goes with it).
    Reschedule,
    /// Aborted while running: drop the future and complete it as cancelled.
    Cancel,
}

/// What the caller of a wake must do next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToNotified {
    /// Queue the task; the caller holds a reference for the queue.
    Submit,
    /// Nothing to do.
    Nothing,
    /// Nothing to do, and the caller's reference was the last: free the cell.
    Dealloc,
}

/// What the `JoinHandle` must clean up when it is dropped.
pub(crate) struct ToJoinHandleDropped {
    /// The task is complete: the handle owns the output and must drop it.
    pub(crate) drop_output: bool,
    /// The handle has exclusive access to the join waker and must drop it.
    pub(crate) drop_waker: bool,
}

/// The atomic state word of one task.
pub(crate) struct State {
    word: AtomicUsize,
}

impl State {
    pub(crate) fn new() -> State {
        State {
            word: AtomicUsize::new(INITIAL),
        }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.word.load(Ordering::Acquire))
    }

    /// Applies `f` in a CAS loop; `f` returns the action and the new word, or
    /// `None` to leave the word as it is.
    fn update<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut current = self.load();
        loop {
            let (action, next) = f(current);
            let Some(next) = next else { return action };
            match self.word.compare_exchange_weak(
                current.0,
                next.0,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return action,
                Err(actual) => current = Snapshot(actual),
            }
        }
    }

    /// A worker took a `Notified` out of a queue and wants to poll it. The
    /// queue's reference becomes the running reference.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.update(|s| {
            debug_assert!(s.is_notified());
            if !s.is_idle() {
                // Already running elsewhere or complete (for example
                // cancelled by shutdown): this Notified is stale.
                let next = Snapshot(s.0 - REF_ONE);
                let action = if next.ref_count() == 0 {
                    ToRunning::Dealloc
                } else {
                    ToRunning::Skip
                };
                return (action, Some(next));
            }
            let next = Snapshot((s.0 | RUNNING) & !NOTIFIED);
            let action = if s.is_cancelled() {
                ToRunning::Cancel
            } else {
                ToRunning::Poll
            };
            (action, Some(next))
        })
    }

    /// The future returned `Pending`. Never leaves the running reference at
    /// zero: a `Reschedule` keeps it for the queue.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.update(|s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (ToIdle::Cancel, None);
            }
            let next = s.0 & !RUNNING;
            if s.is_notified() {
                (ToIdle::Reschedule, Some(Snapshot(next)))
            } else {
                debug_assert!(s.ref_count() >= 2, "someone else must keep it alive");
                (ToIdle::Idle, Some(Snapshot(next - REF_ONE)))
            }
        })
    }

    /// The future finished or was dropped: RUNNING -> COMPLETE in one step.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.word.fetch_xor(RUNNING | COMPLETE, Ordering::AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        Snapshot(prev.0 ^ (RUNNING | COMPLETE))
    }

    /// A wake that consumes a `Waker` (and the reference it holds). On
    /// `Submit` the caller queues the task and then drops the waker's
    /// reference.
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.update(|s| {
            if s.is_running() {
                // The runner will see NOTIFIED in transition_to_idle and
                // requeue; the waker's reference is not needed.
                let next = Snapshot((s.0 | NOTIFIED) - REF_ONE);
                debug_assert!(next.ref_count() > 0);
                (ToNotified::Nothing, Some(next))
            } else if s.is_complete() || s.is_notified() {
                let next = Snapshot(s.0 - REF_ONE);
                let action = if next.ref_count() == 0 {
                    ToNotified::Dealloc
                } else {
                    ToNotified::Nothing
                };
                (action, Some(next))
            } else {
                // A new reference for the queue. The waker keeps its own
                // until `schedule` returns: the moment the task is queued,
                // another worker may run it to completion, and the cell must
                // outlive the `schedule` call that still reads it.
                (
                    ToNotified::Submit,
                    Some(Snapshot((s.0 | NOTIFIED) + REF_ONE)),
                )
            }
        })
    }

    /// A wake through `&Waker`: takes a new reference if the task must be queued.
    pub(crate) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.update(|s| {
            if s.is_complete() || s.is_notified() {
                (ToNotified::Nothing, None)
            } else if s.is_running() {
                (ToNotified::Nothing, Some(Snapshot(s.0 | NOTIFIED)))
            } else {
                let next = Snapshot((s.0 | NOTIFIED) + REF_ONE);
                (ToNotified::Submit, Some(next))
            }
        })
    }

    /// An abort from a handle: mark CANCELLED and, if the task is idle, queue
    /// it so that a worker drops its future.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> bool {
        self.update(|s| {
            if s.is_cancelled() || s.is_complete() {
                (false, None)
            } else if s.is_running() || s.is_notified() {
                // The runner (or the worker that dequeues it) sees CANCELLED.
                (false, Some(Snapshot(s.0 | CANCELLED | NOTIFIED)))
            } else {
                let next = Snapshot((s.0 | CANCELLED | NOTIFIED) + REF_ONE);
                (true, Some(next))
            }
        })
    }

    /// Shutdown: mark CANCELLED, and claim the task (set RUNNING) if it is
    /// idle. Returns whether the caller now owns the future and must cancel it.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.update(|s| {
            let mut next = s.0 | CANCELLED;
            let claimed = s.is_idle();
            if claimed {
                next |= RUNNING;
            }
            (claimed, Some(Snapshot(next)))
        })
    }

    /// Drops `count` references after completion; true if they were the last.
    pub(crate) fn transition_to_terminal(&self, count: usize) -> bool {
        let prev = Snapshot(self.word.fetch_sub(count * REF_ONE, Ordering::AcqRel));
        debug_assert!(prev.ref_count() >= count);
        prev.ref_count() == count
    }

    /// The `JoinHandle` is dropped while the word equals `INITIAL`: the
    /// task is fresh (the common fast path of a detached spawn), or idle
    /// and queued again with no join waker stored, which the slow path
    /// would treat the same.
    pub(crate) fn drop_join_handle_fast(&self) -> bool {
        self.word
            .compare_exchange(
                INITIAL,
                (INITIAL - REF_ONE) & !JOIN_INTEREST,
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_ok()
    }

    /// The `JoinHandle` is dropped: clear JOIN_INTEREST, and JOIN_WAKER too
    /// while the task is not complete (which hands the waker field back to
    /// the handle).
    pub(crate) fn transition_to_join_handle_dropped(&self) -> ToJoinHandleDropped {
        self.update(|s| {
            debug_assert!(s.is_join_interested());
            let mut next = s.0 & !JOIN_INTEREST;
            if !s.is_complete() {
                next &= !JOIN_WAKER;
            }
            let action = ToJoinHandleDropped {
                drop_output: s.is_complete(),
                drop_waker: next & JOIN_WAKER == 0,
            };
            (action, Some(Snapshot(next)))
        })
    }

    /// The handle stored a waker: publish it. Fails (returning the state) if
    /// the task completed meanwhile, in which case the handle reads the output.
    pub(crate) fn set_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                (Err(s), None)
            } else {
                (Ok(()), Some(Snapshot(s.0 | JOIN_WAKER)))
            }
        })
    }

    /// The handle wants to replace its waker: take the field back. Fails if
    /// the task completed meanwhile (the runtime may be reading the field).
    pub(crate) fn unset_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|s| {
            // The task may have completed since the handle looked, and the
            // runtime may already have woken its waker and cleared the bit.
            debug_assert!(s.is_join_interested() && (s.is_complete() || s.is_join_waker_set()));
            if s.is_complete() {
                (Err(s), None)
            } else {
                (Ok(()), Some(Snapshot(s.0 & !JOIN_WAKER)))
            }
        })
    }

    /// The runtime finished waking the join waker after completion: hand the
    /// field back. Returns the new state (if JOIN_INTEREST is gone, the
    /// runtime drops the waker itself).
    pub(crate) fn unset_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.word.fetch_and(!JOIN_WAKER, Ordering::AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.word.fetch_add(REF_ONE, Ordering::Relaxed);
        // Only leaked wakers (`mem::forget` of clones: about 2^57 of them
        // on a 64-bit target, 2^25 on a 32-bit one) get here. Aborted, as `Arc` and tokio do: a panic could be
        // caught, and the count, already past its top half, would go on
        // towards wrapping to a cell freed under live references.
        if prev > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// Drops one reference; true if it was the last.
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.word.fetch_sub(REF_ONE, Ordering::AcqRel));
        debug_assert!(prev.ref_count() >= 1);
        prev.ref_count() == 1
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

//! What other threads can reach of one worker: its stealer, its parker, its
//! LIFO slot and its counters.
//!
//! The LIFO slot lives here, in shared memory, rather than inside the
//! worker's private `Core`, for one reason: if the worker gets stuck inside a
//! poll (a task that blocks its thread), the task it had just woken would be
//! stranded in a private slot until the poll ends. tokio has exactly that
//! problem (its issues 4941 and 4730). Here the watchdog can empty the slot
//! of a stuck worker into the injector. The price is one atomic swap per
//! LIFO push and pop, uncontended in the normal case.

use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

use crossbeam_deque::Stealer;

use super::Handle;
use super::park::Parker;
use crate::task::{Header, Notified};

/// A one-task slot that the owner and the watchdog both may empty.
pub(crate) struct LifoSlot(AtomicPtr<Header>);

impl LifoSlot {
    fn new() -> LifoSlot {
        LifoSlot(AtomicPtr::new(ptr::null_mut()))
    }

    /// Puts `task` in the slot, returning the previous occupant.
    pub(crate) fn replace(&self, task: Notified<Handle>) -> Option<Notified<Handle>> {
        let previous = self.0.swap(task.into_raw().as_ptr(), Ordering::AcqRel);
        // SAFETY: every non-null pointer in the slot came from
        // `Notified::<Handle>::into_raw` and is taken out exactly once (swap).
        NonNull::new(previous).map(|p| unsafe { Notified::from_raw(p) })
    }

    /// Empties the slot.
    pub(crate) fn take(&self) -> Option<Notified<Handle>> {
        if self.0.load(Ordering::Relaxed).is_null() {
            return None;
        }
        let previous = self.0.swap(ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: as in `replace`.
        NonNull::new(previous).map(|p| unsafe { Notified::from_raw(p) })
    }

    pub(crate) fn is_occupied(&self) -> bool {
        !self.0.load(Ordering::Relaxed).is_null()
    }
}

impl Drop for LifoSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}

/// A worker's counters, read by metrics and the watchdog. The counts are
/// written only by their worker (a load and a store, no read-modify-write);
/// `current_task` is swapped at a `block_in_place` hand-over
/// (`handoff.rs`), and `reported_poll` raised with `fetch_max` by both the
/// worker and the watchdog.
///
/// Aligned to its own cache lines: the worker writes them on every poll,
/// while other workers keep reading this worker's stealer and LIFO slot; on
/// shared lines every poll would steal those lines from the readers (false
/// sharing, which measured as a 10-15 % slowdown of spawn-heavy rows).
#[derive(Default)]
#[repr(align(128))]
pub(crate) struct WorkerStats {
    pub(crate) polls: AtomicU64,
    pub(crate) steals: AtomicU64,
    /// Parks: bumped after the worker's last look for work found none, not
    /// at every call of `park`, as tokio counts them.
    pub(crate) parks: AtomicU64,
    /// Bumped as the worker parks and again as it wakes: odd while it is
    /// parked (tokio's `worker_park_unpark_count`).
    pub(crate) park_unparks: AtomicU64,
    pub(crate) busy_ns: AtomicU64,
    /// Id of the task being polled, 0 between polls.
    pub(crate) current_task: AtomicU64,
    /// The value of `polls` during the poll the watchdog last reported.
    pub(crate) reported_poll: AtomicU64,
    /// The value of `polls` for the rest of a poll whose thread took its
    /// core back from another (`handoff.rs`): its length from its start is
    /// no stall of this worker, so its end is not checked (the watchdog
    /// still watches it, from the take-back on).
    pub(crate) resumed_poll: AtomicU64,
}

impl WorkerStats {
    pub(crate) fn bump(counter: &AtomicU64, by: u64) {
        counter.store(counter.load(Ordering::Relaxed) + by, Ordering::Relaxed);
    }
}

/// One worker as seen from other threads.
#[repr(align(128))]
pub(crate) struct Remote {
    pub(crate) stealer: Stealer<Notified<Handle>>,
    pub(crate) parker: Parker,
    pub(crate) lifo: LifoSlot,
    /// Whether the task last pushed onto this worker's queue yielded while
    /// a task it had woken waited in the LIFO slot: the shape of a producer
    /// and its consumer taking turns (`queue::taking_turns`).
    pub(crate) pushed_beside_woken: AtomicBool,
    /// Whether a thief has declined this worker's queued task
    /// (`queue::taking_turns`) since one last took a task from it or the
    /// worker last parked: set by the declining thief, cleared by a thief
    /// that steals from this worker and by the worker as it parks (a thief
    /// whose watch began before the park may set it again just after:
    /// the cost is bounded as below). While
    /// set, the pair's yields wake fewer helpers
    /// (`Core::yield_wakes_helper`). `pushed_beside_woken` says how the
    /// worker's last push came about, and thieves read it; this says what
    /// a thief concluded, and the worker reads it.
    pub(crate) turns_seen: AtomicBool,
    pub(crate) stats: WorkerStats,
}

impl Remote {
    pub(crate) fn new(stealer: Stealer<Notified<Handle>>) -> Remote {
        Remote {
            stealer,
            parker: Parker::new(),
            lifo: LifoSlot::new(),
            pushed_beside_woken: AtomicBool::new(false),
            turns_seen: AtomicBool::new(false),
            stats: WorkerStats::default(),
        }
    }

    /// Notes how the task just pushed onto this worker's queue got there
    /// (see `pushed_beside_woken`); written only when that changes, so
    /// the thieves reading this line lose it only when it does.
    pub(crate) fn note_push(&self, beside_woken: bool) {
        if self.pushed_beside_woken.load(Ordering::Relaxed) != beside_woken {
            self.pushed_beside_woken
                .store(beside_woken, Ordering::Relaxed);
        }
    }

    /// Notes what a thief found (see `turns_seen`); written only when that
    /// changes, as `note_push` writes.
    pub(crate) fn note_turns_seen(&self, seen: bool) {
        if self.turns_seen.load(Ordering::Relaxed) != seen {
            self.turns_seen.store(seen, Ordering::Relaxed);
        }
    }

    /// Whether this worker has queued work another could steal (the LIFO
    /// slot is not stealable: its owner runs it next).
    pub(crate) fn has_stealable_work(&self) -> bool {
        !self.stealer.is_empty()
    }
}

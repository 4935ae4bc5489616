//! A source's readiness word: which directions may be ready, and a count
//! of the events that said so, in one atomic.
//!
//! ```text
//!   tick << 4 | URGENT | READ_CLOSED | WRITE | READ
//! ```
//!
//! Two parties write it. The reactor [`record`](Word::record)s each event:
//! it sets the event's bits and adds one to the tick, in one step. A task
//! whose operation said `WouldBlock` [`clear`](Word::clear)s its direction,
//! but only from the [`snapshot`](Word::snapshot) it took *before* the
//! operation: a compare-and-swap against that snapshot, which fails if any
//! event was recorded since. So a stale "not ready" never wipes out a newer
//! event; at worst it costs the task one more attempt. The loom model at
//! the end of this file checks that in every interleaving.

use super::source::Direction;
use crate::loom::atomic::{AtomicUsize, Ordering};

/// The readiness bits of a direction.
pub(super) const READ: usize = 0b001;
pub(super) const WRITE: usize = 0b010;
/// The peer closed its writing side: reads end (or fail) without waiting.
/// A short read leaves it set; only a read that would block clears it (see
/// `Source::clear_readiness`).
pub(super) const READ_CLOSED: usize = 0b100;
/// TCP urgent data is pending: a short read is not a drained one. Cleared
/// with `READ` by a read that would block.
pub(super) const URGENT: usize = 0b1000;
/// The event counter sits above the four bits.
const TICK_ONE: usize = 0b1_0000;

/// A copy of a source's readiness word, taken before an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadinessSnapshot(usize);

impl ReadinessSnapshot {
    /// The word as a number, to remember it in an atomic.
    pub(crate) fn word(self) -> usize {
        self.0
    }

    pub(crate) fn is_ready(self, direction: Direction) -> bool {
        let bits = match direction {
            Direction::Read => READ | READ_CLOSED,
            Direction::Write => WRITE,
        };
        self.0 & bits != 0
    }
}

/// The word itself.
pub(super) struct Word(AtomicUsize);

impl Word {
    pub(super) fn new() -> Word {
        Word(AtomicUsize::new(0))
    }

    /// The word now; pass it back to [`clear`](Word::clear).
    pub(super) fn snapshot(&self) -> ReadinessSnapshot {
        ReadinessSnapshot(self.0.load(Ordering::Acquire))
    }

    /// An event: sets `bits` and counts the event, in one step.
    pub(super) fn record(&self, bits: usize) {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            let next = (current | bits).wrapping_add(TICK_ONE);
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// Clears `bits`, unless an event was recorded after `seen` was taken.
    pub(super) fn clear(&self, bits: usize, seen: ReadinessSnapshot) {
        let cleared = seen.0 & !bits;
        // A failure means the tick moved: keep the newer readiness.
        let _ = self
            .0
            .compare_exchange(seen.0, cleared, Ordering::AcqRel, Ordering::Acquire);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::{Arc, thread};

    /// A task takes its snapshot, its read says `WouldBlock`, and it clears
    /// `READ`, while the reactor records a readable event. Whatever the
    /// interleaving, the event survives unless the task's snapshot already
    /// counted it (then the task's own read came after the event's bytes
    /// were taken, and clearing is right).
    #[test]
    fn a_stale_would_block_never_clears_a_newer_event() {
        loom::model(|| {
            let word = Arc::new(Word::new());
            word.record(READ);
            let reactor = {
                let word = word.clone();
                thread::spawn(move || word.record(READ))
            };
            let seen = word.snapshot();
            word.clear(READ, seen);
            reactor.join().unwrap();
            let now = word.snapshot();
            let event_counted_in_seen = seen.word() >> 4 == 2;
            assert!(
                now.is_ready(Direction::Read) || event_counted_in_seen,
                "an event recorded after the snapshot was cleared"
            );
            assert_eq!(now.word() >> 4, 2, "both events counted");
        });
    }

    /// Two events racing each other (a worker's driver check and another
    /// thread's) both count, and both sets of bits stay.
    #[test]
    fn concurrent_events_all_count() {
        loom::model(|| {
            let word = Arc::new(Word::new());
            let writer = {
                let word = word.clone();
                thread::spawn(move || word.record(WRITE))
            };
            word.record(READ);
            writer.join().unwrap();
            let now = word.snapshot();
            assert!(now.is_ready(Direction::Read) && now.is_ready(Direction::Write));
            assert_eq!(now.word() >> 4, 2);
        });
    }
}

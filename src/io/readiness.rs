//! A source's readiness word: which directions may be ready, and for each
//! direction a count of the events that said so, in one atomic.
//!
//! ```text
//!   write tick | read tick | WRITE_CLOSED | URGENT | READ_CLOSED | WRITE | READ
//! ```
//!
//! Two parties write it. The reactor [`record`](Word::record)s each event:
//! it sets the event's bits and adds one to the tick of each direction the
//! event speaks for, in one step. A task whose operation said `WouldBlock`
//! [`clear`](Word::clear)s its direction, but only if that direction's tick
//! still equals the one in the [`snapshot`](Word::snapshot) it took
//! *before* the operation: a stale "not ready" never wipes out a newer
//! event, at worst it costs the task one more attempt. An event for the
//! other direction (a socket's writable edge while a task reads) moves only
//! the other tick, so it neither stops the clear nor makes `readable()`
//! take the bit for news (see `registration.rs`). The loom models at the
//! end of this file check both in every interleaving.
//!
//! Each tick has half the bits above the flags (29 on a 64-bit target, 13
//! on a 32-bit one) and wraps: a clear could only be fooled by exactly a
//! full turn of events for its direction between its snapshot and its
//! compare-and-swap, microseconds apart.

use super::source::Direction;
use crate::loom::atomic::{AtomicUsize, Ordering};

/// The readiness bits of a direction.
pub(super) const READ: usize = 0b001;
pub(super) const WRITE: usize = 0b010;
/// The peer closed its writing side: reads end (or fail) without waiting.
/// A short read leaves it set; only a read that would block clears it (see
/// `Source::clear_readiness`), or `poll(2)` saying "not readable" when
/// `readable()` asks the kernel (`registration.rs`).
pub(super) const READ_CLOSED: usize = 0b100;
/// TCP urgent data is pending: a short read is not a drained one. Cleared
/// with `READ` by a read that would block.
pub(super) const URGENT: usize = 0b1000;
/// Writing can no longer succeed (the descriptor hung up, or reports an
/// error: a pipe whose reader is gone): writes fail without waiting. As
/// `READ_CLOSED`, only a write that would block clears it (or `poll(2)`
/// saying "not writable").
pub(super) const WRITE_CLOSED: usize = 0b1_0000;
/// The bits an event for each direction may set.
const READ_BITS: usize = READ | READ_CLOSED | URGENT;
const WRITE_BITS: usize = WRITE | WRITE_CLOSED;
/// The two event counters sit above the five bits, side by side.
const FLAG_BITS: u32 = 5;
const TICK_BITS: u32 = (usize::BITS - FLAG_BITS) / 2;
const READ_TICK_ONE: usize = 1 << FLAG_BITS;
const READ_TICK: usize = ((1 << TICK_BITS) - 1) << FLAG_BITS;
const WRITE_TICK_ONE: usize = 1 << (FLAG_BITS + TICK_BITS);
const WRITE_TICK: usize = ((1 << TICK_BITS) - 1) << (FLAG_BITS + TICK_BITS);

/// A direction's bits and tick in the word.
fn view(direction: Direction) -> (usize, usize) {
    match direction {
        Direction::Read => (READ_BITS, READ_TICK),
        Direction::Write => (WRITE_BITS, WRITE_TICK),
    }
}

/// `word` with the tick under `mask` one higher, wrapping inside its field.
fn bump(word: usize, one: usize, mask: usize) -> usize {
    (word & !mask) | (word & mask).wrapping_add(one) & mask
}

/// A copy of a source's readiness word, taken before an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadinessSnapshot(usize);

impl ReadinessSnapshot {
    /// The word as a number, to remember it in an atomic.
    pub(crate) fn word(self) -> usize {
        self.0
    }

    /// A snapshot remembered by [`word`](Self::word).
    pub(crate) fn from_word(word: usize) -> ReadinessSnapshot {
        ReadinessSnapshot(word)
    }

    pub(crate) fn is_ready(self, direction: Direction) -> bool {
        let bits = match direction {
            Direction::Read => READ | READ_CLOSED,
            Direction::Write => WRITE | WRITE_CLOSED,
        };
        self.0 & bits != 0
    }

    /// Whether `word` (an earlier snapshot's) says the same as this one
    /// about `direction`: same bits, and no event for it in between.
    pub(crate) fn same_for(self, direction: Direction, word: usize) -> bool {
        let (bits, tick) = view(direction);
        (self.0 ^ word) & (bits | tick) == 0
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

    /// An event: sets `bits` and counts it for each direction it speaks
    /// for, in one step. (An event with no bits counts for both, to be safe.)
    pub(super) fn record(&self, bits: usize) {
        let for_read = bits & READ_BITS != 0 || bits == 0;
        let for_write = bits & WRITE_BITS != 0 || bits == 0;
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            let mut next = current | bits;
            if for_read {
                next = bump(next, READ_TICK_ONE, READ_TICK);
            }
            if for_write {
                next = bump(next, WRITE_TICK_ONE, WRITE_TICK);
            }
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// Clears `bits` (some of `direction`'s), unless an event for
    /// `direction` was recorded after `seen` was taken. Events for the
    /// other direction meanwhile do not stop it.
    pub(super) fn clear(&self, direction: Direction, bits: usize, seen: ReadinessSnapshot) {
        let (_, tick) = view(direction);
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            if (current ^ seen.0) & tick != 0 {
                // A newer event for this direction stands.
                return;
            }
            match self.0.compare_exchange_weak(
                current,
                current & !bits,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }
}

/// The read tick of a word, for tests.
#[cfg(test)]
fn read_tick(word: usize) -> usize {
    (word & READ_TICK) >> FLAG_BITS
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Ticks wrap inside their own field: a full turn of read events
    /// leaves the write tick and the flags alone.
    #[test]
    fn a_tick_wraps_inside_its_field() {
        let word = Word(AtomicUsize::new(READ_TICK | WRITE_TICK_ONE));
        word.record(READ);
        let now = word.snapshot().word();
        assert_eq!(read_tick(now), 0, "the read tick wrapped");
        assert_eq!(
            now & WRITE_TICK,
            WRITE_TICK_ONE,
            "the write tick did not move"
        );
        assert_eq!(now & (READ | WRITE), READ);
    }

    /// A writable event between a reader's snapshot and its clear neither
    /// stops the clear nor counts as news for reads.
    #[test]
    fn an_event_for_the_other_direction_does_not_stop_a_clear() {
        let word = Word::new();
        word.record(READ);
        let seen = word.snapshot();
        word.record(WRITE);
        assert!(seen.same_for(Direction::Read, word.snapshot().word()));
        assert!(!seen.same_for(Direction::Write, word.snapshot().word()));
        word.clear(Direction::Read, READ_BITS, seen);
        let now = word.snapshot();
        assert!(
            !now.is_ready(Direction::Read),
            "the read clear went through"
        );
        assert!(now.is_ready(Direction::Write), "the writable event stands");
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::{Arc, thread};

    /// The race both models below explore: the read side is ready, a task
    /// takes its snapshot, its read says `WouldBlock` and it clears the
    /// read bits, while the reactor records an event with `bits`. Returns
    /// the task's snapshot and the word at the end.
    fn clear_racing_an_event(bits: usize) -> (ReadinessSnapshot, ReadinessSnapshot) {
        let word = Arc::new(Word::new());
        word.record(READ);
        let reactor = {
            let word = word.clone();
            thread::spawn(move || word.record(bits))
        };
        let seen = word.snapshot();
        word.clear(Direction::Read, READ_BITS, seen);
        reactor.join().unwrap();
        (seen, word.snapshot())
    }

    /// Against a readable event, whatever the interleaving, the event
    /// survives unless the task's snapshot already counted it (then the
    /// task's own read came after the event's bytes were taken, and
    /// clearing is right).
    #[test]
    fn a_stale_would_block_never_clears_a_newer_event() {
        loom::model(|| {
            let (seen, now) = clear_racing_an_event(READ);
            let event_counted_in_seen = read_tick(seen.word()) == 2;
            assert!(
                now.is_ready(Direction::Read) || event_counted_in_seen,
                "an event recorded after the snapshot was cleared"
            );
            assert_eq!(read_tick(now.word()), 2, "both events counted");
        });
    }

    /// Against a writable event, the clear always goes through, and the
    /// writable bit always stays.
    #[test]
    fn an_event_for_the_other_direction_never_blocks_a_clear() {
        loom::model(|| {
            let (_, now) = clear_racing_an_event(WRITE);
            assert!(!now.is_ready(Direction::Read), "the read clear was lost");
            assert!(
                now.is_ready(Direction::Write),
                "the writable event was lost"
            );
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
            assert_eq!(read_tick(now.word()), 1);
            assert_eq!(now.word() & WRITE_TICK, WRITE_TICK_ONE);
        });
    }
}

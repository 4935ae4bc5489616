//! The bounded channel's buffer: a lock-free ring of stamped slots.
//!
//! This is Dmitry Vyukov's bounded MPMC queue, as crossbeam's array channel
//! uses it. Senders race on `tail`, receivers on `head`; neither side takes a
//! lock, and in the one-producer one-consumer case each side keeps its own
//! index in its own cache line, so the only shared lines are the slots.
//!
//! ```text
//!  position = lap | index          (lap counts trips around the ring)
//!
//!  slot.stamp == position      the slot is free for the sender at `position`
//!  slot.stamp == position + 1  the slot holds the value sent at `position`
//!  after the receive, stamp = position + one_lap (free for the next lap)
//!
//!   head ─┐          ┌─ tail
//!        [v][v][v][v][ ][ ][ ]     len = tail - head
//! ```
//!
//! A sender claims `tail` by compare-and-swap, writes the value, then
//! publishes it by storing the stamp (Release); a receiver that sees that
//! stamp (Acquire) owns the value. **Closing** sets `MARK` in `tail` itself,
//! so "send" and "close" are ordered by the same compare-and-swap: a send
//! either lands before the close (and receivers drain it) or fails. A
//! receiver reports `Closed` only when the queue is empty *and* marked.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;

use super::queue::{Pop, Push};
use crate::loom::atomic::{AtomicUsize, Ordering, fence};

/// Keeps `head` and `tail` on separate cache lines (128 bytes covers the
/// adjacent-line prefetcher of x86 and the line size of Apple's cores).
#[repr(align(128))]
struct CachePadded<T>(T);

struct Slot<T> {
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// A bounded MPMC queue; see the module doc.
pub(super) struct Ring<T> {
    head: CachePadded<AtomicUsize>,
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    /// The bit of `tail` that says "closed"; also `index`'s upper bound.
    mark: usize,
    /// The value that adds one lap to a position.
    one_lap: usize,
}

// SAFETY: a value crosses threads by being sent, so `T: Send` suffices; each
// slot's value is touched by one thread at a time, which the stamps enforce.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above: shared access only goes through the stamp protocol.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    pub(super) fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a ring needs at least one slot");
        let mark = (capacity + 1).next_power_of_two();
        // Asked for first, so that a capacity past what can be allocated
        // panics with a message instead of aborting the process.
        let mut slots = Vec::new();
        if slots.try_reserve_exact(capacity).is_err() {
            panic!(
                "corio::sync::channel::bounded({capacity}): its slots need more memory than can be allocated"
            );
        }
        slots.extend((0..capacity).map(|i| Slot {
            stamp: AtomicUsize::new(i),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }));
        let slots = slots.into_boxed_slice();
        Ring {
            head: CachePadded(AtomicUsize::new(0)),
            tail: CachePadded(AtomicUsize::new(0)),
            slots,
            mark,
            one_lap: mark * 2,
        }
    }

    pub(super) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The position after `position`: the next index, or index 0 of the next lap.
    fn advance(&self, position: usize) -> usize {
        let index = position & (self.mark - 1);
        if index + 1 < self.slots.len() {
            position + 1
        } else {
            (position & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    pub(super) fn push(&self, value: T) -> Result<(), Push<T>> {
        let mut spins = Spins::default();
        let mut tail = self.tail.0.load(Ordering::Relaxed);
        loop {
            if tail & self.mark != 0 {
                return Err(Push::Closed(value));
            }
            let slot = &self.slots[tail & (self.mark - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == tail {
                // The slot is free for this lap: claim the position.
                let next = self.advance(tail);
                match self.tail.0.compare_exchange_weak(
                    tail,
                    next,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the CAS at `tail` while the stamp
                        // said "free" makes this thread the slot's only user
                        // until it publishes the stamp below.
                        unsafe { (*slot.value.get()).write(value) };
                        slot.stamp.store(tail + 1, Ordering::Release);
                        return Ok(());
                    }
                    Err(current) => tail = current,
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds last lap's value: full, unless a
                // receiver has just moved `head` past it.
                fence(Ordering::SeqCst);
                let head = self.head.0.load(Ordering::Relaxed);
                if head.wrapping_add(self.one_lap) == tail {
                    return Err(Push::Full(value));
                }
                // It has: wait for its stamp (a receiver between its `head`
                // CAS and its stamp store), yielding if that takes long, as
                // `pop` does; a bare reload spun while that thread was
                // descheduled (found by a loom model).
                spins.snooze();
                tail = self.tail.0.load(Ordering::Relaxed);
            } else {
                // Another sender claimed this position and is mid-write.
                spins.snooze();
                tail = self.tail.0.load(Ordering::Relaxed);
            }
        }
    }

    pub(super) fn pop(&self) -> Pop<T> {
        let mut spins = Spins::default();
        let mut head = self.head.0.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[head & (self.mark - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == head + 1 {
                // A value was published at `head`: claim it.
                let next = self.advance(head);
                match self.head.0.compare_exchange_weak(
                    head,
                    next,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the Acquire load saw the sender's write; the
                        // won CAS makes us the only reader; the stamp store
                        // below hands the slot back only after the read.
                        let value = unsafe { (*slot.value.get()).assume_init_read() };
                        slot.stamp
                            .store(head.wrapping_add(self.one_lap), Ordering::Release);
                        return Pop::Value(value);
                    }
                    Err(current) => head = current,
                }
            } else if stamp == head {
                // Nothing published here yet: empty, unless a sender has
                // claimed the position and is about to publish.
                fence(Ordering::SeqCst);
                let tail = self.tail.0.load(Ordering::Relaxed);
                if tail & !self.mark == head {
                    return if tail & self.mark != 0 {
                        Pop::Closed
                    } else {
                        Pop::Empty
                    };
                }
                spins.snooze();
                head = self.head.0.load(Ordering::Relaxed);
            } else {
                // Another receiver took this slot; catch up.
                spins.snooze();
                head = self.head.0.load(Ordering::Relaxed);
            }
        }
    }

    /// Marks the ring closed; `true` if this call did it.
    pub(super) fn close(&self) -> bool {
        self.tail.0.fetch_or(self.mark, Ordering::SeqCst) & self.mark == 0
    }

    pub(super) fn is_closed(&self) -> bool {
        self.tail.0.load(Ordering::SeqCst) & self.mark != 0
    }

    pub(super) fn len(&self) -> usize {
        loop {
            let tail = self.tail.0.load(Ordering::SeqCst);
            let head = self.head.0.load(Ordering::SeqCst);
            // A consistent pair: `tail` did not move while `head` was read.
            if self.tail.0.load(Ordering::SeqCst) == tail {
                let head_index = head & (self.mark - 1);
                let tail_index = tail & (self.mark - 1);
                return if head_index < tail_index {
                    tail_index - head_index
                } else if head_index > tail_index {
                    self.slots.len() - head_index + tail_index
                } else if tail & !self.mark == head {
                    0
                } else {
                    self.slots.len()
                };
            }
        }
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // Exclusive access: no other thread is mid-write, so this ends.
        while let Pop::Value(value) = self.pop() {
            drop(value);
        }
    }
}

/// Busy-waiting while another thread finishes a write it has claimed: spin
/// briefly, then yield the thread (which is also what lets loom move on).
#[derive(Default)]
struct Spins(u32);

impl Spins {
    fn snooze(&mut self) {
        if self.0 < 6 {
            for _ in 0..1 << self.0 {
                std::hint::spin_loop();
            }
            self.0 += 1;
        } else {
            crate::loom::thread::yield_now();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn wraps_around_many_laps_in_order() {
        let ring = Ring::new(3);
        let mut next = 0;
        for round in 0..100 {
            for i in 0..=(round % 3) {
                assert!(ring.push(round * 10 + i).is_ok());
            }
            assert_eq!(ring.len(), round % 3 + 1);
            for i in 0..=(round % 3) {
                assert!(matches!(ring.pop(), Pop::Value(v) if v == round * 10 + i));
                next += 1;
            }
            assert!(matches!(ring.pop(), Pop::Empty));
        }
        assert_eq!(next, (0..100).map(|round| round % 3 + 1).sum::<i32>());
    }

    #[test]
    fn full_then_closed() {
        let ring = Ring::new(2);
        assert!(ring.push(1).is_ok());
        assert!(ring.push(2).is_ok());
        assert!(matches!(ring.push(3), Err(Push::Full(3))));
        assert_eq!(ring.len(), 2);
        assert!(ring.close());
        assert!(!ring.close(), "only the first close reports it");
        assert!(matches!(ring.push(4), Err(Push::Closed(4))));
        assert!(matches!(ring.pop(), Pop::Value(1)));
        assert!(matches!(ring.pop(), Pop::Value(2)));
        assert!(matches!(ring.pop(), Pop::Closed));
    }

    #[test]
    fn drop_frees_values_left_inside() {
        let value = std::sync::Arc::new(());
        let ring = Ring::new(4);
        for _ in 0..3 {
            assert!(ring.push(value.clone()).is_ok());
        }
        assert!(matches!(ring.pop(), Pop::Value(_)));
        drop(ring);
        assert_eq!(std::sync::Arc::strong_count(&value), 1);
    }
}

//! One level of the wheel: 64 slots, a bitmap of the occupied ones, and the
//! arithmetic that maps a deadline to its level and slot.
//!
//! A deadline is a `u64` of microsecond ticks. Read it as a number in base 64:
//! each level owns one 6-bit digit, level 0 the lowest.
//!
//! ```text
//!   bit  63  60 59    54 53    48        17    12 11     6 5      0
//!        +-----+--------+--------+- ... -+--------+--------+--------+
//!  when  | L10 |   L9   |   L8   |       |   L2   |   L1   |   L0   |
//!        +-----+--------+--------+- ... -+--------+--------+--------+
//!         4 bits: level 10 uses slots 0..16 only (11 levels x 6 bits = 66 > 64)
//! ```
//!
//! An entry lives on the level of the highest digit in which its deadline
//! differs from `elapsed`, in the slot named by that digit of the deadline.
//! Above that digit the two numbers agree, so every entry on a level lies in
//! the same block of `64^(level+1)` ticks as `elapsed`, and its digit there is
//! greater than `elapsed`'s (or equal, on level 0). Slots below `elapsed`'s
//! digit are therefore always empty, the bitmap never wraps around, and the
//! lowest set bit is the earliest slot.

use slab::Slab;

use super::slot::{Entry, Slot};

/// Bits of the deadline each level consumes.
const SLOT_BITS: u32 = 6;

/// Slots a level: one per value of its 6-bit digit.
const SLOTS: usize = 1 << SLOT_BITS;

/// Masks one digit.
const SLOT_MASK: u64 = SLOTS as u64 - 1;

/// Levels it takes for the digits to cover all 64 bits of a deadline.
pub(super) const LEVELS: usize = u64::BITS.div_ceil(SLOT_BITS) as usize;

/// The level that holds a deadline `when` once the wheel has processed up to
/// `elapsed`: the level of the highest bit in which they differ. Every
/// deadline in `elapsed`'s own 64-tick block (including `elapsed` itself,
/// which the `| SLOT_MASK` guarantees) goes to level 0.
pub(super) fn level_for(elapsed: u64, when: u64) -> usize {
    let significant = u64::BITS - 1 - ((elapsed ^ when) | SLOT_MASK).leading_zeros();
    (significant / SLOT_BITS) as usize
}

/// One ring of 64 slots, each a list of entries, with a bitmap whose bit `s`
/// is set exactly when slot `s` is non-empty.
pub(super) struct Level {
    /// How far this level's digit sits from bit 0: `6 * index`.
    shift: u32,
    occupied: u64,
    slots: [Slot; SLOTS],
}

impl Level {
    pub(super) fn new(index: usize) -> Self {
        Self {
            shift: index as u32 * SLOT_BITS,
            occupied: 0,
            slots: std::array::from_fn(|_| Slot::default()),
        }
    }

    /// The slot that holds `when` on this level: its digit.
    pub(super) fn slot_for(&self, when: u64) -> usize {
        ((when >> self.shift) & SLOT_MASK) as usize
    }

    /// The first tick covered by `slot`, within the block of `elapsed` that
    /// this level spans. The bits above this level's digit come from
    /// `elapsed`; on the top level there are none, and a plain shift by 66
    /// would overflow, hence `checked_shl`.
    pub(super) fn slot_start(&self, elapsed: u64, slot: usize) -> u64 {
        let above = u64::MAX.checked_shl(self.shift + SLOT_BITS).unwrap_or(0);
        (elapsed & above) | ((slot as u64) << self.shift)
    }

    /// The lowest occupied slot, which is also the earliest (see the module
    /// doc: occupied slots never wrap around `elapsed`).
    pub(super) fn first_occupied(&self) -> Option<usize> {
        (self.occupied != 0).then(|| self.occupied.trailing_zeros() as usize)
    }

    pub(super) fn slot(&self, slot: usize) -> &Slot {
        &self.slots[slot]
    }

    /// Links `key` into `slot` and marks the slot occupied.
    pub(super) fn push<T>(&mut self, entries: &mut Slab<Entry<T>>, slot: usize, key: usize) {
        self.slots[slot].push(entries, key);
        self.occupied |= 1 << slot;
    }

    /// Unlinks `key` from `slot`, marking the slot free if it empties.
    pub(super) fn unlink<T>(&mut self, entries: &mut Slab<Entry<T>>, slot: usize, key: usize) {
        self.slots[slot].unlink(entries, key);
        if self.slots[slot].is_empty() {
            self.occupied &= !(1 << slot);
        }
    }

    /// Empties `slot` and hands back its list, for the wheel to fire or
    /// cascade.
    pub(super) fn take(&mut self, slot: usize) -> Slot {
        self.occupied &= !(1 << slot);
        std::mem::take(&mut self.slots[slot])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(elapsed: u64, when: u64) -> (usize, usize) {
        let level = level_for(elapsed, when);
        (level, Level::new(level).slot_for(when))
    }

    #[test]
    fn eleven_levels_cover_u64() {
        assert_eq!(LEVELS, 11);
    }

    #[test]
    fn the_current_block_is_level_zero() {
        assert_eq!(place(0, 0), (0, 0));
        assert_eq!(place(0, 63), (0, 63));
        assert_eq!(place(130, 130), (0, 2));
        assert_eq!(place(130, 191), (0, 63));
    }

    #[test]
    fn each_digit_moves_up_a_level() {
        assert_eq!(place(0, 64), (1, 1));
        assert_eq!(place(0, 4095), (1, 63));
        assert_eq!(place(0, 4096), (2, 1));
        assert_eq!(place(63, 64), (1, 1));
        assert_eq!(place(1 << 59, 1 << 60), (10, 1));
    }

    #[test]
    fn worked_example_of_the_module_doc() {
        // 5,000 us after 1 s: digits [0, 9, 52, 3] and [8, 23, 53, 3].
        let (elapsed, when) = (1_000_000, 1_005_000);
        assert_eq!(place(elapsed, when), (2, 53));
        let start = Level::new(2).slot_start(elapsed, 53);
        assert_eq!(start, 1_003_520);
        assert_eq!(place(start, when), (1, 23));
        let start = Level::new(1).slot_start(start, 23);
        assert_eq!(start, 1_004_992);
        assert_eq!(place(start, when), (0, 8));
        assert_eq!(Level::new(0).slot_start(start, 8), when);
    }

    #[test]
    fn saturated_deadline_sits_in_the_top_levels_last_slot() {
        assert_eq!(place(0, u64::MAX), (10, 15));
        assert_eq!(place(u64::MAX, u64::MAX), (0, 63));
        assert_eq!(place(u64::MAX - 64, u64::MAX), (1, 63));
        // The top level has no bits above it: no overflow, no borrowed prefix.
        assert_eq!(Level::new(10).slot_start(u64::MAX, 15), 15 << 60);
        assert_eq!(Level::new(9).slot_start(u64::MAX, 0), 15 << 60);
    }

    #[test]
    fn slot_start_keeps_elapsed_above_the_digit_and_clears_below() {
        let elapsed = 0xABCD_EF12_3456_789A;
        let level = Level::new(1);
        let start = level.slot_start(elapsed, 5);
        assert_eq!(start, (elapsed & !0xFFF) | (5 << 6));
        assert_eq!(level.slot_for(start), 5);
    }

    #[test]
    fn bitmap_tracks_occupied_slots() {
        let mut entries = Slab::new();
        let mut level = Level::new(0);
        assert_eq!(level.first_occupied(), None);
        let a = entries.insert(Entry::new(40, ()));
        let b = entries.insert(Entry::new(7, ()));
        level.push(&mut entries, 40, a);
        level.push(&mut entries, 7, b);
        assert_eq!(level.occupied, (1 << 40) | (1 << 7));
        assert_eq!(level.first_occupied(), Some(7));
        level.unlink(&mut entries, 7, b);
        assert_eq!(level.first_occupied(), Some(40));
        assert!(!level.take(40).is_empty());
        assert_eq!(level.first_occupied(), None);
    }
}

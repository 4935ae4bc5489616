//! The hierarchical timer wheel: every pending `sleep`, `timeout` and
//! `interval` of one worker's shard of a runtime's timers (`timers.rs`),
//! ordered well enough to find the next one due.
//!
//! # Why a wheel
//!
//! A runtime registers timers far more often than they fire: a `timeout`
//! around a request that answers in time is inserted and cancelled without
//! ever expiring. So insert and cancel must be cheap, and only "what is due
//! now, and when is the next one?" must be answered. A binary heap or a
//! `BTreeMap` keeps every timer fully sorted at O(log n) an operation (Go
//! keeps a 4-ary heap per P; smol a `BTreeMap` keyed by deadline); a wheel
//! sorts only as much as the clock needs, like an odometer, and does
//! insert, cancel and reset in O(1). tokio uses a 6-level wheel of 1 ms
//! ticks. corio's wheel has 1 us ticks and enough levels for any `u64`.
//!
//! # Levels and slots
//!
//! Time is a `u64` count of microsecond ticks since the driver started
//! (a deadline past the last tick the wheel holds becomes one 30 years
//! from now, `Timers::clamp_deadline`; only shutdown uses `u64::MAX`). Each level has 64
//! slots and owns one 6-bit digit of the deadline; 11 levels cover 64 bits,
//! the top one only 4 bits wide ([`level`] draws the digits).
//!
//! ```text
//!  level  slot width   level span (64 slots)
//!    0       1 us          64 us
//!    1      64 us       4.096 ms
//!    2     4.1 ms        262 ms
//!    3     262 ms       16.8 s        <- 10 s timeouts inside a 16.8 s block (about 40 %)
//!    4    16.8 s        17.9 min      <- the others (across a 16.8 s line)
//!    5    17.9 min      19.1 h
//!    6    19.1 h        50.9 days
//!    7    50.9 days      8.9 years
//!    8     8.9 years     571 years
//!    9     571 years  36,559 years
//!   10  36,559 years  ~584,000 years  (16 slots: all of u64)
//! ```
//!
//! An entry due at `when` lives on the level of the highest digit in which
//! `when` differs from `elapsed` (the tick processed up to), in the slot
//! named by that digit of `when`. Worked example, `elapsed` = 1,000,000 (one
//! second in) and a timer 5,000 us away, `when` = 1,005,000. In base 64,
//! lowest digit first:
//!
//! ```text
//!              L0  L1  L2  L3
//!   elapsed  [  0,  9, 52,  3 ]   = 1,000,000
//!   when     [  8, 23, 53,  3 ]   = 1,005,000
//!                       ^ highest differing digit: level 2, slot 53
//! ```
//!
//! Slot 53 of level 2 covers ticks 1,003,520 ..= 1,007,615. Should the wheel
//! reach its start while the timer is still ahead (another timer fired at
//! 1,004,000, say), the slot *cascades*: each entry is placed again against
//! the new `elapsed`, so ours drops to level 1 slot 23 (from 1,004,992),
//! then to level 0 slot 8, tick 1,005,000 itself. An entry cascades at most
//! once a level, and an entry already due when its slot is reached fires at
//! once without cascading.
//!
//! # The earliest entry is in the first slot of the lowest level
//!
//! Every entry on level `L` agrees with `elapsed` on the digits above `L`
//! and has a larger digit `L` (or, on level 0, an equal or larger one). So
//! it is due before the end of `elapsed`'s block of `64^(L+1)` ticks, while
//! an entry on any higher level `M` is due no earlier than the end of
//! `elapsed`'s `64^M`-block, which is at or after it. Hence all entries of
//! a lower level come before all entries of a higher one, and within a
//! level, slots run in order with no wrap-around: the first occupied slot of
//! the lowest occupied level holds the earliest deadline, found by looking
//! for the first non-zero bitmap among 11 and taking its `trailing_zeros`.
//! An entry inserted with `when <= elapsed` is overdue: it is placed as if
//! due at `elapsed`, in the current level-0 slot, ahead of everything else,
//! and fires at the next [`Wheel::advance`].
//!
//! # Sub-millisecond precision
//!
//! tokio rounds every deadline up to its next millisecond tick, and its
//! driver parks until a tick, so its timers fire up to 1 ms late. corio's
//! ticks are 1 us, and [`Wheel::next_deadline`] returns the earliest *real*
//! deadline, not the start of a slot: the driver parks exactly until it.
//! On level 0 a slot is a single tick. Above, a slot spans many ticks and
//! may hold 100,000 timeouts, too many to scan each time a worker parks, so
//! it keeps its entries in deadline order, or failing that a cached minimum
//! (see [`slot`]): the answer costs O(1) in the common cases. The price is
//! a slot scan in one adversarial pattern, a crowded slot that lost its
//! order and whose minimum keeps being cancelled between two parks.
//!
//! # Invariant
//!
//! Every entry is linked into the slot that [`Wheel::place`] computes from
//! its `when` and the current `elapsed`. `insert` and `reset` establish it;
//! `advance` keeps it by cascading each slot whose start it passes, and by
//! moving `elapsed` only to a slot's start or to a `now` that lies before
//! every remaining slot's start (which changes no entry's place). `remove`
//! relies on it to find an entry's slot without storing it.

mod level;
mod slot;
#[cfg(test)]
mod tests;

use slab::Slab;

use self::level::{LEVELS, Level, level_for};
use self::slot::Entry;

/// The panic message of a [`Key`] used after its entry left the wheel.
const DEAD_KEY: &str = "timer wheel `Key` used after its entry was removed or fired; \
                        drop a `Key` once `remove` or `advance` hands its value back";

/// A set of timers, each a value of type `T` (in corio, a waker) due at a
/// tick.
pub(crate) struct Wheel<T> {
    entries: Slab<Entry<T>>,
    /// Level `i` holds the entries whose deadline first differs from
    /// `elapsed` in digit `i`. Boxed: the slots take some 40 KB.
    levels: Box<[Level]>,
    /// The tick the wheel has processed up to: every entry due at or before
    /// it has fired, except the overdue ones inserted since.
    elapsed: u64,
}

/// A stable handle to one entry of a [`Wheel`], valid until the entry is
/// removed or fired.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Key(usize);

impl<T> Wheel<T> {
    pub(crate) fn new() -> Self {
        Self {
            entries: Slab::new(),
            levels: (0..LEVELS).map(Level::new).collect(),
            elapsed: 0,
        }
    }

    /// The tick the wheel has advanced to: a deadline at or before it is
    /// due.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds a timer due at `when`. A `when` at or before `elapsed` is due at
    /// the next [`advance`](Self::advance).
    pub(crate) fn insert(&mut self, when: u64, value: T) -> Key {
        let key = self.entries.insert(Entry::new(when, value));
        self.link(key);
        Key(key)
    }

    /// Cancels a live timer and hands back its value.
    pub(crate) fn remove(&mut self, key: Key) -> T {
        self.unlink(key);
        self.entries.remove(key.0).value
    }

    /// Moves a live timer to a new deadline, keeping its value and its key.
    pub(crate) fn reset(&mut self, key: Key, when: u64) {
        self.unlink(key);
        self.entries[key.0].when = when;
        self.link(key.0);
    }

    pub(crate) fn deadline(&self, key: Key) -> u64 {
        self.entry(key).when
    }

    /// The value of the entry at `key`, or `None` if no entry lives there.
    /// A key reused by a later insert finds that entry: callers keep a
    /// generation in `T` to tell them apart (see `timers.rs`).
    pub(crate) fn try_get_mut(&mut self, key: Key) -> Option<&mut T> {
        self.entries.get_mut(key.0).map(|entry| &mut entry.value)
    }

    /// The earliest *real* deadline among all entries (not a slot boundary):
    /// the driver parks exactly until it. Overdue entries report their own
    /// deadline, which is in the past.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        let (level, slot) = self.first_occupied()?;
        self.levels[level].slot(slot).earliest(&self.entries)
    }

    /// Fires (removes and hands to `fire`) every entry due at or before
    /// `now`, in no particular order, and sets `elapsed` to `now`.
    ///
    /// Time never runs backward in the wheel: a `now` before `elapsed` (a
    /// clock read that lost a race for the driver) counts as `elapsed`, so
    /// the call fires only the overdue entries. `fire` runs with the wheel
    /// borrowed; it cannot insert, so wake, don't re-arm, from it.
    pub(crate) fn advance(&mut self, now: u64, mut fire: impl FnMut(Key, T)) {
        let now = now.max(self.elapsed);
        // Visit the occupied slots in time order, jumping over empty ones,
        // until the next one starts after `now`.
        while let Some((level, slot)) = self.first_occupied() {
            let start = self.levels[level].slot_start(self.elapsed, slot);
            debug_assert!(start >= self.elapsed, "an occupied slot wrapped around");
            if start > now {
                break;
            }
            self.elapsed = start;
            let mut due = self.levels[level].take(slot);
            while let Some(key) = due.pop_front(&mut self.entries) {
                if self.entries[key].when <= now {
                    fire(Key(key), self.entries.remove(key).value);
                } else {
                    // Still ahead: cascade to a lower level.
                    self.link(key);
                }
            }
        }
        self.elapsed = now;
    }

    /// The earliest occupied slot: the first one of the lowest level that
    /// has any.
    fn first_occupied(&self) -> Option<(usize, usize)> {
        self.levels
            .iter()
            .enumerate()
            .find_map(|(index, level)| Some((index, level.first_occupied()?)))
    }

    /// The level and slot where an entry due at `when` belongs. An overdue
    /// entry is placed as if due at `elapsed`.
    fn place(&self, when: u64) -> (usize, usize) {
        let when = when.max(self.elapsed);
        let level = level_for(self.elapsed, when);
        (level, self.levels[level].slot_for(when))
    }

    fn link(&mut self, key: usize) {
        let (level, slot) = self.place(self.entries[key].when);
        self.levels[level].push(&mut self.entries, slot, key);
    }

    fn unlink(&mut self, key: Key) {
        let (level, slot) = self.place(self.entry(key).when);
        self.levels[level].unlink(&mut self.entries, slot, key.0);
    }

    fn entry(&self, key: Key) -> &Entry<T> {
        self.entries.get(key.0).expect(DEAD_KEY)
    }
}

//! A slot: an intrusive doubly linked list of the entries that share one
//! digit of one level, threaded through the wheel's slab by key.
//!
//! ```text
//!  Slot { head, tail }         slab
//!    |                   +-------------------------------+
//!    +--> key 4  <---->  | 4: when 9_100  prev -  next 1 |
//!         key 1  <---->  | 1: when 9_250  prev 4  next 7 |
//!         key 7          | 7: when 9_900  prev 1  next - |
//!                        +-------------------------------+
//! ```
//!
//! Linking and unlinking touch a constant number of entries, so insert,
//! cancel and reset stay O(1) however many timers share the slot.
//!
//! The wheel also asks a slot for its *earliest real deadline*, which on
//! levels above 0 spans many ticks. A slot answers in O(1) in the common
//! case by keeping its list in deadline order: a timer is nearly always
//! later than the one registered just before it (`timeout(10 s)` after
//! `timeout(10 s)`), so `push` looks back from the tail at most
//! [`ORDER_WALK`] entries for its place, which also absorbs the small
//! inversions of two workers registering at once. While the list is in
//! order the head is the earliest. Should the walk give up, the slot stops
//! ordering and keeps a cached minimum instead: lowered on every push,
//! forgotten only when its own entry leaves, and recomputed by one scan of
//! the slot on the next question. Removals in random order then rarely hit
//! the minimum, so the scans amortise to O(1) a removal.

use std::cell::Cell;

use slab::Slab;

/// How many entries `push` looks back from the tail for a new entry's place
/// in deadline order before giving up on keeping the slot ordered.
const ORDER_WALK: usize = 8;

/// A timer in the wheel's slab: its value, its deadline and its links.
pub(super) struct Entry<T> {
    pub(super) value: T,
    /// The real deadline, in ticks. It may be earlier than `elapsed` (the
    /// entry is then overdue and waits in the current level-0 slot).
    pub(super) when: u64,
    prev: Option<usize>,
    next: Option<usize>,
}

impl<T> Entry<T> {
    pub(super) fn new(when: u64, value: T) -> Self {
        Self {
            value,
            when,
            prev: None,
            next: None,
        }
    }
}

/// The list of one slot. `Default` is the empty, ordered list.
#[derive(Default)]
pub(super) struct Slot {
    head: Option<usize>,
    tail: Option<usize>,
    /// Set once `push` gave up keeping the list in deadline order; cleared
    /// when the slot empties.
    out_of_order: bool,
    /// While `out_of_order`: the earliest deadline in the slot, or `None`
    /// when it must be recomputed. A `Cell` so that the read-only question
    /// `earliest` can remember its answer.
    earliest: Cell<Option<u64>>,
}

impl Slot {
    pub(super) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Links `key`, keeping the list in deadline order if a short walk back
    /// from the tail finds its place.
    pub(super) fn push<T>(&mut self, entries: &mut Slab<Entry<T>>, key: usize) {
        let when = entries[key].when;
        let mut prev = self.tail;
        if self.out_of_order {
            if let Some(earliest) = self.earliest.get() {
                self.earliest.set(Some(earliest.min(when)));
            }
        } else {
            for _ in 0..ORDER_WALK {
                match prev {
                    Some(p) if entries[p].when > when => prev = entries[p].prev,
                    _ => break,
                }
            }
            if let (Some(p), Some(head)) = (prev, self.head)
                && entries[p].when > when
            {
                // The walk gave up. A new earliest still fits at the head;
                // anything else goes to the tail and ends the ordering. The
                // old head was the minimum of an ordered list, and stays it.
                let head_when = entries[head].when;
                if when < head_when {
                    prev = None;
                } else {
                    self.out_of_order = true;
                    self.earliest.set(Some(head_when));
                    prev = self.tail;
                }
            }
        }
        self.link_after(entries, key, prev);
    }

    /// Links `key` right after `prev`, or at the head when `prev` is `None`.
    fn link_after<T>(&mut self, entries: &mut Slab<Entry<T>>, key: usize, prev: Option<usize>) {
        let next = match prev {
            Some(p) => entries[p].next,
            None => self.head,
        };
        entries[key].prev = prev;
        entries[key].next = next;
        match prev {
            Some(p) => entries[p].next = Some(key),
            None => self.head = Some(key),
        }
        match next {
            Some(n) => entries[n].prev = Some(key),
            None => self.tail = Some(key),
        }
    }

    /// Unlinks `key`, which must be in this slot.
    pub(super) fn unlink<T>(&mut self, entries: &mut Slab<Entry<T>>, key: usize) {
        let Entry {
            prev, next, when, ..
        } = entries[key];
        match prev {
            Some(p) => entries[p].next = next,
            None => {
                debug_assert_eq!(self.head, Some(key), "unlinked from the wrong slot");
                self.head = next;
            }
        }
        match next {
            Some(n) => entries[n].prev = prev,
            None => self.tail = prev,
        }
        if self.is_empty() {
            *self = Self::default();
        } else if self.earliest.get() == Some(when) {
            self.earliest.set(None);
        }
    }

    /// Unlinks and returns the first entry, if any.
    pub(super) fn pop_front<T>(&mut self, entries: &mut Slab<Entry<T>>) -> Option<usize> {
        let head = self.head?;
        self.unlink(entries, head);
        Some(head)
    }

    /// The earliest real deadline among the slot's entries.
    pub(super) fn earliest<T>(&self, entries: &Slab<Entry<T>>) -> Option<u64> {
        let head = self.head?;
        if !self.out_of_order {
            return Some(entries[head].when);
        }
        if let Some(earliest) = self.earliest.get() {
            return Some(earliest);
        }
        let keys = std::iter::successors(Some(head), |&key| entries[key].next);
        let earliest = keys.map(|key| entries[key].when).min();
        self.earliest.set(earliest);
        earliest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes entries with these deadlines into one slot.
    fn filled(whens: &[u64]) -> (Slab<Entry<()>>, Slot, Vec<usize>) {
        let mut entries = Slab::new();
        let mut slot = Slot::default();
        let keys = whens
            .iter()
            .map(|&when| {
                let key = entries.insert(Entry::new(when, ()));
                slot.push(&mut entries, key);
                key
            })
            .collect();
        (entries, slot, keys)
    }

    fn drain(entries: &mut Slab<Entry<()>>, slot: &mut Slot) -> Vec<u64> {
        std::iter::from_fn(|| {
            let key = slot.pop_front(entries)?;
            Some(entries[key].when)
        })
        .collect()
    }

    #[test]
    fn small_inversions_keep_the_slot_ordered() {
        let (mut entries, mut slot, _) = filled(&[10, 30, 20, 40, 5, 35]);
        assert!(!slot.out_of_order);
        assert_eq!(slot.earliest(&entries), Some(5));
        assert_eq!(drain(&mut entries, &mut slot), [5, 10, 20, 30, 35, 40]);
        assert!(slot.is_empty());
    }

    #[test]
    fn a_long_walk_gives_up_and_caches_the_minimum() {
        let mut whens: Vec<u64> = (10..30).collect();
        whens.push(12);
        let (mut entries, mut slot, keys) = filled(&whens);
        assert!(slot.out_of_order);
        assert_eq!(slot.earliest(&entries), Some(10));
        slot.unlink(&mut entries, keys[0]);
        assert_eq!(slot.earliest.get(), None);
        assert_eq!(slot.earliest(&entries), Some(11));
        slot.unlink(&mut entries, keys[5]);
        assert_eq!(slot.earliest.get(), Some(11), "a later entry left");
    }

    #[test]
    fn an_emptied_slot_is_ordered_again() {
        let mut whens: Vec<u64> = (10..30).collect();
        whens.push(12);
        let (mut entries, mut slot, _) = filled(&whens);
        drain(&mut entries, &mut slot);
        assert!(!slot.out_of_order);
        assert_eq!(slot.earliest(&entries), None);
    }
}

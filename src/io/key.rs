//! The key the poller hands back with each event: a slab index plus a generation.
//!
//! The reactor keeps its sources in a slab, and a slab reuses the index of a
//! removed entry. That opens a window for a classic bug: the driver thread has
//! already collected an event for descriptor A (slot 5) when another thread
//! deregisters A and registers B, which lands in slot 5 too. If the key were
//! the bare index, A's stale event would wake B's tasks, or worse, would be
//! taken as B's readiness and then consumed by nobody.
//!
//! So each registration also takes a fresh *generation* from a counter, and the
//! key the poller stores carries both:
//!
//! ```text
//!    usize key:   [ generation (high bits) | index (low bits) ]
//!    64-bit:          32 bits                  32 bits
//!    32-bit:          12 bits                  20 bits
//! ```
//!
//! An event is delivered only if the slot's current source has exactly the
//! event's key. The generation wraps, so a confusion needs the same slot to be
//! reused by the 2^32nd registration after the stale one (the 4,096th on a
//! 32-bit target), while that one event is still in flight, which is
//! microseconds between `epoll_wait` and the slab lookup: not a case worth a
//! wider key.

/// Low bits of a key that hold the slab index.
const INDEX_BITS: u32 = if usize::BITS >= 64 { 32 } else { 20 };
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;

/// The most sources a reactor holds at once. The index `INDEX_MASK` itself
/// is never used, so no key equals `usize::MAX`, which `polling` reserves.
pub(crate) const MAX_SOURCES: usize = INDEX_MASK;

/// A source's identity in the poller: slab index and generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key(usize);

impl Key {
    /// The key of the `generation`th registration, stored at `index`.
    /// `index` must be below [`MAX_SOURCES`]; `generation` wraps.
    pub(crate) fn new(index: usize, generation: usize) -> Key {
        debug_assert!(index < MAX_SOURCES, "slab index {index} out of key range");
        Key(index | (generation << INDEX_BITS))
    }

    /// The slab index this key points at.
    pub(crate) fn index(self) -> usize {
        self.0 & INDEX_MASK
    }
}

impl From<Key> for usize {
    fn from(key: Key) -> usize {
        key.0
    }
}

impl From<usize> for Key {
    fn from(raw: usize) -> Key {
        Key(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trips_and_generation_tells_keys_apart() {
        let old = Key::new(5, 7);
        let new = Key::new(5, 8);
        assert_eq!(old.index(), 5);
        assert_eq!(new.index(), 5);
        assert_ne!(old, new, "same slot, different registration");
        assert_eq!(Key::from(usize::from(old)), old);
    }

    #[test]
    fn generation_wraps_without_touching_the_index() {
        let key = Key::new(MAX_SOURCES - 1, usize::MAX);
        assert_eq!(key.index(), MAX_SOURCES - 1);
        assert_ne!(
            usize::from(key),
            usize::MAX,
            "polling's notify key is never produced"
        );
    }
}

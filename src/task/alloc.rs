//! Where task cells come from: per-thread magazines in front of the global
//! allocator.
//!
//! A spawn is one allocation, and so is the free when the task is done. With
//! glibc's malloc that pair is cheap on one thread and expensive across
//! threads: a cell allocated by the spawning thread and freed by a worker
//! goes back to the *spawner's* arena, under that arena's lock, so spawner
//! and workers queue on one lock (profiles of `spawn_many_remote` showed a
//! third of the time in that lock, for corio and tokio alike).
//!
//! corio keeps freed cells instead, in the style of Bonwick's magazine
//! allocator:
//!
//! ```text
//!   thread A (spawns)                      thread B (frees)
//!   ┌ loaded[class] ┐   take a full        ┌ loaded[class] ┐  full? hand
//!   │ pop on alloc  │ ◄─ magazine ─┐  ┌─── │ push on free  │  a magazine
//!   └───────────────┘              │  │    └───────────────┘  to the depot
//!                           ┌──────┴──▼─────┐
//!                           │ depot[class]  │  one lock per 64 cells
//!                           └───────────────┘
//! ```
//!
//! Cells are grouped by size into classes of 64-byte steps up to 1 KiB
//! (larger or over-aligned cells go straight to the global allocator). Each
//! thread allocates from and frees into its own vector, touching the shared
//! depot only once per magazine of 64 cells. The depot is bounded, so a
//! burst of a million tasks does not pin a million cells forever: past the
//! bound, cells go back to the global allocator. The bound is 256
//! magazines per class: 16,384 cells when each holds 64, and up to about
//! twice that when threads exit, since each hands over the up to 127 cells
//! it held as one magazine. That is 1-2 MiB of the 64-byte class, 16-32
//! MiB of the 1 KiB one, about 136-270 MiB if every class filled, kept for
//! the life of the process once a burst has put them there. Blocks are 64-byte aligned,
//! so two tasks never share a cache line.
//!
//! **Blocks go out in address order.** Tasks finish in any order (timers,
//! sockets), so the freed blocks reach the depot shuffled, and a burst of
//! spawns that took them as they came would lay its tasks out at random
//! across megabytes: every spawn, and every poll of the burst after it,
//! then misses the cache, where blocks in order let the processor fetch
//! ahead. So before a thread takes a magazine from a depot of 16 or more,
//! the depot sorts its blocks by address if at least half of its
//! magazines came in since the last sort, and the lowest go out first.
//! On a 2-core Xeon, one-thread `timers` in `versus` (10,000 sleeps
//! spawned at once, lateness measured) took 6.5-10 ms to first-poll its
//! tasks from shuffled blocks, against 4-5 ms straight from malloc, and
//! its p99 lateness went from 950-3,000 µs (0.5-1.4 of tokio's) to
//! 200-340 µs (0.1-0.2) with the sort; the spawn rows did not move.

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::cell::RefCell;
use std::ptr::NonNull;

use crate::lock::Mutex;

const STEP: usize = 64;
const CLASSES: usize = 16;
const MAGAZINE: usize = 64;
/// Full magazines the depot keeps per class (256 × 64 cells).
const DEPOT_LIMIT: usize = 256;

/// A free block, owned by whoever holds this value.
#[derive(Debug)]
struct Block(NonNull<u8>);

// SAFETY: a free block is plain memory with no owner but its holder.
unsafe impl Send for Block {}

type Magazine = Vec<Block>;

/// One class's full magazines, and how many of those it holds came in
/// since their blocks were last put in address order.
struct Depot {
    magazines: Vec<Magazine>,
    unsorted: usize,
}

/// A depot holding fewer magazines than this is not sorted: its blocks
/// (about a thousand, 60 KiB to 1 MiB) fit the processor's caches, in
/// whatever order they come.
const SORT_FROM: usize = 16;

static DEPOT: [Mutex<Depot>; CLASSES] = [const {
    Mutex::new(Depot {
        magazines: Vec::new(),
        unsorted: 0,
    })
}; CLASSES];

impl Depot {
    /// Keeps `magazine`, unless the depot is full: then it is handed back.
    fn put(&mut self, magazine: Magazine) -> Result<(), Magazine> {
        if self.magazines.len() >= DEPOT_LIMIT {
            return Err(magazine);
        }
        self.magazines.push(magazine);
        self.unsorted += 1;
        Ok(())
    }

    /// The magazine to load next. First, if the depot holds [`SORT_FROM`]
    /// magazines or more and at least half of them came in since the last
    /// sort, sorts every block, and then the lowest come out first (the
    /// lowest on top: `pop` takes it first). Otherwise the newest magazine
    /// comes out, as it came in.
    ///
    /// The sort is a stable one, which finds the blocks still in order as
    /// one run and merges the new ones into it once it has sorted them:
    /// about n comparisons for the run and the merge, and about log2(k)
    /// for each of the k new blocks (k >= n/2).
    fn take(&mut self) -> Option<Magazine> {
        let len = self.magazines.len();
        if len >= SORT_FROM && self.unsorted * 2 >= len {
            self.sort();
        }
        let magazine = self.magazines.pop()?;
        // Unsorted ones are on top: this was one of them, if any are left.
        self.unsorted = self.unsorted.saturating_sub(1);
        Some(magazine)
    }

    /// Deals every block out again in address order: the highest in the
    /// first magazine (the short one, if the count is not a multiple of
    /// [`MAGAZINE`]), the lowest in the last, each magazine highest first.
    fn sort(&mut self) {
        self.unsorted = 0;
        let mut blocks: Vec<Block> = self.magazines.drain(..).flatten().collect();
        blocks.sort_by_key(|b| std::cmp::Reverse(b.0));
        let mut blocks = blocks.into_iter();
        let short = blocks.len() % MAGAZINE;
        if short > 0 {
            self.magazines.push(blocks.by_ref().take(short).collect());
        }
        while blocks.len() > 0 {
            self.magazines
                .push(blocks.by_ref().take(MAGAZINE).collect());
        }
    }
}

/// This thread's loaded magazines, one per class.
struct Local {
    loaded: [Magazine; CLASSES],
}

impl Drop for Local {
    fn drop(&mut self) {
        for (class, magazine) in self.loaded.iter_mut().enumerate() {
            release(class, std::mem::take(magazine));
        }
    }
}

thread_local! {
    static LOCAL: RefCell<Local> = const {
        RefCell::new(Local { loaded: [const { Vec::new() }; CLASSES] })
    };
}

/// The class a layout falls in, if it is cached at all.
///
/// Under Miri nothing is cached: Miri then checks every cell's allocation
/// against its free (and a cache left in the main thread's thread-local at
/// exit would read as a leak).
fn class_of(layout: Layout) -> Option<usize> {
    if cfg!(miri) || layout.align() > STEP || layout.size() == 0 {
        return None;
    }
    let class = layout.size().div_ceil(STEP) - 1;
    (class < CLASSES).then_some(class)
}

fn class_layout(class: usize) -> Layout {
    // A non-zero multiple of a power-of-two alignment: always valid.
    Layout::from_size_align((class + 1) * STEP, STEP).expect("valid class layout")
}

/// Gives a magazine to the depot, or its blocks back to the system if the
/// depot is full.
fn release(class: usize, magazine: Magazine) {
    if magazine.is_empty() {
        return;
    }
    let Err(magazine) = DEPOT[class].lock().put(magazine) else {
        return;
    };
    for block in magazine {
        // SAFETY: every cached block was allocated with `class_layout(class)`.
        unsafe { dealloc(block.0.as_ptr(), class_layout(class)) };
    }
}

/// Allocates memory for `layout` (a task cell).
pub(super) fn allocate(layout: Layout) -> NonNull<u8> {
    let Some(class) = class_of(layout) else {
        return system_alloc(layout);
    };
    let cached = LOCAL
        .try_with(|local| {
            let mut local = local.borrow_mut();
            let loaded = &mut local.loaded[class];
            if loaded.is_empty()
                && let Some(full) = DEPOT[class].lock().take()
            {
                *loaded = full;
            }
            loaded.pop()
        })
        .ok()
        .flatten();
    match cached {
        Some(block) => block.0,
        None => system_alloc(class_layout(class)),
    }
}

/// Frees memory that `allocate(layout)` returned.
///
/// # Safety
/// `ptr` must come from `allocate` with this same `layout`, and not be used
/// afterwards.
pub(super) unsafe fn deallocate(ptr: NonNull<u8>, layout: Layout) {
    let Some(class) = class_of(layout) else {
        // SAFETY: uncached layouts were allocated by `system_alloc(layout)`.
        unsafe { dealloc(ptr.as_ptr(), layout) };
        return;
    };
    let kept = LOCAL.try_with(|local| {
        let mut local = local.borrow_mut();
        let loaded = &mut local.loaded[class];
        loaded.push(Block(ptr));
        if loaded.len() >= 2 * MAGAZINE {
            let full = loaded.split_off(MAGAZINE);
            drop(local);
            release(class, full);
        }
    });
    if kept.is_err() {
        // This thread's cache is already torn down (thread exit).
        // SAFETY: cached classes are allocated with `class_layout`.
        unsafe { dealloc(ptr.as_ptr(), class_layout(class)) };
    }
}

fn system_alloc(layout: Layout) -> NonNull<u8> {
    // `alloc` with a size of zero is undefined behaviour. Only task cells
    // come here, and a cell holds a header, so this never fails; it is
    // checked anyway because this function is safe to call.
    assert_ne!(layout.size(), 0, "a task cell is never empty");
    // SAFETY: `layout` has a non-zero size (checked above).
    let ptr = unsafe { alloc(layout) };
    NonNull::new(ptr).unwrap_or_else(|| handle_alloc_error(layout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore = "Miri runs without the cache")]
    fn sizes_map_to_64_byte_classes() {
        assert_eq!(class_of(Layout::from_size_align(1, 8).unwrap()), Some(0));
        assert_eq!(class_of(Layout::from_size_align(64, 8).unwrap()), Some(0));
        assert_eq!(class_of(Layout::from_size_align(65, 8).unwrap()), Some(1));
        assert_eq!(
            class_of(Layout::from_size_align(1024, 64).unwrap()),
            Some(15)
        );
        assert_eq!(class_of(Layout::from_size_align(1025, 8).unwrap()), None);
        assert_eq!(class_of(Layout::from_size_align(64, 128).unwrap()), None);
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri runs without the cache")]
    fn a_freed_block_is_reused_on_the_same_thread() {
        let layout = Layout::from_size_align(200, 8).unwrap();
        let a = allocate(layout);
        // SAFETY: `a` came from `allocate(layout)`.
        unsafe { deallocate(a, layout) };
        let b = allocate(layout);
        assert_eq!(a, b, "the block came back from this thread's magazine");
        // SAFETY: as above.
        unsafe { deallocate(b, layout) };
    }

    /// `n` magazines of `MAGAZINE` blocks at made-up addresses (never read
    /// or freed) from `first` on, one `STEP` apart, their order shuffled.
    fn fake_magazines(n: usize, first: usize) -> Vec<Magazine> {
        let len = n * MAGAZINE;
        // i * 7919 mod len visits every index once (7919 is a prime that
        // divides no count used here).
        (0..len)
            .map(|i| first + (i * 7919 % len) * STEP)
            .collect::<Vec<_>>()
            .chunks(MAGAZINE)
            .map(|chunk| chunk.iter().map(|&a| fake(a)).collect())
            .collect()
    }

    fn fake(address: usize) -> Block {
        Block(NonNull::new(std::ptr::without_provenance_mut(address)).unwrap())
    }

    /// The addresses of `magazine`'s blocks, in the order `allocate` takes them.
    fn in_taking_order(mut magazine: Magazine) -> Vec<usize> {
        std::iter::from_fn(|| magazine.pop())
            .map(|b| b.0.as_ptr() as usize)
            .collect()
    }

    fn empty_depot() -> Depot {
        Depot {
            magazines: Vec::new(),
            unsorted: 0,
        }
    }

    /// Every address in `depot`, lowest first.
    fn all_sorted(depot: &Depot) -> Vec<usize> {
        let mut all: Vec<usize> = depot
            .magazines
            .iter()
            .flatten()
            .map(|b| b.0.as_ptr() as usize)
            .collect();
        all.sort_unstable();
        all
    }

    /// Shuffled blocks come out lowest first, across magazines.
    #[test]
    fn the_depot_hands_out_blocks_in_address_order() {
        let mut depot = empty_depot();
        for magazine in fake_magazines(20, STEP) {
            depot.put(magazine).unwrap();
        }
        let taken: Vec<usize> = std::iter::from_fn(|| depot.take())
            .flat_map(in_taking_order)
            .collect();
        let expected: Vec<usize> = (1..=20 * MAGAZINE).map(|i| i * STEP).collect();
        assert_eq!(taken, expected);
    }

    /// A depot sorts once it holds `SORT_FROM` magazines and at least half
    /// of them came in since the last sort; until then the newest comes out
    /// as it went in.
    #[test]
    fn the_depot_sorts_when_big_and_half_new() {
        let mut depot = empty_depot();
        let mut next = STEP;
        // Puts `n` new magazines; returns the newest's addresses in taking order.
        let mut put = |depot: &mut Depot, n: usize| {
            let magazines = fake_magazines(n, next);
            next += n * MAGAZINE * STEP;
            let newest: Vec<usize> = magazines[n - 1]
                .iter()
                .rev()
                .map(|b| b.0.as_ptr() as usize)
                .collect();
            for magazine in magazines {
                depot.put(magazine).unwrap();
            }
            newest
        };
        let newest = put(&mut depot, SORT_FROM - 1);
        assert_eq!(
            in_taking_order(depot.take().unwrap()),
            newest,
            "too few to sort"
        );
        put(&mut depot, 2);
        assert_eq!(depot.magazines.len(), SORT_FROM);
        let lowest = all_sorted(&depot)[..MAGAZINE].to_vec();
        assert_eq!(in_taking_order(depot.take().unwrap()), lowest, "sorted");
        assert_eq!(depot.unsorted, 0);
        // 15 sorted; 14 new make 29, one short of half new.
        let newest = put(&mut depot, 14);
        assert_eq!(
            in_taking_order(depot.take().unwrap()),
            newest,
            "13 of 28 new"
        );
        // Two more: 15 of 30.
        put(&mut depot, 2);
        assert_eq!((depot.magazines.len(), depot.unsorted), (30, 15));
        let lowest = all_sorted(&depot)[..MAGAZINE].to_vec();
        assert_eq!(in_taking_order(depot.take().unwrap()), lowest, "half new");
    }

    /// A sort keeps every block, of magazines of any size, and deals them
    /// into full magazines but the highest one.
    #[test]
    fn a_sort_keeps_every_block() {
        let mut depot = empty_depot();
        let mut magazines = fake_magazines(SORT_FROM, STEP);
        // Move 63 blocks from the second magazine into the first: 127 and 1.
        let moved: Vec<Block> = magazines[1].drain(1..).collect();
        magazines[0].extend(moved);
        for magazine in magazines {
            depot.put(magazine).unwrap();
        }
        depot.put(vec![fake(1 << 40), fake(1 << 41)]).unwrap();
        let all = all_sorted(&depot);
        let mut sizes = Vec::new();
        let taken: Vec<usize> = std::iter::from_fn(|| depot.take())
            .inspect(|m| sizes.push(m.len()))
            .flat_map(in_taking_order)
            .collect();
        assert_eq!(taken, all);
        // 16 x 64 + 2 blocks: 16 full magazines, then the 2 highest.
        assert_eq!(sizes.len(), SORT_FROM + 1);
        assert!(sizes[..SORT_FROM].iter().all(|&n| n == MAGAZINE));
        assert_eq!(sizes[SORT_FROM], 2);
    }

    /// A full depot hands a magazine back (its blocks go to the system).
    #[test]
    fn a_full_depot_hands_the_magazine_back() {
        let mut depot = Depot {
            magazines: Vec::new(),
            unsorted: 0,
        };
        for _ in 0..DEPOT_LIMIT {
            depot.put(Vec::new()).unwrap();
        }
        assert!(depot.put(Vec::new()).is_err());
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri runs without the cache")]
    fn blocks_travel_between_threads_through_the_depot() {
        let layout = Layout::from_size_align(900, 8).unwrap();
        let blocks: Vec<_> = (0..4 * MAGAZINE)
            .map(|_| allocate(layout).as_ptr() as usize)
            .collect();
        let freed = blocks.clone();
        std::thread::spawn(move || {
            for p in freed {
                // SAFETY: each came from `allocate(layout)`, freed once.
                unsafe { deallocate(NonNull::new(p as *mut u8).unwrap(), layout) };
            }
        })
        .join()
        .unwrap();
        // The other thread's magazines went to the depot (its full ones
        // while it ran, the rest when its cache was torn down). The depot
        // is the whole test binary's: another test's thread may have handed
        // in a magazine of this class since, so look one magazine further.
        let again: Vec<_> = (0..=2 * MAGAZINE).map(|_| allocate(layout)).collect();
        assert!(
            again
                .iter()
                .any(|p| blocks.contains(&(p.as_ptr() as usize)))
        );
        for p in again {
            assert_eq!(
                p.as_ptr() as usize % STEP,
                0,
                "blocks are cache-line aligned"
            );
            // SAFETY: as above.
            unsafe { deallocate(p, layout) };
        }
    }
}

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
struct Block(NonNull<u8>);

// SAFETY: a free block is plain memory with no owner but its holder.
unsafe impl Send for Block {}

type Magazine = Vec<Block>;

static DEPOT: [Mutex<Vec<Magazine>>; CLASSES] = [const { Mutex::new(Vec::new()) }; CLASSES];

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
    let mut depot = DEPOT[class].lock();
    if depot.len() < DEPOT_LIMIT {
        depot.push(magazine);
        return;
    }
    drop(depot);
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
                && let Some(full) = DEPOT[class].lock().pop()
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

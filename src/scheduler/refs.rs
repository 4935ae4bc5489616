//! The references to the scheduler that tasks keep, handed out from a
//! per-worker stock so that a spawn or a completion touches no shared
//! counter (see `task_ref`).

use std::sync::Arc;

use super::Handle;
use super::worker::{CURRENT, with_current};

/// The most references a worker takes from the shared count at once.
pub(super) const REF_BATCH: usize = 256;

/// The first refill of a new context.
pub(super) const FIRST_REF_BATCH: usize = 8;

/// A new strong reference to `handle` for a task to keep.
///
/// Every task holds one, so it can requeue itself when woken. Cloning an
/// `Arc` per spawn and dropping it per completion makes all workers fight
/// over one counter's cache line (half the time of a spawn-heavy load, in
/// profiles). A worker instead takes references from the shared count in
/// batches and hands them out, and takes back those of tasks that complete
/// on it (`recycle`). `Arc` can only add one at a time, so a batch is still
/// 256 increments, but they run back to back on a cache line this thread
/// holds, and a spawn or completion touches the shared line not at all.
/// A new context's batches start small and grow: a current-thread
/// `block_on` starts a context each call and gives its stock back at the end.
pub(crate) fn task_ref(handle: &Handle) -> Handle {
    with_current(handle, |cx| {
        let mut stock = cx.refs.get();
        if stock == 0 {
            let batch = cx.ref_batch.get();
            cx.ref_batch.set((batch * 2).min(REF_BATCH));
            for _ in 0..batch {
                // SAFETY: `handle` is a live Arc, so its count is at least 1.
                unsafe { Arc::increment_strong_count(Arc::as_ptr(handle)) };
            }
            stock = batch;
        }
        cx.refs.set(stock - 1);
        // SAFETY: one of the references counted in our stock becomes this Arc.
        unsafe { Arc::from_raw(Arc::as_ptr(handle)) }
    })
    .unwrap_or_else(|| handle.clone())
}

/// Takes back the reference of a task that completed.
pub(super) fn recycle(handle: Handle) {
    let Some(handle) = CURRENT.with(|current| {
        // SAFETY: see `with_current`.
        match unsafe { current.get().as_ref() } {
            Some(cx) if Arc::ptr_eq(&cx.shared, &handle) => {
                let stock = cx.refs.get() + 1;
                std::mem::forget(handle);
                cx.refs.set(stock);
                if stock >= 2 * REF_BATCH {
                    release_refs(&cx.shared, REF_BATCH);
                    cx.refs.set(stock - REF_BATCH);
                }
                None
            }
            _ => Some(handle),
        }
    }) else {
        return;
    };
    drop(handle);
}

/// Gives `n` stocked references back to the shared count.
pub(super) fn release_refs(shared: &Handle, n: usize) {
    for _ in 0..n {
        // SAFETY: each is a reference this worker took and still counts;
        // the worker's own `shared` keeps the count above zero.
        unsafe { Arc::decrement_strong_count(Arc::as_ptr(shared)) };
    }
}

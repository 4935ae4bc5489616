//! Wakers that point straight at a task's header.
//!
//! A `Waker` is a data pointer plus a vtable of four functions. corio's data
//! pointer is the task header itself, so cloning a waker is one atomic
//! increment and waking is one compare-and-swap plus a queue push: no
//! mutex, no `Arc<Mutex<..>>`, no second allocation.

use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::raw::{Header, RawTask};
use super::state::ToNotified;

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// Makes a waker that owns one of the task's references.
///
/// # Safety
/// The caller must hand over one reference (or, for a borrowed waker, wrap the
/// result in `ManuallyDrop` so it never gives one back).
pub(super) unsafe fn from_header(ptr: NonNull<Header>) -> Waker {
    let raw = RawWaker::new(ptr.as_ptr() as *const (), &VTABLE);
    // SAFETY: the vtable's functions uphold the RawWaker contract below.
    unsafe { Waker::from_raw(raw) }
}

/// # Safety
///
/// `ptr` is the data pointer of a waker with this vtable: made by
/// [`from_header`] from a non-null task header.
unsafe fn task(ptr: *const ()) -> RawTask {
    // SAFETY: the caller vouches that `ptr` came from a non-null header.
    RawTask::from_header(unsafe { NonNull::new_unchecked(ptr as *mut Header) })
}

// The four functions of the vtable. # Safety, for each: `ptr` is the data
// pointer of a waker made by `from_header`, and that waker owns one
// reference to the task (`RawWaker`'s contract: std calls them only so).

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: the waker's reference keeps the header alive.
    unsafe { task(ptr) }.header().state.ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: as for `clone`; this consumes the waker's reference.
    let raw = unsafe { task(ptr) };
    match raw.header().state.transition_to_notified_by_val() {
        ToNotified::Submit => {
            // The waker's reference goes even if `schedule` unwinds (a
            // `LocalSet` run by a foreign executor whose waker panics):
            // kept, it would keep the task, and its scheduler, for good.
            let _reference = DropReference(raw);
            raw.schedule();
        }
        ToNotified::Nothing => {}
        ToNotified::Dealloc => raw.dealloc(),
    }
}

/// Gives a task reference back when dropped.
struct DropReference(RawTask);

impl Drop for DropReference {
    fn drop(&mut self) {
        self.0.drop_reference();
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: as for `clone`.
    let raw = unsafe { task(ptr) };
    if raw.header().state.transition_to_notified_by_ref() == ToNotified::Submit {
        raw.schedule();
    }
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: as for `clone`; this gives the waker's reference back.
    unsafe { task(ptr) }.drop_reference();
}

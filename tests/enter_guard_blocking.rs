//! A `Runtime::enter` guard only makes a runtime current: it does not change
//! whether the thread may block. So a guard carried across the edge of a
//! `block_in_place` closure (made inside and dropped after, or the other
//! way round) leaves `block_on` refused where it must be, and allowed
//! inside the closure.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

#[test]
fn a_guard_made_inside_block_in_place_leaves_block_on_refused_after() {
    let runtime = common::two_workers();
    let other = common::two_workers();
    runtime.block_on(common::bounded(async {
        let guard = corio::task::block_in_place(|| other.enter());
        drop(guard);
        let nested = catch_unwind(AssertUnwindSafe(|| {
            corio::Handle::current().block_on(async {});
        }));
        assert!(nested.is_err(), "a block_on inside block_on is refused");
    }));
}

#[test]
fn a_guard_dropped_inside_block_in_place_leaves_block_on_allowed_there() {
    let runtime = common::two_workers();
    let other = common::two_workers();
    runtime.block_on(common::bounded(async {
        let guard = other.enter();
        let answer = corio::task::block_in_place(move || {
            drop(guard);
            corio::Handle::current().block_on(async { 42 })
        });
        assert_eq!(answer, 42);
        let nested = catch_unwind(AssertUnwindSafe(|| {
            corio::Handle::current().block_on(async {});
        }));
        assert!(nested.is_err(), "refused again after the closure");
    }));
}

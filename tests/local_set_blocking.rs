//! Blocking inside a `LocalSet` run by a multi-thread runtime's
//! `block_on`: the set's tasks run only on that thread, so
//! `block_in_place` there is refused, as tokio refuses it, while the same
//! call in the plain `block_on` future (no set) runs the closure.

mod common;

use common::{bounded, panic_message};
use corio::task::{LocalSet, block_in_place, spawn_local};

fn one_worker() -> corio::Runtime {
    corio::Runtime::builder().worker_threads(1).build().unwrap()
}

/// The message of `block_in_place`'s panic, or `None` if the closure ran.
fn refusal() -> Option<String> {
    std::panic::catch_unwind(|| block_in_place(|| 1))
        .err()
        .map(|payload| panic_message(&*payload))
}

/// Before, the closure ran: every other local task then waited for it, and
/// one that waited on another local task of the set (a `Handle::block_on`
/// of its `oneshot`) waited for good.
#[test]
#[cfg_attr(miri, ignore)]
fn block_in_place_in_a_local_task_is_refused() {
    let runtime = one_worker();
    let local = LocalSet::new();
    let refused = local.block_on(
        &runtime,
        bounded(async { spawn_local(async { refusal() }).await.unwrap() }),
    );
    let message = refused.expect("the closure ran inside a local task");
    assert!(message.contains("LocalSet"), "{message}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn block_in_place_in_a_run_until_future_is_refused() {
    let runtime = one_worker();
    let local = LocalSet::new();
    let refused = runtime.block_on(local.run_until(async { refusal() }));
    let message = refused.expect("the closure ran inside run_until");
    assert!(message.contains("LocalSet"), "{message}");
}

/// Outside any set the `block_on` thread runs no task but its own future:
/// the closure runs there, as in tokio.
#[test]
#[cfg_attr(miri, ignore)]
fn block_in_place_in_a_plain_block_on_runs_the_closure() {
    let runtime = one_worker();
    assert_eq!(runtime.block_on(async { refusal() }), None);
    // And again after a set has run on this thread and ended.
    let local = LocalSet::new();
    runtime.block_on(local.run_until(async {}));
    assert_eq!(runtime.block_on(async { refusal() }), None);
}

/// A set being dropped runs none of its tasks: a task's `Drop` that calls
/// `block_in_place` there runs its closure (its clean-up must not be cut
/// short by a panic the drop would swallow). The set is dropped inside a
/// `block_on`, where blocking is otherwise forbidden: only there would a
/// drop counted as a turn be refused.
#[test]
#[cfg_attr(miri, ignore)]
fn block_in_place_in_a_local_task_dropped_with_its_set_runs_the_closure() {
    struct BlocksOnDrop(std::rc::Rc<std::cell::Cell<Option<Option<String>>>>);
    impl Drop for BlocksOnDrop {
        fn drop(&mut self) {
            self.0.set(Some(refusal()));
        }
    }
    let runtime = one_worker();
    let seen = std::rc::Rc::new(std::cell::Cell::new(None));
    let local = LocalSet::new();
    let guard = BlocksOnDrop(seen.clone());
    local.spawn_local(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    // One turn polls the task to its `pending`; then the set is dropped.
    runtime.block_on(local.run_until(corio::task::yield_now()));
    runtime.block_on(async move { drop(local) });
    assert_eq!(
        seen.take(),
        Some(None),
        "the closure did not run in the drop"
    );
}

/// A set polled by another executor, outside any runtime, may block: the
/// closure runs, as tokio's does there.
#[test]
#[cfg_attr(miri, ignore)]
fn block_in_place_in_a_set_run_outside_a_runtime_runs_the_closure() {
    let local = LocalSet::new();
    let refused = common::threads::at_once(local.run_until(async { refusal() }));
    assert_eq!(refused, None);
}

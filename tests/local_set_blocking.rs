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

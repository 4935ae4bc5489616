//! Spawning on a runtime that has shut down: the future is dropped on the
//! spot and its handle says cancelled, even when the future owns another
//! runtime, whose own shutdown then runs inside that `spawn`.

mod common;

use common::{Drops, two_workers};

#[test]
#[cfg_attr(miri, ignore)]
fn spawn_after_shutdown_began_is_cancelled() {
    let runtime = two_workers();
    let handle = runtime.handle().clone();
    common::within_limit(move || drop(runtime));
    let drops = Drops::new(1);
    let tracked = drops.track(0);
    let late = handle.spawn(async move {
        let _tracked = tracked;
        1
    });
    drops.assert_each_dropped_once();
    let err = futures_lite::future::block_on(late).unwrap_err();
    assert!(err.is_cancelled());
}

/// A runtime owned by a future that `spawn` drops on the spot (its runtime
/// is gone) still shuts down whole there: its own tasks are dropped. Its
/// shutdown runs while `spawn` holds the current handle, so it cannot
/// enter it, and goes on without.
#[test]
#[cfg_attr(miri, ignore)]
fn a_runtime_dropped_by_a_future_spawned_on_a_dead_runtime_still_shuts_down() {
    let dead = two_workers();
    let handle = dead.handle().clone();
    let _entered = handle.enter();
    common::within_limit(move || drop(dead));
    let inner = two_workers();
    let drops = Drops::new(1);
    let tracked = drops.track(0);
    inner.spawn(async move {
        let _tracked = tracked;
        std::future::pending::<()>().await;
    });
    let late = corio::spawn(async move {
        let _inner = inner;
    });
    drops.assert_each_dropped_once();
    let err = futures_lite::future::block_on(late).unwrap_err();
    assert!(err.is_cancelled());
}

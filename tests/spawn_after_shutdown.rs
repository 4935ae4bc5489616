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
    assert!(cancelled_at_once(late));
}

/// A future that `spawn` drops on the spot runs user code inside `spawn`:
/// its `Drop` may enter another runtime. `spawn` holds no borrow of the
/// thread's current runtime meanwhile, so that works instead of panicking.
#[test]
#[cfg_attr(miri, ignore)]
fn a_future_dropped_by_spawn_on_a_dead_runtime_may_enter_another() {
    struct EntersOnDrop(corio::Handle, std::sync::mpsc::Sender<bool>);
    impl Drop for EntersOnDrop {
        fn drop(&mut self) {
            let entered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _guard = self.0.enter();
                corio::Handle::current().metrics().workers
            }));
            let _ = self.1.send(entered.is_ok_and(|workers| workers == 1));
        }
    }
    let dead = two_workers();
    let handle = dead.handle().clone();
    let _entered = handle.enter();
    common::within_limit(move || drop(dead));
    let other = common::one_worker();
    let (tx, rx) = std::sync::mpsc::channel();
    let probe = EntersOnDrop(other.handle().clone(), tx);
    let late = corio::spawn(async move {
        let _probe = probe;
    });
    assert!(
        common::recv(&rx),
        "the drop could not enter the other runtime"
    );
    assert!(cancelled_at_once(late));
}

/// A runtime owned by work refused on the spot (its runtime is gone) still
/// shuts down whole there, entering itself as usual: its own tasks are
/// dropped. The work is a future given to `spawn`, or a closure given to
/// `spawn_blocking` or `JoinSet::spawn_blocking`, dropped inside the call.
#[test]
#[cfg_attr(miri, ignore)]
fn a_runtime_owned_by_refused_work_still_shuts_down() {
    refused_work_drops_its_runtime(|f| corio::spawn(async move { f() }));
    refused_work_drops_its_runtime(|f| corio::spawn_blocking(f));
    refused_work_drops_its_runtime(|f| {
        let mut set = corio::task::JoinSet::new();
        set.spawn_blocking(f);
        let joined =
            futures_lite::future::block_on(futures_lite::future::poll_once(set.join_next()));
        let joined = joined.expect("the refused task is ready at once");
        assert!(joined.expect("one task").unwrap_err().is_cancelled());
        corio::spawn_blocking(|| ()) // cancelled as well, for the check below
    });
}

fn refused_work_drops_its_runtime(
    spawn: impl FnOnce(Box<dyn FnOnce() + Send>) -> corio::JoinHandle<()>,
) {
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
    let late = spawn(Box::new(move || {
        let _inner = inner;
    }));
    drops.assert_each_dropped_once();
    assert!(cancelled_at_once(late));
}

/// Whether `late`, spawned on a runtime that is gone, was cancelled on the
/// spot: checked without waiting, so a handle that never completes fails
/// instead of hanging.
fn cancelled_at_once<T>(late: corio::JoinHandle<T>) -> bool {
    assert!(late.is_finished(), "the refused task's handle is pending");
    matches!(futures_lite::future::block_on(late), Err(err) if err.is_cancelled())
}

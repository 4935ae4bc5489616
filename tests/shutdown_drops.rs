//! What a task's future, or a queued blocking closure the shutdown
//! cancels, may do in its `Drop` while a shutdown drops it: a `block_on`
//! of the runtime being shut down is refused (it could never end), while
//! blocking on what lives outside the runtime goes on. Each case runs on both flavours, and each
//! drop runs in `common::within_limit`: a shutdown that hangs fails.

mod common;

use std::sync::mpsc;

use common::{Latch, bounded, two_workers};

/// A two-worker runtime and a current-thread one.
fn both_flavours() -> [corio::Runtime; 2] {
    let current_thread = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    [two_workers(), current_thread]
}

/// Spawns a task that holds `guard` and stays pending, and waits until it
/// holds it.
fn hold_in_a_task<G: Send + 'static>(runtime: &corio::Runtime, guard: G) {
    let polled = Latch::new(1);
    runtime.spawn({
        let polled = polled.clone();
        async move {
            let _guard = guard;
            polled.count_down();
            std::future::pending::<()>().await;
        }
    });
    runtime.block_on(bounded(polled.wait()));
}

/// Held by a task: its `Drop` blocks on its own runtime until the other
/// task of the pair lets go of its sender, and says whether it was refused.
struct BlocksOnItsRuntimeWhenDropped {
    other_gone: Option<corio::sync::oneshot::Receiver<()>>,
    refused: mpsc::Sender<bool>,
}

impl Drop for BlocksOnItsRuntimeWhenDropped {
    fn drop(&mut self) {
        let handle = corio::Handle::current();
        let other_gone = self.other_gone.take().unwrap();
        let blocked =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle.block_on(other_gone)));
        let _ = self.refused.send(blocked.is_err());
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_drop_that_blocks_on_its_runtime_at_shutdown_is_refused_instead_of_hanging() {
    // Two tasks, each holding the sender the other's drop waits for:
    // whichever the shutdown drops first would wait for the other, which is
    // dropped only after it returns. Refused (tokio's multi-thread runtime
    // drops the futures on its workers, where block_on panics), each drop
    // goes on.
    for runtime in both_flavours() {
        let (refused_tx, refused) = mpsc::channel();
        let (a_tx, a_rx) = corio::sync::oneshot::channel::<()>();
        let (b_tx, b_rx) = corio::sync::oneshot::channel::<()>();
        for (keep, wait) in [(a_tx, b_rx), (b_tx, a_rx)] {
            let guard = BlocksOnItsRuntimeWhenDropped {
                other_gone: Some(wait),
                refused: refused_tx.clone(),
            };
            hold_in_a_task(&runtime, (keep, guard));
        }
        common::within_limit(move || drop(runtime));
        assert_eq!(refused.try_iter().collect::<Vec<_>>(), [true, true]);
    }
}

/// Held by a task: its `Drop` hands a last record to a logger thread
/// outside the runtime, blocking until the bounded channel takes it.
struct LogsWhenDropped(corio::sync::channel::Sender<&'static str>);

impl Drop for LogsWhenDropped {
    fn drop(&mut self) {
        let _ = self.0.blocking_send("dropped at shutdown");
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_drop_at_shutdown_may_still_block_on_what_is_outside_the_runtime() {
    // Only a `block_on` of the runtime being shut down is refused: a
    // `Drop` that blocks on a thread outside it (a logger) goes on, as in
    // tokio's current-thread runtime.
    for runtime in both_flavours() {
        let (tx, rx) = corio::sync::channel::bounded(1);
        tx.try_send("filled").unwrap(); // the drop's send must wait for the logger
        let logger = std::thread::spawn(move || {
            let first = rx.blocking_recv();
            let second = rx.blocking_recv();
            (first, second)
        });
        hold_in_a_task(&runtime, LogsWhenDropped(tx));
        common::within_limit(move || drop(runtime));
        let (first, second) = common::threads::join(logger);
        assert_eq!(
            (first, second),
            (Some("filled"), Some("dropped at shutdown"))
        );
    }
}

/// A blocking closure still queued when the shutdown cancels it is dropped
/// on the shutdown's thread, before the tasks are: a `block_on` of the
/// runtime in its `Drop` is refused as a task's is. It hung: what it waited
/// for (here a sender a test holds; a task, or a timer) is cancelled or
/// stopped only after that drop returns, on the same thread.
#[test]
#[cfg_attr(miri, ignore)]
fn a_queued_blocking_closure_whose_drop_blocks_on_its_runtime_is_refused() {
    let one_worker = corio::Runtime::builder()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    for runtime in [one_worker, common::one_blocking_thread()] {
        // The only blocking thread is held, so the next job waits in line.
        let gate = runtime.block_on(bounded(async {
            let mut gate = common::Gate::queue();
            (&mut gate.started).await.unwrap();
            gate
        }));
        let (refused_tx, refused) = mpsc::channel();
        let (_kept, never) = corio::sync::oneshot::channel::<()>();
        let guard = BlocksOnItsRuntimeWhenDropped {
            other_gone: Some(never),
            refused: refused_tx,
        };
        let queued = runtime.spawn_blocking(move || drop(guard));
        common::within_limit(move || {
            runtime.shutdown_timeout(std::time::Duration::from_millis(50))
        });
        assert_eq!(refused.try_iter().collect::<Vec<_>>(), [true]);
        let _ = gate.release.send(());
        drop(queued);
    }
}

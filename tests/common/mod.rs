//! Helpers shared by the integration tests: run a future on a fresh
//! two-worker runtime, and never wait longer than `LIMIT`.

#![allow(dead_code)] // each test file uses its own subset

use std::future::Future;
use std::time::Duration;

/// The longest any test waits for anything.
pub const LIMIT: Duration = Duration::from_secs(20);

/// Runs `fut` on a new two-worker runtime, failing the test if it takes
/// longer than [`LIMIT`].
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let runtime = corio::Runtime::builder()
        .worker_threads(2)
        .build()
        .expect("cannot build a runtime");
    runtime.block_on(bounded(fut))
}

/// `fut`, or a panic once [`LIMIT`] has passed (needs a runtime).
pub async fn bounded<F: Future>(fut: F) -> F::Output {
    match corio::time::timeout(LIMIT, fut).await {
        Ok(output) => output,
        Err(_) => panic!("the test waited longer than {LIMIT:?}"),
    }
}

/// Blocks the calling (non-runtime) thread until `rx` yields, at most [`LIMIT`].
pub fn recv<T>(rx: &std::sync::mpsc::Receiver<T>) -> T {
    rx.recv_timeout(LIMIT)
        .expect("waited longer than the test limit")
}

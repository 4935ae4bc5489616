//! loom models of the semaphore's races: a release against a waiter on
//! another thread, and a waiter that gives up while its permit is granted.
//! Run with `RUSTFLAGS="--cfg loom -C debug-assertions=on" cargo test --release --lib loom`.

use std::pin::pin;
use std::task::{Context, Waker};

use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

use super::Semaphore;

/// A task waits for a permit that another thread releases: it gets it.
#[test]
fn loom_a_release_grants_a_waiter_on_another_thread() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let releaser = semaphore.clone();
        let releasing = thread::spawn(move || releaser.add_permits(1));
        let permit = block_on(semaphore.acquire()).unwrap();
        assert_eq!(permit.num_permits(), 1);
        releasing.join().unwrap();
        drop(permit);
        assert_eq!(semaphore.available_permits(), 1);
    });
}

/// A waiter gives up (its future is dropped) while a release may be
/// granting it the permit: the permit is never lost, and a second waiter
/// gets it whichever way the race goes.
#[test]
fn loom_a_waiter_that_gives_up_passes_its_grant_on() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let quitter = semaphore.clone();
        let quitting = thread::spawn(move || {
            let mut acquire = pin!(quitter.acquire());
            let mut cx = Context::from_waker(Waker::noop());
            // Queued (or, if the release came first, served): then dropped.
            drop(acquire.as_mut().poll(&mut cx));
        });
        let releaser = semaphore.clone();
        let releasing = thread::spawn(move || releaser.add_permits(1));
        let permit = block_on(semaphore.acquire()).unwrap();
        quitting.join().unwrap();
        releasing.join().unwrap();
        drop(permit);
        assert_eq!(semaphore.available_permits(), 1, "the one permit is back");
    });
}

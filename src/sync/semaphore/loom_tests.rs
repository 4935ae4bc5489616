//! loom models of the semaphore's races: a release against a waiter on
//! another thread, a waiter that gives up while its permit is granted, and
//! a grant seen through the flag in the future, without the lock.
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

/// A waiter that polls in a loop instead of waiting for its wake-up sees
/// the grant through the flag, without the lock: the releaser's writes
/// before the grant are visible to it (the flag's Release/Acquire).
#[test]
fn loom_a_grant_seen_without_the_lock_publishes_the_releasers_writes() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let data = Arc::new(loom::cell::UnsafeCell::new(0));
        let (releaser, written) = (semaphore.clone(), data.clone());
        let releasing = thread::spawn(move || {
            // SAFETY: the only access until the permit is granted.
            written.with_mut(|p| unsafe { *p = 1 });
            releaser.add_permits(1);
        });
        let mut acquire = pin!(semaphore.acquire_permits(1));
        let mut cx = Context::from_waker(Waker::noop());
        while acquire.as_mut().poll(&mut cx).is_pending() {
            thread::yield_now();
        }
        // SAFETY: the grant ordered the releaser's write before this read.
        assert_eq!(data.with(|p| unsafe { *p }), 1);
        releasing.join().unwrap();
        semaphore.release(1);
    });
}

/// Two threads take a one-permit semaphore as a lock, each through the
/// fast path or the line, whichever the race gives it: they never hold it
/// at once, and each sees the other's write (the pool's Acquire/Release).
#[test]
fn loom_the_pool_keeps_a_lock_exclusive() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(1));
        let data = Arc::new(loom::cell::UnsafeCell::new(0));
        let (other, other_data) = (semaphore.clone(), data.clone());
        let bump = move |semaphore: &Semaphore, data: &loom::cell::UnsafeCell<i32>| {
            let permit = block_on(semaphore.acquire()).unwrap();
            // SAFETY: the permit is the lock; loom reports any overlap.
            data.with_mut(|p| unsafe { *p += 1 });
            drop(permit);
        };
        let bumping = thread::spawn(move || bump(&other, &other_data));
        bump(&semaphore, &data);
        bumping.join().unwrap();
        // SAFETY: both threads are done.
        assert_eq!(data.with(|p| unsafe { *p }), 2);
        assert_eq!(semaphore.available_permits(), 1);
    });
}

/// A waiter that queues and gives up while the holder releases: whichever
/// way the race goes, the line ends empty with the flag down, and the
/// permit is free to the fast path.
#[test]
fn loom_a_waiter_leaving_the_line_reopens_the_fast_path() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(1));
        let held = semaphore.try_acquire().unwrap();
        let quitter = semaphore.clone();
        let quitting = thread::spawn(move || {
            let mut acquire = pin!(quitter.acquire_permits(1));
            let mut cx = Context::from_waker(Waker::noop());
            if acquire.as_mut().poll(&mut cx).is_ready() {
                quitter.release(1);
            }
        });
        drop(held);
        quitting.join().unwrap();
        assert_eq!(semaphore.available_permits(), 1);
        assert!(semaphore.try_acquire().is_ok());
    });
}

/// `close` races an acquire: the acquire fails or gets its permit, never
/// hangs, and a permit it got still goes back after the close.
#[test]
fn loom_close_races_an_acquire() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let closer = semaphore.clone();
        let closing = thread::spawn(move || {
            closer.add_permits(1);
            closer.close();
        });
        let got = block_on(semaphore.acquire());
        closing.join().unwrap();
        assert!(semaphore.is_closed());
        if let Ok(permit) = got {
            drop(permit);
        }
        assert_eq!(semaphore.available_permits(), 1, "the permit is back");
        assert!(semaphore.try_acquire().is_err(), "closed");
    });
}

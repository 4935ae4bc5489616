//! The grant's flag, which a waiting `Acquire` reads without the lock
//! (`line.rs`): run under Miri too, which checks the pointer from the
//! queued node into the pinned future.

use std::pin::pin;
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::{AcquireError, Semaphore};

fn poll<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// A waiter granted its permit finds it while another thread holds the
/// semaphore's lock: its poll does not take the lock to learn of the grant.
#[test]
fn a_granted_waiter_learns_of_its_grant_without_the_lock() {
    let semaphore = Semaphore::new(0);
    let (queued, is_queued) = mpsc::channel();
    let (locked, is_locked) = mpsc::channel();
    let (done, is_done) = mpsc::channel();
    std::thread::scope(|scope| {
        let semaphore = &semaphore;
        scope.spawn(move || {
            let mut acquire = pin!(semaphore.acquire_permits(1));
            assert!(poll(acquire.as_mut()).is_pending());
            queued.send(()).unwrap();
            is_locked.recv().unwrap();
            done.send(poll(acquire.as_mut())).unwrap();
        });
        is_queued.recv().unwrap();
        semaphore.add_permits(1);
        let state = semaphore.state.lock();
        locked.send(()).unwrap();
        // Bounded: a poll that waited for the lock would never answer.
        let answer = is_done.recv_timeout(Duration::from_secs(20));
        drop(state);
        assert_eq!(answer, Ok(Poll::Ready(Ok(()))));
    });
    semaphore.release(1);
    assert_eq!(semaphore.available_permits(), 1);
}

/// A waiter dropped after its grant, never polled again, hands the
/// permits on: to the next waiter, or back to the pool.
#[test]
fn a_grant_dropped_unseen_goes_to_the_next_waiter() {
    let semaphore = Semaphore::new(0);
    let mut first = Box::pin(semaphore.acquire_permits(1));
    let mut second = pin!(semaphore.acquire_permits(1));
    assert!(poll(first.as_mut()).is_pending());
    assert!(poll(second.as_mut()).is_pending());
    semaphore.add_permits(1); // granted to `first`
    assert_eq!(semaphore.available_permits(), 0);
    drop(first);
    assert_eq!(poll(second.as_mut()), Poll::Ready(Ok(())));
    semaphore.release(1);
    assert_eq!(semaphore.available_permits(), 1);
}

/// The flag is raised only by a grant: a waiter popped by `close` gets
/// the error, a waiter still queued stays pending when polled again, and
/// the one closed out gives back nothing when it drops (a raised flag
/// would hand back 2 permits it never took).
#[test]
fn only_a_grant_raises_the_flag() {
    let semaphore = Semaphore::new(1);
    let mut big = Box::pin(semaphore.acquire_permits(2));
    assert!(poll(big.as_mut()).is_pending());
    assert!(
        poll(big.as_mut()).is_pending(),
        "one permit does not cover 2"
    );
    semaphore.close();
    assert_eq!(poll(big.as_mut()), Poll::Ready(Err(AcquireError::new())));
    drop(big);
    assert_eq!(semaphore.available_permits(), 1);
}

/// A waiter granted its permit, then closed out before it looked, gets
/// the error, as tokio's does, and its permit goes back to the semaphore
/// (it once answered `Ok` from a closed semaphore).
#[test]
fn a_grant_overtaken_by_the_close_fails_and_gives_its_permit_back() {
    let semaphore = Semaphore::new(0);
    let mut acquire = Box::pin(semaphore.acquire_permits(1));
    assert!(poll(acquire.as_mut()).is_pending());
    semaphore.add_permits(1);
    assert_eq!(semaphore.available_permits(), 0, "granted to the waiter");
    semaphore.close();
    assert_eq!(
        poll(acquire.as_mut()),
        Poll::Ready(Err(AcquireError::new()))
    );
    drop(acquire);
    assert_eq!(semaphore.available_permits(), 1);
}

/// A future polled again after its grant's `Ready` starts a new acquire:
/// it waits, and only a new grant ends the wait (the first grant's flag
/// must not end it, nor leave its node behind when it is dropped).
#[test]
fn a_future_polled_again_after_its_grant_waits_for_a_new_one() {
    let semaphore = Semaphore::new(0);
    let mut acquire = Box::pin(semaphore.acquire_permits(1));
    assert!(poll(acquire.as_mut()).is_pending());
    semaphore.add_permits(1);
    assert_eq!(poll(acquire.as_mut()), Poll::Ready(Ok(())));
    assert!(poll(acquire.as_mut()).is_pending(), "nothing is free");
    assert!(poll(acquire.as_mut()).is_pending(), "no second grant came");
    drop(acquire);
    semaphore.release(1); // the first grant's permit
    assert_eq!(semaphore.available_permits(), 1);
}

/// While nobody waits, an acquire and a release change the pool without
/// the lock (`pool.rs`): they finish while another thread holds it.
#[test]
fn without_waiters_acquires_and_releases_skip_the_lock() {
    let semaphore = Semaphore::new(2);
    let (done, is_done) = mpsc::channel();
    std::thread::scope(|scope| {
        let state = semaphore.state.lock();
        let semaphore = &semaphore;
        scope.spawn(move || {
            let permit = semaphore.try_acquire().unwrap();
            let mut acquire = pin!(semaphore.acquire_permits(1));
            let polled = poll(acquire.as_mut());
            drop(permit);
            semaphore.release(1);
            done.send(polled).unwrap();
        });
        // Bounded: an acquire or release that waited for the lock would
        // never answer while we hold it.
        let answer = is_done.recv_timeout(Duration::from_secs(20));
        drop(state);
        assert_eq!(answer, Ok(Poll::Ready(Ok(()))));
    });
    assert_eq!(semaphore.available_permits(), 2);
}

/// Once a waiter is in line, the fast paths stand aside: a release goes to
/// the waiter, not to a `try_acquire` that comes after it, and the pool
/// reopens to the fast paths when the line empties.
#[test]
fn a_waiter_in_line_is_not_overtaken_by_the_fast_path() {
    let semaphore = Semaphore::new(1);
    let mut big = pin!(semaphore.acquire_permits(2));
    assert!(poll(big.as_mut()).is_pending());
    assert_eq!(semaphore.available_permits(), 0, "held for the waiter");
    assert!(semaphore.try_acquire().is_err(), "the waiter came first");
    semaphore.release(1);
    assert_eq!(poll(big.as_mut()), Poll::Ready(Ok(())));
    semaphore.release(2);
    assert_eq!(semaphore.available_permits(), 2);
    let permit = semaphore
        .try_acquire_many(2)
        .expect("the line is empty again");
    drop(permit);
    assert_eq!(semaphore.available_permits(), 2);
}

/// A waker whose `clone` panics, polled into the line: the panic leaves
/// the semaphore as it was (no `WAITING` flag with nobody in line), so
/// the fast paths still work after it.
#[test]
fn a_panicking_waker_clone_leaves_the_pool_open() {
    use std::task::{RawWaker, RawWakerVTable};
    const VTABLE: RawWakerVTable =
        RawWakerVTable::new(|_| panic!("clone refused"), |_| {}, |_| {}, |_| {});
    // SAFETY: the vtable's functions ignore the data pointer, which is
    // never read, so any pointer (null) is valid for them.
    let waker = unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) };
    let semaphore = Semaphore::new(0);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut acquire = pin!(semaphore.acquire_permits(1));
        let _ = acquire.as_mut().poll(&mut Context::from_waker(&waker));
    }));
    assert!(outcome.is_err(), "the clone panicked");
    semaphore.add_permits(1);
    assert_eq!(semaphore.available_permits(), 1);
    let permit = semaphore.try_acquire().expect("the fast path is open");
    drop(permit);
}

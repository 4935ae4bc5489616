//! `corio::sync::Semaphore` under no runtime at all: FIFO grants, the head
//! of the line blocking smaller requests, permits back on drop, close, and
//! wake batches. Plain `std::thread`s drive the futures; every wait is
//! bounded.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::thread;

use common::threads::{Flag, ROUNDS, on_thread, poll_with};
use corio::sync::{Semaphore, TryAcquireError};
use futures_lite::future::block_on;

#[test]
fn permits_go_back_on_drop_and_stay_out_on_forget() {
    let semaphore = Semaphore::new(3);
    let two = semaphore.try_acquire_many(2).unwrap();
    assert_eq!(semaphore.available_permits(), 1);
    drop(two);
    assert_eq!(semaphore.available_permits(), 3);
    semaphore.try_acquire().unwrap().forget();
    assert_eq!(semaphore.available_permits(), 2);
}

#[test]
fn a_large_waiter_at_the_head_blocks_smaller_ones() {
    let semaphore = Semaphore::new(1);
    let (big_flag, big_waker) = Flag::new();
    let (small_flag, small_waker) = Flag::new();
    let mut big = pin!(semaphore.acquire_many(3));
    let mut small = pin!(semaphore.acquire());
    assert!(poll_with(big.as_mut(), &big_waker).is_pending());
    assert!(poll_with(small.as_mut(), &small_waker).is_pending(), "FIFO");
    assert_eq!(
        semaphore.try_acquire().unwrap_err(),
        TryAcquireError::NoPermits
    );
    // The free permit is held for the head, as in tokio: a caller that
    // checks `available_permits` before `try_acquire` sees none.
    assert_eq!(semaphore.available_permits(), 0);
    semaphore.add_permits(2);
    assert!(big_flag.take() && !small_flag.take());
    let Poll::Ready(Ok(permit)) = poll_with(big.as_mut(), &big_waker) else {
        panic!("the head got its 3 permits");
    };
    assert_eq!(permit.num_permits(), 3);
    drop(permit);
    assert!(small_flag.take());
    assert!(matches!(
        poll_with(small.as_mut(), &small_waker),
        Poll::Ready(Ok(_))
    ));
}

#[test]
fn one_release_grants_every_waiter_it_covers_beyond_a_wake_batch() {
    // A release wakes a batch of waiters per hold of the lock; twenty
    // waiters take more than one batch, and all must be granted.
    let semaphore = Semaphore::new(0);
    let waiters: Vec<_> = (0..20).map(|_| Flag::new()).collect();
    let mut acquires: Vec<_> = (0..21).map(|_| Box::pin(semaphore.acquire())).collect();
    for (acquire, (_, waker)) in acquires.iter_mut().zip(&waiters) {
        assert!(poll_with(acquire.as_mut(), waker).is_pending());
    }
    let (last_flag, last_waker) = Flag::new();
    assert!(poll_with(acquires[20].as_mut(), &last_waker).is_pending());
    semaphore.add_permits(20);
    let mut permits = Vec::new();
    for (i, (acquire, (flag, waker))) in acquires.iter_mut().zip(&waiters).enumerate() {
        assert!(flag.take(), "waiter {i} was woken");
        let Poll::Ready(Ok(permit)) = poll_with(acquire.as_mut(), waker) else {
            panic!("waiter {i} holds its permit");
        };
        permits.push(permit);
    }
    assert!(!last_flag.take(), "the 21st waits for a permit");
    assert_eq!(semaphore.available_permits(), 0);
    permits.pop();
    assert!(last_flag.take(), "and gets the first one back");
}

/// Zero permits are always there, as in tokio: asking for none neither
/// waits behind the line nor fails for want of permits (only a close
/// refuses it).
#[test]
fn zero_permits_need_no_place_in_the_line() {
    let semaphore = Semaphore::new(1);
    let _held = semaphore.try_acquire().unwrap();
    let mut big = pin!(semaphore.acquire_many(2));
    assert!(poll_with(big.as_mut(), Waker::noop()).is_pending());
    let none = semaphore.try_acquire_many(0).expect("zero permits, now");
    assert_eq!(none.num_permits(), 0);
    let waited = poll_with(pin!(semaphore.acquire_many(0)), Waker::noop());
    assert!(
        matches!(waited, Poll::Ready(Ok(_))),
        "no wait behind the line"
    );
    semaphore.close();
    assert_eq!(
        semaphore.try_acquire_many(0).unwrap_err(),
        TryAcquireError::Closed
    );
}

#[test]
fn a_cancelled_grant_returns_its_permits() {
    let semaphore = Semaphore::new(0);
    let (flag_a, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = Box::pin(semaphore.acquire());
    let mut b = pin!(semaphore.acquire());
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    semaphore.add_permits(1);
    assert!(flag_a.take() && !flag_b.take());
    assert_eq!(semaphore.available_permits(), 0, "granted to the head");
    drop(a);
    assert!(flag_b.take(), "the permit passed on");
    assert!(matches!(
        poll_with(b.as_mut(), &waker_b),
        Poll::Ready(Ok(_))
    ));
}

#[test]
fn closing_fails_waiting_and_later_acquires() {
    let semaphore = Semaphore::new(0);
    let (flag, waker) = Flag::new();
    let mut waiting = Box::pin(semaphore.acquire());
    assert!(poll_with(waiting.as_mut(), &waker).is_pending());
    semaphore.close();
    assert!(flag.take() && semaphore.is_closed());
    assert!(matches!(
        poll_with(waiting.as_mut(), &waker),
        Poll::Ready(Err(_))
    ));
    // Closed out, not granted: its drop gives back no permit.
    drop(waiting);
    assert_eq!(semaphore.available_permits(), 0);
    assert!(common::threads::at_once(semaphore.acquire()).is_err());
    assert_eq!(
        semaphore.try_acquire().unwrap_err(),
        TryAcquireError::Closed
    );
}

/// The other half of the limit: two permits let two threads in at the same
/// time. Each holder waits, with its permit, until both are inside; a
/// semaphore that admitted one at a time would leave the first waiting.
#[test]
fn two_permits_admit_two_holders_at_once() {
    let semaphore = Arc::new(Semaphore::new(2));
    let inside = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (semaphore, inside) = (semaphore.clone(), inside.clone());
            thread::spawn(move || {
                let _permit = block_on(semaphore.acquire_owned()).unwrap();
                inside.fetch_add(1, Ordering::SeqCst);
                let deadline = std::time::Instant::now() + common::threads::PATIENCE;
                while inside.load(Ordering::SeqCst) < 2 {
                    assert!(
                        std::time::Instant::now() < deadline,
                        "the second holder never got in"
                    );
                    thread::yield_now();
                }
            })
        })
        .collect();
    on_thread(move || threads.into_iter().for_each(|t| t.join().unwrap()));
    assert_eq!(semaphore.available_permits(), 2);
}

#[test]
fn owned_permits_limit_concurrency_across_threads() {
    let semaphore = Arc::new(Semaphore::new(2));
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (semaphore, inside, most) = (semaphore.clone(), inside.clone(), most.clone());
            thread::spawn(move || {
                block_on(async {
                    for _ in 0..ROUNDS {
                        let permit = semaphore.clone().acquire_owned().await.unwrap();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(permit);
                    }
                })
            })
        })
        .collect();
    on_thread(move || threads.into_iter().for_each(|t| t.join().unwrap()));
    assert!(most.load(Ordering::SeqCst) <= 2);
    assert_eq!(semaphore.available_permits(), 2);
}

#[test]
fn a_panicking_waker_in_a_batch_does_not_strand_the_others() {
    use std::future::Future;
    use std::task::{Context, Wake};

    struct Panics;
    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("this waker panics");
        }
    }
    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let semaphore = Semaphore::new(0);
    let bad = Waker::from(Arc::new(Panics));
    let count = Arc::new(Count(AtomicUsize::new(0)));
    let good = Waker::from(count.clone());
    let mut first = pin!(semaphore.acquire());
    let mut second = pin!(semaphore.acquire());
    assert!(
        first
            .as_mut()
            .poll(&mut Context::from_waker(&bad))
            .is_pending()
    );
    assert!(
        second
            .as_mut()
            .poll(&mut Context::from_waker(&good))
            .is_pending()
    );
    // One release grants both; the first's waker panics while being woken.
    semaphore.add_permits(2);
    assert_eq!(
        count.0.load(Ordering::SeqCst),
        1,
        "the second waiter was woken"
    );
    assert!(
        second
            .as_mut()
            .poll(&mut Context::from_waker(&good))
            .is_ready()
    );
    assert!(
        first
            .as_mut()
            .poll(&mut Context::from_waker(&good))
            .is_ready()
    );
}

/// A split permit and a merged one each give back exactly what they hold,
/// and merging permits of two semaphores is refused.
#[test]
fn split_and_merge_keep_the_count_and_refuse_strangers() {
    let semaphore = Arc::new(Semaphore::new(4));
    let mut three = semaphore.clone().try_acquire_many_owned(3).unwrap();
    let one = three.split(1).unwrap();
    assert!(three.split(3).is_none(), "only 2 are left to split");
    assert_eq!(three.num_permits(), 2);
    drop(three);
    assert_eq!(semaphore.available_permits(), 3);

    let mut held = semaphore.try_acquire_many(2).unwrap();
    held.merge(semaphore.try_acquire().unwrap());
    assert_eq!(semaphore.available_permits(), 0);
    drop(one);
    drop(held);
    assert_eq!(semaphore.available_permits(), 4);

    let other = Semaphore::new(1);
    let mut mine = semaphore.try_acquire().unwrap();
    let theirs = other.try_acquire().unwrap();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mine.merge(theirs)));
    assert!(refused.is_err(), "merged permits of two semaphores");
    drop(mine);
    assert_eq!(semaphore.available_permits(), 4);
    assert_eq!(other.available_permits(), 1, "the refused permit went home");
}

/// `forget_permits` takes only free permits: none while a waiter is in
/// line (the pool is set aside for it), and permits held elsewhere still
/// return.
#[test]
fn forget_permits_takes_only_free_permits() {
    let semaphore = Semaphore::new(3);
    let held = semaphore.try_acquire_many(2).unwrap();
    assert_eq!(semaphore.forget_permits(5), 1);
    assert_eq!(semaphore.forget_permits(1), 0);
    let (flag, waker) = Flag::new();
    let mut waiter = pin!(semaphore.acquire_many(3));
    assert!(poll_with(waiter.as_mut(), &waker).is_pending());
    semaphore.add_permits(1);
    assert_eq!(
        semaphore.forget_permits(1),
        0,
        "the pool is set aside for the waiter"
    );
    drop(held);
    assert!(flag.take(), "the returned permits reached the waiter");
    assert!(matches!(
        poll_with(waiter.as_mut(), &waker),
        Poll::Ready(Ok(_))
    ));
}

//! `corio::sync::Barrier`: rounds, one leader each, reuse, and a cancelled
//! waiter. Plain threads drive the futures; every wait is bounded.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use common::threads::{Flag, on_thread, poll_with, waiting_on_thread};
use corio::sync::Barrier;

#[test]
fn the_last_arrival_releases_the_round_and_leads_it() {
    let barrier = Barrier::new(3);
    let (flag_a, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = pin!(barrier.wait());
    let mut b = pin!(barrier.wait());
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    assert!(
        !flag_a.take() && !flag_b.take(),
        "two of three: nobody goes"
    );
    let (_, waker_c) = Flag::new();
    let c = poll_with(pin!(barrier.wait()), &waker_c);
    assert!(matches!(c, Poll::Ready(r) if r.is_leader()));
    assert!(flag_a.take() && flag_b.take(), "the third releases both");
    assert!(matches!(poll_with(a, &waker_a), Poll::Ready(r) if !r.is_leader()));
    assert!(matches!(poll_with(b, &waker_b), Poll::Ready(r) if !r.is_leader()));
}

#[test]
fn threads_meet_round_after_round_with_one_leader_each() {
    const PARTIES: usize = 4;
    const ROUNDS: usize = 50;
    let barrier = Arc::new(Barrier::new(PARTIES));
    let waiters: Vec<_> = (0..PARTIES)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                futures_lite::future::block_on(async {
                    let mut led = 0;
                    for _ in 0..ROUNDS {
                        led += usize::from(barrier.wait().await.is_leader());
                    }
                    led
                })
            })
        })
        .collect();
    let leaders: usize = on_thread(move || waiters.into_iter().map(|w| w.join().unwrap()).sum());
    assert_eq!(leaders, ROUNDS, "exactly one leader a round");
}

#[test]
fn a_cancelled_wait_takes_its_arrival_back() {
    let barrier = Arc::new(Barrier::new(2));
    let (_, waker) = Flag::new();
    {
        let mut gone = pin!(barrier.wait());
        assert!(poll_with(gone.as_mut(), &waker).is_pending());
    }
    // Had the dropped wait still counted, this one would lead at once.
    let other = barrier.clone();
    let first = waiting_on_thread(async move { other.wait().await.is_leader() });
    let second = common::threads::at_once(barrier.wait());
    assert!(second.is_leader());
    assert!(!on_thread(move || first.join().unwrap()));
}

#[test]
fn a_barrier_of_zero_is_a_barrier_of_one() {
    let barrier = Barrier::new(0);
    for _ in 0..3 {
        assert!(common::threads::at_once(barrier.wait()).is_leader());
    }
    assert_eq!(
        format!("{barrier:?}"),
        "Barrier { parties: 1, arrived: 0, generation: 3 }"
    );
}

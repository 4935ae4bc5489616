//! `corio::sync::SetOnce`: a `set` wakes every wait, a second `set` gives
//! its value back, the value is dropped once, and a `set` racing a `wait`
//! on another thread is never missed. Every wait is bounded.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use common::threads::{Flag, on_thread, poll_with, waiting_on_thread};
use common::{Drops, block_on, bounded};
use corio::sync::{SetOnce, SetOnceError};

#[test]
fn a_set_wakes_every_wait_with_the_value() {
    let once = SetOnce::new();
    let (flags, wakers): (Vec<_>, Vec<_>) = (0..3).map(|_| Flag::new()).unzip();
    let mut waits: Vec<_> = (0..3).map(|_| Box::pin(once.wait())).collect();
    for (wait, waker) in waits.iter_mut().zip(&wakers) {
        assert!(poll_with(wait.as_mut(), waker).is_pending(), "unset");
    }
    once.set(7).unwrap();
    for ((wait, waker), flag) in waits.iter_mut().zip(&wakers).zip(&flags) {
        assert!(flag.take(), "each wait was woken");
        assert_eq!(poll_with(wait.as_mut(), waker), Poll::Ready(&7));
    }
}

#[test]
fn a_second_set_gives_its_value_back() {
    let once = SetOnce::new();
    assert_eq!(once.set(String::from("first")), Ok(()));
    assert_eq!(
        once.set(String::from("second")),
        Err(SetOnceError(String::from("second")))
    );
    assert_eq!(once.get().map(String::as_str), Some("first"));
    let set_already = SetOnce::from(1);
    assert_eq!(set_already.set(2), Err(SetOnceError(2)));
}

#[test]
fn a_wait_on_a_set_cell_is_ready_at_once() {
    let once = SetOnce::new_with(Some(3));
    let (_, waker) = Flag::new();
    assert_eq!(poll_with(pin!(once.wait()), &waker), Poll::Ready(&3));
}

#[test]
fn the_value_is_dropped_once_and_into_inner_keeps_it() {
    let drops = Drops::new(3);
    {
        let once = SetOnce::new();
        assert!(once.set(drops.track(0)).is_ok());
        let refused = once.set(drops.track(1)).expect_err("set already");
        drop(refused);
        assert_eq!(drops.total(), 1, "only the refused value");
    }
    assert_eq!(drops.total(), 2, "the cell's value went with the cell");
    let once = SetOnce::new();
    assert!(once.set(drops.track(2)).is_ok());
    let kept = once.into_inner();
    assert_eq!(drops.total(), 2, "into_inner moved it out");
    drop(kept);
    drops.assert_each_dropped_once();
}

#[test]
fn a_dropped_wait_leaves_the_others_to_be_woken() {
    let once = SetOnce::new();
    let (_, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = Box::pin(once.wait());
    let mut b = pin!(once.wait());
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    drop(a);
    once.set('x').unwrap();
    assert!(flag_b.take());
    assert_eq!(poll_with(b.as_mut(), &waker_b), Poll::Ready(&'x'));
}

/// A `set` on a plain thread races the waits of tasks on two workers: each
/// wait returns the value. (The narrow window, a `set` between a wait's
/// look and its sleep, is the loom model's in `set_once.rs`.)
#[test]
#[cfg_attr(miri, ignore)]
fn a_set_racing_waits_on_other_threads_is_never_missed() {
    let runtime = common::two_workers();
    for round in 0..200u32 {
        let once = Arc::new(SetOnce::new());
        let waits: Vec<_> = (0..4)
            .map(|_| {
                let once = once.clone();
                runtime.spawn(async move { *once.wait().await })
            })
            .collect();
        let setter = {
            let once = once.clone();
            std::thread::spawn(move || once.set(round).unwrap())
        };
        runtime.block_on(bounded(async {
            for wait in waits {
                assert_eq!(wait.await.unwrap(), round);
            }
        }));
        setter.join().unwrap();
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_static_set_once_serves_tasks_and_threads() {
    static READY: SetOnce<u32> = SetOnce::const_new();
    // Waiting (polled once) on a plain thread before the set.
    let waiter = waiting_on_thread(async { *READY.wait().await });
    block_on(async {
        corio::spawn(async { READY.set(5).unwrap() }).await.unwrap();
        assert_eq!(*READY.wait().await, 5);
    });
    assert_eq!(on_thread(move || waiter.join().unwrap()), 5);
}

#[test]
fn the_traits_follow_the_value() {
    let empty = SetOnce::<u8>::default();
    assert!(!empty.initialized());
    assert_eq!(format!("{empty:?}"), "SetOnce { value: None }");
    let one = SetOnce::from(1u8);
    assert_eq!(one.clone(), one);
    assert_ne!(one, empty);
    assert_eq!(format!("{one:?}"), "SetOnce { value: Some(1) }");
}

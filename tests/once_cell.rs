//! `corio::sync::OnceCell`: one initializer runs, the others wait for it,
//! and a cancelled or failed one lets the next try. Plain threads drive the
//! futures; every wait is bounded.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use common::threads::{Flag, on_thread, poll_with, run};
use corio::sync::{OnceCell, SetError};

#[test]
fn waiters_get_the_value_the_first_initializer_made() {
    let cell = OnceCell::new();
    let (_, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let (gate_tx, gate_rx) = corio::sync::oneshot::channel::<u32>();
    let mut first = pin!(cell.get_or_init(|| async { gate_rx.await.unwrap() }));
    let mut second = pin!(cell.get_or_init(|| async { unreachable!("the first one runs") }));
    assert!(poll_with(first.as_mut(), &waker_a).is_pending());
    assert!(poll_with(second.as_mut(), &waker_b).is_pending());
    assert_eq!(
        cell.set(9),
        Err(SetError::InitializingError(9)),
        "an initializer is running"
    );
    gate_tx.send(7).unwrap();
    assert_eq!(poll_with(first.as_mut(), &waker_a), Poll::Ready(&7));
    assert!(flag_b.take(), "setting the value wakes the waiters");
    assert_eq!(poll_with(second.as_mut(), &waker_b), Poll::Ready(&7));
}

#[test]
fn a_cancelled_initializer_lets_the_next_waiter_run_its_own() {
    let cell = OnceCell::new();
    let (_, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut second = pin!(cell.get_or_init(|| async { "second" }));
    {
        let mut first = pin!(cell.get_or_init(std::future::pending::<&str>));
        assert!(poll_with(first.as_mut(), &waker_a).is_pending());
        assert!(poll_with(second.as_mut(), &waker_b).is_pending());
        assert!(!flag_b.take());
    }
    assert!(flag_b.take(), "the first one's permit went to the second");
    assert_eq!(poll_with(second.as_mut(), &waker_b), Poll::Ready(&"second"));
}

#[test]
fn a_failed_initializer_hands_the_turn_to_the_next_waiter() {
    let cell = OnceCell::new();
    let (_, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let (gate_tx, gate_rx) = corio::sync::oneshot::channel::<()>();
    let mut first = pin!(cell.get_or_try_init(|| async {
        gate_rx.await.unwrap();
        Err::<u32, _>("unreachable host")
    }));
    let mut second = pin!(cell.get_or_try_init(|| async { Ok::<u32, &str>(8) }));
    assert!(poll_with(first.as_mut(), &waker_a).is_pending());
    assert!(poll_with(second.as_mut(), &waker_b).is_pending());
    gate_tx.send(()).unwrap();
    assert_eq!(
        poll_with(first.as_mut(), &waker_a),
        Poll::Ready(Err("unreachable host"))
    );
    assert!(flag_b.take(), "the failed one's turn went to the next");
    assert_eq!(poll_with(second.as_mut(), &waker_b), Poll::Ready(Ok(&8)));
    assert_eq!(cell.get(), Some(&8));
}

#[test]
fn a_failed_or_panicking_initializer_sets_nothing() {
    let cell = Arc::new(OnceCell::<u32>::new());
    let failed = run({
        let cell = cell.clone();
        async move { cell.get_or_try_init(|| async { Err("no") }).await.copied() }
    });
    assert_eq!(failed, Err("no"));
    let panicked = on_thread({
        let cell = cell.clone();
        move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                futures_lite::future::block_on(cell.get_or_init(|| async { panic!("init failed") }))
            }))
            .is_err()
        }
    });
    assert!(panicked);
    assert!(!cell.initialized());
    let value = run({
        let cell = cell.clone();
        async move { *cell.get_or_init(|| async { 3 }).await }
    });
    assert_eq!(value, 3);
    assert_eq!(cell.set(4), Err(SetError::AlreadyInitializedError(4)));
}

#[test]
fn from_default_clone_and_debug() {
    let cell = OnceCell::from(1);
    let copy = cell.clone();
    assert_eq!(copy.get(), Some(&1));
    assert_eq!(format!("{cell:?}"), "OnceCell { value: Some(1) }");
    let empty: OnceCell<u8> = OnceCell::default();
    assert_eq!(format!("{empty:?}"), "OnceCell { value: None }");
    assert_eq!(empty.into_inner(), None);
}

/// A cell made set in a `static` behaves as one set at run time: `init`
/// never runs, and `set` is refused as
/// already initialized (not as "initializing").
#[test]
fn a_cell_made_set_in_a_static_never_initializes() {
    static SET: OnceCell<u32> = OnceCell::const_new_with(5);
    common::threads::at_once(async {
        let value = SET
            .get_or_init(|| async { unreachable!("a set cell ran init") })
            .await;
        assert_eq!(*value, 5);
    });
    assert!(matches!(
        SET.set(6),
        Err(corio::sync::SetError::AlreadyInitializedError(6))
    ));
    assert!(SET.initialized());
}

//! Wakers that panic, given to a channel's waiters: a `clone` that panics
//! while a waiter goes back in line leaves the line as it was, so the
//! waiter's drop removes its own place and no other waiter's; a `wake`
//! that panics costs no message.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::{RawWaker, RawWakerVTable, Waker};

use common::threads::{Flag, poll_with};
use corio::sync::channel;

fn clone_panics() -> Waker {
    const VTABLE: RawWakerVTable =
        RawWakerVTable::new(|_| panic!("clone refused"), |_| {}, |_| {}, |_| {});
    // SAFETY: the vtable's functions ignore the data pointer, which is
    // never read, so any pointer (null) is valid for them.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

/// A waker whose `wake` (by value or by reference) panics; its clones are
/// the same waker.
fn wake_panics() -> Waker {
    const VTABLE: RawWakerVTable = RawWakerVTable::new(
        |data| RawWaker::new(data, &VTABLE),
        |_| panic!("wake refused"),
        |_| panic!("wake refused"),
        |_| {},
    );
    // SAFETY: the vtable's functions ignore the data pointer, which is
    // never read, so any pointer (null) is valid for them.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

#[test]
fn a_panicking_clone_while_requeueing_leaves_other_waiters_in_line() {
    let (tx, rx) = channel::unbounded::<u32>();
    let (_, first_waker) = Flag::new();
    let mut first = Box::pin(rx.recv());
    assert!(poll_with(first.as_mut(), &first_waker).is_pending());
    tx.try_send(1).unwrap(); // wakes `first`, which is taken off the line
    assert_eq!(rx.try_recv(), Ok(1), "a newcomer takes the message first");

    // `first` finds nothing and goes back to the head of the line, with a
    // new waker whose clone panics.
    let requeue = catch_unwind(AssertUnwindSafe(|| {
        let _ = poll_with(first.as_mut(), &clone_panics());
    }));
    assert!(requeue.is_err(), "the clone panicked");

    let (second_flag, second_waker) = Flag::new();
    let mut second = pin!(rx.recv());
    assert!(poll_with(second.as_mut(), &second_waker).is_pending());
    let dropped = catch_unwind(AssertUnwindSafe(|| drop(first)));
    assert!(dropped.is_ok(), "the drop found its own place in line");

    tx.try_send(2).unwrap();
    assert!(second_flag.take(), "the second waiter is still in line");
    assert_eq!(
        poll_with(second.as_mut(), &second_waker),
        std::task::Poll::Ready(Some(2))
    );
}

/// A sender parked on a full channel with a waker that panics when woken:
/// the receive that frees its slot still returns the message (the panic
/// unwound through it, dropping the message it had just taken out), and
/// the sender, polled again, sends.
#[test]
fn a_panicking_wake_costs_no_message() {
    let (tx, rx) = channel::bounded::<u32>(1);
    tx.try_send(1).unwrap();
    let mut parked = pin!(tx.send(2));
    assert!(poll_with(parked.as_mut(), &wake_panics()).is_pending());
    let received = catch_unwind(AssertUnwindSafe(|| rx.try_recv()));
    assert_eq!(
        received.ok(),
        Some(Ok(1)),
        "the message was lost to the panic"
    );
    let (_, waker) = Flag::new();
    assert!(poll_with(parked.as_mut(), &waker).is_ready());
    assert_eq!(rx.try_recv(), Ok(2));
}

//! `corio::sync::oneshot` under no runtime at all: plain `std::thread`s,
//! each driving its futures with `futures_lite::future::block_on`. Every
//! wait is bounded. (Moved from `channel.rs`, unchanged.)

mod common;

use std::pin::{Pin, pin};
use std::task::Poll;
use std::thread;

use common::threads::{Flag, poll_with, run};
use corio::sync::oneshot;

#[test]
fn oneshot_delivers_across_threads() {
    let (tx, rx) = oneshot::channel();
    thread::spawn(move || tx.send(String::from("done")).unwrap());
    assert_eq!(run(rx), Ok(String::from("done")));
}

#[test]
fn oneshot_sender_dropped_is_an_error() {
    let (tx, rx) = oneshot::channel::<u8>();
    thread::spawn(move || drop(tx));
    assert_eq!(run(rx), Err(oneshot::RecvError));
}

#[test]
fn oneshot_send_to_a_dropped_receiver_returns_the_value() {
    let (tx, rx) = oneshot::channel();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(vec![1]), Err(vec![1]));
}

#[test]
fn oneshot_closed_waits_for_the_receiver_to_go() {
    let (mut tx, rx) = oneshot::channel::<u8>();
    let (flag, waker) = Flag::new();
    {
        let mut closed = pin!(tx.closed());
        assert!(poll_with(closed.as_mut(), &waker).is_pending());
        drop(rx);
        assert!(flag.take(), "dropping the receiver woke `closed`");
        assert!(poll_with(closed.as_mut(), &waker).is_ready());
    }
    assert!(tx.is_closed());
}

#[test]
fn oneshot_close_keeps_a_value_sent_before_it() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(5).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(5));

    let (tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    assert_eq!(tx.send(6), Err(6));
    assert_eq!(run(rx), Err(oneshot::RecvError));
}

#[test]
fn oneshot_wakes_the_receiver_on_send() {
    let (tx, mut rx) = oneshot::channel();
    let (flag, waker) = Flag::new();
    assert!(poll_with(Pin::new(&mut rx), &waker).is_pending());
    let (other_flag, other) = Flag::new();
    assert!(
        poll_with(Pin::new(&mut rx), &other).is_pending(),
        "waker replaced"
    );
    tx.send(1).unwrap();
    assert!(other_flag.take(), "the send wakes the newest waker");
    assert!(!flag.take(), "the replaced waker is not woken");
    assert_eq!(poll_with(Pin::new(&mut rx), &waker), Poll::Ready(Ok(1)));
}

/// The last half dropped during an unwind, with a stored waker whose `Drop`
/// panics: the waker's panic is caught instead of aborting the process
/// (a panic during an unwind aborts, so this runs in a child process).
#[test]
#[cfg_attr(miri, ignore)]
fn a_stored_waker_that_panics_on_drop_does_not_abort_an_unwind() {
    common::in_child(
        "a_stored_waker_that_panics_on_drop_does_not_abort_an_unwind",
        || {
            use std::sync::Arc;
            use std::sync::atomic::{AtomicBool, Ordering};
            struct Bomb(Arc<AtomicBool>);
            impl std::task::Wake for Bomb {
                fn wake(self: Arc<Self>) {}
            }
            impl Drop for Bomb {
                fn drop(&mut self) {
                    if self.0.load(Ordering::SeqCst) {
                        panic!("waker drop boom");
                    }
                }
            }
            let armed = Arc::new(AtomicBool::new(false));
            let waker = std::task::Waker::from(Arc::new(Bomb(armed.clone())));
            let (tx, mut rx) = oneshot::channel::<u8>();
            assert!(poll_with(Pin::new(&mut rx), &waker).is_pending());
            drop(waker);
            rx.close();
            drop(tx);
            armed.store(true, Ordering::SeqCst);
            let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                let _rx = rx;
                panic!("unwinding with the last half");
            }));
            assert!(unwound.is_err());
        },
    );
}

/// A receiver dropped after the send, without taking the value, drops the
/// value with it, on its own thread, as tokio's does: here the receiving
/// task is woken by the send and drops its receiver from the wake-up (a
/// `select!` that took another branch), while `send` still holds the
/// channel. Before, the value outlived the receiver and went at the end of
/// `send`, in the sender's context.
#[test]
fn a_receiver_dropped_after_the_send_drops_the_value_with_it() {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Wake, Waker};

    struct Value(Arc<AtomicBool>);
    impl Drop for Value {
        fn drop(&mut self) {
            self.0.store(true, SeqCst);
        }
    }
    /// The receiving task: woken by the send, it drops its receiver and
    /// notes whether the value was gone by then.
    struct Task {
        rx: Mutex<Option<oneshot::Receiver<Value>>>,
        dropped: Arc<AtomicBool>,
        gone_with_rx: AtomicBool,
    }
    impl Wake for Task {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            drop(self.rx.lock().unwrap().take());
            self.gone_with_rx.store(self.dropped.load(SeqCst), SeqCst);
        }
    }

    let dropped = Arc::new(AtomicBool::new(false));
    let (tx, rx) = oneshot::channel();
    let task = Arc::new(Task {
        rx: Mutex::new(Some(rx)),
        dropped: dropped.clone(),
        gone_with_rx: AtomicBool::new(false),
    });
    let waker = Waker::from(task.clone());
    {
        let mut rx = task.rx.lock().unwrap();
        let rx = rx.as_mut().unwrap();
        assert!(
            std::pin::Pin::new(rx)
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
    }
    assert!(tx.send(Value(dropped.clone())).is_ok());
    assert!(dropped.load(SeqCst), "dropped once everything is gone");
    assert!(
        task.gone_with_rx.load(SeqCst),
        "the value outlived its receiver, to be dropped by send()"
    );
}

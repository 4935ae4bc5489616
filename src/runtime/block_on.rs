//! Driving one future on the calling thread.
//!
//! The calling thread polls the future, and when it is `Pending` sleeps in
//! `std::thread::park` until the future's waker unparks it. The waker is an
//! `Arc` holding the thread handle and a flag, so a wake that arrives before
//! the thread sleeps is not lost (the flag is checked before parking).

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use crate::task;

struct ThreadWaker {
    thread: Thread,
    notified: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.notified.swap(true, Ordering::Release) {
            self.thread.unpark();
        }
    }
}

/// Polls `future` on this thread until it completes.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let future = pin!(future);
    match poll_until(future, |_| false) {
        Some(output) => output,
        None => unreachable!("never asked to stop"),
    }
}

/// Polls `future` on this thread until it completes, or until `stop`,
/// asked after each `Pending` with the thread's waker (to be woken when it
/// might say yes), says to.
pub(crate) fn poll_until<F: Future>(
    mut future: Pin<&mut F>,
    mut stop: impl FnMut(&Waker) -> bool,
) -> Option<F::Output> {
    let waker_state = Arc::new(ThreadWaker {
        thread: thread::current(),
        notified: AtomicBool::new(false),
    });
    let waker = Waker::from(waker_state.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = task::with_budget(|| future.as_mut().poll(&mut cx)) {
            return Some(output);
        }
        if stop(&waker) {
            return None;
        }
        while !waker_state.notified.swap(false, Ordering::Acquire) {
            thread::park();
        }
    }
}

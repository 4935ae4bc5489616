//! Driving one future on the calling thread.
//!
//! The calling thread polls the future, and when it is `Pending` sleeps in
//! `std::thread::park` until the future's waker unparks it. The waker is an
//! `Arc` holding the thread handle and a state (running, notified,
//! parked), so a wake that arrives before the thread sleeps is not lost
//! (the state is checked before parking), and a wake of a thread that
//! runs anyway costs no `unpark`.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use crate::blocking::WaitingJob;
use crate::task;

/// The thread is polling (or about to); no wake since its last poll began.
const RUNNING: u8 = 0;
/// Woken since its last poll began: it polls again instead of parking.
const NOTIFIED: u8 = 1;
/// Parked (or about to park) until a wake.
const PARKED: u8 = 2;

struct ThreadWaker {
    thread: Thread,
    state: AtomicU8,
    /// The blocking-pool job this thread runs, if it waits on its own
    /// runtime: counted as sleeping while parked, running again from the
    /// moment it is woken (see `WaitingJob`).
    job: Option<WaitingJob>,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            match state {
                NOTIFIED => return,
                RUNNING => match self.state.compare_exchange(
                    RUNNING,
                    NOTIFIED,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => return, // it looks before it parks
                    Err(now) => state = now,
                },
                _ => {
                    // Counted running *before* the thread can run: from
                    // here on a paused clock sees the job busy.
                    if let Some(job) = &self.job {
                        job.runs();
                    }
                    match self.state.compare_exchange(
                        PARKED,
                        NOTIFIED,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => return self.thread.unpark(),
                        Err(now) => {
                            // Another wake got there first and counted it.
                            if let Some(job) = &self.job {
                                job.sleeps();
                            }
                            state = now;
                        }
                    }
                }
            }
        }
    }
}

/// Polls `future` on this thread until it completes; `job` is the pool job
/// this thread runs, if it waits on its own runtime.
pub(crate) fn block_on<F: Future>(future: F, job: Option<WaitingJob>) -> F::Output {
    let future = pin!(future);
    match poll_until(future, |_| false, job) {
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
    job: Option<WaitingJob>,
) -> Option<F::Output> {
    let waker_state = Arc::new(ThreadWaker {
        thread: thread::current(),
        state: AtomicU8::new(RUNNING),
        job,
    });
    let waker = Waker::from(waker_state.clone());
    let mut cx = Context::from_waker(&waker);
    let state = &waker_state.state;
    let swap = |from, to| {
        state
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    };
    loop {
        if let Poll::Ready(output) = task::with_budget(|| future.as_mut().poll(&mut cx)) {
            return Some(output);
        }
        if stop(&waker) {
            return None;
        }
        // Woken while polling: poll again.
        if swap(NOTIFIED, RUNNING) {
            continue;
        }
        if !swap(RUNNING, PARKED) {
            // A wake came just now.
            swap(NOTIFIED, RUNNING);
            continue;
        }
        // Published as parked first: a wake from here on counts the job
        // running (again) before it unparks us, so the count never shows
        // the job idle while it is awake and about to run.
        if let Some(job) = &waker_state.job {
            job.sleeps();
        }
        while !swap(NOTIFIED, RUNNING) {
            thread::park();
        }
    }
}

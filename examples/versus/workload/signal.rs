//! A std-only "it happened" signal, the one way every workload reports back.
//!
//! All three runtimes report "the last task is done" through this same
//! primitive, so a row's bookkeeping costs the same in every column and the
//! scheduler is what differs. (Where a definition names a runtime feature,
//! as `ping_pong` names a oneshot, each runtime uses its own: see
//! `contender::Oneshot`.)
//!
//! A [`Signal`] is a flag plus one parked waker, the shape of
//! `futures::task::AtomicWaker` built from a `Mutex`:
//!
//! ```text
//!   notify():  set = true ──► lock ──► take waker ──► wake
//!   poll():    set? ──► lock ──► set? (again) ──► park waker
//! ```
//!
//! The second check under the lock is what prevents a lost wake-up: if the
//! notifier's lock comes after ours it finds our waker; if it came before,
//! the mutex makes its `set = true` visible to our re-check.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Set once by one side, awaited (or blocked on) by one other side.
#[derive(Default)]
pub struct Signal {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Signal {
    /// Marks the signal set and wakes the waiter, if one is parked.
    pub fn notify(&self) {
        self.set.store(true, Ordering::Release);
        let waker = self.waker.lock().unwrap().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Ready once [`Signal::notify`] has been called.
    pub fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.set.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        let mut slot = self.waker.lock().unwrap();
        if self.set.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        match &mut *slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Waits for the signal from inside a task.
    pub async fn wait(&self) {
        std::future::poll_fn(|cx| self.poll_wait(cx)).await
    }

    /// Waits for the signal from a thread outside every runtime, by parking
    /// the thread; the same code for all three runtimes.
    pub fn wait_blocking(&self) {
        let waker = Waker::from(Arc::new(Unpark(thread::current())));
        let mut cx = Context::from_waker(&waker);
        while self.poll_wait(&mut cx).is_pending() {
            thread::park();
        }
    }
}

/// Wakes a thread parked in [`Signal::wait_blocking`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// "Each bumps a counter, the last signals": `n` calls to
/// [`Countdown::tick`] set the signal.
pub struct Countdown {
    left: AtomicUsize,
    done: Signal,
}

impl Countdown {
    /// A countdown that fires after `n` ticks.
    pub fn new(n: usize) -> Arc<Countdown> {
        Arc::new(Countdown {
            left: AtomicUsize::new(n),
            done: Signal::default(),
        })
    }

    /// Counts one down; the last tick sets the signal.
    pub fn tick(&self) {
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.done.notify();
        }
    }

    /// The signal the last tick sets.
    pub fn done(&self) -> &Signal {
        &self.done
    }
}

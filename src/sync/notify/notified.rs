//! The futures that wait on a [`Notify`]: [`Notified`] borrows it,
//! [`OwnedNotified`] holds it in an `Arc` (to move into a spawned task).
//! Both are the same waiter, `Wait`, over a different handle.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};

use super::{Notify, Signal};
use crate::sync::wait_queue::Recheck;
use crate::task::budget::poll_proceed;

/// The future returned by [`Notify::notified`].
///
/// # Examples
///
/// ```
/// use futures_lite::future::{block_on, poll_once};
///
/// let notify = corio::sync::Notify::new();
/// let early = notify.notified();
/// notify.notify_waiters(); // completes the futures made before it...
/// let late = notify.notified();
/// assert_eq!(block_on(poll_once(early)), Some(()));
/// assert_eq!(block_on(poll_once(late)), None, "...not later ones");
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    wait: Wait<&'a Notify>,
}

/// The future returned by [`Notify::notified_owned`]: a [`Notified`] that
/// owns an `Arc` of its `Notify`, so it borrows nothing.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// let notify = Arc::new(corio::sync::Notify::new());
/// let waiting: corio::sync::OwnedNotified = notify.clone().notified_owned();
/// notify.notify_waiters(); // it counts as waiting from its creation
/// corio::block_on(async move { corio::spawn(waiting).await.unwrap() });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct OwnedNotified {
    wait: Wait<Arc<Notify>>,
}

impl Notify {
    /// A future that completes at the next signal (or at once, taking the
    /// stored permit). It counts as waiting for `notify_waiters` from the
    /// moment it is created.
    ///
    /// Cancel safety: cancel-safe (module doc).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::future::{block_on, poll_once};
    ///
    /// let notify = corio::sync::Notify::new();
    /// notify.notify_one(); // nobody waits: stored as a permit
    /// assert_eq!(block_on(poll_once(notify.notified())), Some(()), "takes the permit");
    /// assert_eq!(block_on(poll_once(notify.notified())), None, "which is gone now");
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            wait: Wait::new(self),
        }
    }

    /// [`notified`](Self::notified) through an `Arc`: the future owns a
    /// handle and can move into a spawned task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let notify = Arc::new(corio::sync::Notify::new());
    /// corio::block_on(async {
    ///     let waiter = corio::spawn(notify.clone().notified_owned());
    ///     corio::task::yield_now().await;
    ///     notify.notify_one(); // picks the waiter, or is kept for it
    ///     waiter.await.unwrap();
    /// });
    /// ```
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        OwnedNotified {
            wait: Wait::new(self),
        }
    }
}

/// Both futures' methods, written once.
macro_rules! notified_methods {
    ($future:ty) => {
        impl $future {
            /// Joins the queue now, without waiting for the first poll, so
            /// that a `notify_one` from here on picks this future (or, with
            /// none queued before it, would have stored a permit it takes).
            /// Returns whether it is complete already: signalled, or it
            /// took the stored permit. Use it to register *before* checking
            /// the condition it waits for. On a future already polled, it
            /// answers without touching the waker of that poll.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::pin::pin;
            /// use std::sync::atomic::{AtomicBool, Ordering};
            ///
            /// let notify = std::sync::Arc::new(corio::sync::Notify::new());
            /// let ready = AtomicBool::new(false);
            /// let mut borrowed = pin!(notify.notified());
            /// let mut owned = pin!(notify.clone().notified_owned());
            /// assert!(!borrowed.as_mut().enable(), "queued, not signalled");
            /// assert!(!owned.as_mut().enable(), "queued behind it");
            /// // Another task would do this between the enables and the check:
            /// ready.store(true, Ordering::SeqCst);
            /// notify.notify_one(); // picks the first enabled: no permit is stored
            /// notify.notify_one(); // and the second
            /// if !ready.load(Ordering::SeqCst) {
            ///     unreachable!();
            /// }
            /// futures_lite::future::block_on(async { borrowed.await; owned.await }); // at once
            /// ```
            pub fn enable(self: Pin<&mut Self>) -> bool {
                self.get_mut().wait.enable()
            }
        }

        impl Future for $future {
            type Output = ();

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                self.get_mut().wait.poll(cx)
            }
        }
    };
}

notified_methods!(Notified<'_>);
notified_methods!(OwnedNotified);

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").finish_non_exhaustive()
    }
}

impl fmt::Debug for OwnedNotified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedNotified").finish_non_exhaustive()
    }
}

/// One waiter of a `Notify` reached through `N` (a borrow or an `Arc`).
struct Wait<N: Deref<Target = Notify>> {
    notify: N,
    /// `notify_waiters` calls seen when this future was made.
    generation: u64,
    waiter: Option<usize>,
    done: bool,
}

impl<N: Deref<Target = Notify>> Wait<N> {
    fn new(notify: N) -> Wait<N> {
        let generation = notify.state.lock().generation;
        Wait {
            notify,
            generation,
            waiter: None,
            done: false,
        }
    }

    fn enable(&mut self) -> bool {
        if !self.done && self.look(None) {
            self.done = true;
        }
        self.done
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            // Like tokio's: polled again, it stays complete.
            return Poll::Ready(());
        }
        let spent = ready!(poll_proceed(cx));
        if !self.look(Some(cx.waker())) {
            return Poll::Pending;
        }
        self.done = true;
        spent.made_progress();
        Poll::Ready(())
    }

    /// Whether a signal picked this future (else it is queued with
    /// `waker`, which a signal will wake). `None` (from `enable`) leaves
    /// the waker of a future already queued alone: the task that polled it
    /// still waits on it, and a no-op in its place would never wake it.
    fn look(&mut self, waker: Option<&Waker>) -> bool {
        // Declared before the guard, so dropped after it (wait_queue.rs).
        let mut displaced = None;
        let mut state = self.notify.state.lock();
        let recheck = match (waker, self.waiter) {
            (None, Some(key)) if state.waiters.is_queued(key) => Recheck::Waiting,
            _ => state.waiters.recheck(
                &mut self.waiter,
                waker.unwrap_or(Waker::noop()),
                &mut displaced,
            ),
        };
        match recheck {
            Recheck::Waiting => false,
            // Popped: a signal picked us.
            Recheck::Woken(_) => true,
            // Never queued: a `notify_waiters` since this future was made
            // first, then a stored permit. The broadcast has completed it
            // already, so it leaves the permit to the next waiter (tokio's
            // order since 1.51; before, such a future used the permit up).
            Recheck::Absent if state.generation != self.generation => true,
            Recheck::Absent if state.permit => {
                state.permit = false;
                true
            }
            Recheck::Absent => {
                let waker = waker.unwrap_or(Waker::noop());
                self.waiter = Some(state.waiters.push_back(None, waker));
                false
            }
        }
    }
}

impl<N: Deref<Target = Notify>> Drop for Wait<N> {
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return;
        };
        let mut state = self.notify.state.lock();
        let (ours, signal) = state.waiters.remove(key);
        // Picked by `notify_one` or `notify_last` but never returned: pass
        // the signal on, to the same end of the line (as tokio does).
        let next = match signal {
            Some(Signal::One { newest }) => state.notify(newest),
            _ => None,
        };
        drop(state);
        // In a `Drop`, maybe during an unwind: a panicking waker must not
        // become a second panic, which would abort. Our own waker, still
        // queued, goes after the lock (wait_queue.rs).
        crate::task::drop_waker_catching_panics(ours);
        if let Some(waker) = next {
            crate::task::wake_catching_panics(waker);
        }
    }
}

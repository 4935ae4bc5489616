//! `Notify`: wake one waiting task, or all of them, with no data attached.
//!
//! It is the bare signal other primitives are made of ("something changed,
//! look again"). Two ways to signal:
//!
//! * [`Notify::notify_one`] wakes the longest waiter. If nobody waits, it
//!   stores **one permit** (at most one: a second call adds nothing), and the
//!   next `notified().await` consumes it and returns at once. So a signal
//!   sent just before the receiver starts waiting is not lost.
//! * [`Notify::notify_last`] is `notify_one` for the newest waiter instead
//!   (a stack, where the most recent asker is the one to serve).
//! * [`Notify::notify_waiters`] wakes every waiter present *now* and stores
//!   nothing. "Present" includes every [`Notified`] future created before
//!   the call, even if not yet polled: each one remembers the count of
//!   `notify_waiters` calls when it was made, and completes once it changes.
//!
//! A `Notified` joins the queue (for `notify_one`) when it is first polled,
//! or earlier with [`Notified::enable`]: the way to register interest
//! *before* checking a condition, then check, then await.
//!
//! **Cancel safety.** `notified` is cancel-safe: a `Notified` dropped after
//! `notify_one` picked it, but before it returned, hands the signal on (to
//! the next waiter, or back as the stored permit).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use crate::loom::Mutex;
use crate::sync::wait_queue::{Recheck, WaitQueue};
use crate::task::budget::poll_proceed;

/// A signal between tasks; see the module doc.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
///
/// let ready = Arc::new((AtomicBool::new(false), corio::sync::Notify::new()));
/// let producer = ready.clone();
/// std::thread::spawn(move || {
///     producer.0.store(true, Ordering::SeqCst);
///     producer.1.notify_one();
/// });
/// futures_lite::future::block_on(ready.1.notified());
/// assert!(ready.0.load(Ordering::SeqCst), "the signal came after the store");
/// ```
pub struct Notify {
    state: Mutex<State>,
}

struct State {
    /// A `notify_one` nobody was waiting for.
    permit: bool,
    /// How many times `notify_waiters` was called.
    generation: u64,
    /// Each waiter's value says which call woke it, once popped.
    waiters: WaitQueue<Option<Signal>>,
}

/// Why a waiter was woken.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Signal {
    /// By `notify_one` (`newest: false`) or `notify_last` (`true`): the
    /// signal is this waiter's alone, to pass on if unused, to the waiter
    /// at the same end of the line.
    One { newest: bool },
    /// By `notify_waiters`: shared by everyone, nothing to pass on.
    All,
}

impl State {
    /// Wakes the head waiter, or stores the permit; returns the waker.
    fn notify_one(&mut self) -> Option<Waker> {
        self.notify(false)
    }

    /// Wakes the oldest waiter (or the newest), or stores the permit;
    /// returns the waker.
    fn notify(&mut self, newest: bool) -> Option<Waker> {
        let picked = if newest {
            self.waiters.pop_back()
        } else {
            self.waiters.pop_front()
        };
        match picked {
            Some((waker, signal)) => {
                *signal = Some(Signal::One { newest });
                Some(waker)
            }
            None => {
                self.permit = true;
                None
            }
        }
    }
}

impl Notify {
    /// Creates a `Notify` with no stored permit.
    ///
    /// # Examples
    ///
    /// ```
    /// let notify = corio::sync::Notify::new();
    /// assert_eq!(format!("{notify:?}"), "Notify { permit: false, .. }");
    /// ```
    pub fn new() -> Self {
        Notify {
            state: Mutex::new(State {
                permit: false,
                generation: 0,
                waiters: WaitQueue::new(),
            }),
        }
    }

    /// [`new`](Self::new) in a `const` context, for a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// static READY: corio::sync::Notify = corio::sync::Notify::const_new();
    ///
    /// corio::block_on(async {
    ///     READY.notify_one(); // kept as a permit: nobody waits yet
    ///     READY.notified().await;
    /// });
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> Self {
        Notify {
            state: Mutex::new(State {
                permit: false,
                generation: 0,
                waiters: WaitQueue::new(),
            }),
        }
    }

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
            notify: self,
            generation: self.state.lock().generation,
            waiter: None,
            done: false,
        }
    }

    /// Wakes the longest waiter, or stores one permit if nobody waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::Future;
    ///
    /// let notify = corio::sync::Notify::new();
    /// notify.notify_one();
    /// notify.notify_one(); // still a single permit
    /// futures_lite::future::block_on(notify.notified());
    /// let mut second = std::pin::pin!(notify.notified());
    /// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// assert!(second.as_mut().poll(&mut cx).is_pending());
    /// ```
    pub fn notify_one(&self) {
        let waker = self.state.lock().notify_one();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes the newest waiter (the last to queue), or stores one permit if
    /// nobody waits: tokio's `notify_last`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::Future;
    /// use std::pin::pin;
    /// use std::task::{Context, Waker};
    ///
    /// let notify = corio::sync::Notify::new();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let (mut first, mut last) = (pin!(notify.notified()), pin!(notify.notified()));
    /// assert!(first.as_mut().poll(&mut cx).is_pending());
    /// assert!(last.as_mut().poll(&mut cx).is_pending());
    /// notify.notify_last();
    /// assert!(last.as_mut().poll(&mut cx).is_ready());
    /// assert!(first.as_mut().poll(&mut cx).is_pending());
    /// ```
    pub fn notify_last(&self) {
        let waker = self.state.lock().notify(true);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every current waiter (every `Notified` already created); stores
    /// no permit.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::future::{block_on, poll_once};
    ///
    /// let notify = corio::sync::Notify::new();
    /// let (a, b) = (notify.notified(), notify.notified());
    /// notify.notify_waiters();
    /// assert_eq!(block_on(poll_once(async { a.await; b.await })), Some(()));
    /// assert_eq!(block_on(poll_once(notify.notified())), None, "no permit stored");
    /// ```
    pub fn notify_waiters(&self) {
        let mut wakers = Vec::new();
        {
            let mut state = self.state.lock();
            state.generation += 1;
            while let Some((waker, signal)) = state.waiters.pop_front() {
                *signal = Some(Signal::All);
                wakers.push(waker);
            }
        }
        wakers
            .into_iter()
            .for_each(crate::task::wake_catching_panics);
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field("permit", &self.state.lock().permit)
            .finish_non_exhaustive()
    }
}

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
    notify: &'a Notify,
    /// `notify_waiters` calls seen when this future was made.
    generation: u64,
    waiter: Option<usize>,
    done: bool,
}

impl Notified<'_> {
    /// Joins the queue now, without waiting for the first poll, so that a
    /// `notify_one` from here on picks this future (or, with none queued
    /// before it, would have stored a permit it takes). Returns whether it
    /// is complete already: signalled, or it took the stored permit. Use it
    /// to register *before* checking the condition it waits for.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    ///
    /// let notify = corio::sync::Notify::new();
    /// let ready = AtomicBool::new(false);
    /// let mut waiting = pin!(notify.notified());
    /// assert!(!waiting.as_mut().enable(), "queued, not signalled");
    /// // Another task would do this between the enable and the check:
    /// ready.store(true, Ordering::SeqCst);
    /// notify.notify_one(); // picks the enabled future: no permit is stored
    /// if !ready.load(Ordering::SeqCst) {
    ///     unreachable!();
    /// }
    /// futures_lite::future::block_on(waiting); // completes at once
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.get_mut();
        if !this.done && this.look(None) {
            this.done = true;
        }
        this.done
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

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.done {
            // Like tokio's: polled again, it stays complete.
            return Poll::Ready(());
        }
        let spent = ready!(poll_proceed(cx));
        if !this.look(Some(cx.waker())) {
            return Poll::Pending;
        }
        this.done = true;
        spent.made_progress();
        Poll::Ready(())
    }
}

impl Drop for Notified<'_> {
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

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").finish_non_exhaustive()
    }
}

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
//!   Such a future takes no stored permit as well: that is left for the
//!   next waiter (as in tokio since 1.51).
//!
//! A `Notified` joins the queue (for `notify_one`) when it is first polled,
//! or earlier with [`Notified::enable`]: the way to register interest
//! *before* checking a condition, then check, then await. Its twin
//! [`OwnedNotified`] (from [`Notify::notified_owned`]) holds the `Notify`
//! in an `Arc`, to move into a spawned task (`notified.rs`).
//!
//! **Cancel safety.** `notified` is cancel-safe: a `Notified` dropped after
//! `notify_one` picked it, but before it returned, hands the signal on (to
//! the next waiter, or back as the stored permit).

mod notified;

use std::fmt;
use std::task::Waker;

pub use self::notified::{Notified, OwnedNotified};
use crate::loom::Mutex;
use crate::sync::wait_queue::WaitQueue;

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
    /// Waits until `done()` holds, looking again at each signal: the
    /// `closed()` of channel handles, broadcast and watch senders. Each
    /// look's `Notified` is made before it, so a `notify_waiters` between
    /// the two is not lost. One unit of the task's coop budget: a wait pays
    /// it when its `Notified` completes, an answer found at once here.
    pub(crate) async fn wait_until(&self, done: impl Fn() -> bool) {
        let mut paid = false;
        loop {
            let signal = self.notified();
            if done() {
                if !paid {
                    crate::task::consume_budget().await;
                }
                return;
            }
            signal.await;
            paid = true;
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

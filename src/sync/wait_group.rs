//! Go's `sync.WaitGroup`: wait until a counted set of tasks has finished.
//!
//! ```text
//!   wg.add(3)        counter 3
//!   task: wg.done()  counter 2, 1, 0 ─► every wait() returns
//! ```
//!
//! As in Go, `add` is called *before* starting the work it counts (not
//! inside it), so `wait` cannot see zero before the work has even begun, and
//! a group may be reused once every `wait` of the last round has returned.
//! Clones share one counter.
//!
//! A waiter is released when the counter reaches zero, even if a later `add`
//! raises it again before the waiter runs.
//!
//! **Cancel safety.** `wait` is cancel-safe: it only waits.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::loom::{Arc, Mutex};
use crate::sync::wait_queue::{Recheck, WaitQueue};
use crate::task::budget::poll_proceed;

/// A counter of unfinished work that tasks can wait on; see the module doc.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// let wg = corio::sync::WaitGroup::new();
/// let finished = Arc::new(AtomicUsize::new(0));
/// for _ in 0..4 {
///     wg.add(1);
///     let (wg, finished) = (wg.clone(), finished.clone());
///     std::thread::spawn(move || {
///         finished.fetch_add(1, Ordering::SeqCst);
///         wg.done();
///     });
/// }
/// futures_lite::future::block_on(wg.wait());
/// assert_eq!(finished.load(Ordering::SeqCst), 4);
/// ```
#[derive(Clone)]
pub struct WaitGroup {
    state: Arc<Mutex<State>>,
}

struct State {
    count: usize,
    waiters: WaitQueue<()>,
}

impl WaitGroup {
    /// Creates a group with a counter of zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::future::{block_on, poll_once};
    ///
    /// let wg = corio::sync::WaitGroup::new();
    /// assert_eq!(block_on(poll_once(wg.wait())), Some(()), "zero: returns at once");
    /// ```
    pub fn new() -> Self {
        WaitGroup {
            state: Arc::new(Mutex::new(State {
                count: 0,
                waiters: WaitQueue::new(),
            })),
        }
    }

    /// Adds `n` units of work to the counter.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::future::{block_on, poll_once};
    ///
    /// let wg = corio::sync::WaitGroup::new();
    /// wg.add(2);
    /// wg.done();
    /// assert_eq!(block_on(poll_once(wg.wait())), None, "one unit left");
    /// wg.done();
    /// assert_eq!(block_on(poll_once(wg.wait())), Some(()));
    /// ```
    pub fn add(&self, n: usize) {
        let mut state = self.state.lock();
        state.count = state
            .count
            .checked_add(n)
            .expect("sync: WaitGroup counter overflow");
    }

    /// Marks one unit of work finished; at zero, releases every waiter.
    ///
    /// # Panics
    ///
    /// If the counter is already zero: "sync: negative WaitGroup counter",
    /// Go's message (a `done` without its `add`).
    ///
    /// # Examples
    ///
    /// ```should_panic
    /// corio::sync::WaitGroup::new().done(); // no matching add
    /// ```
    pub fn done(&self) {
        let mut wakers = Vec::new();
        {
            let mut state = self.state.lock();
            state.count = state
                .count
                .checked_sub(1)
                .expect("sync: negative WaitGroup counter");
            if state.count == 0 {
                while let Some((waker, _)) = state.waiters.pop_front() {
                    wakers.push(waker);
                }
            }
        }
        wakers
            .into_iter()
            .for_each(crate::task::wake_catching_panics);
    }

    /// Waits until the counter is zero.
    ///
    /// Cancel safety: cancel-safe; it only waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::future::{block_on, poll_once};
    ///
    /// let wg = corio::sync::WaitGroup::new();
    /// wg.add(1);
    /// let mut wait = Box::pin(wg.wait());
    /// assert_eq!(block_on(poll_once(&mut wait)), None, "the counter is 1");
    /// wg.done();
    /// assert_eq!(block_on(poll_once(&mut wait)), Some(()));
    /// ```
    pub async fn wait(&self) {
        Wait {
            group: self,
            waiter: None,
        }
        .await
    }
}

impl Default for WaitGroup {
    fn default() -> Self {
        WaitGroup::new()
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroup")
            .field("count", &self.state.lock().count)
            .finish_non_exhaustive()
    }
}

/// The state of one `wait().await`.
struct Wait<'a> {
    group: &'a WaitGroup,
    waiter: Option<usize>,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let spent = ready!(poll_proceed(cx));
        // Declared before the guard, so dropped after it (wait_queue.rs).
        let mut displaced = None;
        let mut state = this.group.state.lock();
        let released = match state
            .waiters
            .recheck(&mut this.waiter, cx.waker(), &mut displaced)
        {
            Recheck::Waiting => false,
            // Popped: the counter reached zero since we queued.
            Recheck::Woken(()) => true,
            Recheck::Absent if state.count == 0 => true,
            Recheck::Absent => {
                this.waiter = Some(state.waiters.push_back((), cx.waker()));
                false
            }
        };
        if !released {
            return Poll::Pending;
        }
        spent.made_progress();
        Poll::Ready(())
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            // A `let`: the guard (a temporary) is released at the end of
            // this statement, and our waker, if still queued, after it
            // (wait_queue.rs), catching a panic (maybe during an unwind).
            let (ours, ()) = self.group.state.lock().waiters.remove(key);
            crate::task::drop_waker_catching_panics(ours);
        }
    }
}

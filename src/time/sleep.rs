//! `Sleep`: a future that completes at a deadline.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use super::Instant;
use super::context;
use super::timers::{Registration, Timers};
use crate::task;

/// Waits until `duration` has elapsed, like `asyncio.sleep` or Go's
/// `time.Sleep`, without blocking the worker.
///
/// `sleep(Duration::ZERO)` is ready at its first poll (after one budget
/// check). A huge duration does not overflow: a deadline past what
/// `Instant` can hold, or past the about 584,000 years from the runtime's
/// start that the wheel can hold, becomes about 30 years from now (as good
/// as forever, not literally forever). tokio's `sleep` caps every duration
/// at 30 years, so a 40-year `sleep` ends 10 years sooner there than here;
/// `sleep_until` keeps a 40-year deadline in both.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// corio::block_on(async {
///     let start = corio::time::Instant::now();
///     corio::time::sleep(Duration::from_millis(10)).await;
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// });
/// ```
///
/// # Panics
/// Outside a corio runtime, with a message naming the fix.
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    sleep_for(duration, false).expect("a saturated deadline is a deadline")
}

/// `sleep(duration)`, or with `exact` `None` if its deadline is past what
/// an `Instant` can hold: `timeout` then has no deadline at all, as
/// tokio's (a paused clock would else jump the 30 years to it at once).
#[track_caller]
pub(crate) fn sleep_for(duration: Duration, exact: bool) -> Option<Sleep> {
    // One look at the thread's runtime, for its timers and its clock (not
    // `Instant::now()` and then `Sleep::new`: two).
    let timers = context::current();
    let now = Instant::from_std(timers.clock.now());
    let deadline = if exact {
        now.checked_add(duration)?
    } else {
        now.saturating_add(duration)
    };
    let mut sleep = Sleep::with_timers(timers, deadline);
    // The clock was just read: a first poll soon after need not read it
    // again to know the deadline is ahead (see `poll_elapsed`).
    sleep.fresh = duration >= FRESH;
    Some(sleep)
}

/// A sleep at least this long skips the clock read of its first poll.
const FRESH: Duration = Duration::from_millis(1);

/// Waits until `deadline`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// corio::block_on(async {
///     let deadline = corio::time::Instant::now() + Duration::from_millis(5);
///     corio::time::sleep_until(deadline).await;
///     assert!(corio::time::Instant::now() >= deadline);
/// });
/// ```
///
/// # Panics
/// Outside a corio runtime, with a message naming the fix.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// The future of [`sleep`] and [`sleep_until`].
///
/// It registers in the runtime's timer wheel at its first `Pending` poll and
/// leaves it when dropped, so a `Sleep` that is never polled costs nothing.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::block_on(async {
///     let armed = || corio::Handle::current().metrics().timers_armed;
///     let mut sleep = Box::pin(corio::time::sleep(Duration::from_secs(60)));
///     assert_eq!(armed(), 0, "not polled yet: not in the wheel");
///     assert!(futures_lite::future::poll_once(&mut sleep).await.is_none());
///     assert_eq!(armed(), 1);
///     drop(sleep);
///     assert_eq!(armed(), 0, "dropped: out of the wheel");
/// });
/// ```
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
    timers: Arc<Timers>,
    registration: Option<Registration>,
    /// Made by `sleep(d)` with `d` of a millisecond or more, and not polled
    /// yet: its deadline is surely ahead, so the first poll registers
    /// without reading the clock (the timers read it only to move an empty
    /// wheel to now). (If that poll comes late, the sleep is
    /// ready at once when the wheel has passed its deadline already, else
    /// it fires at the driver's next turn: late, never early.)
    fresh: bool,
}

impl Sleep {
    #[track_caller]
    pub(crate) fn new(deadline: Instant) -> Sleep {
        Sleep::with_timers(context::current(), deadline)
    }

    fn with_timers(timers: Arc<Timers>, deadline: Instant) -> Sleep {
        Sleep {
            deadline: timers.clamp_deadline(deadline),
            timers,
            registration: None,
            fresh: false,
        }
    }

    /// When this sleep completes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// corio::block_on(async {
    ///     let deadline = corio::time::Instant::now() + Duration::from_secs(5);
    ///     assert_eq!(corio::time::sleep_until(deadline).deadline(), deadline);
    /// });
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed, by the runtime's clock. tokio's
    /// says whether the timer has fired, so it is `false` for a sleep not
    /// yet polled even when its deadline is past; corio's is `true`. A
    /// poll may still find the sleep pending until the driver's next turn.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let sleep = corio::time::sleep(Duration::from_secs(5));
    ///     assert!(!sleep.is_elapsed());
    ///     corio::time::advance(Duration::from_secs(5)).await;
    ///     assert!(sleep.is_elapsed());
    /// });
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.now() >= self.deadline
    }

    /// The time of the runtime this sleep belongs to (paused or not), even
    /// when it is polled from a thread outside that runtime.
    pub(crate) fn now(&self) -> Instant {
        Instant::from_std(self.timers.clock.now())
    }

    /// Moves the deadline (earlier or later), keeping the registration.
    /// A sleep whose timer has already fired has used its waker up, as
    /// tokio's has (its fire takes the waker out of the entry it re-arms):
    /// the new deadline wakes the task only once the sleep is polled
    /// again. Poll it after a `reset`, as `select!` in a loop and
    /// `Interval` do.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let start = corio::time::Instant::now();
    ///     let mut sleep = std::pin::pin!(corio::time::sleep(Duration::from_secs(3600)));
    ///     sleep.as_mut().reset(start + Duration::from_secs(1));
    ///     sleep.await;
    ///     assert_eq!(start.elapsed(), Duration::from_secs(1), "one second, not an hour");
    /// });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deadline = this.timers.clamp_deadline(deadline);
        // The new deadline may already have passed: the next poll reads the
        // clock (`fresh` skips that only for a deadline surely ahead).
        this.fresh = false;
        this.timers.reset(&this.registration, this.deadline);
    }

    /// `Unpin` version of the `Future` impl, for `Timeout` and `Interval`.
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let spent = ready!(task::poll_proceed(cx));
        // `fresh` is trusted only on a clock that was never paused: `advance`
        // may move a paused one past the deadline before the first poll.
        let fresh = std::mem::take(&mut self.fresh) && !self.timers.clock.was_ever_paused();
        if !fresh && self.now() >= self.deadline {
            self.timers.cancel(&mut self.registration);
            spent.made_progress();
            return Poll::Ready(());
        }
        if self
            .timers
            .register(&mut self.registration, self.deadline, cx.waker())
        {
            // The wheel has passed the deadline already (a fresh sleep
            // first polled late): due now, as tokio's would be.
            spent.made_progress();
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_elapsed(cx)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.timers.cancel(&mut self.registration);
    }
}

impl std::fmt::Debug for Timers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timers").finish_non_exhaustive()
    }
}

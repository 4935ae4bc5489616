//! `Interval`: ticks at a fixed period, with a policy for missed ticks.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use super::{Instant, Sleep, sleep_until};

/// Ticks every `period`, the first tick at once. Use it for fixed-rate jobs:
/// the schedule does not drift by the time each job takes.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// corio::block_on(async {
///     let mut interval = corio::time::interval(Duration::from_millis(2));
///     let first = interval.tick().await;
///     let second = interval.tick().await;
///     assert_eq!(second - first, Duration::from_millis(2));
/// });
/// ```
///
/// # Panics
/// If `period` is zero, or outside a corio runtime.
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Examples
///
/// ```
/// use corio::runtime::Builder;
/// use corio::time::{Instant, interval_at};
/// use std::time::Duration;
///
/// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
/// runtime.block_on(async {
///     let start = Instant::now() + Duration::from_secs(10);
///     let mut interval = interval_at(start, Duration::from_secs(1));
///     assert_eq!(interval.tick().await, start, "the first tick waits for `start`");
///     assert_eq!(interval.tick().await, start + Duration::from_secs(1));
/// });
/// ```
///
/// # Panics
/// If `period` is zero, or outside a corio runtime.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        period > Duration::ZERO,
        "`period` must be non-zero. (`corio::time::interval` and `interval_at` need a period above zero; a zero period would tick in a busy loop)"
    );
    Interval {
        delay: sleep_until(start),
        period,
        missed_tick_behavior: MissedTickBehavior::Burst,
    }
}

/// What an [`Interval`] does when ticks were missed (the consumer was busy
/// for longer than a period). The same three policies as tokio.
///
/// # Examples
///
/// ```
/// use corio::runtime::Builder;
/// use corio::time::MissedTickBehavior;
/// use std::time::Duration;
///
/// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
/// runtime.block_on(async {
///     let mut interval = corio::time::interval(Duration::from_secs(1));
///     interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
///     let start = interval.tick().await;
///     corio::time::advance(Duration::from_millis(2500)).await; // busy past two ticks
///     assert_eq!(interval.tick().await - start, Duration::from_secs(1)); // one late tick,
///     assert_eq!(interval.tick().await - start, Duration::from_secs(3)); // then on the beat
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until the schedule is caught up
    /// (keeps the count of ticks, like a cron that runs every missed job).
    #[default]
    Burst,
    /// Restart the schedule from now: the next tick is one period after the
    /// late one (fixed delay).
    Delay,
    /// Drop the missed ticks and keep the original phase: the next tick is
    /// the next multiple of the period after now.
    Skip,
}

impl MissedTickBehavior {
    fn next_timeout(self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => timeout.saturating_add(period),
            MissedTickBehavior::Delay => now.saturating_add(period),
            MissedTickBehavior::Skip => {
                let behind = (now - timeout).as_nanos() % period.as_nanos();
                // `behind` < period, and a `Duration` rebuilt from
                // `as_nanos` keeps every bit of a period of any length.
                now.saturating_add(period - duration_from_nanos(behind))
            }
        }
    }
}

/// The stream of ticks of [`interval`] and [`interval_at`].
///
/// # Examples
///
/// ```
/// use corio::runtime::Builder;
/// use std::time::Duration;
///
/// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
/// runtime.block_on(async {
///     let mut interval: corio::time::Interval = corio::time::interval(Duration::from_secs(60));
///     let start = corio::time::Instant::now();
///     for _ in 0..3 {
///         interval.tick().await;
///     }
///     assert_eq!(start.elapsed(), Duration::from_secs(120), "ticks at 0, 60 and 120 s");
/// });
/// ```
#[derive(Debug)]
pub struct Interval {
    delay: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled time.
    ///
    /// Cancel safe: dropping the future loses no tick.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let mut interval = corio::time::interval(Duration::from_secs(1));
    ///     let first = interval.tick().await; // at once
    ///     corio::time::advance(Duration::from_millis(1500)).await;
    ///     assert_eq!(interval.tick().await, first + Duration::from_secs(1), "the scheduled time");
    /// });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Waker};
    /// use std::time::Duration;
    ///
    /// corio::block_on(async {
    ///     let mut interval = corio::time::interval(Duration::from_secs(60));
    ///     let mut cx = Context::from_waker(Waker::noop());
    ///     assert!(interval.poll_tick(&mut cx).is_ready(), "the first tick is at once");
    ///     assert!(interval.poll_tick(&mut cx).is_pending());
    /// });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(self.delay.poll_elapsed(cx));
        let timeout = self.delay.deadline();
        // The interval's own runtime's time and timers, whatever thread (or
        // runtime) polls it, as for a `Sleep`.
        let now = self.delay.now();
        // A tick is "missed" if we are more than a few ms late (tokio uses 5 ms).
        let next = if now > timeout + Duration::from_millis(5) {
            self.missed_tick_behavior
                .next_timeout(timeout, now, self.period)
        } else {
            timeout.saturating_add(self.period)
        };
        Pin::new(&mut self.delay).reset(next);
        Poll::Ready(timeout)
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let mut interval = corio::time::interval(Duration::from_secs(10));
    ///     interval.tick().await;
    ///     corio::time::advance(Duration::from_secs(4)).await;
    ///     interval.reset();
    ///     let start = corio::time::Instant::now();
    ///     interval.tick().await;
    ///     assert_eq!(start.elapsed(), Duration::from_secs(10), "ten seconds from the reset");
    /// });
    /// ```
    pub fn reset(&mut self) {
        let next = self.delay.now().saturating_add(self.period);
        Pin::new(&mut self.delay).reset(next);
    }

    /// Makes the next tick due now; later ones follow a period apart from
    /// it (tokio's `reset_immediately`).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let mut interval = corio::time::interval(Duration::from_secs(10));
    ///     let start = interval.tick().await;
    ///     corio::time::advance(Duration::from_secs(3)).await;
    ///     interval.reset_immediately();
    ///     assert_eq!(interval.tick().await, start + Duration::from_secs(3));
    ///     assert_eq!(interval.tick().await, start + Duration::from_secs(13));
    /// });
    /// ```
    pub fn reset_immediately(&mut self) {
        let now = self.delay.now();
        Pin::new(&mut self.delay).reset(now);
    }

    /// Makes the next tick due `after` from now (tokio's `reset_after`; a
    /// duration too long to add means as far as the clock goes).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let mut interval = corio::time::interval(Duration::from_secs(10));
    ///     let start = interval.tick().await;
    ///     interval.reset_after(Duration::from_secs(1));
    ///     assert_eq!(interval.tick().await, start + Duration::from_secs(1));
    ///     interval.reset_after(Duration::MAX); // no overflow
    /// });
    /// ```
    pub fn reset_after(&mut self, after: Duration) {
        let next = self.delay.now().saturating_add(after);
        Pin::new(&mut self.delay).reset(next);
    }

    /// Makes the next tick due at `deadline` (tokio's `reset_at`).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let mut interval = corio::time::interval(Duration::from_secs(10));
    ///     let start = interval.tick().await;
    ///     interval.reset_at(start + Duration::from_secs(100));
    ///     assert_eq!(interval.tick().await, start + Duration::from_secs(100));
    ///     assert_eq!(interval.tick().await, start + Duration::from_secs(110));
    /// });
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        Pin::new(&mut self.delay).reset(deadline);
    }

    /// The period.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// corio::block_on(async {
    ///     let interval = corio::time::interval(Duration::from_secs(3));
    ///     assert_eq!(interval.period(), Duration::from_secs(3));
    /// });
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The policy for missed ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::time::MissedTickBehavior;
    /// use std::time::Duration;
    ///
    /// corio::block_on(async {
    ///     let interval = corio::time::interval(Duration::from_secs(1));
    ///     assert_eq!(interval.missed_tick_behavior(), MissedTickBehavior::Burst, "the default");
    /// });
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets the policy for missed ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use corio::time::MissedTickBehavior;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let mut interval = corio::time::interval(Duration::from_secs(1));
    ///     interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ///     let start = interval.tick().await;
    ///     corio::time::advance(Duration::from_millis(2500)).await; // busy past two ticks
    ///     assert_eq!(interval.tick().await - start, Duration::from_secs(1)); // one late tick,
    ///     assert_eq!(interval.tick().await - start, Duration::from_millis(3500)); // a period on
    /// });
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

/// The `Duration` of `nanos` nanoseconds, for any count below a
/// `Duration`'s own range (`Duration::from_nanos` takes only a `u64`).
fn duration_from_nanos(nanos: u128) -> Duration {
    const PER_SECOND: u128 = 1_000_000_000;
    let secs = u64::try_from(nanos / PER_SECOND).expect("below a Duration's range");
    Duration::new(secs, (nanos % PER_SECOND) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(base: Instant, ms: u64) -> Instant {
        base + Duration::from_millis(ms)
    }

    #[test]
    fn burst_keeps_the_schedule() {
        let b = Instant::from_std(std::time::Instant::now());
        let p = Duration::from_millis(10);
        assert_eq!(
            MissedTickBehavior::Burst.next_timeout(at(b, 10), at(b, 45), p),
            at(b, 20)
        );
    }

    #[test]
    fn delay_restarts_from_now() {
        let b = Instant::from_std(std::time::Instant::now());
        let p = Duration::from_millis(10);
        assert_eq!(
            MissedTickBehavior::Delay.next_timeout(at(b, 10), at(b, 45), p),
            at(b, 55)
        );
    }

    /// A period longer than `u64::MAX` nanoseconds (585 years) keeps its
    /// phase too: the remainder is not cut to 64 bits.
    #[test]
    fn skip_keeps_the_phase_of_a_period_past_u64_nanoseconds() {
        let b = Instant::from_std(std::time::Instant::now());
        let p = Duration::from_secs(u64::MAX / 1_000_000_000 * 4);
        // 1.5 periods behind: the next tick is half a period ahead.
        let behind = p + p / 2;
        assert_eq!(
            MissedTickBehavior::Skip.next_timeout(b, b + behind, p),
            b + behind + p / 2
        );
    }

    #[test]
    fn skip_keeps_the_phase() {
        let b = Instant::from_std(std::time::Instant::now());
        let p = Duration::from_millis(10);
        assert_eq!(
            MissedTickBehavior::Skip.next_timeout(at(b, 10), at(b, 45), p),
            at(b, 50)
        );
    }
}

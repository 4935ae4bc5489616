//! The coarse clock: time for observability without a clock read per poll.
//!
//! Reading the real clock costs tens of nanoseconds, more than a whole
//! `yield_now` round trip, so corio never reads it on the poll path. Instead
//! the watchdog thread (which runs while a slow-poll threshold is set)
//! publishes the time in microseconds into one global atomic every few
//! milliseconds, and the poll path *loads* it: a plain memory read.
//!
//! The price is resolution: a poll's measured length is off by up to one
//! watchdog tick (a quarter of the threshold, capped at 25 ms). That is
//! plenty to tell a 150 ms poll from a 50 ms threshold, and it is what makes
//! "always on" introspection free. The workers also publish the time they
//! read anyway when they park, wake and check the driver (every
//! `event_interval` polls), when the published time is 250 µs stale: a
//! runtime with no threshold has no watchdog, and its dump's times still
//! move, only coarser. `Handle::dump` publishes the time before it reads,
//! too. The watchdog runs the user's slow-poll hook, which may block, on a
//! thread of its own and goes on ticking meanwhile (`watchdog.rs`); a
//! watchdog thread the OS has not run for a while leaves the clock
//! standing, and a poll spanning its catch-up measures long by up to that
//! delay.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

static NOW_US: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// The coarse time, in microseconds since the process's first use of it.
#[inline]
pub(crate) fn now() -> u64 {
    NOW_US.load(Ordering::Relaxed)
}

/// Reads the real clock and publishes it (watchdogs, and `Handle::dump`).
pub(crate) fn tick() -> u64 {
    tick_at(Instant::now())
}

/// Publishes `now`, a real-clock reading the caller already has.
pub(crate) fn tick_at(now: Instant) -> u64 {
    let now = micros(now);
    NOW_US.fetch_max(now, Ordering::Relaxed);
    now
}

/// How far behind the real time the published time may fall before a
/// worker publishes again: the finest watchdog tick (a quarter of the
/// smallest threshold the builder takes), so a worker's publish never
/// moves the clock by more than a tick would.
const STALE_US: u64 = 250;

/// Publishes `now` only if the published time is more than 250 µs behind
/// it: for the workers, which read the real clock anyway as they
/// park, wake and check the driver. A write each time would take the
/// clock's cache line from every core that reads it before each poll, and
/// make polls straddle a change far more often; a plain load first leaves
/// the line shared.
pub(crate) fn tick_if_stale(now: Instant) {
    let now = micros(now);
    if now > NOW_US.load(Ordering::Relaxed).saturating_add(STALE_US) {
        NOW_US.fetch_max(now, Ordering::Relaxed);
    }
}

fn micros(now: Instant) -> u64 {
    u64::try_from(now.saturating_duration_since(epoch()).as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_publishes_the_elapsed_real_time_and_now_never_goes_back() {
        // (Other tests tick the same process-wide clock meanwhile, so that
        // it moves only when ticked cannot be checked here.)
        let first = tick();
        let seen = now();
        assert!(seen >= first);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = tick();
        assert!(second >= first + 2_000);
        assert!(now() >= second);
    }
}

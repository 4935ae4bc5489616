//! The coarse clock: time for observability without a clock read per poll.
//!
//! Reading the real clock costs tens of nanoseconds, more than a whole
//! `yield_now` round trip, so corio never reads it on the poll path. Instead
//! the watchdog thread (one per runtime, slow-poll threshold or not)
//! publishes the time in microseconds into one global atomic every few
//! milliseconds, and the poll path *loads* it: a plain memory read.
//!
//! The price is resolution: a poll's measured length is off by up to one
//! watchdog tick (a quarter of the threshold, capped at 25 ms). That is
//! plenty to tell a 150 ms poll from a 50 ms threshold, and it is what makes
//! "always on" introspection free. With no runtime running, the clock stands
//! still (nothing reads it then).

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

/// Reads the real clock and publishes it (called by watchdogs only).
pub(crate) fn tick() -> u64 {
    let now = u64::try_from(epoch().elapsed().as_micros()).unwrap_or(u64::MAX);
    NOW_US.fetch_max(now, Ordering::Relaxed);
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_only_moves_forward_when_ticked() {
        let first = tick();
        let seen = now();
        assert!(seen >= first);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = tick();
        assert!(second >= first + 2_000);
        assert!(now() >= second);
    }
}

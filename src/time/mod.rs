//! Time: `sleep`, `timeout` and `interval`, driven by a hierarchical timer
//! wheel.
//!
//! ```text
//!   Sleep::poll ──(first Pending)──► Timers::register ──► this worker's wheel.insert(tick)
//!                                         │ earlier than the parked driver?
//!                                         └──────────► unpark the driver
//!   driver: before_park_after → sleep until the earliest next_deadline() of all wheels → after_park:
//!           each wheel.advance(now) fires its due entries → waker.wake()
//! ```
//!
//! | file | idea |
//! | --- | --- |
//! | `wheel/` | the data structure: levels, slots, cascading (pure, no clock) |
//! | `timers.rs` | one wheel per worker, each behind its lock, and the handshake with the driver |
//! | `sleep.rs`, `timeout.rs`, `interval.rs` | the user's futures |
//! | `instant.rs` | corio's `Instant` |
//!
//! The chapter `docs/timer-wheel.md` works through the slot arithmetic.

mod clock;
mod context;
pub mod error;
mod instant;
mod interval;
mod sleep;
mod timeout;
mod timers;
mod wheel;

pub(crate) use clock::Clock;
pub(crate) use context::{EnterGuard, now, try_enter};
pub(crate) use timers::Timers;

pub use instant::Instant;
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub(crate) use sleep::sleep_for;
pub use sleep::{Sleep, sleep, sleep_until};
/// std's `Duration`, here too because tokio users write `time::Duration`.
pub use std::time::Duration;
pub use timeout::{Timeout, timeout, timeout_at};

/// Pauses the current runtime's clock: time stands still, and when every
/// task is idle (no I/O ready, no blocking job running) it jumps to the next
/// timer. For tests of long schedules.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     corio::time::pause();
///     let start = corio::time::Instant::now();
///     corio::time::sleep(Duration::from_secs(3600)).await; // instant, in real time
///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
/// });
/// ```
///
/// # Panics
/// Outside a runtime, on a multi-thread runtime, or if already paused.
#[track_caller]
pub fn pause() {
    let timers = context::current_for_clock("corio::time::pause");
    timers.clock.pause();
    // A driver asleep until a real deadline (called from a thread that is
    // not driving: a second `Handle::block_on`, or under `enter`) must
    // choose again: paused and idle, it jumps to the next timer at once.
    timers.unpark_driver();
}

/// Lets a paused clock run again, from the virtual time it had reached.
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
///     corio::time::advance(Duration::from_secs(60)).await;
///     corio::time::resume();
///     assert!(start.elapsed() >= Duration::from_secs(60), "it runs on from there");
/// });
/// ```
///
/// # Panics
/// Outside a runtime, or if the clock is not paused.
#[track_caller]
pub fn resume() {
    let timers = context::current_for_clock("corio::time::resume");
    timers.clock.resume();
    // A driver parked until a blocking job ends (a paused clock's sleep)
    // must now sleep until the next timer instead.
    timers.unpark_driver();
}

/// Moves a paused clock forward by `duration`, fires the timers that became
/// due, and yields so that their tasks run.
///
/// Timers count whole microseconds. After `advance(1.5 µs)` a sleep of
/// 1.5 µs is over (polled, it is ready), but the timer that wakes its task
/// fires only once the clock reaches 2 µs: by a further `advance`, or by
/// the jump the paused clock makes when every task is idle. A blocking job
/// holds the clock back, but not within the microsecond it stands in: while
/// one runs, the clock still moves to that microsecond's end if a timer
/// ends there, and every timer that ends there fires (one due at 1.8 µs
/// too, though the clock stood at 1.5).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let runtime = corio::runtime::Builder::new_current_thread()
///     .start_paused(true)
///     .build()
///     .unwrap();
/// runtime.block_on(async {
///     let start = corio::time::Instant::now();
///     corio::time::advance(Duration::from_secs(90)).await;
///     assert_eq!(start.elapsed(), Duration::from_secs(90));
/// });
/// ```
///
/// # Panics
/// Outside a runtime, on a multi-thread runtime, if the clock is not paused, or if `duration` would
/// take the clock past the last `Instant` the platform holds (such as
/// `Duration::MAX`), as tokio's does, or past the last microsecond the
/// timers count (about 584,000 years after the runtime started).
pub async fn advance(duration: std::time::Duration) {
    let timers = context::current_for_clock("corio::time::advance");
    timers.advance_clock(duration);
    crate::task::yield_now().await;
}

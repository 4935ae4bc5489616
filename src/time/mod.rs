//! Time: `sleep`, `timeout` and `interval`, driven by a hierarchical timer
//! wheel.
//!
//! ```text
//!   Sleep::poll ──(first Pending)──► Timers::register ──► wheel.insert(tick)
//!                                         │ earlier than the parked driver?
//!                                         └──────────► unpark the driver
//!   driver: before_park → sleep until wheel.next_deadline() → after_park:
//!           wheel.advance(now) fires every due entry → waker.wake()
//! ```
//!
//! | file | idea |
//! | --- | --- |
//! | `wheel/` | the data structure: levels, slots, cascading (pure, no clock) |
//! | `timers.rs` | the wheel behind a lock, and the handshake with the driver |
//! | `sleep.rs`, `timeout.rs`, `interval.rs` | the user's futures |
//! | `instant.rs` | corio's `Instant` |
//!
//! The chapter `docs/timer-wheel.md` works through the slot arithmetic.

mod context;
pub mod error;
mod instant;
mod interval;
mod sleep;
mod timeout;
mod timers;
mod wheel;

pub(crate) use context::{EnterGuard, enter};
pub(crate) use timers::Timers;

pub use instant::Instant;
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Timeout, timeout, timeout_at};

/// The runtime's clock, read by `Instant::now`.
pub(crate) mod clock {
    /// The current time. (Virtual time, when paused, will hook in here.)
    pub(crate) fn now() -> std::time::Instant {
        std::time::Instant::now()
    }
}

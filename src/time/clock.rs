//! The runtime's clock, which a test can pause and move by hand.
//!
//! Unpaused, it is std's monotonic clock and costs two flag checks. Paused,
//! time stands still until someone advances it: `time::advance(d)` moves it
//! by `d`, and when every task is idle the driver moves it straight to the
//! next timer instead of sleeping (tokio's "auto-advance"). A test of an
//! hour-long schedule then runs in milliseconds, and deterministically,
//! because nothing depends on how fast the machine is.
//!
//! After `resume`, time runs on from wherever virtual time had got to.
//! Only a current-thread runtime may pause: with several workers, "every
//! task is idle" would be a race between threads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::lock::Mutex;

/// The last microsecond tick after `origin` the timer wheel tells apart
/// (about 584,000 years on): a later deadline becomes one 30 years from
/// now (`Timers::clamp_deadline`), and a paused clock may not pass it.
pub(crate) const LAST_TICK: u64 = u64::MAX - 1;

struct State {
    /// The clock's time when it was last frozen or moved.
    base: Instant,
    /// When the clock last started running again (`None` while paused).
    unfrozen: Option<Instant>,
}

pub(crate) struct Clock {
    /// When the clock was made; the timer wheel counts its ticks from here.
    origin: Instant,
    /// False until the first pause: the fast path reads std's clock.
    ever_paused: AtomicBool,
    may_pause: bool,
    state: Mutex<State>,
}

impl Clock {
    pub(crate) fn new(may_pause: bool, start_paused: bool) -> Clock {
        let now = Instant::now();
        let clock = Clock {
            origin: now,
            ever_paused: AtomicBool::new(false),
            may_pause,
            state: Mutex::new(State {
                base: now,
                unfrozen: Some(now),
            }),
        };
        if start_paused {
            clock.pause();
        }
        clock
    }

    pub(crate) fn origin(&self) -> Instant {
        self.origin
    }

    pub(crate) fn now(&self) -> Instant {
        if !self.ever_paused.load(Ordering::SeqCst) {
            let real = Instant::now();
            // Looked at again after the read: a `pause` on another thread
            // sets the flag before it reads the time it freezes at, so a
            // real time returned here is never later than the frozen one
            // (the clock would go back).
            if !self.ever_paused.load(Ordering::SeqCst) {
                return real;
            }
        }
        let state = self.state.lock();
        match state.unfrozen {
            Some(since) => state.base + since.elapsed(),
            None => state.base,
        }
    }

    /// Whether the clock was ever paused (one atomic load): if not, it is
    /// the real clock and only moves forward with real time.
    pub(crate) fn was_ever_paused(&self) -> bool {
        self.ever_paused.load(Ordering::Acquire)
    }

    /// Whether the clock is paused now.
    pub(crate) fn is_paused(&self) -> bool {
        self.ever_paused.load(Ordering::Acquire) && self.state.lock().unfrozen.is_none()
    }

    #[track_caller]
    pub(crate) fn pause(&self) {
        assert!(
            self.may_pause,
            "`corio::time::pause` needs a current-thread runtime (with several workers, \
             \"every task is idle\" is a race); build it with \
             `corio::runtime::Builder::new_current_thread()`"
        );
        let mut state = self.state.lock();
        let Some(since) = state.unfrozen.take() else {
            panic!("`corio::time::pause` was called on a clock that is already paused");
        };
        // Set before the time is read (see `now`); the fence keeps the
        // clock read below from passing the store on weakly ordered CPUs
        // (a clock read is no atomic access, which the store alone orders).
        self.ever_paused.store(true, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        // Freeze on a whole microsecond since `origin`, the timer wheel's
        // tick: then a sleep of whole microseconds ends exactly on a tick,
        // and auto-advance lands exactly on its deadline.
        let frozen = state.base + since.elapsed();
        let micros = frozen
            .saturating_duration_since(self.origin)
            .as_nanos()
            .div_ceil(1_000);
        let rounded =
            self.origin + Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX));
        // Never back: a clock beyond the last tick stays where it is.
        state.base = rounded.max(frozen);
    }

    #[track_caller]
    pub(crate) fn resume(&self) {
        let mut state = self.state.lock();
        assert!(
            state.unfrozen.is_none(),
            "`corio::time::resume` was called on a clock that is not paused"
        );
        state.unfrozen = Some(Instant::now());
    }

    /// Moves a paused clock forward by `by`.
    #[track_caller]
    pub(crate) fn advance(&self, by: Duration) {
        // Not "call `pause()` first": there, `pause` itself would panic.
        assert!(
            self.may_pause,
            "`corio::time::advance` needs a paused clock, and only a current-thread runtime's \
             clock pauses; build it with `corio::runtime::Builder::new_current_thread()`"
        );
        let mut state = self.state.lock();
        assert!(
            state.unfrozen.is_none(),
            "`corio::time::advance` needs a paused clock; call `corio::time::pause()` first \
             (or build the runtime with `start_paused(true)`)"
        );
        // The platform's last `Instant`, or `LAST_TICK`, the nearer: past
        // that, every new deadline would be clamped into the past, and
        // sleeps would end at once.
        let last_tick = self.origin.checked_add(Duration::from_micros(LAST_TICK));
        state.base = state
            .base
            .checked_add(by)
            .filter(|to| last_tick.is_none_or(|last| *to <= last))
            .unwrap_or_else(|| {
                panic!(
                    "`corio::time::advance({by:?})` would move the clock past the last `Instant` \
                     its timers can tell apart"
                )
            });
    }

    /// Moves a paused clock forward to `to` (never backward); false if the
    /// clock is running.
    pub(crate) fn advance_to(&self, to: Instant) -> bool {
        let mut state = self.state.lock();
        if state.unfrozen.is_some() {
            return false;
        }
        state.base = state.base.max(to);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paused_clock_stands_still_until_advanced() {
        let clock = Clock::new(true, true);
        let t0 = clock.now();
        assert_eq!(clock.now(), t0);
        clock.advance(Duration::from_secs(3600));
        assert_eq!(clock.now(), t0 + Duration::from_secs(3600));
        assert!(
            clock.advance_to(t0 + Duration::from_secs(10)),
            "never backward"
        );
        assert_eq!(clock.now(), t0 + Duration::from_secs(3600));
    }

    #[test]
    fn resume_runs_on_from_virtual_time() {
        let clock = Clock::new(true, true);
        let t0 = clock.now();
        clock.advance(Duration::from_secs(60));
        clock.resume();
        assert!(clock.now() >= t0 + Duration::from_secs(60));
        let a = clock.now();
        std::thread::sleep(Duration::from_millis(1));
        assert!(clock.now() > a, "a resumed clock runs");
    }

    #[test]
    #[should_panic(expected = "current-thread runtime")]
    fn a_multi_thread_clock_refuses_to_pause() {
        Clock::new(false, false).pause();
    }
}

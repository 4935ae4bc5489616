//! The runtime's timer state: the wheel behind a lock, and the handshake
//! with the driver that sleeps until the earliest deadline.
//!
//! The driver thread parks with a timeout equal to the earliest deadline in
//! the wheel. If another thread then inserts an *earlier* timer, the sleeping
//! driver must be woken, or that timer would fire late. Both sides meet under
//! the wheel's lock: the driver records `parked_until` while holding it, and
//! an insert compares against it while holding it, so one of them always
//! sees the other.
//!
//! Time in the wheel is counted in whole microseconds since `start`. A
//! deadline is rounded *up* to its tick and the clock *down* to its tick, so
//! an entry can only fire once its real deadline has passed: never early.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Waker;
use std::time::Duration;

use parking_lot::Mutex;

use super::Instant;
use super::clock::Clock;
use super::wheel::{Key, Wheel};

/// What a wheel entry holds: the waker, and a generation that tells a live
/// registration from a fired one whose key was reused.
struct Entry {
    waker: Waker,
    generation: u64,
}

/// A `Sleep`'s claim on a wheel entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Registration {
    key: Key,
    generation: u64,
}

struct Inner {
    wheel: Wheel<Entry>,
    next_generation: u64,
    /// The tick the driver sleeps until; 0 when no thread sleeps in it.
    parked_until: u64,
    shutdown: bool,
}

/// One runtime's timers.
pub(crate) struct Timers {
    inner: Mutex<Inner>,
    start: std::time::Instant,
    unpark: Box<dyn Fn() + Send + Sync>,
    pub(crate) clock: Clock,
    /// Blocking jobs queued or running: a paused clock does not jump ahead
    /// while real work that it cannot see is under way (tokio's rule too).
    busy_jobs: AtomicUsize,
}

impl Timers {
    /// `unpark` wakes the driver thread (the poller's notify).
    pub(crate) fn new(unpark: Box<dyn Fn() + Send + Sync>, clock: Clock) -> Arc<Timers> {
        Arc::new(Timers {
            start: clock.origin(),
            clock,
            inner: Mutex::new(Inner {
                wheel: Wheel::new(),
                next_generation: 0,
                parked_until: 0,
                shutdown: false,
            }),
            busy_jobs: AtomicUsize::new(0),
            unpark,
        })
    }

    /// The tick at or after `deadline` (rounded up: never fire early).
    fn deadline_tick(&self, deadline: Instant) -> u64 {
        let since = deadline.into_std().saturating_duration_since(self.start);
        // u64 arithmetic (a u128 division showed in timer-heavy profiles).
        let round_up = u64::from(!since.subsec_nanos().is_multiple_of(1_000));
        since
            .as_secs()
            .saturating_mul(1_000_000)
            .saturating_add(u64::from(since.subsec_micros()) + round_up)
    }

    /// The tick `now` has fully reached (rounded down).
    fn now_tick(&self, now: Instant) -> u64 {
        let since = now.into_std().saturating_duration_since(self.start);
        since
            .as_secs()
            .saturating_mul(1_000_000)
            .saturating_add(u64::from(since.subsec_micros()))
    }

    fn instant_of(&self, tick: u64) -> std::time::Instant {
        self.start
            .checked_add(Duration::from_micros(tick))
            .unwrap_or_else(|| Instant::from_std(self.start).far_future().into_std())
    }

    /// Arms (or re-arms) a timer for `deadline` that wakes `waker`.
    ///
    /// # Panics
    /// After the runtime shut down.
    pub(crate) fn register(
        &self,
        slot: &mut Option<Registration>,
        deadline: Instant,
        waker: &Waker,
    ) {
        let when = self.deadline_tick(deadline);
        let mut inner = self.inner.lock();
        if inner.shutdown {
            // The runtime is gone: the timer would never fire. Waiting would
            // hang, and waking ourselves would spin, so say so instead.
            drop(inner);
            panic!(
                "a corio timer was polled after its runtime shut down; \
                 timers only work while the runtime that created them is alive"
            );
        }
        if let Some(reg) = *slot
            && let Some(entry) = inner.live_entry(reg)
        {
            if !entry.waker.will_wake(waker) {
                entry.waker = waker.clone();
            }
            if inner.wheel.deadline(reg.key) != when {
                inner.wheel.reset(reg.key, when);
                self.unpark_if_earlier(inner, when);
            }
            return;
        }
        let generation = inner.next_generation;
        inner.next_generation += 1;
        let key = inner.wheel.insert(
            when,
            Entry {
                waker: waker.clone(),
                generation,
            },
        );
        *slot = Some(Registration { key, generation });
        self.unpark_if_earlier(inner, when);
    }

    /// Moves an armed timer to a new deadline, if it is still armed.
    pub(crate) fn reset(&self, slot: &Option<Registration>, deadline: Instant) {
        let Some(reg) = *slot else { return };
        let when = self.deadline_tick(deadline);
        let mut inner = self.inner.lock();
        if inner.live_entry(reg).is_some() {
            inner.wheel.reset(reg.key, when);
            self.unpark_if_earlier(inner, when);
        }
    }

    fn unpark_if_earlier(&self, mut inner: parking_lot::MutexGuard<'_, Inner>, when: u64) {
        if when < inner.parked_until {
            inner.parked_until = when;
            drop(inner);
            (self.unpark)();
        }
    }

    /// Disarms a timer (a `Sleep` dropped before it fired).
    pub(crate) fn cancel(&self, slot: &mut Option<Registration>) {
        let Some(reg) = slot.take() else { return };
        let mut inner = self.inner.lock();
        if inner.live_entry(reg).is_some() {
            inner.wheel.remove(reg.key);
        }
    }

    /// A blocking job was queued: no auto-advance until it ends.
    pub(crate) fn job_started(&self) {
        self.busy_jobs.fetch_add(1, Ordering::AcqRel);
    }

    /// A blocking job ended (ran or was cancelled); the last one wakes the
    /// driver, which may auto-advance again.
    pub(crate) fn job_ended(&self) {
        if self.busy_jobs.fetch_sub(1, Ordering::AcqRel) == 1 {
            (self.unpark)();
        }
    }

    /// Called by the driver before it blocks: how long it may sleep, at most
    /// `limit`. Records the deadline so that earlier inserts wake it.
    pub(crate) fn before_park(&self, limit: Option<Duration>) -> Option<Duration> {
        let mut inner = self.inner.lock();
        let next = inner.wheel.next_deadline();
        if let Some(tick) = next {
            // Paused and idle: jump to the next timer instead of sleeping
            // (not while a blocking job runs: its end is the next event).
            if limit != Some(Duration::ZERO)
                && self.busy_jobs.load(Ordering::Acquire) == 0
                && self.clock.advance_to(self.instant_of(tick))
            {
                return Some(Duration::ZERO);
            }
        }
        // No timer: no deadline, and no clock read (the driver parks after
        // every burst of work, often with no timer armed).
        let until_next = next.map(|tick| {
            self.instant_of(tick)
                .saturating_duration_since(self.clock.now())
        });
        let timeout = match (limit, until_next) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if timeout != Some(Duration::ZERO) {
            inner.parked_until = next.unwrap_or(u64::MAX);
        }
        timeout
    }

    /// Called by the driver after it wakes: fires every timer that is due.
    pub(crate) fn after_park(&self) {
        self.fire_due(true);
    }

    /// Fires every timer that is due; `unparked` says the caller is the
    /// driver, just awake (anyone else, such as `advance` on another
    /// thread, must not tell inserts that the driver is up).
    pub(crate) fn fire_due(&self, unparked: bool) {
        let mut fired: Vec<Waker> = Vec::new();
        {
            let mut inner = self.inner.lock();
            if unparked {
                inner.parked_until = 0;
            }
            // The clock is read only when some timer is armed.
            if let Some(next) = inner.wheel.next_deadline() {
                let now = self.now_tick(Instant::from_std(self.clock.now()));
                if next <= now {
                    inner.wheel.advance(now, |_, entry| fired.push(entry.waker));
                }
            }
        }
        for waker in fired {
            waker.wake();
        }
    }

    /// Timers currently armed (for metrics).
    pub(crate) fn armed(&self) -> usize {
        self.inner.lock().wheel.len()
    }

    /// Runtime shutdown: wake every pending timer's waiter and refuse new
    /// timers (a later poll panics with the cause).
    pub(crate) fn shutdown(&self) {
        let mut fired: Vec<Waker> = Vec::new();
        {
            let mut inner = self.inner.lock();
            inner.shutdown = true;
            inner
                .wheel
                .advance(u64::MAX, |_, entry| fired.push(entry.waker));
        }
        // Tasks are cancelled by the shutdown anyway; these wakes reach
        // waiters outside the runtime (a `Handle::block_on` on another
        // thread), whose next poll reports the shutdown.
        for waker in fired {
            waker.wake();
        }
    }
}

impl Inner {
    fn live_entry(&mut self, reg: Registration) -> Option<&mut Entry> {
        self.wheel
            .try_get_mut(reg.key)
            .filter(|entry| entry.generation == reg.generation)
    }
}

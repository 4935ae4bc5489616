//! The runtime's timers: the wheel, split in one shard per worker, and the
//! handshake with the driver that sleeps until the earliest deadline.
//!
//! # Shards
//!
//! Every `timeout` arms a timer and, when its future answers in time,
//! cancels it: two trips through the wheel's lock. With one wheel for the
//! whole runtime, two workers doing that at once spend half their time
//! handing the lock's cache line back and forth. So each worker has a shard
//! of its own, a wheel behind its own lock, and a timer lives in the shard
//! of the worker that armed it (tokio shards its wheel the same way). A
//! timer remembers its shard, so it is cancelled there even when its task
//! has moved to another worker meanwhile; a thread that is no worker uses
//! shard 0. The driver (and a paused clock's `time::advance`) looks at
//! every shard: the earliest deadline before it parks, the due timers after.
//!
//! # The driver handshake
//!
//! The driver thread parks with a timeout equal to the earliest deadline. If
//! another thread then inserts an *earlier* timer, the sleeping driver must
//! be woken, or that timer would fire late. The driver reads the shards and
//! records `parked_until` while holding *every* shard's lock; an insert
//! compares against `parked_until` while holding its shard's lock. So an
//! insert either comes first, and the driver sees its deadline, or comes
//! after, and sees what the driver sleeps until.
//!
//! Time in the wheel is counted in whole microseconds since `start`. A
//! deadline is rounded *up* to its tick and the clock *down* to its tick, so
//! an entry can only fire once its real deadline has passed: never early.
//!
//! The driver's own calls (how long to sleep, the timers due on waking,
//! the blocking jobs that hold a paused clock) are in `timers/driver_side.rs`.

use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use super::Instant;
use super::clock::{Clock, LAST_TICK};

/// The longest the driver sleeps in one wait, however far the next timer:
/// macOS's `kevent` refuses a timeout over 10^8 s (`EINVAL`), and a driver
/// that cannot sleep spins. Waking early costs a look and another park.
/// (Go caps its netpoller's sleep the same way.)
pub(crate) const MAX_PARK: Duration = Duration::from_secs(1_000_000);
use super::wheel::{Key, Wheel};
use crate::loom::atomic::{AtomicU64, AtomicUsize, Ordering};
use crate::loom::{Mutex, MutexGuard};
use crate::scheduler;

mod driver_side;

/// The instant of `tick`, or as far as the platform's `Instant` goes.
fn instant_of(start: std::time::Instant, tick: u64) -> std::time::Instant {
    start
        .checked_add(Duration::from_micros(tick))
        .unwrap_or_else(|| Instant::from_std(start).far_future().into_std())
}

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
    shard: usize,
}

/// One worker's part of the timers, alone on its cache lines: two shards
/// side by side would bounce one line between the workers that use them.
#[repr(align(128))]
struct Shard {
    wheel: Wheel<Entry>,
    next_generation: u64,
    shutdown: bool,
}

/// More shards than this would only cost memory (a wheel's slots take
/// about 40 KB): workers beyond it share.
const MAX_SHARDS: usize = 64;

/// `parked_until` alone on its cache lines: the driver writes it around every
/// park that may sleep, and every insert reads it.
#[repr(align(128))]
struct ParkedUntil(AtomicU64);

/// One runtime's timers.
pub(crate) struct Timers {
    shards: Box<[Mutex<Shard>]>,
    /// The tick the driver sleeps until; 0 when no thread sleeps in it.
    /// Written by the driver under every shard's lock (and reset to 0 by
    /// it, without them, once it wakes), lowered by an insert under its
    /// shard's lock.
    parked_until: ParkedUntil,
    start: std::time::Instant,
    /// The instant of the wheel's last tick (`clamp_deadline`), worked out
    /// once: every sleep compares against it.
    last: Instant,
    unpark: Box<dyn Fn() + Send + Sync>,
    pub(crate) clock: Clock,
    /// Blocking jobs queued or running: a paused clock does not jump ahead
    /// while real work that it cannot see is under way (tokio's rule too).
    busy_jobs: AtomicUsize,
}

impl Timers {
    /// `unpark` wakes the driver thread (the poller's notify); `workers` is
    /// how many worker threads will arm timers.
    pub(crate) fn new(
        unpark: Box<dyn Fn() + Send + Sync>,
        clock: Clock,
        workers: usize,
    ) -> Arc<Timers> {
        let shards = (0..workers.clamp(1, MAX_SHARDS))
            .map(|_| {
                Mutex::new(Shard {
                    wheel: Wheel::new(),
                    next_generation: 0,
                    shutdown: false,
                })
            })
            .collect();
        let start = clock.origin();
        Arc::new(Timers {
            start,
            last: Instant::from_std(instant_of(start, LAST_TICK)),
            clock,
            shards,
            parked_until: ParkedUntil(AtomicU64::new(0)),
            busy_jobs: AtomicUsize::new(0),
            unpark,
        })
    }

    /// The shard a new timer armed on this thread goes to.
    fn home_shard(&self) -> usize {
        if self.shards.len() == 1 {
            return 0; // one worker: no need to ask which
        }
        match scheduler::this_worker_index() {
            Some(index) if index < self.shards.len() => index,
            Some(index) => index % self.shards.len(),
            None => 0,
        }
    }

    /// Every shard, locked in order (the driver's view of all timers).
    fn lock_all(&self) -> Vec<MutexGuard<'_, Shard>> {
        self.shards.iter().map(|shard| shard.lock()).collect()
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

    /// `deadline`, if the wheel can tell it apart (up to about 584,000
    /// years after the runtime started); a later one becomes about 30 years
    /// from now, tokio's "far future". Kept as it was, a later deadline
    /// would saturate to the last tick, fire there and re-arm for ever
    /// (with a paused clock, a spin at full speed). Clamped to the last
    /// tick itself, a paused clock that auto-advances to it would have no
    /// time left after it: every later sleep would end at once. (A paused
    /// clock `advance`d to within 30 years of that tick still gets there.)
    pub(crate) fn clamp_deadline(&self, deadline: Instant) -> Instant {
        if deadline <= self.last {
            return deadline;
        }
        Instant::from_std(self.clock.now())
            .far_future()
            .min(self.last)
    }

    fn instant_of(&self, tick: u64) -> std::time::Instant {
        instant_of(self.start, tick)
    }

    /// Whether this thread is polling a task of this runtime's scheduler,
    /// with blocking not allowed (so not inside `block_in_place`, where a
    /// `Handle::block_on` waits on timers as a blocking job does): after
    /// the shutdown, a poll the shutdown found running, whose task is
    /// cancelled and dropped when the poll returns. On a worker thread,
    /// also one that gave its core away in `block_in_place` and could not
    /// take it back; or in a current-thread `block_on` holding the core.
    /// (A `LocalSet`'s tasks are not the runtime's: they run on after it,
    /// and a timer there still panics rather than wait for good.)
    fn in_a_poll_the_shutdown_left(&self) -> bool {
        crate::task::try_id().is_some()
            && (crate::runtime::on_a_worker_thread() || scheduler::polling_a_task())
            && !crate::runtime::may_block()
            && super::context::is_current(self)
    }

    /// Arms (or re-arms) a timer for `deadline` that wakes `waker`.
    /// Returns `true`, arming nothing, if the wheel has already passed
    /// `deadline`: the timer is due now (a `sleep` first polled after its
    /// deadline, which it did not read the clock to see).
    ///
    /// # Panics
    /// After the runtime shut down, except in a task of this runtime that
    /// the shutdown found mid-poll (cancelled, it is dropped after this
    /// poll): there it arms nothing and waits.
    pub(crate) fn register(
        &self,
        slot: &mut Option<Registration>,
        deadline: Instant,
        waker: &Waker,
    ) -> bool {
        // A timer that was armed before stays in its shard (its task may
        // have moved to another worker since).
        let index = slot.map_or_else(|| self.home_shard(), |reg| reg.shard);
        self.register_in(index, slot, deadline, waker)
    }

    fn register_in(
        &self,
        index: usize,
        slot: &mut Option<Registration>,
        deadline: Instant,
        waker: &Waker,
    ) -> bool {
        let when = self.deadline_tick(deadline);
        let mut shard = self.shards[index].lock();
        if shard.shutdown {
            drop(shard);
            // A deadline already past needs no timer: due now, as a poll
            // that read the clock first would have found (a fresh `sleep`
            // skips that read).
            if deadline <= Instant::from_std(self.clock.now()) {
                return true;
            }
            // A task of this runtime still inside the poll the shutdown
            // found it in (its worker left behind by `shutdown_background`
            // or a timeout that ran out): the shutdown cancelled it, and it
            // is dropped as soon as this poll returns, so it waits quietly
            // (tokio's driver outlives such polls).
            if self.in_a_poll_the_shutdown_left() {
                return false;
            }
            // The runtime is gone: the timer would never fire. Waiting would
            // hang, and waking ourselves would spin, so say so instead.
            panic!(
                "a corio timer was polled after its runtime shut down; \
                 timers only work while the runtime that created them is alive"
            );
        }
        if let Some(reg) = *slot
            && let Some(entry) = shard.live_entry(reg)
        {
            // The old waker is dropped after the lock: were it the last
            // reference to a task holding a timer, its drop would cancel
            // that timer, and take this lock again.
            let old = (!entry.waker.will_wake(waker))
                .then(|| std::mem::replace(&mut entry.waker, waker.clone()));
            if shard.wheel.deadline(reg.key) != when {
                shard.wheel.reset(reg.key, when);
                self.unpark_if_earlier(shard, when); // unlocks
            } else {
                drop(shard);
            }
            drop(old);
            return false;
        }
        if shard.wheel.is_empty() {
            // A wheel that held nothing at the driver's last turns kept the
            // `elapsed` of its last timer, maybe long ago, and would place
            // this one on a level that coarse (see `fire_due`); one clock
            // read moves it to now first.
            let now = self.now_tick(Instant::from_std(self.clock.now()));
            shard
                .wheel
                .advance(now, |_, _| unreachable!("the wheel is empty"));
        }
        if when <= shard.wheel.elapsed() {
            return true;
        }
        let generation = shard.next_generation;
        shard.next_generation += 1;
        let key = shard.wheel.insert(
            when,
            Entry {
                waker: waker.clone(),
                generation,
            },
        );
        *slot = Some(Registration {
            key,
            generation,
            shard: index,
        });
        self.unpark_if_earlier(shard, when);
        false
    }

    /// Moves an armed timer to a new deadline, if it is still armed.
    pub(crate) fn reset(&self, slot: &Option<Registration>, deadline: Instant) {
        let Some(reg) = *slot else { return };
        let when = self.deadline_tick(deadline);
        let mut shard = self.shards[reg.shard].lock();
        if shard.live_entry(reg).is_some() {
            shard.wheel.reset(reg.key, when);
            self.unpark_if_earlier(shard, when);
        }
    }

    /// Wakes the driver if it sleeps past `when`. Called with the shard of
    /// the new deadline still locked (see the module docs).
    fn unpark_if_earlier(&self, shard: MutexGuard<'_, Shard>, when: u64) {
        // Lowering the mark ourselves means no other insert has woken the
        // driver for a deadline this early; a 0 mark means it is awake. The
        // plain load first: almost always the driver is awake or sleeps
        // until earlier, and a read leaves the shared line shared.
        if when < self.parked_until.0.load(Ordering::Relaxed)
            && self.parked_until.0.fetch_min(when, Ordering::Relaxed) > when
        {
            drop(shard);
            (self.unpark)();
        }
    }

    /// Disarms a timer (a `Sleep` dropped before it fired).
    pub(crate) fn cancel(&self, slot: &mut Option<Registration>) {
        let Some(reg) = slot.take() else { return };
        let mut shard = self.shards[reg.shard].lock();
        let removed = shard
            .live_entry(reg)
            .is_some()
            .then(|| shard.wheel.remove(reg.key));
        drop(shard);
        drop(removed); // its waker, outside the lock (see `register_in`)
    }

    /// Wakes the driver, to choose its sleep again (the clock resumed).
    pub(crate) fn unpark_driver(&self) {
        (self.unpark)();
    }

    /// `time::advance`: moves the paused clock by `by` and fires what is
    /// due. A driver asleep on another thread (this one is a second
    /// `Handle::block_on`) is woken if it waits for a blocking job: a clock
    /// now left between two ticks may have a timer due at the end of its
    /// tick, which only the driver's next choice fires
    /// (`before_park_after`). Its record is read after `fire_due` took every
    /// shard's lock, so a driver that parked before is seen, and one that
    /// parks after reads the moved clock.
    pub(crate) fn advance_clock(&self, by: Duration) {
        self.clock.advance(by);
        // Not `after_park`: the driver may be asleep on another thread, and
        // must stay reachable by the next insert.
        self.fire_due(false);
        if self.parked_until.0.load(Ordering::Relaxed) != 0 {
            self.unpark_driver();
        }
    }

    /// Timers currently armed (for metrics).
    pub(crate) fn armed(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().wheel.len())
            .sum()
    }

    /// Runtime shutdown: wake every pending timer's waiter and refuse new
    /// timers (a later poll panics with the cause).
    pub(crate) fn shutdown(&self) {
        let mut fired: Vec<Waker> = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            shard.shutdown = true;
            shard
                .wheel
                .advance(u64::MAX, |_, entry| fired.push(entry.waker));
        }
        // Tasks are cancelled by the shutdown anyway; these wakes reach
        // waiters outside the runtime (a `Handle::block_on` on another
        // thread), whose next poll reports the shutdown.
        fired
            .into_iter()
            .for_each(crate::task::wake_catching_panics);
    }
}

impl Shard {
    fn live_entry(&mut self, reg: Registration) -> Option<&mut Entry> {
        self.wheel
            .try_get_mut(reg.key)
            .filter(|entry| entry.generation == reg.generation)
    }
}

/// Timers with `shards` shards whose unpark counts its calls (for the unit
/// tests and the loom models).
#[cfg(test)]
fn counted(shards: usize) -> (Arc<Timers>, crate::loom::Arc<AtomicUsize>) {
    let unparks = crate::loom::Arc::new(AtomicUsize::new(0));
    let count = unparks.clone();
    let unpark = Box::new(move || {
        count.fetch_add(1, Ordering::SeqCst);
    });
    (
        Timers::new(unpark, Clock::new(false, false), shards),
        unparks,
    )
}

#[cfg(all(test, loom))]
mod loom_tests;

#[cfg(all(test, not(loom)))]
mod tests;

//! The driver's side of the timers (the parent module's "driver
//! handshake"): before it parks, how long it may sleep, recorded so that an
//! earlier insert wakes it; after it wakes, the timers that are due. On a
//! paused clock the driver jumps to the next deadline here instead of
//! sleeping, unless a blocking job runs: that job's end is the next event.

use std::task::Waker;
use std::time::Duration;

use super::{MAX_PARK, Timers};
use crate::loom::atomic::Ordering;
use crate::time::Instant;

impl Timers {
    /// A blocking job began to count as running (a pool thread took it, or
    /// is about to): no auto-advance until it ends.
    pub(crate) fn job_started(&self) {
        self.busy_jobs.fetch_add(1, Ordering::AcqRel);
    }

    /// A blocking job ended (ran or was cancelled); on a paused clock the
    /// last one wakes the driver, which may auto-advance again.
    pub(crate) fn job_ended(&self) {
        let before = self.busy_jobs.fetch_sub(1, Ordering::AcqRel);
        // One `job_ended` too many would wrap the count and stop a paused
        // clock's jumps for good.
        debug_assert!(before > 0, "a blocking job ended that never started");
        if before == 1 && self.clock.is_paused() {
            (self.unpark)();
        }
    }

    /// Whether no blocking job runs now. The driver asks *before* it looks
    /// for wakes: a job that ends wakes its waiter first and lowers the
    /// count after, so a count of 0 read before the look means that wake,
    /// if any, is there to be seen (tokio reads its inhibit count first
    /// too). Read after the look, a job ending in between would let the
    /// clock jump past the task it just woke.
    pub(crate) fn jobs_idle(&self) -> bool {
        self.busy_jobs.load(Ordering::Acquire) == 0
    }

    /// [`before_park_after`](Self::before_park_after) for a driver that
    /// read no job count before it looked for wakes (the tests).
    #[cfg(test)]
    pub(crate) fn before_park(&self, limit: Option<Duration>) -> Option<Duration> {
        self.before_park_after(limit, true)
    }

    /// Called by the driver before it blocks: how long it may sleep, at most
    /// `limit`. Records the deadline so that earlier inserts wake it.
    /// `jobs_were_idle` is [`jobs_idle`](Self::jobs_idle) as the driver read
    /// it before it looked for wakes: a paused clock jumps only if no job
    /// ran then nor runs now.
    pub(crate) fn before_park_after(
        &self,
        limit: Option<Duration>,
        jobs_were_idle: bool,
    ) -> Option<Duration> {
        // A look without waiting (a busy worker's driver check, every
        // `event_interval` tasks): the answer is zero whatever the wheels
        // hold, nothing is recorded, and a paused clock does not jump. So
        // no shard is locked (they were, all of them, on every check).
        if limit == Some(Duration::ZERO) {
            return limit;
        }
        // Every shard stays locked until `parked_until` is recorded.
        let shards = self.lock_all();
        let next = shards.iter().filter_map(|s| s.wheel.next_deadline()).min();
        let mut waits_for_job = false;
        if let Some(tick) = next {
            // Paused and idle: jump to the next timer instead of sleeping
            // (not while a blocking job runs: its end is the next event).
            if limit != Some(Duration::ZERO) && jobs_were_idle && self.jobs_idle() {
                if self.clock.advance_to(self.instant_of(tick)) {
                    return Some(Duration::ZERO);
                }
            } else if self.clock.is_paused() {
                // Paused with a job running: the clock will not move while
                // the driver sleeps, so the gap to the next timer means
                // nothing in real time (sleeping it out woke the driver
                // over and over, a spin for gaps under a millisecond). The
                // job's end wakes it (`job_ended`).
                //
                // Except within the tick the clock stands in. `advance` by
                // a duration that is not whole microseconds leaves it
                // between two ticks, and a timer at the end of that tick
                // may be due already: after `advance(1.5 us)`, a 1.5 us
                // sleep is over, but its deadline was rounded up to tick 2.
                // Waiting for the job would hang a job that waits on the
                // sleeping task, so the clock finishes its tick (under a
                // microsecond) and the timers that end it fire, those due
                // a little later in it too (the wheel keeps no finer time).
                let at = self.instant_of(tick);
                if at.saturating_duration_since(self.clock.now()) < Duration::from_micros(1)
                    && self.clock.advance_to(at)
                {
                    return Some(Duration::ZERO);
                }
                waits_for_job = true;
            }
        }
        // No timer: no deadline, and no clock read (the driver parks after
        // every burst of work, often with no timer armed).
        let until_next = next
            .map(|tick| {
                self.instant_of(tick)
                    .saturating_duration_since(self.clock.now())
                    .min(MAX_PARK)
            })
            // A timer already due still fires now (a paused clock took
            // the branch above for it; this is for a clock that a job
            // resumed in between, whose `resume` wakes the driver too).
            .filter(|gap| !waits_for_job || gap.is_zero());
        let timeout = match (limit, until_next) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if timeout != Some(Duration::ZERO) {
            self.parked_until
                .0
                .store(next.unwrap_or(u64::MAX), Ordering::Relaxed);
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
        // Awake: inserts need not wake the driver until it parks again, and
        // it reads every shard before it does. (Busy workers turn the driver
        // without sleeping every few dozen tasks: no write when already 0.)
        if unparked && self.parked_until.0.load(Ordering::Relaxed) != 0 {
            self.parked_until.0.store(0, Ordering::Relaxed);
        }
        let mut fired: Vec<Waker> = Vec::new();
        // The clock is read only when some timer is armed, and once.
        let mut now = None;
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            // Every wheel with a timer advances to now, due or not, as
            // tokio's does at every turn: most timeouts are cancelled
            // before they fire, and a wheel that only moved when one fired
            // would place new timers against an `elapsed` minutes or hours
            // old, on a level whose slots are that wide. Timeouts of
            // mixed lengths then crowd one slot out of deadline order, and
            // each park may scan it (`wheel/slot.rs`). With nothing due,
            // `advance` cascades the slots whose start has passed (each
            // entry at most once a level, work the firing would have done
            // later) and stops at the first slot ahead. An empty wheel is
            // moved to now when a timer comes (`register_in`).
            if !shard.wheel.is_empty() {
                let now =
                    *now.get_or_insert_with(|| self.now_tick(Instant::from_std(self.clock.now())));
                shard.wheel.advance(now, |_, entry| fired.push(entry.waker));
            }
        }
        fired
            .into_iter()
            .for_each(crate::task::wake_catching_panics);
    }
}

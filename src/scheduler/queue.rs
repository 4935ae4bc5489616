//! A worker's run queue: its LIFO slot, its local deque, and how it looks
//! for work elsewhere.
//!
//! Order of a pick (`next_task`): every `global_queue_interval`th tick one
//! task from the injector first, so work from outside cannot starve behind
//! a busy local queue (one, as tokio takes: a batch would put the rest of
//! it at the back of that queue, behind the whole backlog); then the LIFO
//! slot (the task just woken here, hot in cache), at most three times in a
//! row; then the local deque; then the injector, a batch of it, the local
//! deque being empty.
//! When all are empty the worker searches (`steal`): it tries every other
//! worker in turn from a random start, taking about half of the first
//! victim's queue it finds work in (crossbeam's `steal_batch_and_pop`, at
//! most 32 tasks a steal; tokio takes half, up to 128), then tries the
//! injector once more.
//!
//! The `Core` is owned by one worker thread at a time (moved in and out of
//! `Shared`'s list of free cores), so nothing here needs a lock; the LIFO
//! slot lives in the worker's `Remote` because the watchdog steals from it.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_deque::{Steal, Stealer};

use super::deque::LocalQueue;
use super::remote::{Remote, WorkerStats};
use super::{Handle, Shared};
use crate::task::Notified;

/// At most this many LIFO polls in a row before the slot's task is moved to
/// the back of the queue (tokio uses the same bound).
const MAX_LIFO_POLLS: u32 = 3;

/// What a worker owns: its queue and its private counters.
pub(crate) struct Core {
    pub(super) index: usize,
    pub(super) local: LocalQueue,
    lifo_polls: u32,
    pub(super) tick: u32,
    pub(super) is_searching: bool,
    /// Tasks this worker left to a victim taking turns (`taking_turns`)
    /// since it last stole.
    declined: u32,
    /// Pair-shaped yields that woke no helper since a yield last woke one
    /// (`yield_wakes_helper`).
    skipped_wakes: u32,
    rng: u32,
    /// Stands in for the core a `block_in_place` gave away: the LIFO slot
    /// of its index belongs to the thread that took the real one.
    placeholder: bool,
}

impl Core {
    pub(super) fn new(index: usize) -> Core {
        Core {
            index,
            local: LocalQueue::new(),
            lifo_polls: 0,
            tick: 0,
            is_searching: false,
            declined: 0,
            skipped_wakes: 0,
            rng: (0x9E37_79B9 ^ (index as u32).wrapping_mul(0x85EB_CA6B)) | 1,
            placeholder: false,
        }
    }

    /// An empty core in place of worker `index`'s, given away by
    /// `block_in_place` (`handoff.rs`).
    pub(super) fn placeholder(index: usize) -> Core {
        Core {
            placeholder: true,
            ..Core::new(index)
        }
    }

    /// Drops every task queued here and in this worker's LIFO slot, after
    /// shutdown. (Left queued, each would keep the runtime's `Shared` alive
    /// through the stealer that `Shared` itself holds: a leak.)
    pub(super) fn drop_queued(&self, shared: &Shared) {
        if !self.placeholder {
            drop(shared.remotes[self.index].lifo.take());
        }
        while let Some(task) = self.local.pop() {
            drop(task);
        }
    }

    pub(super) fn index(&self) -> usize {
        self.index
    }

    pub(super) fn stealer(&self) -> Stealer<Notified<Handle>> {
        self.local.stealer()
    }

    /// xorshift32: a cheap, good-enough source of random victims.
    fn next_random(&mut self, bound: usize) -> usize {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        (x as usize) % bound
    }

    pub(super) fn next_task(&mut self, shared: &Shared) -> Option<Notified<Handle>> {
        self.tick = self.tick.wrapping_add(1);
        if self
            .tick
            .is_multiple_of(shared.config.global_queue_interval)
            && let Some(task) = shared.take_injected()
        {
            return Some(task);
        }
        if let Some(task) = shared.remotes[self.index].lifo.take() {
            if self.lifo_polls < MAX_LIFO_POLLS {
                self.lifo_polls += 1;
                return Some(task);
            }
            self.local.push(task);
            shared.remotes[self.index].note_push(false);
        }
        self.lifo_polls = 0;
        self.local
            .pop()
            .or_else(|| shared.steal_injector(&self.local))
    }

    pub(super) fn steal(&mut self, shared: &Shared) -> Option<Notified<Handle>> {
        let n = shared.remotes.len();
        let start = self.next_random(n);
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            if self.declined < MAX_DECLINED && taking_turns(&shared.remotes[victim]) {
                self.declined += 1;
                shared.remotes[victim].note_turns_seen(true);
                continue;
            }
            loop {
                match self.local.steal_half(&shared.remotes[victim].stealer) {
                    Steal::Success(task) => {
                        self.declined = 0;
                        shared.remotes[victim].note_turns_seen(false);
                        let stats = &shared.remotes[self.index].stats;
                        WorkerStats::bump(&stats.steals, 1);
                        return Some(task);
                    }
                    Steal::Empty => break,
                    Steal::Retry => continue,
                }
            }
        }
        shared.steal_injector(&self.local)
    }

    pub(super) fn has_local_work(&self, remote: &Remote) -> bool {
        remote.lifo.is_occupied() || !self.local.is_empty()
    }

    /// Whether this worker has more queued than the one task it runs next
    /// (the LIFO slot's counts: it runs first) and is not searching (a
    /// searcher that finds work wakes another itself, in `run_task`): the
    /// rule for waking another worker to share it.
    pub(super) fn has_work_for_two(&self, remote: &Remote) -> bool {
        let queued = self.local.len() + usize::from(remote.lifo.is_occupied());
        !self.is_searching && queued > 1
    }

    /// Whether the task that has just yielded onto this worker's queue
    /// should wake a helper: when there is work for two, unless the queue
    /// has the pair's shape (the yielder alone in the deque, a task in the
    /// LIFO slot) and a thief has declined this worker's task since it
    /// last lost one (`Remote::turns_seen`). That helper would most likely
    /// watch, leave the task, and park again: one wake-up on the pair's
    /// path at each of its yields (about 770 a run of the two-worker
    /// `channel` row). Only yields: a wake or a spawn beside a queued task
    /// is new work, and wakes a helper as before (`schedule`).
    ///
    /// Two limits keep a pair that stopped taking turns from holding one
    /// worker while the other sleeps:
    /// - after [`MAX_SKIPPED_WAKES`] such yields that woke nobody, the
    ///   next (at least every 17th) wakes a helper anyway, which takes the
    ///   yielder if it sees no poll start: a pair whose polls grew long is
    ///   split at one of those looks;
    /// - the yielder behind one long poll of the task in the LIFO slot
    ///   waits for it, or for the watchdog's rescue, as a task in the LIFO
    ///   slot itself does; so the rule holds only with a slow-poll
    ///   threshold of at most [`RESCUE_WITHIN_US`] (the default), and
    ///   without a watchdog every yield wakes a helper.
    pub(super) fn yield_wakes_helper(&mut self, remote: &Remote, shared: &Shared) -> bool {
        if !self.has_work_for_two(remote) || shared.remotes.len() < 2 {
            return false;
        }
        let pair = self.local.len() == 1 && remote.lifo.is_occupied();
        // No watchdog is a `slow_poll_us` of `u64::MAX`.
        if pair
            && remote.turns_seen.load(Ordering::Relaxed)
            && shared.slow_poll_us <= RESCUE_WITHIN_US
            && self.skipped_wakes < MAX_SKIPPED_WAKES
        {
            self.skipped_wakes += 1;
            return false;
        }
        self.skipped_wakes = 0;
        true
    }
}

/// How long a thief watches a worker with one task queued before it takes
/// that task: about one poll of a task that spends its whole budget on
/// cheap operations (128 channel messages at some 24 ns). Unoptimized code
/// polls about ten times slower, so a debug build (the tests) watches ten
/// times longer, for the same pairs to behave the same.
const TURN_WINDOW: Duration = if cfg!(debug_assertions) {
    Duration::from_micros(30)
} else {
    Duration::from_micros(3)
};

/// How many of a pair's yields may wake no helper
/// (`Core::yield_wakes_helper`) before one does anyway; the count starts
/// again at each yield that wakes one.
const MAX_SKIPPED_WAKES: u32 = 16;

/// The largest slow-poll threshold, in µs, under which a pair's yields may
/// skip the helper: the watchdog then reaches a yielder stuck behind a long
/// poll within about that and two of its ticks (100-150 ms by default).
const RESCUE_WITHIN_US: u64 = 100_000;

/// How many times a thief declines a victim's task (over all victims)
/// before it takes one anyway; a successful steal starts the count again.
const MAX_DECLINED: u32 = 512;

/// Whether `victim` is taking turns between the task it runs and the one
/// task it has queued, so that the queued task is better left to it: that
/// task got there by yielding while a task it had woken waited in the LIFO
/// slot (`Remote::pushed_beside_woken`), and the victim starts a poll while
/// a thief watches for [`TURN_WINDOW`].
///
/// The pair this keeps together is the common one: a producer and the
/// consumer it wakes through a channel, on one worker. The running one
/// yields when its budget runs out and wakes a helper (`run_task`; once a
/// helper has declined, at every 17th yield, given a slow-poll threshold
/// of at most 100 ms: see `Core::yield_wakes_helper`); a helper that took
/// the yielder would run the pair on two cores and pass every
/// message between their caches: about 75 ns a message on two workers
/// against 24-28 ns on one (docs/work-stealing.md). A worker stuck in one
/// long poll starts no poll in the window, so a thief that looks then
/// takes its queued task.
/// Two tasks that only compute and yield do not look like the pair: each
/// yields with the LIFO slot empty, so a thief takes one at once.
/// [`MAX_DECLINED`] bounds what any other shape with short polls could
/// lose: after that many declines the thief takes the task anyway. A
/// talking pair split that way comes back together at its next wake-up,
/// which queues the woken task on the waker's worker.
///
/// The idea is Go's: a thief backs off 3 µs before it takes the `runnext`
/// of a running P, "to avoid thrashing goroutines between Ps" (`runqgrab`).
fn taking_turns(victim: &Remote) -> bool {
    if victim.stealer.len() != 1 || !victim.pushed_beside_woken.load(Ordering::Relaxed) {
        return false;
    }
    let polls = &victim.stats.polls;
    let seen = polls.load(Ordering::Relaxed);
    let start = Instant::now();
    while start.elapsed() < TURN_WINDOW {
        for _ in 0..16 {
            std::hint::spin_loop();
        }
        if polls.load(Ordering::Relaxed) != seen {
            return true;
        }
    }
    false
}

//! A worker's run queue: its LIFO slot, its local deque, and how it looks
//! for work elsewhere.
//!
//! Order of a pick (`next_task`): every `global_queue_interval`th tick the
//! injector first, so work from outside cannot starve behind a busy local
//! queue; then the LIFO slot (the task just woken here, hot in cache), at
//! most three times in a row; then the local deque; then the injector.
//! When all are empty the worker searches (`steal`): it takes half of a
//! random victim's queue, then tries the injector once more.
//!
//! The `Core` is owned by one worker thread at a time (moved in and out of
//! `Shared`'s list of free cores), so nothing here needs a lock; the LIFO
//! slot lives in the worker's `Remote` because the watchdog steals from it.

use crossbeam_deque::{Steal, Stealer, Worker};

use super::remote::{Remote, WorkerStats};
use super::{Handle, Shared};
use crate::task::Notified;

/// At most this many LIFO polls in a row before the slot's task is moved to
/// the back of the queue (tokio uses the same bound).
const MAX_LIFO_POLLS: u32 = 3;

/// What a worker owns: its queue and its private counters.
pub(crate) struct Core {
    pub(super) index: usize,
    pub(super) local: Worker<Notified<Handle>>,
    lifo_polls: u32,
    pub(super) tick: u32,
    pub(super) is_searching: bool,
    rng: u32,
    /// Stands in for the core a `block_in_place` gave away: the LIFO slot
    /// of its index belongs to the thread that took the real one.
    placeholder: bool,
}

impl Core {
    pub(super) fn new(index: usize) -> Core {
        Core {
            index,
            local: Worker::new_fifo(),
            lifo_polls: 0,
            tick: 0,
            is_searching: false,
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
            && let Some(task) = shared.steal_injector(&self.local)
        {
            return Some(task);
        }
        if let Some(task) = shared.remotes[self.index].lifo.take() {
            if self.lifo_polls < MAX_LIFO_POLLS {
                self.lifo_polls += 1;
                return Some(task);
            }
            self.local.push(task);
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
            loop {
                match shared.remotes[victim]
                    .stealer
                    .steal_batch_and_pop(&self.local)
                {
                    Steal::Success(task) => {
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
}

//! Where a worker goes when it runs out of tasks: the driver first, then
//! the other workers' queues.
//!
//! ```text
//!   queue empty after a task ─► look_at_io_first()
//!       None (one worker, a peer stranded or asleep in the driver)
//!           ─► search: steal
//!       Some(yield_first)
//!           ─► [offer the CPU] ─► poll the driver, no wait ─► own queue
//!           ─► still nothing: search: steal
//! ```
//!
//! A worker that has just run a task looks at the I/O that is ready before
//! it steals, as Go's scheduler does (tokio steals first): the sockets
//! ready then are mostly the peers of what it just ran, and running them
//! here keeps a connection's two ends on one core. The exceptions, and
//! the figures behind each, are on [`Context::look_at_io_first`] and in
//! docs/work-stealing.md ("Ready I/O before stealing").

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::worker::Context;
use crate::loom::atomic::Ordering;

/// How long another worker may stand at one poll count, with tasks queued
/// at each look in between, before a worker that runs dry steals before it
/// looks at I/O: a poll that long, or a thread the OS has taken off its CPU
/// for that long (a scheduler time slice is 1-4 ms), would keep the queued
/// tasks waiting. Far longer than most polls, so that a peer that is merely
/// busy is left to its queue. The clock starts again at each change of the
/// count, at a look that finds the queue empty or the worker asleep in the
/// driver, and after this worker's own park.
const STRANDED_AFTER: Duration = Duration::from_micros(100);

/// What a worker saw of the others at its looks at I/O: each one's poll
/// count, and since when it has stood at that count (with tasks queued).
pub(super) struct Peers {
    /// Indexed by worker; this worker's own entry is unused. Empty with
    /// one worker (and for a current-thread `block_on`), which never looks.
    seen: Box<[Cell<(u64, Instant)>]>,
}

impl Peers {
    pub(super) fn new(workers: usize) -> Peers {
        let now = Instant::now();
        let n = if workers > 1 { workers } else { 0 };
        Peers {
            seen: (0..n).map(|_| Cell::new((0, now))).collect(),
        }
    }

    /// Starts every peer's stranded clock again at `now`: after this
    /// worker's park, what its looks before it saw says nothing of now.
    pub(super) fn forget(&self, now: Instant) {
        for seen in &self.seen {
            seen.set((seen.get().0, now));
        }
    }
}

impl Context {
    /// Whether a worker that ran out of tasks looks at the driver (without
    /// waiting) before it steals from another worker, Go's `findRunnable`
    /// order, which polls the network "as an optimization before we resort
    /// to stealing"; and if so, whether it offers its CPU to other threads
    /// first. The loop asks only when its last turn ran a task.
    ///
    /// The sockets that just became ready are mostly the peers of what this
    /// worker just ran: an echo client's write makes its server's socket
    /// readable. Taken here, that task runs on this worker at once. Stolen
    /// first, the other worker's queue comes over instead, the events wait
    /// for whoever looks next, and both workers soon run dry and park. On
    /// `tcp_echo` (two workers, 50 connections x 2,000 trips) the look cut
    /// the steals from about 4,000 a worker and run to 600, the parks from
    /// 2,750 to 300, and the time per round trip from 1.0 of tokio's to
    /// 0.82 (docs/work-stealing.md, tests/io_locality.rs; measured when a
    /// look took up to 1024 events: it now takes at most 32 by default,
    /// the oldest first).
    ///
    /// No look, and a search (steal) first, when:
    /// - another worker has started no poll for [`STRANDED_AFTER`], with
    ///   tasks queued at each of this worker's looks in between: held in a
    ///   long poll, or with its CPU taken by the OS, its tasks would wait
    ///   for it behind I/O that keeps coming here (on two cores shared
    ///   with `wrk`, the hyper server's p99 latency went from 0.5 ms to
    ///   4 ms);
    /// - another worker sleeps in the driver: it takes the I/O as it comes
    ///   (Go skips its look then too), and the look would find the driver
    ///   taken;
    /// - this worker was just woken from its park (the loop's check): it
    ///   was woken to take queued work, or by the I/O it has just taken
    ///   from the driver itself, and a look first would land its search at
    ///   another moment of the victim's turns, which `queue.rs`'s
    ///   `taking_turns` reads (tests/turn_taking.rs failed with it);
    /// - there is one worker: nobody to steal from, and parking turns the
    ///   driver anyway.
    ///
    /// The offer of the CPU (`offer::offer_cpu`, up to three `sched_yield`s, none while paused, as a
    /// parking worker makes) is what the look takes from the parks it
    /// replaces: a client on the same machine (`wrk`) gets the CPU while
    /// the worker has nothing to run. It comes only when no other worker
    /// has tasks queued: with one, the search after the look should come
    /// at once, and a yield to a thread sharing this CPU could cost a time
    /// slice (tests/turn_taking.rs, where a freed worker then took a
    /// spinner milliseconds late in 2-5 runs of 20).
    ///
    /// The look costs one non-blocking `epoll_wait` (none if a quick look
    /// of another worker holds the driver), two clock reads (here and in
    /// the driver check's busy-time count), and a read of each other
    /// worker's poll count, queue length and parker state.
    pub(super) fn look_at_io_first(&self) -> Option<bool> {
        let remotes = &self.shared.remotes;
        if remotes.len() < 2 {
            return None;
        }
        let mut look = true;
        let mut peers_have_work = false;
        let now = Instant::now();
        for (i, remote) in remotes.iter().enumerate() {
            if i == self.index {
                continue;
            }
            // Every peer is noted, whatever the answer. The clock starts
            // again whenever its count moves, its queue is seen empty, or
            // it sleeps in the driver: 'stranded' is a count standing
            // still while tasks wait, in every look of the stretch.
            let polls = remote.stats.polls.load(Ordering::Relaxed);
            let queued = remote.stealer.len();
            let in_driver = remote.parker.in_driver();
            let (seen, since) = self.peers.seen[i].get();
            if polls != seen || queued == 0 || in_driver {
                self.peers.seen[i].set((polls, now));
            }
            let stranded =
                polls == seen && queued > 0 && now.duration_since(since) >= STRANDED_AFTER;
            if stranded || in_driver {
                look = false;
            }
            peers_have_work |= queued > 0;
        }
        look.then_some(!peers_have_work)
    }
}

//! Who is searching, who is parked: the accounting that decides when to wake
//! a worker.
//!
//! Waking a parked thread costs microseconds, so a runtime must wake one only
//! when the work would otherwise wait. Two counts in one atomic word decide:
//!
//! ```text
//!   state = num_unparked << 16 | num_searching
//! ```
//!
//! - A worker is *searching* while it looks for work in other queues. If
//!   someone is searching, new work will be found without a wake-up.
//! - A producer wakes a worker only if nobody searches and someone is parked
//!   (`notify_should_wakeup`), and the woken worker starts out searching, so
//!   a burst of spawns wakes one worker, not all of them.
//! - About half the workers at most search at once, so idle workers do not
//!   all hammer the same queues (Go's rule of "spinning" Ms). About: the
//!   check and the count are two steps that two workers may interleave, and
//!   a notifier counts the worker it wakes as searching without the check,
//!   as in tokio.

use crate::loom::Mutex;
use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};

const UNPARKED_SHIFT: usize = 16;
const SEARCHING_MASK: usize = (1 << UNPARKED_SHIFT) - 1;
const UNPARKED_ONE: usize = 1 << UNPARKED_SHIFT;

pub(crate) struct Idle {
    state: AtomicUsize,
    num_workers: usize,
    /// Indices of parked workers.
    sleepers: Mutex<Vec<usize>>,
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARKED_SHIFT),
            num_workers,
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
        }
    }

    fn load(&self) -> (usize, usize) {
        // An RMW instead of a load: it takes part in the StoreLoad ordering
        // with the parking worker (see the race in `scheduler/mod.rs`).
        let s = self.state.fetch_add(0, SeqCst);
        (s >> UNPARKED_SHIFT, s & SEARCHING_MASK)
    }

    fn notify_should_wakeup(&self) -> bool {
        let (unparked, searching) = self.load();
        searching == 0 && unparked < self.num_workers
    }

    /// Picks a parked worker to wake, already counted as unparked and
    /// searching, or `None` if no wake-up is needed.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.notify_should_wakeup() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.notify_should_wakeup() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add(UNPARKED_ONE | 1, SeqCst);
        Some(worker)
    }

    /// A worker out of local work wants to search; refused if half the
    /// workers already search.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let (_, searching) = self.load();
        if 2 * searching >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work. Returns true if it was the last
    /// searcher (so it should wake another to keep searching).
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(prev & SEARCHING_MASK > 0);
        prev & SEARCHING_MASK == 1
    }

    /// The worker goes to sleep. Returns true if it was the last searcher.
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        // Listed twice, it would be counted out of the unparked count twice
        // and underflow the word (tokio asserts the same).
        debug_assert!(!sleepers.contains(&worker), "worker {worker} parked twice");
        let dec = UNPARKED_ONE + usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && prev & SEARCHING_MASK == 1
    }

    /// A parked worker woke up (for a timer, an I/O event or its own final
    /// check). Returns false if a notifier already unparked it (and counted
    /// it as searching).
    pub(crate) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        let Some(pos) = sleepers.iter().position(|&w| w == worker) else {
            return false;
        };
        sleepers.swap_remove(pos);
        self.state.fetch_add(UNPARKED_ONE, SeqCst);
        true
    }

    /// Whether `worker` is on the sleeper list.
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().contains(&worker)
    }

    /// How many workers are searching now.
    pub(crate) fn num_searching(&self) -> usize {
        self.load().1
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn nobody_is_woken_while_all_workers_run() {
        let idle = Idle::new(2);
        assert_eq!(idle.worker_to_notify(), None);
    }

    #[test]
    fn a_parked_worker_is_woken_as_a_searcher() {
        let idle = Idle::new(2);
        assert!(!idle.transition_worker_to_parked(1, false));
        assert_eq!(idle.worker_to_notify(), Some(1));
        assert_eq!(idle.num_searching(), 1);
        assert_eq!(idle.worker_to_notify(), None, "one searcher is enough");
        assert!(idle.transition_worker_from_searching());
    }

    #[test]
    fn at_most_half_the_workers_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_searching());
    }

    #[test]
    fn the_last_searcher_to_park_is_told_so() {
        let idle = Idle::new(2);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_parked(0, true));
        assert!(idle.is_parked(0));
        assert!(idle.unpark_worker_by_id(0));
        assert!(!idle.unpark_worker_by_id(0), "already unparked");
    }
}

/// loom model of the park/notify handshake (the race in `scheduler/mod.rs`).
#[cfg(all(test, loom))]
mod loom_tests {
    use super::Idle;
    use crate::loom::atomic::{AtomicBool, Ordering, fence};
    use crate::loom::{Arc, thread};

    #[test]
    fn loom_a_task_pushed_while_a_worker_parks_is_never_stranded() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(2));
            let queued = Arc::new(AtomicBool::new(false));
            let unparked = Arc::new(AtomicBool::new(false));
            // Worker 1 is busy elsewhere (counted unparked); worker 0 parks.
            let producer = {
                let (idle, queued, unparked) = (idle.clone(), queued.clone(), unparked.clone());
                thread::spawn(move || {
                    queued.store(true, Ordering::Release);
                    if idle.worker_to_notify() == Some(0) {
                        unparked.store(true, Ordering::Release);
                    }
                })
            };
            idle.transition_worker_to_parked(0, false);
            fence(Ordering::SeqCst);
            if queued.load(Ordering::Acquire) {
                // The final check saw the task: stay up.
                idle.unpark_worker_by_id(0);
            } else {
                // Otherwise the producer must wake us.
                while !unparked.load(Ordering::Acquire) {
                    thread::yield_now();
                }
            }
            producer.join().unwrap();
        });
    }
}

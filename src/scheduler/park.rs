//! Parking a worker: on the driver if it is free, on a condvar otherwise.
//!
//! ```text
//!                    ┌── driver free? ──► PARKED_DRIVER: block in the driver
//!   park() ──────────┤                    (epoll_wait / kevent + timers)
//!                    └── taken ─────────► PARKED_CONDVAR: block on a condvar
//!
//!   unpark(): swap in NOTIFIED, then wake whichever way the worker sleeps.
//! ```
//!
//! Before either, the worker yields its CPU up to three times, looking for
//! an `unpark` after each (`offer.rs`), and after work from outside the
//! runtime goes on doing so for a while (`linger.rs`).
//!
//! The state word makes `unpark` before `park` harmless: the notification is
//! kept, and the next `park` returns at once. Only one worker at a time holds
//! the driver (`docs/work-stealing.md`, "Parking"); the others sleep on their condvars.
//!
//! One `unpark` needs no system call: the driver's own thread, while it
//! dispatches the events it just harvested, wakes tasks, and the scheduler
//! may pick that very worker to notify. It is awake already and re-checks
//! its queues the moment the driver returns, so the write that would end
//! its next wait at once is skipped (a thread-local says whose driver this
//! thread is inside). On a current-thread runtime that was one `write` per
//! wait.

use std::cell::Cell;
use std::time::Duration;

use super::{Driver, linger, offer};
use crate::loom::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst, fence};
use crate::loom::{Condvar, Mutex};

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

#[cfg(not(loom))]
thread_local! {
    /// The parker whose `park` this thread is running the driver for.
    static IN_DRIVER: Cell<*const Parker> = const { Cell::new(std::ptr::null()) };
}

// loom runs its threads on one OS thread: each needs loom's own thread-local.
#[cfg(loom)]
loom::thread_local! {
    static IN_DRIVER: Cell<*const Parker> = Cell::new(std::ptr::null());
}

/// The driver's lock, and a word from workers that found it taken.
#[derive(Default)]
pub(crate) struct DriverLock {
    pub(super) lock: Mutex<()>,
    /// Set by a parking worker that found the driver taken, before it goes
    /// to its condvar; cleared by the holder as it leaves a blocking wait,
    /// and by a quick check (`poll_driver`) that finds it set: that check
    /// has left a sleeper off a free driver, and says so, for the caller to
    /// wake one. It may stay set with nobody asleep for it (the parker took
    /// the driver after all on its second look, or found a notification
    /// and did not sleep): the next quick check then wakes a worker for
    /// nothing. One flag for every parker cannot be cleared by the one that
    /// set it without erasing another's word, and a wasted wake is cheap.
    wanted: AtomicBool,
    /// Turns of the driver so far (blocking waits and quick looks), for
    /// the watchdog: no turn for a whole tick, and nobody waiting in it,
    /// means timers and sockets go unwatched.
    turns: AtomicUsize,
}

impl DriverLock {
    /// Counts a turn; called with the lock held, so a load and a store do.
    fn count_turn(&self) {
        self.turns
            .store(self.turns.load(Relaxed).wrapping_add(1), Relaxed);
    }

    /// Turns of the driver so far.
    pub(crate) fn turns(&self) -> usize {
        self.turns.load(Relaxed)
    }
}

pub(crate) struct Parker {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker {
            state: AtomicUsize::new(EMPTY),
            mutex: Mutex::new(()),
            condvar: Condvar::new(),
        }
    }

    /// Sleeps until `unpark`, or (when it gets the driver) until an I/O event
    /// or a timer is due. May return spuriously; callers re-check for work.
    /// True if it slept in the driver. With `linger`, stays awake a while
    /// first (`linger.rs`: the caller just ran work from outside).
    pub(crate) fn park(&self, driver: &DriverLock, events: &dyn Driver, linger: bool) -> bool {
        for _ in 0..offer::YIELDS_BEFORE_SLEEP {
            if self.take_notification() {
                return false;
            }
            if !offer::offer_once() {
                break;
            }
        }
        if linger && linger::linger(&mut || self.take_notification()) {
            return false;
        }
        if self.take_notification() {
            return false;
        }
        let held = driver.lock.try_lock().or_else(|| {
            // Taken: say so, then look once more. A quick check that let go
            // before our word sees no word, but this look sees it free; one
            // that lets go after sees the word (StoreLoad on both sides).
            driver.wanted.store(true, SeqCst);
            fence(SeqCst);
            driver.lock.try_lock()
        });
        if let Some(_driver) = held {
            if self
                .state
                .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
                .is_err()
            {
                // Notified: a swap, not a store, to read (and so
                // synchronize with) a second `unpark` that found the word
                // already NOTIFIED since the compare-and-swap read it (its
                // writes are for the caller's re-check). tokio's parker
                // does the same.
                self.state.swap(EMPTY, SeqCst);
                return false;
            }
            {
                let _inside = InDriver::enter(self);
                events.park(None);
            }
            driver.count_turn();
            // Leaving: a worker that found us here sleeps on its condvar,
            // and the caller hands the driver over if it leaves with work
            // for two (`worker::Context::park_until`), the watchdog if the
            // caller then stays away from the driver for a tick.
            driver.wanted.store(false, SeqCst);
            // A swap, not a store: it reads (and so synchronizes with) a
            // NOTIFIED that a second `unpark` left while the driver
            // returned, whose writes the caller's re-check must see.
            self.state.swap(EMPTY, SeqCst);
            return true;
        }
        let mut guard = self.mutex.lock();
        if self
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
            .is_err()
        {
            // A swap, as above.
            self.state.swap(EMPTY, SeqCst);
            return false;
        }
        loop {
            guard = self.condvar.wait(guard);
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return false;
            }
        }
    }

    /// Consumes an `unpark` that came before the sleep.
    fn take_notification(&self) -> bool {
        self.state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
    }

    /// Whether this parker's thread sleeps in the driver now (a racy look,
    /// for the watchdog's rescue, which looks again at its next tick, and
    /// for a worker deciding whether to look at I/O itself).
    pub(crate) fn in_driver(&self) -> bool {
        self.state.load(SeqCst) == PARKED_DRIVER
    }

    /// Polls the driver without blocking, if no other worker holds it.
    /// True if a worker that parked meanwhile found the driver taken and
    /// sleeps on its condvar while nobody waits in the driver (the caller
    /// wakes one; see `worker::Context::poll_driver`).
    pub(crate) fn poll_driver(driver: &DriverLock, events: &dyn Driver) -> bool {
        let Some(held) = driver.lock.try_lock() else {
            return false;
        };
        events.park(Some(Duration::ZERO));
        driver.count_turn();
        drop(held);
        fence(SeqCst);
        driver.wanted.swap(false, SeqCst)
    }

    pub(crate) fn unpark(&self, events: &dyn Driver) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // Taking the lock orders us after the parker's CAS to
                // PARKED_CONDVAR and before its wait: no lost notify.
                drop(self.mutex.lock());
                self.condvar.notify_one();
            }
            // From inside that driver, the parked thread is this one.
            PARKED_DRIVER if std::ptr::eq(IN_DRIVER.with(Cell::get), self) => {}
            PARKED_DRIVER => events.unpark(),
            state => unreachable!("invalid parker state {state}"),
        }
    }
}

/// Marks this thread as inside `parker`'s driver wait until dropped (also
/// when the driver panics).
struct InDriver;

impl InDriver {
    fn enter(parker: &Parker) -> InDriver {
        IN_DRIVER.with(|p| p.set(parker));
        InDriver
    }
}

impl Drop for InDriver {
    fn drop(&mut self) {
        IN_DRIVER.with(|p| p.set(std::ptr::null()));
    }
}

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
//! The state word makes `unpark` before `park` harmless: the notification is
//! kept, and the next `park` returns at once. Only one worker at a time holds
//! the driver (DESIGN.md, "Driver"); the others sleep on their condvars.

use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::Driver;
use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

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
    pub(crate) fn park(&self, driver: &Mutex<()>, events: &dyn Driver) {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        if let Some(_driver) = driver.try_lock() {
            if self
                .state
                .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
                .is_err()
            {
                self.state.store(EMPTY, SeqCst);
                return;
            }
            events.park(None);
            self.state.store(EMPTY, SeqCst);
            return;
        }
        let mut guard = self.mutex.lock();
        if self
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
            .is_err()
        {
            self.state.store(EMPTY, SeqCst);
            return;
        }
        loop {
            self.condvar.wait(&mut guard);
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Polls the driver without blocking, if no other worker holds it.
    pub(crate) fn poll_driver(driver: &Mutex<()>, events: &dyn Driver) {
        if let Some(_driver) = driver.try_lock() {
            events.park(Some(Duration::ZERO));
        }
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
            PARKED_DRIVER => events.unpark(),
            state => unreachable!("invalid parker state {state}"),
        }
    }
}

//! The driver: the one place a parked worker blocks, waiting for I/O events
//! and for the next timer at once.
//!
//! ```text
//!   park(limit):  timeout = min(limit, earliest timer)      (Timers::before_park)
//!                 reactor.wait(timeout)                     (epoll_wait / kevent)
//!                 fire due timers                           (Timers::after_park)
//!   unpark():     reactor.notify()  (wakes epoll_wait from any thread)
//! ```
//!
//! The scheduler sees only the `scheduler::Driver` trait; this file is where
//! `time/` and `io/` meet, so neither needs to know the other.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::io::Reactor;
use crate::scheduler;
use crate::time::{Clock, Timers};

/// Timers plus reactor, parked on together.
pub(crate) struct Driver {
    pub(crate) reactor: Arc<Reactor>,
    pub(crate) timers: Arc<Timers>,
}

impl Driver {
    pub(crate) fn new(clock: Clock) -> io::Result<Driver> {
        let reactor = Arc::new(Reactor::new()?);
        let notify = Arc::downgrade(&reactor);
        let unpark = Box::new(move || {
            if let Some(reactor) = notify.upgrade() {
                reactor.notify();
            }
        });
        let timers = Timers::new(unpark, clock);
        Ok(Driver { reactor, timers })
    }

    /// Wakes every task waiting on a timer or a socket, and refuses new ones.
    pub(crate) fn shutdown(&self) {
        self.timers.shutdown();
        self.reactor.shutdown();
    }
}

impl scheduler::Driver for Driver {
    fn park(&self, limit: Option<Duration>) {
        let timeout = self.timers.before_park(limit);
        // An error here (EINTR) only makes the park return early, which the
        // scheduler tolerates: it re-checks for work and parks again.
        let _ = self.reactor.wait(timeout);
        self.timers.after_park();
    }

    fn unpark(&self) {
        self.reactor.notify();
    }
}

//! The driver: the one place a parked worker blocks, waiting for I/O events
//! and for the next timer at once.

use std::time::Duration;

use crate::scheduler;

/// Blocks in the OS poller; `unpark` is the poller's notify.
pub(crate) struct Driver {
    poller: polling::Poller,
}

impl Driver {
    pub(crate) fn new() -> std::io::Result<Driver> {
        Ok(Driver {
            poller: polling::Poller::new()?,
        })
    }
}

impl scheduler::Driver for Driver {
    fn park(&self, timeout: Option<Duration>) {
        let mut events = polling::Events::new();
        // An error here (EINTR) only makes the park return early, which the
        // scheduler tolerates: it re-checks for work and parks again.
        let _ = self.poller.wait(&mut events, timeout);
    }

    fn unpark(&self) {
        let _ = self.poller.notify();
    }
}

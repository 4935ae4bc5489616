//! The driver: the one place a parked worker blocks, waiting for I/O events
//! and for the next timer at once.
//!
//! ```text
//!   park(limit):  paused clock? poll I/O first; anything? return (no jump)
//!                 timeout = min(limit, earliest timer)      (Timers::before_park)
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
    /// `workers`: how many worker threads (one timer shard each).
    pub(crate) fn new(clock: Clock, workers: usize) -> io::Result<Driver> {
        let reactor = Arc::new(Reactor::new()?);
        let notify = Arc::downgrade(&reactor);
        let unpark = Box::new(move || {
            if let Some(reactor) = notify.upgrade() {
                reactor.notify();
            }
        });
        let timers = Timers::new(unpark, clock, workers);
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
        // A paused clock may jump to the next timer in `before_park`. Look
        // at I/O first: bytes that arrived while tasks ran, or a wake from
        // another thread, are work now, and the jump waits for the next
        // park (tokio's `did_wake`). A failed look counts as a wake (the
        // caller re-checks and parks again): the portable poller may fail
        // after it took a notify, and a notify must not be lost. epoll and
        // kqueue fail only on bad arguments, so this does not spin.
        if limit != Some(Duration::ZERO)
            && self.timers.clock.is_paused()
            && self.reactor.poll_woke().unwrap_or(true)
        {
            scheduler::from_the_driver(|| self.timers.after_park());
            return;
        }
        let timeout = self.timers.before_park(limit);
        // A signal (EINTR) ends the wait as an empty turn, not an error. What
        // is left (EBADF, EFAULT, EINVAL from bad arguments; ENOMEM from the
        // portable poller's poll(2)) only makes the park return early, which
        // the scheduler tolerates: it re-checks for work and parks again.
        let _ = self.reactor.wait(timeout);
        // Timer wakes come in batches: queue them fairly (see the function).
        scheduler::from_the_driver(|| self.timers.after_park());
    }

    fn unpark(&self) {
        self.reactor.notify();
    }
}

/// Asks the kernel to wake this thread at its timers' exact deadlines.
///
/// Linux lets a timed sleep (here, the driver's `epoll_pwait2`) end up to
/// the thread's *timer slack* late, 50 µs by default, so that it can batch
/// wake-ups. A runtime that promises sleeps within a fraction of a
/// millisecond sets its worker threads' slack to the minimum, 1 ns.
pub(crate) fn precise_timer_slack() -> TimerSlack {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_GET_TIMERSLACK and PR_SET_TIMERSLACK take plain integer
        // arguments and only change the calling thread's scheduling hint.
        let previous = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) };
        // SAFETY: as above.
        unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1, 0, 0, 0) };
        TimerSlack { previous }
    }
    #[cfg(not(target_os = "linux"))]
    TimerSlack {}
}

/// Restores the thread's previous timer slack when dropped.
pub(crate) struct TimerSlack {
    #[cfg(target_os = "linux")]
    previous: libc::c_int,
}

impl Drop for TimerSlack {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if self.previous > 0 {
            // SAFETY: see `precise_timer_slack`.
            unsafe {
                libc::prctl(
                    libc::PR_SET_TIMERSLACK,
                    self.previous as libc::c_ulong,
                    0,
                    0,
                    0,
                )
            };
        }
    }
}

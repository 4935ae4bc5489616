//! The driver: the one place a parked worker blocks, waiting for I/O events
//! and for the next timer at once.
//!
//! ```text
//!   park(limit):  paused clock? poll I/O first; anything? return (no jump)
//!                 timeout = min(limit, earliest timer)      (Timers::before_park_after)
//!                 reactor.wait(timeout)                     (epoll_pwait2 / kevent)
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
    /// `workers`: how many worker threads (one timer shard each);
    /// `events`: how many I/O events one look takes at most.
    pub(crate) fn new(clock: Clock, workers: usize, events: usize) -> io::Result<Driver> {
        let reactor = Arc::new(Reactor::new(events)?);
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
        // A paused clock may jump to the next timer in `before_park_after`. Look
        // at I/O first: bytes that arrived while tasks ran, or a wake from
        // another thread, are work now, and the jump waits for the next
        // park (tokio's `did_wake`). A failed look counts as a wake (the
        // caller re-checks and parks again): the portable poller may fail
        // after it took a notify, and a notify must not be lost. epoll and
        // kqueue fail only on bad arguments, so this does not spin.
        // The job count is read before that look (see `jobs_idle`).
        let jobs_were_idle = self.timers.jobs_idle();
        if limit != Some(Duration::ZERO)
            && self.timers.clock.is_paused()
            && self.reactor.poll_woke().unwrap_or(true)
        {
            scheduler::from_the_driver(|| self.timers.after_park());
            return;
        }
        let timeout = self.timers.before_park_after(limit, jobs_were_idle);
        if timeout.is_some_and(|t| !t.is_zero()) {
            TimerSlack::before_timed_wait();
        }
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

/// Asks the kernel to wake this thread at its timers' exact deadlines, from
/// its first timed wait in the driver until the returned guard drops.
///
/// Linux lets a timed sleep (here, the driver's `epoll_pwait2`) end up to
/// the thread's *timer slack* late, 50 µs by default, so that it can batch
/// wake-ups. A runtime that promises sleeps within a fraction of a
/// millisecond sets the slack of the threads that turn the driver to the
/// minimum, 1 ns. Lazily: the guard only arms the thread, and the two
/// `prctl` calls wait for a park that may actually sleep on a timer
/// ([`TimerSlack::before_timed_wait`]). A current-thread `block_on` whose
/// future is ready at once (a test calling it in a loop, say) then costs no
/// system call, where setting and restoring the slack took three.
pub(crate) fn precise_timer_slack() -> TimerSlack {
    // A guard inside another (a worker's `on_thread_start` hook running a
    // current-thread `block_on`) leaves the slack to the outer one.
    #[cfg(target_os = "linux")]
    let inner = SLACK.with(|slack| match slack.get() {
        Slack::Untouched => {
            slack.set(Slack::Armed);
            false
        }
        Slack::Armed | Slack::Precise { .. } => true,
    });
    #[cfg(not(target_os = "linux"))]
    let inner = true;
    TimerSlack {
        inner,
        _not_send: std::marker::PhantomData,
    }
}

/// Restores the thread's previous timer slack, if a timed wait changed it,
/// when dropped.
pub(crate) struct TimerSlack {
    /// Another guard on this thread was alive first and restores instead.
    inner: bool,
    /// The state it restores is this thread's.
    _not_send: std::marker::PhantomData<*const ()>,
}

#[cfg(target_os = "linux")]
#[derive(Clone, Copy)]
enum Slack {
    /// No guard on this thread: leave the slack alone.
    Untouched,
    /// A guard is alive; the slack is still the thread's own.
    Armed,
    /// Set to 1 ns; this was the thread's own.
    Precise { previous: libc::c_int },
}

#[cfg(target_os = "linux")]
thread_local! {
    static SLACK: std::cell::Cell<Slack> = const { std::cell::Cell::new(Slack::Untouched) };
}

impl TimerSlack {
    /// Called by the driver before a wait with a timeout: makes this
    /// thread's timer slack precise, once per guard.
    fn before_timed_wait() {
        #[cfg(target_os = "linux")]
        SLACK.with(|slack| {
            if let Slack::Armed = slack.get() {
                // SAFETY: PR_GET_TIMERSLACK and PR_SET_TIMERSLACK take plain
                // integer arguments and only change the calling thread's
                // scheduling hint.
                let previous = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) };
                // SAFETY: as above. The kernel reads an `unsigned long`
                // from the variadic call: pass one, not an `int`.
                unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) };
                slack.set(Slack::Precise { previous });
            }
        });
    }
}

impl Drop for TimerSlack {
    fn drop(&mut self) {
        if self.inner {
            return;
        }
        #[cfg(target_os = "linux")]
        // `try_with`: a worker thread's guard may drop after the
        // thread-local (no thread-local is left to restore then, and the
        // thread is ending anyway).
        let _ = SLACK.try_with(|slack| {
            if let Slack::Precise { previous } = slack.replace(Slack::Untouched)
                && previous > 0
            {
                // SAFETY: see `before_timed_wait`.
                unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, previous as libc::c_ulong, 0, 0, 0) };
            }
        });
    }
}

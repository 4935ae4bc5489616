//! The checks `Builder::build` makes before anything starts: a value the
//! runtime cannot honour is an `InvalidInput` error that names the option,
//! not a panic later.

use std::io;
use std::time::Duration;

use super::{Builder, RuntimeFlavor};

impl Builder {
    pub(super) fn validate(&self) -> io::Result<()> {
        let invalid = |msg: &str| Err(io::Error::new(io::ErrorKind::InvalidInput, msg.to_string()));
        if self.worker_threads == Some(0) {
            return invalid(match self.flavor {
                RuntimeFlavor::CurrentThread => "worker_threads must be at least 1",
                RuntimeFlavor::MultiThread => {
                    "worker_threads must be at least 1 (use Builder::new_current_thread for no worker threads)"
                }
            });
        }
        // A current-thread runtime ignores the count (as tokio's does), so a
        // count from configuration does not fail its build.
        if self.flavor == RuntimeFlavor::MultiThread
            && self.worker_threads.is_some_and(|n| n > 32_768)
        {
            return invalid("worker_threads must be at most 32768");
        }
        if self.max_blocking_threads == 0 {
            return invalid("max_blocking_threads must be at least 1");
        }
        if self.event_interval == 0 {
            return invalid("event_interval must be at least 1");
        }
        if self.max_io_events_per_tick == 0 {
            return invalid("max_io_events_per_tick must be at least 1");
        }
        if self.max_io_events_per_tick > 1 << 20 {
            return invalid("max_io_events_per_tick must be at most 1048576");
        }
        if self.global_queue_interval == 0 {
            return invalid("global_queue_interval must be at least 1");
        }
        if self
            .slow_poll_threshold
            .is_some_and(|t| t < Duration::from_millis(1))
        {
            return invalid(
                "slow_poll_threshold must be at least 1 ms: polls are timed by a clock that \
                 ticks every quarter of it, and ticks finer than 250 µs would cost a thread \
                 waking 4,000 times a second (use None to turn it off)",
            );
        }
        if self.start_paused && self.flavor == RuntimeFlavor::MultiThread {
            return invalid(
                "start_paused needs a current-thread runtime (Builder::new_current_thread): \
                 virtual time with several workers would race",
            );
        }
        // std panics at the first thread spawn on an interior NUL.
        if self.thread_name.prefix().is_some_and(|p| p.contains('\0')) {
            return invalid("thread_name must not contain a NUL byte");
        }
        // Below this, thread-local destructors at thread exit (crossbeam's
        // epoch bags among them) can overflow the stack.
        if self.thread_stack_size.is_some_and(|s| s < 64 * 1024) {
            return invalid("thread_stack_size must be at least 64 KiB");
        }
        Ok(())
    }
}

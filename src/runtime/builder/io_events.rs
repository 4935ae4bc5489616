//! `max_io_events_per_tick`: how many readiness events one look at the
//! reactor takes from the kernel.
//!
//! A look (`epoll_wait`) fills a buffer of events; events beyond its size
//! stay queued in the kernel for the next look, so nothing is lost, only
//! delayed. A larger buffer wakes more tasks per look when thousands of
//! sockets turn ready at once; a smaller one returns to the run queue
//! sooner. The default, 1024, is tokio's.
//!
//! The size is also a choice between throughput and fairness. The kernel
//! hands ready events out oldest first; a worker that takes them all runs
//! them in order while another worker serves the ones that come after,
//! so a socket at the end of a large harvest waits longest. Small
//! harvests keep the service nearly first come, first served, at the
//! price of more looks: on two-worker `tcp_echo` a buffer of 8 took the
//! p99 latency from about 1.00 of tokio's to 0.78 and the time per trip
//! from 0.89 to 0.96 (docs/work-stealing.md, "What the look does to the
//! tail").

use super::Builder;

impl Builder {
    /// How many I/O events one look at the reactor takes at most (default
    /// 1024, as tokio's); the rest wait for the next look. `build` fails
    /// with `InvalidInput` for 0, or for more than 1,048,576 (a buffer of
    /// 12 MiB).
    ///
    /// A small value (8) serves ready sockets more nearly in the order they
    /// became ready, across the workers: a lower tail latency for some
    /// throughput (on two-worker `tcp_echo`, p99 0.78 of tokio's instead of
    /// about 1.00, time per round trip 0.96 instead of 0.89; see
    /// docs/work-stealing.md, "What the look does to the tail").
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().max_io_events_per_tick(256).build().unwrap();
    /// assert_eq!(runtime.block_on(async { 1 }), 1);
    /// assert!(corio::Runtime::builder().max_io_events_per_tick(0).build().is_err());
    /// ```
    pub fn max_io_events_per_tick(&mut self, capacity: usize) -> &mut Builder {
        self.max_io_events_per_tick = capacity;
        self
    }
}

//! `max_io_events_per_tick`: how many readiness events one look at the
//! reactor takes from the kernel.
//!
//! A look (`epoll_wait`) fills a buffer of events; events beyond its size
//! stay queued in the kernel for the next look, so nothing is lost, only
//! delayed. A larger buffer wakes more tasks per look when thousands of
//! sockets turn ready at once; a smaller one returns to the run queue
//! sooner.
//!
//! The size is a choice between throughput and fairness. The kernel
//! hands ready events out oldest first; a worker that takes them all runs
//! them in order while another worker serves the ones that come after,
//! so a socket at the end of a large harvest waits longest. Small
//! harvests keep the service nearly first come, first served, at the
//! price of more looks. The default, 32, is where two-worker `tcp_echo`
//! (50 connections) measured the gain without the price: its median p99
//! latency went from 1.02 of tokio's to 0.945, its time per trip from
//! 0.915 to 0.905, where 8 cost a twentieth of the throughput and 64
//! changed nothing (docs/work-stealing.md, "What the look does to the
//! tail"). tokio takes 1024 (mio's buffer), Go's network poller 128. One
//! `epoll_wait` per 32 events costs little beside the 32 tasks it wakes.

use super::Builder;

impl Builder {
    /// How many I/O events one look at the reactor takes at most (default
    /// 32; tokio's is 1024); the rest wait for the next look. `build` fails
    /// with `InvalidInput` for 0, or for more than 1,048,576 (a buffer of
    /// 12 MiB).
    ///
    /// Smaller looks serve ready sockets more nearly in the order they
    /// became ready, across the workers: a lower tail latency, for more
    /// looks. On two-worker `tcp_echo` 8 gave a p99 of 0.78 of tokio's
    /// and a time per round trip of 0.96, 32 (the default) 0.945 and 0.905,
    /// and 1024 1.02 and 0.915: medians of single runs, docs/work-stealing.md,
    /// "What the look does to the tail".
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

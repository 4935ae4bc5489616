//! `max_io_events_per_tick`: how many readiness events one look at the
//! reactor takes from the kernel.
//!
//! A look (`epoll_wait`) fills a buffer of events; events beyond its size
//! stay queued in the kernel for the next look, so nothing is lost, only
//! delayed. A larger buffer wakes more tasks per look when thousands of
//! sockets turn ready at once; a smaller one returns to the run queue
//! sooner.
//!
//! The size also decides how fairly ready sockets are served. The kernel
//! hands ready events out oldest first. A worker that takes them all runs
//! them in order while another worker serves the ones that come after,
//! so a socket at the end of a large harvest waits longest. Small
//! harvests keep the service nearly first come, first served, at the
//! price of more looks. The default, 32, lowered two-worker `tcp_echo`'s
//! p99 latency with no throughput lost that the noise could show, with
//! 50 connections, and in fewer runs with 500 and 2,000; 8 lowered it
//! further at 50 and cost throughput (docs/work-stealing.md, "How many
//! events a look takes"). tokio takes 1024, Go's network poller 128.

use super::Builder;

impl Builder {
    /// How many I/O events one look at the reactor takes at most (default
    /// 32; tokio's is 1024); the rest wait for the next look. `build` fails
    /// with `InvalidInput` for 0, or for more than 1,048,576 (a buffer of
    /// 12 MiB).
    ///
    /// A smaller value serves ready sockets more nearly in the order they
    /// became ready, across the workers: a lower tail latency, paid for
    /// with more system calls (docs/work-stealing.md, "How many events a
    /// look takes").
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

//! `max_io_events_per_tick`: how many readiness events one look at the
//! reactor takes from the kernel.
//!
//! A look (`epoll_wait`) fills a buffer of events; events beyond its size
//! stay queued in the kernel for the next look, so nothing is lost, only
//! delayed. A larger buffer wakes more tasks per look when thousands of
//! sockets turn ready at once; a smaller one returns to the run queue
//! sooner. The default, 1024, is tokio's.

use super::Builder;

impl Builder {
    /// How many I/O events one look at the reactor takes at most (default
    /// 1024, as tokio's); the rest wait for the next look. `build` fails
    /// with `InvalidInput` for 0, or for more than 1,048,576 (a buffer of
    /// 12 MiB).
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

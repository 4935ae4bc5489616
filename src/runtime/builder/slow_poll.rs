//! `slow_poll_threshold` and `on_slow_poll`: the stall watchdog's settings
//! (`scheduler/watchdog.rs`): which polls it reports, to whom, and what it
//! rescues meanwhile.

use std::sync::Arc;
use std::time::Duration;

use super::Builder;
use crate::observe::SlowPoll;

impl Builder {
    /// A poll longer than this is reported (default 100 ms, asyncio's debug
    /// default); `None` turns the reports off. The same watchdog thread also
    /// rescues a task stuck in the LIFO slot of a worker blocked in a poll
    /// this long (`None` turns that off too), and ticks the coarse clock
    /// behind the task dump's busy and idle times (with `None`, no thread:
    /// the workers tick it as they park and wake, more coarsely). It also
    /// minds the driver: if no worker has turned it for a tick (a quarter
    /// of the threshold, 250 µs to 25 ms) and none sleeps in it, it wakes an
    /// idle worker, if there is one, to take it, so that a blocking task
    /// holds up timers and sockets for one or two ticks, not for its
    /// whole poll. Polls are timed by that tick, so a poll's measured
    /// length is off by up to a quarter of the threshold; `build` refuses a
    /// threshold under 1 ms (finer ticks would keep the watchdog thread
    /// waking thousands of times a second).
    ///
    /// With `None`, a worker leaving the driver for work hands it to an
    /// idle one every time instead, at the price of a thread wake-up per
    /// driver turn under a request-per-turn load. With `None` or a
    /// threshold over 100 ms, a producer that yields beside the consumer
    /// it woke also wakes an idle worker at every yield; up to 100 ms, at
    /// every 17th once the pair is seen taking turns, and the rescue above
    /// reaches the producer should the consumer's poll block (see
    /// docs/work-stealing.md, "A pair taking turns is left together").
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let quiet = corio::Runtime::builder().slow_poll_threshold(None).build().unwrap();
    /// assert_eq!(quiet.block_on(async { 1 }), 1);
    /// let zero = corio::Runtime::builder().slow_poll_threshold(Some(Duration::ZERO)).build();
    /// assert!(zero.is_err(), "None, not zero, turns the reports off");
    /// ```
    pub fn slow_poll_threshold(&mut self, threshold: Option<Duration>) -> &mut Builder {
        self.slow_poll_threshold = threshold;
        self
    }

    /// Calls `f` with each slow-poll report instead of printing it to stderr.
    /// Keep it short: the watchdog runs it for a poll still running (on a
    /// thread of its own for each report, named as the watchdog),
    /// and while it runs the watchdog neither reports nor rescues (the
    /// driver included, see [`slow_poll_threshold`](Self::slow_poll_threshold));
    /// for a poll that ended before the watchdog saw it, the worker that
    /// ran the poll runs it, before it runs anything else. With
    /// `slow_poll_threshold(None)` the hook is kept but never called, so a
    /// configuration may turn reports off without taking the hook out.
    ///
    /// Either way the hook runs inside the runtime: `Handle::current()`
    /// works there, to [`dump`](crate::Handle::dump) the tasks, say (a
    /// `Handle` kept inside the hook would keep the runtime, which owns the
    /// hook, alive for good).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// let reports = Arc::new(Mutex::new(Vec::new()));
    /// let sink = reports.clone();
    /// let runtime = corio::Runtime::builder()
    ///     .worker_threads(1)
    ///     .slow_poll_threshold(Some(Duration::from_millis(20)))
    ///     .on_slow_poll(move |r| sink.lock().unwrap().push(r.task_id))
    ///     .build()
    ///     .unwrap();
    /// let id = runtime.block_on(async {
    ///     let h = corio::spawn(async { std::thread::sleep(Duration::from_millis(80)) });
    ///     let id = h.id().as_u64();
    ///     h.await.unwrap();
    ///     id
    /// });
    /// drop(runtime);
    /// assert_eq!(*reports.lock().unwrap(), vec![id]);
    /// ```
    pub fn on_slow_poll(&mut self, f: impl Fn(&SlowPoll) + Send + Sync + 'static) -> &mut Builder {
        self.on_slow_poll = Some(Arc::new(f));
        self
    }
}

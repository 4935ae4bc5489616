//! The builder's thread hooks: code of the user's that runs on each
//! runtime thread as it starts and stops, and on each worker around its
//! parks (tokio's `on_thread_*`).

use std::sync::Arc;

use super::Builder;

impl Builder {
    /// Runs `f` on each runtime thread (workers and blocking pool) as it
    /// starts, inside the runtime: `f` may call `Handle::current()`.
    ///
    /// If `f` panics, the panic is printed as usual and the thread goes on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let count = started.clone();
    /// let runtime = corio::Runtime::builder()
    ///     .worker_threads(2)
    ///     .on_thread_start(move || {
    ///         count.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// drop(runtime); // waits for the workers
    /// assert_eq!(started.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on each runtime thread just before it exits, still inside
    /// the runtime.
    ///
    /// If `f` panics, the panic is printed as usual and the thread still
    /// exits cleanly.
    ///
    /// At a shutdown, a worker's `f` runs as soon as its own loop ends
    /// (other workers may still be finishing a poll) and, when the shutdown
    /// waits for the workers, before it cancels the unfinished tasks (tokio
    /// cancels them first). A shutdown that does not wait for them
    /// (`shutdown_background`, a timeout that ran out, a runtime dropped in
    /// async code) may cancel the tasks while hooks run. So `f` may see
    /// their state, but must not
    /// wait on this runtime's tasks, timers or sockets: nobody runs them
    /// any more, and the shutdown would wait on `f` for ever. The threads
    /// `block_in_place` left behind (spares waiting for a worker to take
    /// over, or one still inside its closure, or one whose closure ended
    /// just as the shutdown began and took its worker back) run `f` when
    /// they leave, which may be while the tasks are cancelled, or after.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let count = stopped.clone();
    /// let runtime = corio::Runtime::builder()
    ///     .worker_threads(2)
    ///     .on_thread_stop(move || {
    ///         count.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(stopped.load(Ordering::SeqCst), 0);
    /// drop(runtime); // waits for the workers
    /// assert_eq!(stopped.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker (or the thread in a current-thread `block_on`)
    /// each time it is about to park for want of work: tokio's
    /// `on_thread_park`, for metrics or to flush a thread-local buffer
    /// while idle. A panic in `f` is printed and goes no further. `f` must
    /// not block: the thread runs no task while it runs (on a
    /// current-thread runtime, nothing does).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let parks = Arc::new(AtomicUsize::new(0));
    /// let count = parks.clone();
    /// let runtime = corio::runtime::Builder::new_current_thread()
    ///     .on_thread_park(move || {
    ///         count.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// runtime.block_on(async { corio::time::sleep(std::time::Duration::from_millis(1)).await });
    /// assert!(parks.load(Ordering::SeqCst) >= 1, "it parked to wait for the timer");
    /// ```
    pub fn on_thread_park(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_park = Some(Arc::new(f));
        self
    }

    /// Runs `f` each time a thread that parked (see
    /// [`on_thread_park`](Self::on_thread_park)) comes back to work.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let (parks, unparks) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    /// let (p, u) = (parks.clone(), unparks.clone());
    /// let runtime = corio::runtime::Builder::new_current_thread()
    ///     .on_thread_park(move || {
    ///         p.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .on_thread_unpark(move || {
    ///         u.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// runtime.block_on(async { corio::time::sleep(std::time::Duration::from_millis(1)).await });
    /// assert!(unparks.load(Ordering::SeqCst) >= 1, "it came back from the timer's wait");
    /// assert_eq!(parks.load(Ordering::SeqCst), unparks.load(Ordering::SeqCst), "in pairs");
    /// ```
    pub fn on_thread_unpark(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_unpark = Some(Arc::new(f));
        self
    }
}

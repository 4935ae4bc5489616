//! `Builder`: every knob of a runtime, checked before anything starts
//! (the checks are in `validate.rs`, the thread hooks in `hooks.rs`, the
//! naming of threads in `thread_name.rs`, the reactor's event buffer in
//! `io_events.rs`, the stall watchdog's settings in `slow_poll.rs`).

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::rt::Runtime;

mod hooks;
mod io_events;
mod slow_poll;
mod thread_name;
mod validate;

pub(crate) use thread_name::ThreadName;

use crate::blocking::ThreadHook;
use crate::observe::SlowPollHook;

/// Which kind of runtime a [`Handle`](crate::Handle) drives (see
/// [`Handle::runtime_flavor`](crate::Handle::runtime_flavor)).
///
/// # Examples
///
/// ```
/// use corio::runtime::{Builder, RuntimeFlavor};
///
/// let runtime = Builder::new_current_thread().build().unwrap();
/// assert_eq!(runtime.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Worker threads that steal from each other.
    MultiThread,
    /// No worker threads: tasks run on the thread inside `block_on`.
    CurrentThread,
}

/// Configures and builds a [`Runtime`].
///
/// Methods chain; [`build`](Builder::build) checks every value and returns an
/// `InvalidInput` error for a bad one instead of panicking later. What only
/// the OS can judge (a thread stack larger than it will map) fails where
/// the OS says so ([`thread_stack_size`](Builder::thread_stack_size)).
///
/// # Examples
///
/// ```
/// let runtime = corio::Runtime::builder()
///     .worker_threads(2)
///     .thread_name("my-app")
///     .build()
///     .unwrap();
/// assert_eq!(runtime.block_on(async { 1 + 1 }), 2);
///
/// let err = corio::Runtime::builder().worker_threads(0).build().unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// ```
#[derive(Clone)]
pub struct Builder {
    pub(crate) flavor: RuntimeFlavor,
    pub(crate) worker_threads: Option<usize>,
    pub(crate) max_blocking_threads: usize,
    pub(crate) blocking_keep_alive: Duration,
    pub(crate) thread_name: ThreadName,
    pub(crate) thread_stack_size: Option<usize>,
    pub(crate) on_thread_start: Option<ThreadHook>,
    pub(crate) on_thread_stop: Option<ThreadHook>,
    pub(crate) on_thread_park: Option<ThreadHook>,
    pub(crate) on_thread_unpark: Option<ThreadHook>,
    pub(crate) event_interval: u32,
    pub(crate) global_queue_interval: u32,
    pub(crate) slow_poll_threshold: Option<Duration>,
    pub(crate) on_slow_poll: Option<SlowPollHook>,
    pub(crate) start_paused: bool,
    pub(crate) max_io_events_per_tick: usize,
}

impl Builder {
    /// A multi-thread runtime (what [`Runtime::builder`] returns).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// let caller = std::thread::current().id();
    /// let ran_on = runtime.block_on(async {
    ///     corio::spawn(async { std::thread::current().id() }).await.unwrap()
    /// });
    /// assert_ne!(ran_on, caller, "tasks run on the worker threads");
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder {
            flavor: RuntimeFlavor::MultiThread,
            worker_threads: None,
            max_blocking_threads: 512,
            blocking_keep_alive: Duration::from_secs(10),
            thread_name: ThreadName::Prefix(Arc::from("corio")),
            thread_stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
            on_thread_park: None,
            on_thread_unpark: None,
            event_interval: 61,
            global_queue_interval: 61,
            slow_poll_threshold: Some(Duration::from_millis(100)),
            on_slow_poll: None,
            start_paused: false,
            max_io_events_per_tick: 32,
        }
    }

    /// A current-thread runtime: no worker threads; tasks run on the thread
    /// inside `block_on`, as in asyncio or a JavaScript event loop. (The
    /// slow-poll watchdog is a thread of its own, unless
    /// [`slow_poll_threshold(None)`](Self::slow_poll_threshold) turns it
    /// off.)
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// let main_thread = std::thread::current().id();
    /// let ran_on = runtime.block_on(async {
    ///     corio::spawn(async { std::thread::current().id() }).await.unwrap()
    /// });
    /// assert_eq!(ran_on, main_thread);
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder {
            flavor: RuntimeFlavor::CurrentThread,
            ..Builder::new_multi_thread()
        }
    }

    /// Worker threads (default: the machine's available parallelism):
    /// 1 to 32,768, else `build` returns an `InvalidInput` error. A
    /// current-thread runtime runs on the thread that calls `block_on` and
    /// ignores this count (0 is still an error).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().worker_threads(3).build().unwrap();
    /// assert_eq!(runtime.metrics().workers, 3);
    /// ```
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.worker_threads = Some(n);
        self
    }

    /// The most threads the blocking pool may start (default 512; with 1, a
    /// runtime dropped in that thread's job starts one more for queued
    /// `File` writes). `block_in_place`'s threads are not counted (tokio's are).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().max_blocking_threads(1).build().unwrap();
    /// let (a, b) = runtime.block_on(async {
    ///     let a = corio::spawn_blocking(|| std::thread::current().id());
    ///     let b = corio::spawn_blocking(|| std::thread::current().id());
    ///     (a.await.unwrap(), b.await.unwrap())
    /// });
    /// assert_eq!(a, b, "one blocking thread ran both jobs");
    /// ```
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before exiting
    /// (default 10 s); also how long a thread that `task::block_in_place`
    /// left behind waits as a spare for the next hand-over (zero: no
    /// reuse, a new thread each time).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut builder = corio::Runtime::builder();
    /// builder.blocking_keep_alive(Duration::from_secs(1));
    /// assert!(format!("{builder:?}").contains("blocking_keep_alive: 1s"));
    /// ```
    pub fn blocking_keep_alive(&mut self, keep_alive: Duration) -> &mut Builder {
        self.blocking_keep_alive = keep_alive;
        self
    }

    /// [`blocking_keep_alive`](Self::blocking_keep_alive) under tokio's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut builder = corio::Runtime::builder();
    /// builder.thread_keep_alive(Duration::from_secs(2));
    /// assert!(format!("{builder:?}").contains("blocking_keep_alive: 2s"));
    /// ```
    pub fn thread_keep_alive(&mut self, keep_alive: Duration) -> &mut Builder {
        self.blocking_keep_alive(keep_alive)
    }

    /// The prefix of every thread's name (default `corio`). A worker
    /// thread is named after the worker it was started for (`corio-worker-0`);
    /// after a `task::block_in_place` hand-over it may run another one.
    /// Blocking-pool threads are `corio-blocking-N`, and the slow-poll
    /// watchdog `corio-watchdog` (`top -H` and gdb show only the first 15
    /// bytes). Replaces a [`thread_name_fn`](Self::thread_name_fn) set before.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().thread_name("app").build().unwrap();
    /// let name = runtime.block_on(async {
    ///     corio::spawn(async { std::thread::current().name().map(str::to_owned) }).await.unwrap()
    /// });
    /// assert!(name.unwrap().starts_with("app-worker-"));
    /// ```
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.thread_name = ThreadName::Prefix(Arc::from(name.into()));
        self
    }

    /// Names each thread the runtime starts (workers, blocking-pool
    /// threads, the watchdog) with what `make` returns, called once per
    /// thread as it starts (tokio's `thread_name_fn`). The short-lived
    /// thread that runs a slow-poll hook takes the watchdog's name. Replaces
    /// a [`thread_name`](Self::thread_name) set before.
    ///
    /// `make` runs on the thread that starts the new one, for a blocking
    /// thread with the pool's lock held: it must not call into the runtime
    /// (`spawn_blocking`, `Handle::metrics`), which would wait for that
    /// lock for good. If it panics, the thread gets the default name
    /// (`corio-worker-0`, ...); NUL bytes, which a thread's name cannot
    /// hold, are left out.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let runtime = corio::Runtime::builder()
    ///     .thread_name_fn(|| {
    ///         static NEXT: AtomicUsize = AtomicUsize::new(0);
    ///         format!("app-{}", NEXT.fetch_add(1, Ordering::Relaxed))
    ///     })
    ///     .build()
    ///     .unwrap();
    /// let name = runtime.block_on(async {
    ///     corio::task::spawn_blocking(|| std::thread::current().name().map(str::to_owned))
    ///         .await
    ///         .unwrap()
    /// });
    /// assert!(name.unwrap().starts_with("app-"));
    /// ```
    pub fn thread_name_fn<F>(&mut self, make: F) -> &mut Builder
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.thread_name = ThreadName::Made(Arc::new(make));
        self
    }

    /// The stack size of every worker and blocking-pool thread, in bytes
    /// (the watchdog's thread, which runs an `on_slow_poll` hook, keeps
    /// std's default). `build` fails with `InvalidInput` for a size under
    /// 64 KiB. A size the OS cannot give a thread (more than the memory it
    /// will map) fails where the first such thread starts: the `build` of
    /// a multi-thread runtime, with the OS's error, or the first blocking
    /// job of a current-thread one, which panics naming the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().thread_stack_size(4 << 20).build().unwrap();
    /// assert_eq!(runtime.block_on(async { 1 }), 1);
    ///
    /// let err = corio::Runtime::builder().thread_stack_size(1024).build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "below 64 KiB");
    /// ```
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.thread_stack_size = Some(bytes);
        self
    }

    /// How many tasks a worker runs between two non-blocking checks of timers
    /// and I/O (default 61); on a current-thread runtime also how many it
    /// runs between two polls of the `block_on` future, where a `LocalSet`'s
    /// turn may add its own 61 local tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().event_interval(1).build().unwrap();
    /// assert_eq!(runtime.block_on(async { 1 }), 1);
    /// assert!(corio::Runtime::builder().event_interval(0).build().is_err());
    /// ```
    pub fn event_interval(&mut self, ticks: u32) -> &mut Builder {
        self.event_interval = ticks;
        self
    }

    /// How many tasks a worker runs between two looks at the global queue
    /// before its own (default 61, as Go).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().global_queue_interval(31).build().unwrap();
    /// assert_eq!(runtime.block_on(async { 1 }), 1);
    /// assert!(corio::Runtime::builder().global_queue_interval(0).build().is_err());
    /// ```
    pub fn global_queue_interval(&mut self, ticks: u32) -> &mut Builder {
        self.global_queue_interval = ticks;
        self
    }

    /// Starts the runtime with its clock paused (see
    /// [`time::pause`](crate::time::pause)); current-thread runtimes only.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let runtime = corio::runtime::Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let start = corio::time::Instant::now();
    ///     corio::time::sleep(Duration::from_secs(3600)).await; // instant, in real time
    ///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
    /// });
    /// assert!(corio::Runtime::builder().start_paused(true).build().is_err(), "multi-thread");
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Builder {
        self.start_paused = paused;
        self
    }

    /// Does nothing: corio's timers and I/O are always on. Kept so that a
    /// tokio program's `Builder::new_multi_thread().enable_all()` compiles
    /// unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .enable_all()
    ///     .build()
    ///     .unwrap();
    /// runtime.block_on(async { corio::time::sleep(std::time::Duration::from_millis(1)).await });
    /// ```
    pub fn enable_all(&mut self) -> &mut Builder {
        self
    }

    /// Does nothing: I/O is always on (see [`enable_all`](Builder::enable_all)).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
    /// runtime.block_on(async { corio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap() });
    /// ```
    pub fn enable_io(&mut self) -> &mut Builder {
        self
    }

    /// Does nothing: timers are always on (see [`enable_all`](Builder::enable_all)).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    /// runtime.block_on(async { corio::time::sleep(std::time::Duration::from_millis(1)).await });
    /// ```
    pub fn enable_time(&mut self) -> &mut Builder {
        self
    }

    /// Checks every setting and starts the runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().build().unwrap();
    /// assert_eq!(runtime.block_on(async { 2 + 2 }), 4);
    ///
    /// let err = corio::Runtime::builder().max_blocking_threads(0).build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        self.validate()?;
        Runtime::from_builder(self)
    }

    pub(crate) fn num_workers(&self) -> usize {
        match self.flavor {
            RuntimeFlavor::CurrentThread => 1,
            RuntimeFlavor::MultiThread => self
                .worker_threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        }
    }
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new_multi_thread()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("blocking_keep_alive", &self.blocking_keep_alive)
            .field("thread_name", &self.thread_name)
            .field("event_interval", &self.event_interval)
            .field("global_queue_interval", &self.global_queue_interval)
            .field("slow_poll_threshold", &self.slow_poll_threshold)
            .finish_non_exhaustive()
    }
}

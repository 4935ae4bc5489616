//! `Runtime`: owns the worker threads, the driver and the blocking pool, and
//! shuts them down in the right order.

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::builder::{Builder, RuntimeFlavor};
use super::context;
use super::driver::Driver;
use super::handle::{Handle, Inner};
use super::local::LocalSets;
use super::workers::Workers;
use crate::blocking;
use crate::observe;
use crate::scheduler::{self, Shared, Watchdog};
use crate::task::JoinHandle;
use crate::time::{Clock, Timers};

/// An async runtime: worker threads, a timer wheel, an I/O reactor and a
/// blocking pool.
///
/// # Examples
///
/// ```
/// let runtime = corio::Runtime::new().unwrap();
/// let out = runtime.block_on(async {
///     let a = corio::spawn(async { 1 });
///     let b = corio::spawn(async { 2 });
///     a.await.unwrap() + b.await.unwrap()
/// });
/// assert_eq!(out, 3);
/// // Dropping the runtime stops the workers and drops unfinished tasks.
/// ```
///
/// Dropping a runtime waits for its worker threads and blocking jobs, like
/// [`shutdown_timeout`](Runtime::shutdown_timeout) with no limit. (A
/// current-thread runtime has no worker threads: its tasks run on whichever
/// thread is inside its `Handle::block_on`, and a drop from another thread
/// does not wait for the poll that thread is in, which may end after the
/// drop has returned. tokio's `Handle::block_on` runs none of the
/// runtime's tasks, so there the question does not arise.) Dropped
/// inside an async context (a task, or another `block_on`), where waiting
/// would stall the runtime that runs it, it waits for nothing, like
/// [`shutdown_background`](Runtime::shutdown_background): its tasks are
/// still cancelled, and its running blocking jobs (and queued file writes)
/// still run to their end on the pool's threads, if the process lives that
/// long (file writes queued when the pool has no thread left and the OS
/// refuses a new one run on the dropping thread instead). (tokio panics
/// there instead.) Dropped inside one of its own
/// blocking jobs, or inside a `block_in_place` closure on one of its
/// workers, it waits for every thread but that one; so a drop there
/// while another blocking job, or a `block_in_place` closure, waits on the
/// dropping job's `JoinHandle` waits for ever (tokio's drop inside any of
/// its blocking jobs does): drop it elsewhere, or with a
/// [`shutdown_timeout`](Runtime::shutdown_timeout).
///
/// Once the shutdown has begun, the blocking pool takes no new jobs, as
/// tokio's: a `spawn_blocking` (or a `corio::fs` call) made then, by a task
/// still finishing its poll or a `block_in_place` closure the shutdown
/// waits for, is cancelled at once (a `File`'s write still runs, on the
/// caller's thread), and the jobs still queued are cancelled, but a
/// `File`'s writes, which still run.
pub struct Runtime {
    handle: Handle,
    pub(super) workers: Arc<Workers>,
    watchdog: Option<Watchdog>,
    shut_down: bool,
}

impl Runtime {
    /// A multi-thread runtime with default settings.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// assert!(runtime.metrics().workers >= 1);
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().build()
    }

    /// A [`Builder`] for a multi-thread runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
    /// assert_eq!(runtime.metrics().workers, 1);
    /// ```
    pub fn builder() -> Builder {
        Builder::new_multi_thread()
    }

    pub(crate) fn from_builder(builder: &Builder) -> io::Result<Runtime> {
        let num_workers = builder.num_workers();
        let current_thread = builder.flavor == RuntimeFlavor::CurrentThread;
        let clock = Clock::new(current_thread, builder.start_paused);
        let driver = Arc::new(Driver::new(
            clock,
            num_workers,
            builder.max_io_events_per_tick,
        )?);
        let config = scheduler::Config {
            global_queue_interval: builder.global_queue_interval,
            event_interval: builder.event_interval,
            slow_poll_threshold: builder.slow_poll_threshold,
            on_slow_poll: builder
                .on_slow_poll
                .clone()
                .unwrap_or_else(|| Arc::new(observe::to_stderr)),
            lifo_slot: !current_thread,
            on_park: builder.on_thread_park.clone(),
            on_unpark: builder.on_thread_unpark.clone(),
        };
        let scheduler = Shared::new(num_workers, config, driver.clone());
        // Only a current-thread runtime's clock can pause.
        let on_job = current_thread.then(|| job_hook(driver.timers.clone()));
        let handle = Handle {
            inner: Arc::new_cyclic(|weak: &Weak<Inner>| Inner {
                scheduler,
                flavor: builder.flavor,
                driver,
                local_sets: LocalSets::default(),
                blocking: blocking::Pool::new(blocking::Config {
                    max_threads: builder.max_blocking_threads,
                    keep_alive: builder.blocking_keep_alive,
                    thread_name: builder.thread_name.clone(),
                    stack_size: builder.thread_stack_size,
                    on_thread_start: builder.on_thread_start.clone(),
                    on_thread_stop: builder.on_thread_stop.clone(),
                    enter: Some(enter_hook(weak.clone())),
                    on_job,
                }),
            }),
        };
        let enter = enter_hook(Arc::downgrade(&handle.inner));
        let _ = handle.inner.scheduler.enter.set(enter);
        let runtime = Runtime {
            watchdog: Watchdog::start(&handle.inner.scheduler, &builder.thread_name)?,
            handle,
            workers: Workers::new(builder),
            shut_down: false,
        };
        if builder.flavor == RuntimeFlavor::MultiThread {
            let respawn = runtime
                .workers
                .respawner(Arc::downgrade(&runtime.handle.inner));
            let _ = runtime.handle.inner.scheduler.respawn.set(respawn);
            for index in 0..num_workers {
                runtime.workers.start(&runtime.handle, index)?;
            }
        }
        Ok(runtime)
    }

    /// Runs `future` to completion on the calling thread. Tasks it spawns
    /// run on the workers (on a current-thread runtime, on this thread,
    /// while a `block_on` runs). A panic in `future` propagates to the
    /// caller.
    ///
    /// # Panics
    /// Inside a runtime (a worker thread or another `block_on`).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// let caller = std::thread::current().id();
    /// let (main_ran_on, task_ran_on) = runtime.block_on(async {
    ///     let task = corio::spawn(async { std::thread::current().id() });
    ///     (std::thread::current().id(), task.await.unwrap())
    /// });
    /// assert_eq!(main_ran_on, caller);
    /// assert_ne!(task_ran_on, caller, "spawned tasks run on the workers");
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task; see [`corio::spawn`](crate::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// let task = runtime.spawn(async { 1 + 1 }); // from outside the runtime
    /// assert_eq!(runtime.block_on(task).unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `f` on the blocking pool; see [`corio::spawn_blocking`](crate::spawn_blocking).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().thread_name("app").build().unwrap();
    /// let task = runtime.spawn_blocking(|| std::thread::current().name().map(str::to_owned));
    /// let thread = runtime.block_on(task).unwrap().unwrap();
    /// assert!(thread.starts_with("app-blocking-"));
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// A snapshot of the runtime's counters; see [`Handle::metrics`].
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().worker_threads(2).build().unwrap();
    /// runtime.block_on(runtime.spawn(async {})).unwrap();
    /// let metrics = runtime.metrics();
    /// assert_eq!(metrics.workers, 2);
    /// assert_eq!(metrics.spawned_tasks, 1);
    /// ```
    pub fn metrics(&self) -> crate::observe::RuntimeMetrics {
        self.handle.metrics()
    }

    /// Every live task; see [`Handle::dump`].
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// let _task = runtime.spawn(std::future::pending::<()>());
    /// let table = runtime.dump().to_string();
    /// assert!(table.lines().next().unwrap().ends_with("spawned at"));
    /// assert_eq!(table.lines().count(), 2, "a header and one task");
    /// ```
    pub fn dump(&self) -> crate::observe::TaskDump {
        self.handle.dump()
    }

    /// A handle to this runtime, to spawn on it from elsewhere.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// let handle: corio::Handle = runtime.handle().clone();
    /// let task = std::thread::spawn(move || handle.spawn(async { 7 })).join().unwrap();
    /// assert_eq!(runtime.block_on(task).unwrap(), 7);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Enters this runtime on the calling thread until the guard drops; see
    /// [`Handle::enter`].
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// let _guard = runtime.enter();
    /// let task = corio::spawn(async { 3 }); // spawned on `runtime`
    /// assert_eq!(runtime.block_on(task).unwrap(), 3);
    /// ```
    pub fn enter(&self) -> super::EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts down, waiting at most `timeout` in all: for workers to finish
    /// the poll they are in (a multi-thread runtime's: a current-thread
    /// one's tasks run inside some thread's `block_on`, whose poll is not
    /// waited for), then for running blocking jobs. Whatever is
    /// still running then is left to finish on its own thread, and so are
    /// the worker and pool threads' own thread-locals' drops (a value a
    /// task or a job left there with a slow `Drop`), which a plain drop of
    /// the runtime waits for. The drops of the unfinished tasks' futures
    /// and of the queued jobs' closures run
    /// on this thread, inside the time given; a `Drop` that blocks (a
    /// closure owning a runtime of its own) can still hold this call past
    /// `timeout`, since nobody can cut user code short. A `Drop` of a task's
    /// future, or of a queued job's closure, that calls `block_on` on this
    /// runtime panics (the task or the job takes the panic): nothing drives
    /// the runtime any more, so it would wait for good. A `Drop` that waits on the runtime's other tasks some other
    /// way (a `blocking_recv` whose sender another task holds) can still
    /// hang, as in tokio's current-thread runtime; tokio's multi-thread one
    /// refuses all blocking there. Called in an
    /// async context (a task, a `block_on` future), where waiting would
    /// stall the thread that runs it, it waits for nothing, as a drop there
    /// does (tokio panics there unless `timeout` is zero).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let runtime = corio::Runtime::new().unwrap();
    /// runtime.spawn(std::future::pending::<()>());
    /// let (_keep, blocked) = std::sync::mpsc::channel::<()>();
    /// runtime.spawn_blocking(move || blocked.recv());
    /// let start = Instant::now();
    /// runtime.shutdown_timeout(Duration::from_millis(50));
    /// assert!(start.elapsed() < Duration::from_secs(5), "it left the blocked job behind");
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// Shuts down without waiting for running blocking jobs, or for
    /// workers still inside a poll. The unfinished tasks' futures are still
    /// dropped on this thread before it returns (tokio's multi-thread
    /// runtime leaves that to its workers), so a `Drop` that blocks holds
    /// this call as long as it blocks; a task a worker is still polling is
    /// dropped by that worker when its poll returns (a timer it arms in
    /// that poll waits: the task is cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    ///
    /// let runtime = corio::Runtime::new().unwrap();
    /// let (release, wait) = std::sync::mpsc::channel::<()>();
    /// let done = Arc::new(AtomicBool::new(false));
    /// let flag = done.clone();
    /// runtime.spawn_blocking(move || {
    ///     let _ = wait.recv();
    ///     flag.store(true, Ordering::SeqCst);
    /// });
    /// runtime.shutdown_background(); // returns though the job is still blocked
    /// assert!(!done.load(Ordering::SeqCst));
    /// let _ = release.send(());
    /// ```
    pub fn shutdown_background(mut self) {
        self.shutdown(Some(Duration::ZERO));
    }

    /// Closes the blocking pool (its queued jobs are cancelled), stops the
    /// workers, cancels every unfinished task (each future is dropped
    /// exactly once), then waits for the pool's running jobs, at most
    /// `timeout` (`None`: as long as it takes). Inside an async context,
    /// where waiting would stall the worker (or `block_on`) that runs this,
    /// it waits for nothing.
    fn shutdown(&mut self, timeout: Option<Duration>) {
        if std::mem::replace(&mut self.shut_down, true) {
            return;
        }
        let timeout = if context::may_block() {
            timeout
        } else {
            Some(Duration::ZERO)
        };
        let scheduler = &self.handle.inner.scheduler;
        self.workers.close_spares();
        scheduler.begin_shutdown();
        // A timeout too long to add (Duration::MAX) means no deadline.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        // Enter the runtime so futures and closures dropped here may still
        // use it (unless this drop runs among the thread's thread-local
        // destructors, after ours: then they find no runtime, but the
        // process lives).
        let _enter = context::try_enter(&self.handle, false);
        // The blocking pool takes no more jobs and cancels its queued ones
        // now, as tokio's does: the wait for the workers below may be long,
        // and a job queued behind busy pool threads must not start meanwhile
        // (the running ones are waited for at the end). The closures of
        // the cancelled jobs are dropped here, on this thread (and the
        // mandatory jobs no pool thread is left to run, a `File`'s flushes,
        // run here), so a `Drop` of theirs that blocks on this runtime is
        // refused as a task's is (below): what it waits for is cancelled
        // only after it returns.
        {
            let _marked = context::dropping_tasks_of(&self.handle);
            self.handle.inner.blocking.close();
        }
        // A runtime dropped from a thread that holds one of its cores
        // (inside one of its tasks, or a worker's hook) cannot wait for the
        // worker it runs on. A worker thread that gave its core away (the
        // drop is inside a `block_in_place` closure) holds none: it waits
        // for the others like any thread, and `wait_all` leaves itself
        // out. Workers still inside a poll past the deadline are left
        // behind (detached): each finishes its poll, sees the shutdown and
        // exits.
        let on_a_worker = self.workers.is_current() && !self.workers.is_detached_here();
        if !on_a_worker {
            self.workers.wait_running(deadline);
        }
        // The watchdog stops only now: it moves the clock that polls are
        // timed on, and a slow poll the wait above let finish must still
        // measure its whole length and be reported.
        if let Some(watchdog) = self.watchdog.take() {
            // The watchdog leaves at once unless it is inside a slow-poll
            // hook, which is user code and may block for good (the default
            // one writing to a stderr pipe nobody reads): waited for a
            // moment at most, even by a drop, then left to end on its own.
            let moment = Instant::now().checked_add(WATCHDOG_GRACE);
            watchdog.stop(deadline.map_or(moment, |d| moment.map(|m| m.min(d))));
        }
        {
            // A `Drop` of one of the futures that calls `block_on` on this
            // runtime panics (the task takes the panic): it would wait on
            // timers, sockets or tasks that nobody drives any more or that
            // are cancelled only after it returns, and the shutdown hung for
            // good. Other blocking stays allowed, as in tokio's
            // current-thread runtime (its multi-thread one drops the futures
            // on its workers, where all blocking is refused).
            let _marked = context::dropping_tasks_of(&self.handle);
            scheduler.shutdown_tasks();
        }
        // The driver stops before the wait for the blocking pool: with the
        // workers gone nobody turns it, and a job blocked on one of its
        // timers or sockets would wait forever. Stopped, it fails them.
        self.handle.inner.driver.shutdown();
        // Then the threads blocked in `block_in_place`, which may have been
        // waiting on a task or a timer of this runtime (`workers.rs`).
        if !on_a_worker {
            self.workers.wait_all(deadline);
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        self.handle.inner.blocking.shutdown(left);
    }
}

/// How long a shutdown waits at most for the watchdog to leave (it leaves
/// at once unless a slow-poll hook of the user's is running there).
const WATCHDOG_GRACE: Duration = Duration::from_millis(100);

/// Makes blocking-pool threads (and the slow-poll hook's) enter their
/// runtime, without keeping the runtime alive (a `Weak`: the pool and the
/// watchdog belong to the runtime).
fn enter_hook(weak: Weak<Inner>) -> blocking::EnterHook {
    Arc::new(move || {
        let inner = weak.upgrade()?;
        let guard = context::enter(&Handle { inner }, false);
        Some(Box::new(guard) as Box<dyn std::any::Any>)
    })
}

/// Tells the timers when blocking jobs run, so that a paused clock does not
/// auto-advance past work it cannot see.
fn job_hook(timers: Arc<Timers>) -> blocking::JobHook {
    Arc::new(move |started| {
        if started {
            timers.job_started();
        } else {
            timers.job_ended();
        }
    })
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

// A panic that unwinds out of `block_on` (the future's own) leaves the
// runtime whole: the enter guards restore the thread, the core goes back,
// and every task's panic is caught at its poll. So code may keep using it
// past a `catch_unwind`, as tokio declares for its runtime. (The user's
// hooks inside are `dyn Fn`, which the compiler cannot see through.)
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("flavor", &self.handle.inner.flavor)
            .field("handle", &self.handle)
            .finish()
    }
}

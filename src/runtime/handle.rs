//! `Handle`: a cheap reference to a running runtime.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use super::builder::RuntimeFlavor;
use super::driver::{self, Driver};
use super::local::{LocalSet, LocalSets};
use super::{block_on, context};
use crate::blocking;
use crate::observe::{RuntimeMetrics, TaskDump};
use crate::scheduler;
use crate::task::{JoinHandle, Schedule, new_task};

/// Everything a handle reaches.
pub(crate) struct Inner {
    pub(crate) scheduler: scheduler::Handle,
    pub(crate) blocking: blocking::Pool,
    pub(crate) driver: Arc<Driver>,
    pub(crate) flavor: RuntimeFlavor,
    /// The `LocalSet`s this runtime ran, for the dump.
    pub(crate) local_sets: LocalSets,
}

/// A reference to a runtime: spawn on it, or enter it, from any thread.
/// `Clone + Send + Sync`; cloning is one reference-count increment.
///
/// A handle may outlive its runtime's shutdown, as tokio's may. A task
/// spawned after it is dropped at once, unpolled, and its `JoinHandle`
/// gives a cancelled [`JoinError`](crate::task::JoinError); `block_on`
/// still runs its future on the calling thread, but a timer there that
/// would have to wait panics (nothing would ever fire it; one already due
/// completes), and its sockets report the runtime gone. (A task the
/// shutdown found mid-poll is cancelled: a timer it arms in the rest of
/// that poll just waits, and the task is dropped when the poll returns.)
///
/// # Examples
///
/// ```
/// let runtime = corio::Runtime::new().unwrap();
/// let handle = runtime.handle().clone();
/// let from_thread = std::thread::spawn(move || {
///     handle.block_on(async { corio::spawn(async { 7 }).await.unwrap() })
/// });
/// assert_eq!(from_thread.join().unwrap(), 7);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
}

/// The error of [`Handle::try_current`] outside a runtime.
///
/// # Examples
///
/// ```
/// let error = corio::Handle::try_current().unwrap_err();
/// assert!(error.to_string().contains("no corio runtime"));
/// assert!(error.is_missing_context() && !error.is_thread_local_destroyed());
/// ```
#[derive(Debug)]
pub struct TryCurrentError {
    /// The thread's locals were being destroyed (thread exit), not merely
    /// outside every runtime.
    destroyed: bool,
}

impl TryCurrentError {
    /// The thread is in no runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(corio::Handle::try_current().unwrap_err().is_missing_context());
    /// ```
    pub fn is_missing_context(&self) -> bool {
        !self.destroyed
    }

    /// The question came while the thread's thread-locals were being
    /// destroyed (from another thread-local's `Drop` at thread exit), when
    /// no runtime can be found any more.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!corio::Handle::try_current().unwrap_err().is_thread_local_destroyed());
    /// ```
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.destroyed
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.destroyed {
            f.write_str("there is no corio runtime on this thread any more: its thread-locals are being destroyed")
        } else {
            f.write_str("there is no corio runtime on this thread (call this inside `block_on` or a spawned task)")
        }
    }
}

impl std::error::Error for TryCurrentError {}

impl Handle {
    /// The runtime this thread runs in.
    ///
    /// # Panics
    /// Outside a runtime, with a message naming the fix.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().worker_threads(2).build().unwrap();
    /// runtime.block_on(async {
    ///     assert_eq!(corio::Handle::current().metrics().workers, 2, "the runtime we are in");
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        // A `match`: a closure's panic would point into corio.
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(error) if error.is_thread_local_destroyed() => panic!(
                "`Handle::current()` was called while this thread's thread-locals were being \
                 destroyed (a thread-local's `Drop` as the thread exits), when its runtime \
                 can no longer be found; keep a `Handle` from `Runtime::handle()` for such code"
            ),
            Err(_) => panic!(
                "`Handle::current()` was called outside a corio runtime; \
                 call it inside `corio::block_on` or a spawned task, or keep a `Handle` \
                 from `Runtime::handle()`"
            ),
        }
    }

    /// The runtime this thread runs in, or an error outside one.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(corio::Handle::try_current().is_err());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::current().ok_or_else(|| TryCurrentError {
            destroyed: context::locals_destroyed(),
        })
    }

    /// Spawns a task on this runtime; see [`corio::spawn`](crate::spawn).
    /// After the runtime shut down, the task is dropped unpolled and its
    /// handle gives a cancelled `JoinError`.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let handle = corio::Handle::current();
    ///     assert_eq!(handle.spawn(async { 2 }).await.unwrap(), 2);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_named(future, None, Location::caller())
    }

    pub(crate) fn spawn_named<F>(
        &self,
        future: F,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let scheduler = &self.inner.scheduler;
        let (task, notified, join) =
            new_task(future, scheduler::task_ref(scheduler), location, name);
        if let Some(notified) = scheduler.owned.bind(task, notified) {
            scheduler.schedule(notified);
        }
        join
    }

    /// Runs `f` on the blocking pool; see [`corio::spawn_blocking`](crate::spawn_blocking).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// let task = runtime.handle().spawn_blocking(|| 6 * 7);
    /// assert_eq!(runtime.block_on(task).unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.blocking.spawn(f, Location::caller(), false)
    }

    /// Enters this runtime on the calling thread until the guard drops:
    /// `corio::spawn`, timers and sockets made meanwhile belong to it, from
    /// plain synchronous code (tokio's `Handle::enter`). Guards nest; each
    /// restores what was current before it.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// let task = {
    ///     let _guard = runtime.handle().enter();
    ///     // No `block_on` here: the guard is what makes these work.
    ///     let sleep = corio::time::sleep(std::time::Duration::from_millis(1));
    ///     corio::spawn(async move {
    ///         sleep.await;
    ///         5
    ///     })
    /// };
    /// assert!(corio::Handle::try_current().is_err(), "left again");
    /// assert_eq!(runtime.block_on(task).unwrap(), 5);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _inner: context::enter(self, false),
            _handle: std::marker::PhantomData,
        }
    }

    /// For a blocking job of this runtime about to wait on it: while it
    /// sleeps, the job is not "work under way" for a paused clock (which
    /// would never advance otherwise). `None` on other threads, and where
    /// the clock cannot pause.
    pub(crate) fn waiting_job(&self) -> Option<crate::blocking::WaitingJob> {
        self.inner.blocking.waiting_job()
    }

    /// Runs `future` to completion on the calling thread, with this runtime
    /// entered (so `corio::spawn` inside it spawns here). After the runtime
    /// shut down it still runs `future`, but see [`Handle`] for what the
    /// runtime's timers and sockets do then.
    ///
    /// # Panics
    /// On a thread that runs tasks of a runtime (a worker, or inside another
    /// `block_on`): `.await` instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().worker_threads(3).build().unwrap();
    /// let handle = runtime.handle().clone();
    /// let workers = std::thread::spawn(move || {
    ///     handle.block_on(async { corio::Handle::current().metrics().workers })
    /// });
    /// assert_eq!(workers.join().unwrap(), 3, "it ran inside `runtime`");
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        context::assert_may_block("`block_on`");
        context::assert_not_dropping_tasks_of(self);
        let job = self.waiting_job();
        let _enter = context::enter(self, true);
        match self.inner.flavor {
            RuntimeFlavor::MultiThread => block_on::block_on(future, job),
            RuntimeFlavor::CurrentThread => {
                // This thread runs the driver now: precise timer wake-ups
                // until `block_on` returns.
                let _slack = driver::precise_timer_slack();
                let _marked = context::current_thread_block_on();
                // An implicit LocalSet makes `spawn_local` work here; its
                // tasks end with this call.
                let local = LocalSet::new();
                let mut future = std::pin::pin!(local.run_until(future));
                let scheduler = &self.inner.scheduler;
                loop {
                    if let Some(output) =
                        scheduler::block_on(scheduler, future.as_mut(), job.as_ref())
                    {
                        return output;
                    }
                    // Another thread is running this runtime's tasks: wait
                    // for our future, or for that thread to hand the core
                    // back, and then run the tasks ourselves.
                    let freed = |waker: &std::task::Waker| scheduler.core_is_free(0, waker);
                    if let Some(output) = block_on::poll_until(future.as_mut(), freed, job.clone())
                    {
                        return output;
                    }
                }
            }
        }
    }

    /// Which kind of runtime this is.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::RuntimeFlavor;
    ///
    /// corio::block_on(async {
    ///     let flavor = corio::Handle::current().runtime_flavor();
    ///     assert_eq!(flavor, RuntimeFlavor::MultiThread, "corio::block_on's runtime");
    /// });
    /// ```
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        self.inner.flavor
    }

    /// A snapshot of the runtime's counters.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let handle = corio::Handle::current();
    ///     assert_eq!(handle.metrics().alive_tasks, 0);
    ///     let task = corio::spawn(std::future::pending::<()>());
    ///     assert_eq!(handle.metrics().alive_tasks, 1);
    ///     task.abort();
    /// });
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        let scheduler = &self.inner.scheduler;
        let (blocking_threads, idle_blocking, blocking_queue) = self.inner.blocking.counts();
        RuntimeMetrics {
            workers: scheduler.num_workers(),
            alive_tasks: scheduler.owned.len() + self.inner.local_sets.tasks(),
            spawned_tasks: scheduler.owned.spawned(),
            injection_queue_depth: scheduler.injection_queue_depth(),
            worker: scheduler.worker_metrics(),
            blocking_threads,
            idle_blocking_threads: idle_blocking,
            blocking_queue_depth: blocking_queue,
            timers_armed: self.inner.driver.timers.armed(),
            io_sources: self.inner.driver.reactor.sources_registered(),
        }
    }

    /// Every live task: id, name, spawn location, state, polls, busy time
    /// and time since its last poll. Prints as a table (see [`TaskDump`]).
    /// The tasks of a [`LocalSet`] run or awaited under this runtime (among
    /// them those of `spawn_local` in a current-thread `block_on`) are
    /// listed too, once the set has had a turn here.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let task = corio::spawn(std::future::pending::<()>());
    ///     let dump = corio::Handle::current().dump();
    ///     assert_eq!(dump.tasks.len(), 1);
    ///     assert_eq!(dump.tasks[0].id, task.id().as_u64());
    ///     task.abort();
    /// });
    /// ```
    pub fn dump(&self) -> TaskDump {
        // Ticked now: a runtime with no watchdog ticks it only as its workers
        // park, wake and check the driver.
        let now = crate::observe::clock::tick();
        let mut tasks = Vec::new();
        let mut add = |header: &crate::task::Header| tasks.extend(header.info(now));
        self.inner.scheduler.owned.for_each(&mut add);
        self.inner.local_sets.for_each_task(&mut add);
        tasks.sort_by_key(|t| t.id);
        TaskDump { tasks }
    }
}

// As for `Runtime` (rt.rs): a panic leaves the runtime whole.
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.inner.scheduler.num_workers())
            .finish_non_exhaustive()
    }
}

/// Keeps a runtime entered on this thread; see [`Handle::enter`]. Not
/// `Send`: it must drop on the thread that entered. Guards drop in the
/// reverse order of their `enter`s; one dropped before a later one panics
/// (it would leave the thread in the wrong runtime), and leaves the
/// thread's context as it was; the later guard's drop then puts back the
/// runtime entered before the one dropped early, which no guard leaves
/// any more (during an unwind there is no panic: the whole context it
/// replaced is put back). Held across an
/// `.await`, a guard would make the whole thread's tasks see its runtime:
/// keep it in synchronous code.
///
/// ```compile_fail
/// fn is_send<T: Send>(_: T) {}
/// let runtime = corio::Runtime::new().unwrap();
/// is_send(runtime.enter()); // not `Send`
/// ```
///
/// # Examples
///
/// ```
/// let runtime = corio::Runtime::new().unwrap();
/// let guard: corio::runtime::EnterGuard<'_> = runtime.enter();
/// assert!(corio::Handle::try_current().is_ok());
/// drop(guard);
/// assert!(corio::Handle::try_current().is_err());
/// ```
#[must_use = "the runtime stays entered only while the guard lives"]
pub struct EnterGuard<'a> {
    _inner: context::EnterGuard,
    _handle: std::marker::PhantomData<&'a Handle>,
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

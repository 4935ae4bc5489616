//! The free functions that start work: `spawn`, `spawn_blocking`, the task
//! `Builder`, and `shield`.

use std::future::Future;
use std::io;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::context;
use super::handle::Handle;
use crate::task::{JoinError, JoinHandle};

#[track_caller]
fn with_runtime<R>(what: &str, f: impl FnOnce(&Handle) -> R) -> R {
    // The panic outside the closure: `#[track_caller]` does not reach into
    // one, and the message should point at the caller's line.
    match context::current().map(|handle| f(&handle)) {
        Some(result) => result,
        None if context::locals_destroyed() => panic!(
            "`{what}` was called while this thread's thread-locals were being destroyed (a \
             thread-local's `Drop` as the thread exits), when its runtime can no longer be \
             found; use `Handle::{what}` on a handle kept from `Runtime::handle()`"
        ),
        None => panic!(
            "`{what}` was called outside a corio runtime; call it inside `corio::block_on` \
             or a spawned task, under `Runtime::enter()`, or use `Handle::{what}` on a handle \
             kept from `Runtime::handle()`"
        ),
    }
}

/// Starts a task: the future runs concurrently on the runtime's workers, like
/// `go f()` in Go or `asyncio.create_task` in Python. The returned
/// [`JoinHandle`] awaits its output; dropping it lets the task run on.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let handles: Vec<_> = (0..10).map(|i| corio::spawn(async move { i * i })).collect();
///     let mut sum = 0;
///     for h in handles {
///         sum += h.await.unwrap();
///     }
///     assert_eq!(sum, 285);
/// });
/// ```
///
/// # Panics
/// Outside a corio runtime, with a message naming the fix.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let location = Location::caller();
    with_runtime("spawn", |h| h.spawn_named(future, None, location))
}

/// Runs a blocking closure on the blocking pool (file I/O, CPU-heavy work),
/// like asyncio's `run_in_executor`. The workers stay free meanwhile.
///
/// At the runtime's shutdown, a closure still queued never runs: it is
/// dropped, and its `JoinHandle` gives a cancelled `JoinError`. One already
/// running cannot be stopped; the shutdown waits for it (`Runtime`'s drop),
/// or for at most a timeout (`shutdown_timeout`, `shutdown_background`).
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let digest = corio::spawn_blocking(|| (1..=20u64).product::<u64>()).await.unwrap();
///     assert_eq!(digest, 2_432_902_008_176_640_000);
/// });
/// ```
///
/// # Panics
/// Outside a corio runtime, with a message naming the fix.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let location = Location::caller();
    with_runtime("spawn_blocking", |h| {
        h.inner.blocking.spawn(f, location, false)
    })
}

/// Spawns a task with options (a name, shown in the task dump and in slow
/// poll reports).
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let handle = corio::task::Builder::new().name("ticker").spawn(async { 5 }).unwrap();
///     assert_eq!(handle.await.unwrap(), 5);
/// });
/// ```
#[derive(Default, Debug, Clone)]
pub struct Builder {
    name: Option<Box<str>>,
}

impl Builder {
    /// A builder with no name.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let task = corio::task::Builder::new().spawn(std::future::pending::<()>()).unwrap();
    ///     let dump = corio::Handle::current().dump();
    ///     let info = dump.tasks.iter().find(|t| t.id == task.id().as_u64()).unwrap();
    ///     assert_eq!(info.name, None);
    ///     task.abort();
    /// });
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// The task's name.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let task = corio::task::Builder::new().name("fetch").spawn(std::future::pending::<()>());
    ///     let task = task.unwrap();
    ///     let dump = corio::Handle::current().dump();
    ///     let info = dump.tasks.iter().find(|t| t.id == task.id().as_u64()).unwrap();
    ///     assert_eq!(info.name.as_deref(), Some("fetch"));
    ///     task.abort();
    /// });
    /// ```
    pub fn name(mut self, name: &str) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Spawns the task on the current runtime.
    ///
    /// # Errors
    /// `Other` if called outside a corio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(corio::task::Builder::new().spawn(async {}).is_err(), "no runtime here");
    /// corio::block_on(async {
    ///     let task = corio::task::Builder::new().spawn(async { 5 }).unwrap();
    ///     assert_eq!(task.await.unwrap(), 5);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let location = Location::caller();
        match context::current() {
            Some(handle) => Ok(handle.spawn_named(future, self.name, location)),
            None => Err(io::Error::other(
                "task::Builder::spawn was called outside a corio runtime",
            )),
        }
    }

    /// Spawns the task on `handle`'s runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// let task = corio::task::Builder::new().name("from-outside");
    /// let task = task.spawn_on(async { 5 }, runtime.handle()).unwrap();
    /// assert_eq!(runtime.block_on(task).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(handle.spawn_named(future, self.name, Location::caller()))
    }

    /// Spawns a `!Send` task on the local set this thread is running (as
    /// [`spawn_local`](crate::task::spawn_local) does); its name shows in
    /// the dump.
    ///
    /// # Errors
    /// `Other` outside a `LocalSet`'s `run_until` and outside the future
    /// given to a current-thread `block_on`, with no set entered
    /// (`LocalSet::enter`), where `spawn_local` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// assert!(corio::task::Builder::new().spawn_local(async {}).is_err(), "no local set here");
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// let n = runtime.block_on(async {
    ///     let shared = Rc::new(4); // not `Send`
    ///     let task = corio::task::Builder::new().name("local").spawn_local(async move { *shared });
    ///     task.unwrap().await.unwrap()
    /// });
    /// assert_eq!(n, 4);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        crate::runtime::local::try_spawn_local(future, self.name, Location::caller()).map_err(
            |_| {
                io::Error::other(
                    "task::Builder::spawn_local was called outside a LocalSet \
                 (and outside a current-thread block_on, with no LocalSet entered)",
                )
            },
        )
    }

    /// Spawns a `!Send` task on `local` (as
    /// [`LocalSet::spawn_local`](crate::task::LocalSet::spawn_local) does).
    ///
    /// # Panics
    /// On a thread other than the one that made `local`.
    ///
    /// # Examples
    ///
    /// ```
    /// let local = corio::task::LocalSet::new();
    /// let task = corio::task::Builder::new().name("tick").spawn_local_on(async { 3 }, &local);
    /// let runtime = corio::Runtime::new().unwrap();
    /// assert_eq!(runtime.block_on(local.run_until(task.unwrap())).unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn spawn_local_on<F>(
        self,
        future: F,
        local: &crate::task::LocalSet,
    ) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Ok(local.spawn_named(future, self.name, Location::caller()))
    }
}

/// Protects `future` from cancellation, like asyncio's `shield`: the work runs
/// as its own task, so dropping the returned future (a timeout, a `select!`
/// that picked another branch) does not stop it; its result is then dropped.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// corio::block_on(async {
///     let saved = Arc::new(AtomicBool::new(false));
///     let flag = saved.clone();
///     let (tx, rx) = std::sync::mpsc::channel();
///     let write = corio::task::shield(async move {
///         corio::task::yield_now().await;
///         flag.store(true, Ordering::SeqCst);
///         tx.send(()).unwrap();
///     });
///     drop(write); // cancelled from outside...
///     corio::spawn_blocking(move || rx.recv().unwrap()).await.unwrap();
///     assert!(saved.load(Ordering::SeqCst)); // ...but the write happened
/// });
/// ```
///
/// # Panics
/// Outside a corio runtime.
#[track_caller]
pub fn shield<F>(future: F) -> Shield<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Shield {
        handle: spawn(future),
    }
}

/// The future returned by [`shield`]: the shielded work's output, or a
/// [`JoinError`] if it panicked (or the runtime shut down first).
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let shielded: corio::task::Shield<u32> = corio::task::shield(async { 7 });
///     assert_eq!(shielded.await.unwrap(), 7);
/// });
/// ```
#[must_use = "futures do nothing unless polled (the shielded work runs anyway)"]
#[derive(Debug)]
pub struct Shield<T> {
    handle: JoinHandle<T>,
}

impl<T> Future for Shield<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.handle).poll(cx)
    }
}

//! `LocalSet` and `spawn_local`: tasks that never leave their thread, so
//! their futures need not be `Send` (an `Rc`, a `RefCell`).
//!
//! A local task is the same one-allocation task as any other; only its
//! scheduler differs. Its queue belongs to one `LocalSet`, and only the
//! thread that owns the set polls it, inside `LocalSet::run_until` (or
//! when the set itself is awaited, until its last task ends). A waker
//! may still fire on any thread: it only pushes the task onto the set's
//! queue (behind a mutex) and wakes the future that runs the set (each, if
//! several `run_until`s of the set wait side by side; none, if the set's
//! own turn on this thread queued it, since that turn runs it anyway).
//!
//! ```text
//!   run_until(main):  poll main ──► run up to 61 local tasks ──► more left?
//!                                                                 wake self, yield
//! ```
//!
//! How a turn runs, and the two futures that take turns, are in `run.rs`;
//! `LocalSet::enter`, which makes a set current outside its turns, in
//! `enter.rs`.
//!
//! A current-thread runtime's `block_on` runs its future inside an implicit
//! `LocalSet`, so `spawn_local` works there directly, as in asyncio.
//!
//! A set's tasks are not in the runtime's own task list, yet the task dump
//! and `alive_tasks` must show them (asyncio lists every task of its loop).
//! So `run_until` leaves a weak reference to the set with the runtime that
//! runs it ([`LocalSets`]), and the dump walks those sets too: a task's
//! header is plain atomics, readable from any thread, even where its future
//! is `!Send`.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::{Arc, Weak};
use std::task::Waker;
use std::thread::{self, ThreadId};

use crate::lock::Mutex;

use super::Handle;
use crate::task::{Header, JoinHandle, Notified, OwnedTasks, Schedule, Task, new_task_unchecked};

mod enter;
mod run;

pub use enter::LocalEnterGuard;

use run::{Enter, RunUntil, is_running_here};

/// Whether a set is running its tasks (or its `run_until` future) on this
/// thread: `block_in_place` refuses there, as tokio's does, since blocking
/// would freeze every other task of the set, which only this thread runs.
/// (A set being dropped runs none: its tasks' drops may block.)
pub(crate) fn a_turn_runs_here() -> bool {
    run::in_a_turn()
}

/// The state a set's tasks and wakers share.
struct Shared {
    owner: ThreadId,
    /// `None` once the set is dropped: a late wake from another thread
    /// then drops its task reference instead of queueing it (queued, it
    /// would hold this `Shared` forever, and the task cell with it).
    queue: Mutex<Option<VecDeque<Notified<Arc<Shared>>>>>,
    owned: OwnedTasks<Arc<Shared>>,
    /// The futures running the set (`run_until`, or the set awaited
    /// itself), to wake when a task is queued: usually one; several when
    /// two `run_until`s of one set wait side by side with wakers of their
    /// own.
    runners: Mutex<Runners>,
}

/// The wakers of the `run_until`s (and of a task awaiting the set) that
/// wait, each under the key its `RunUntil` (or the `LocalSet`) holds (0:
/// none), so that one that ends or is dropped takes out its own waker and
/// no other.
#[derive(Default)]
struct Runners {
    last_key: u64,
    wakers: Vec<(u64, Waker)>,
}

impl Runners {
    /// Adds or refreshes the waker under `key`; returns a replaced waker,
    /// to drop outside the lock.
    fn register(&mut self, key: &mut u64, waker: &Waker) -> Option<Waker> {
        if let Some((_, known)) = self.wakers.iter_mut().find(|(k, _)| *k == *key) {
            return (!known.will_wake(waker)).then(|| std::mem::replace(known, waker.clone()));
        }
        self.last_key += 1;
        *key = self.last_key;
        self.wakers.push((*key, waker.clone()));
        None
    }

    fn remove(&mut self, key: u64) -> Option<Waker> {
        let at = self.wakers.iter().position(|(k, _)| *k == key)?;
        Some(self.wakers.swap_remove(at).1)
    }
}

impl Shared {
    /// Wakes every `run_until` of the set (woken outside the lock).
    fn wake_runners(&self) {
        let runners: Vec<Waker> = self
            .runners
            .lock()
            .wakers
            .iter()
            .map(|(_, w)| w.clone())
            .collect();
        // Every runner is woken, whichever waker panics (a foreign
        // executor's): the task just queued must not wait for the next.
        runners
            .into_iter()
            .for_each(crate::task::wake_catching_panics);
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified<Self>) {
        let mut queue = self.queue.lock();
        let Some(tasks) = queue.as_mut() else {
            drop(queue);
            drop(task);
            return;
        };
        tasks.push_back(task);
        drop(queue);
        // Queued from inside this set's own turn (a local task waking
        // another, `spawn_local`): the turn runs it, no wake needed.
        if is_running_here(self) {
            return;
        }
        self.wake_runners();
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }

    fn after_poll(&self, header: &Header, started: u64, ended: u64) {
        // A slow local poll is reported by the runtime running the set, as
        // a worker's task would be (the watchdog never sees local polls).
        if let Ok(handle) = Handle::try_current() {
            handle
                .inner
                .scheduler
                .after_local_poll(header, started, ended);
        }
    }
}

/// A set of `!Send` tasks that run on the thread that polls it.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use std::cell::RefCell;
/// let runtime = corio::Runtime::new().unwrap();
/// let local = corio::task::LocalSet::new();
/// let log = Rc::new(RefCell::new(Vec::new()));
/// runtime.block_on(local.run_until(async {
///     let log2 = log.clone();
///     corio::task::spawn_local(async move { log2.borrow_mut().push("hello") })
///         .await
///         .unwrap();
/// }));
/// assert_eq!(*log.borrow(), ["hello"]);
/// ```
pub struct LocalSet {
    shared: Arc<Shared>,
    /// The key of the waker of the task awaiting this set itself in
    /// [`Runners`] (0: not awaited yet).
    key: u64,
    /// The runtime that last polled the set as a future, and so knows of
    /// it for its dump. A `Weak` keeps the runtime's allocation, so a new
    /// runtime never takes its address while this points at it.
    known_to: Weak<super::handle::Inner>,
    _not_send: PhantomData<*const ()>,
}

impl LocalSet {
    /// An empty set owned by the calling thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let local = corio::task::LocalSet::new();
    /// let runtime = corio::Runtime::new().unwrap();
    /// assert_eq!(runtime.block_on(local.run_until(async { 1 + 1 })), 2);
    /// ```
    pub fn new() -> LocalSet {
        LocalSet {
            shared: Arc::new(Shared {
                owner: thread::current().id(),
                queue: Mutex::new(Some(VecDeque::new())),
                owned: OwnedTasks::with_shards(1),
                runners: Mutex::new(Runners::default()),
            }),
            key: 0,
            known_to: Weak::new(),
            _not_send: PhantomData,
        }
    }

    /// Spawns a `!Send` task on this set; it runs while the set is driven
    /// by [`run_until`](LocalSet::run_until), or awaited itself.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let local = corio::task::LocalSet::new();
    /// let name = Rc::new("local"); // not `Send`
    /// let task = local.spawn_local(async move { name.len() });
    /// let runtime = corio::Runtime::new().unwrap();
    /// assert_eq!(runtime.block_on(local.run_until(task)).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_named(future, None, Location::caller())
    }

    /// `spawn_local` with a name, for `task::Builder::spawn_local_on`.
    pub(crate) fn spawn_named<F>(
        &self,
        future: F,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        spawn_on(&self.shared, future, name, location)
    }

    /// Runs `future` and the set's tasks on `runtime` until `future`
    /// completes: `runtime.block_on(self.run_until(future))`, tokio's
    /// shorthand.
    ///
    /// # Panics
    /// Inside a runtime, as [`Runtime::block_on`](crate::Runtime::block_on).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = corio::task::LocalSet::new();
    /// let shared = Rc::new(5); // not `Send`
    /// let task = local.spawn_local(async move { *shared + 1 });
    /// assert_eq!(local.block_on(&runtime, task).unwrap(), 6);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, runtime: &crate::Runtime, future: F) -> F::Output {
        runtime.block_on(self.run_until(future))
    }

    /// Runs `future` and the set's tasks until `future` completes. Tasks
    /// still pending then stay in the set for the next `run_until`.
    ///
    /// Inside one of the set's own tasks (or another `run_until` of it), it
    /// only polls `future`: the turn already running runs the set's tasks.
    /// (With another set's turn in between, this set is not the innermost
    /// one running, and a second turn of it runs its other tasks inside
    /// that poll, as tokio's does.)
    /// So await it there; blocking on it with another executor
    /// (`futures::executor::block_on`) waits for a turn that cannot come,
    /// and hangs (tokio's runs the tasks in that nested poll).
    ///
    /// # Examples
    ///
    /// ```
    /// let local = corio::task::LocalSet::new();
    /// let runtime = corio::Runtime::new().unwrap();
    /// let (tx, rx) = corio::sync::oneshot::channel();
    /// let waiter = local.spawn_local(async move { rx.await.unwrap() });
    /// runtime.block_on(local.run_until(corio::task::yield_now())); // the waiter runs, and waits
    /// assert!(!waiter.is_finished());
    /// tx.send(7).unwrap();
    /// assert_eq!(runtime.block_on(local.run_until(waiter)).unwrap(), 7, "it stayed in the set");
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        if let Ok(handle) = Handle::try_current() {
            handle.inner.local_sets.add(&self.shared);
        }
        RunUntil::new(self, std::pin::pin!(future)).await
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        // The owner thread drops every local future here, exactly once.
        let _enter = Enter::new(&self.shared);
        self.shared.owned.close_and_shutdown_all();
        let queued = self.shared.queue.lock().take();
        drop(queued);
        let runners = std::mem::take(&mut self.shared.runners.lock().wakers);
        drop(runners);
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet").finish_non_exhaustive()
    }
}

fn spawn_on<F>(
    shared: &Arc<Shared>,
    future: F,
    name: Option<Box<str>>,
    location: &'static Location<'static>,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    assert_eq!(
        thread::current().id(),
        shared.owner,
        "a LocalSet's tasks can only be spawned from the thread that owns it"
    );
    // Only the owner thread polls the task (`RunUntil`, which checks) and
    // shuts it down (`LocalSet::drop`, as LocalSet is !Send, or `bind` just
    // below on a closed set, on this thread as asserted above). Other
    // threads hold only references (wakers, `AbortHandle`, a `Send`
    // `JoinHandle`), and the last one frees the cell only once the future
    // and any `!Send` output are gone (the stage is `Consumed` by then).
    // SAFETY: so the future never leaves this thread, as the contract asks.
    let new = unsafe { new_task_unchecked(future, shared.clone(), location, name) };
    let (task, notified, handle) = new;
    if let Some(notified) = shared.owned.bind(task, notified) {
        shared.schedule(notified);
    }
    handle
}

/// Spawns a `!Send` future on the `LocalSet` running on this thread (also
/// the implicit one of a current-thread runtime's `block_on`), or else on
/// the one [entered](LocalSet::enter) on this thread, for its next turn.
///
/// The implicit set of a `block_on` lives for that call only: a local task
/// it spawned that has not finished when the `block_on` future does is
/// cancelled as the call returns (its handle says so), where a
/// `corio::spawn` task would go on in the next `block_on`. Await the
/// local tasks inside the call, or use a `LocalSet` of your own, which
/// keeps its tasks until it is dropped.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
/// let n = runtime.block_on(async {
///     let shared = Rc::new(5);
///     let s = shared.clone();
///     corio::task::spawn_local(async move { *s * 2 }).await.unwrap()
/// });
/// assert_eq!(n, 10);
/// ```
///
/// # Panics
/// Outside a `LocalSet`'s `run_until` and outside the future given to a
/// current-thread `block_on` (and their local tasks), with no set entered
/// ([`LocalSet::enter`]), with a message naming the fix; a `corio::spawn`
/// task is outside the first two.
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    // The panic outside `try_spawn_local`, where `#[track_caller]` still
    // names the caller's line.
    match try_spawn_local(future, None, Location::caller()) {
        Ok(handle) => handle,
        Err(_) => panic!(
            "`spawn_local` was called outside a LocalSet; call it inside \
             `LocalSet::run_until` or inside `block_on` of a current-thread runtime \
             (`corio::runtime::Builder::new_current_thread()`), or under \
             `LocalSet::enter` to queue it for the set's next turn. A task made by \
             `corio::spawn` is outside both, even on a current-thread runtime: \
             spawn local tasks from the `block_on` future or from other local tasks"
        ),
    }
}

/// Spawns on the local set this thread is running, if any, else on the
/// one entered here; else hands the future back.
pub(crate) fn try_spawn_local<F>(
    future: F,
    name: Option<Box<str>>,
    location: &'static Location<'static>,
) -> Result<JoinHandle<F::Output>, F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let mut unspawned = Some((future, name));
    let spawned = run::with_current(|shared| {
        let shared = shared?;
        let (future, name) = unspawned.take()?;
        Some(spawn_on(shared, future, name, location))
    });
    if let Some(handle) = spawned {
        return Ok(handle);
    }
    let (future, name) = unspawned.expect("not spawned above");
    // No turn running here: the set `LocalSet::enter` made current, if any
    // (cloned out of its cell first: spawning may run user code).
    match enter::entered() {
        Some(shared) => Ok(spawn_on(&shared, future, name, location)),
        None => Err(future),
    }
}

/// The local sets a runtime has run, so that its dump can list their tasks.
#[derive(Default)]
pub(crate) struct LocalSets {
    sets: Mutex<Vec<Weak<Shared>>>,
}

impl LocalSets {
    /// Remembers `set` (once), forgetting sets that were dropped.
    fn add(&self, set: &Arc<Shared>) {
        let mut sets = self.sets.lock();
        sets.retain(|s| s.strong_count() > 0);
        if !sets
            .iter()
            .any(|s| std::ptr::eq(s.as_ptr(), Arc::as_ptr(set)))
        {
            sets.push(Arc::downgrade(set));
        }
    }

    /// Calls `f` on the header of every live task of every live set.
    pub(crate) fn for_each_task(&self, mut f: impl FnMut(&Header)) {
        for set in &self.live() {
            set.owned.for_each(&mut f);
        }
    }

    /// How many tasks the live sets hold.
    pub(crate) fn tasks(&self) -> usize {
        self.live().iter().map(|set| set.owned.len()).sum()
    }

    /// The sets still alive. Upgraded under the lock and walked outside
    /// it: a set dropped meanwhile stays alive until these `Arc`s go.
    fn live(&self) -> Vec<Arc<Shared>> {
        self.sets.lock().iter().filter_map(Weak::upgrade).collect()
    }
}

//! `LocalSet` and `spawn_local`: tasks that never leave their thread, so
//! their futures need not be `Send` (an `Rc`, a `RefCell`).
//!
//! A local task is the same one-allocation task as any other; only its
//! scheduler differs. Its queue belongs to one `LocalSet`, and only the
//! thread that owns the set polls it, inside `LocalSet::run_until`. A waker
//! may still fire on any thread: it only pushes the task onto the set's
//! queue (behind a mutex) and wakes the future that runs the set.
//!
//! ```text
//!   run_until(main):  poll main ──► run up to 61 local tasks ──► more left?
//!                                                                 wake self, yield
//! ```
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

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};
use std::thread::{self, ThreadId};

use parking_lot::Mutex;

use super::Handle;
use crate::task::{Header, JoinHandle, Notified, OwnedTasks, Schedule, Task, new_task_unchecked};

/// Local tasks run per turn of `run_until` before it yields to its runtime.
const TASKS_PER_TURN: usize = 61;

/// The state a set's tasks and wakers share.
struct Shared {
    owner: ThreadId,
    /// `None` once the set is dropped: a late wake from another thread
    /// then drops its task reference instead of queueing it (queued, it
    /// would hold this `Shared` forever, and the task cell with it).
    queue: Mutex<Option<VecDeque<Notified<Arc<Shared>>>>>,
    owned: OwnedTasks<Arc<Shared>>,
    /// Wakes the task that runs `run_until`.
    runner: Mutex<Option<Waker>>,
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
        let runner = self.runner.lock().clone();
        if let Some(runner) = runner {
            runner.wake();
        }
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }
}

thread_local! {
    /// The set whose `run_until` is polling on this thread.
    static CURRENT: Cell<*const Arc<Shared>> = const { Cell::new(std::ptr::null()) };
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
                owned: OwnedTasks::new(),
                runner: Mutex::new(None),
            }),
            _not_send: PhantomData,
        }
    }

    /// Spawns a `!Send` task on this set; it runs while the set is driven
    /// by [`run_until`](LocalSet::run_until).
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
        spawn_on(&self.shared, future, Location::caller())
    }

    /// Runs `future` and the set's tasks until `future` completes. Tasks
    /// still pending then stay in the set for the next `run_until`.
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
        RunUntil {
            set: self,
            future: std::pin::pin!(future),
        }
        .await
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
        self.shared.runner.lock().take();
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
    // SAFETY: only `RunUntil` polls it (on the owner thread, checked there),
    // and only the owner thread shuts it down: `LocalSet::drop` (LocalSet is
    // !Send), or `bind` just below if the set is closed (this thread, as
    // asserted above). Other threads may hold references (wakers, an
    // `AbortHandle`, a `Send` `JoinHandle`) and may free the cell by
    // dropping the last one, but only after the future and any `!Send`
    // output are gone (the stage is `Consumed` by then).
    let new = unsafe { new_task_unchecked(future, shared.clone(), location, None) };
    let (task, notified, handle) = new;
    if let Some(notified) = shared.owned.bind(task, notified) {
        shared.schedule(notified);
    }
    handle
}

/// Spawns a `!Send` future on the `LocalSet` running on this thread (also
/// the implicit one of a current-thread runtime's `block_on`).
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
/// Outside a `LocalSet` and outside a current-thread `block_on`, with a
/// message naming the fix.
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let location = Location::caller();
    let ptr = CURRENT.with(Cell::get);
    // SAFETY: the pointer is set only while `RunUntil::poll` (or
    // `LocalSet::drop`) borrows the set's `Arc` on this thread.
    let Some(shared) = (unsafe { ptr.as_ref() }) else {
        panic!(
            "`spawn_local` was called outside a LocalSet; call it inside \
             `LocalSet::run_until` or inside `block_on` of a current-thread runtime \
             (`corio::runtime::Builder::new_current_thread()`)"
        );
    };
    spawn_on(shared, future, location)
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

/// Marks `shared` as this thread's current set while alive.
struct Enter(*const Arc<Shared>);

impl Enter {
    fn new(shared: &Arc<Shared>) -> Enter {
        Enter(CURRENT.with(|c| c.replace(shared)))
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: Pin<&'a mut F>,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let shared = self.set.shared.clone();
        assert_eq!(
            thread::current().id(),
            shared.owner,
            "a LocalSet must be run on the thread that created it"
        );
        let _enter = Enter::new(&shared);
        {
            let mut runner = shared.runner.lock();
            if !runner.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *runner = Some(cx.waker().clone());
            }
        }
        if let Poll::Ready(output) = self.future.as_mut().poll(cx) {
            return Poll::Ready(output);
        }
        for _ in 0..TASKS_PER_TURN {
            let next = shared.queue.lock().as_mut().and_then(VecDeque::pop_front);
            let Some(task) = next else {
                return Poll::Pending;
            };
            if let Some(again) = task.run()
                && let Some(tasks) = shared.queue.lock().as_mut()
            {
                tasks.push_back(again);
            }
        }
        // More local work: yield to the runtime and come straight back.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

//! How a `LocalSet` is driven on its owner thread: a *turn* runs up to
//! [`TASKS_PER_TURN`] queued local tasks inside an [`Enter`], which marks
//! the set as this thread's current one (so `spawn_local` finds it). Two
//! futures take turns: `run_until`'s [`RunUntil`], which polls its own
//! future first, and the set itself awaited, which ends once its last task
//! has.

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;

use super::{LocalSet, Shared};
use crate::runtime::context;
use crate::scheduler;

/// Local tasks run per turn of `run_until` before it yields to its runtime.
const TASKS_PER_TURN: usize = 61;

thread_local! {
    /// The set whose `run_until` (or own poll) is polling on this thread.
    static CURRENT: Cell<*const Arc<Shared>> = const { Cell::new(std::ptr::null()) };
    /// Whether a turn (of any set) runs on this thread: not set by a
    /// set's drop, which also enters it but runs none of its tasks.
    static TURNING: Cell<bool> = const { Cell::new(false) };
}

/// Whether a set's turn (its tasks, or its `run_until` future) runs on this
/// thread.
pub(super) fn in_a_turn() -> bool {
    TURNING.with(Cell::get)
}

/// Calls `f` with the set whose turn is running on this thread, if any.
pub(super) fn with_current<R>(f: impl FnOnce(Option<&Arc<Shared>>) -> R) -> R {
    let ptr = CURRENT.with(Cell::get);
    // SAFETY: the pointer is set only while `RunUntil::poll` (or
    // `LocalSet::poll` or `LocalSet::drop`) borrows the set's `Arc` on this
    // thread, inside an `Enter` that outlives this call.
    f(unsafe { ptr.as_ref() })
}

/// Whether `shared`'s `run_until` (or own poll, or drop) is running on
/// this thread.
pub(super) fn is_running_here(shared: &Arc<Shared>) -> bool {
    with_current(|current| current.is_some_and(|current| Arc::ptr_eq(current, shared)))
}

/// Starts a turn of `shared`, polled with `cx` by the future whose waker
/// key is `key`: checks the thread, enters the set and (re)registers the
/// waker.
fn begin_turn(shared: &Arc<Shared>, key: &mut u64, cx: &Context<'_>) -> Turn {
    assert_eq!(
        thread::current().id(),
        shared.owner,
        "a LocalSet must be run on the thread that created it"
    );
    let turn = Turn {
        _enter: Enter::new(shared),
        was_turning: TURNING.with(|t| t.replace(true)),
    };
    let replaced = shared.runners.lock().register(key, cx.waker());
    drop(replaced);
    turn
}

/// A turn running on this thread: the set entered, and [`in_a_turn`] true.
struct Turn {
    _enter: Enter,
    was_turning: bool,
}

impl Drop for Turn {
    fn drop(&mut self) {
        TURNING.with(|t| t.set(self.was_turning));
    }
}

/// Awaiting the set itself runs its tasks until every one has finished,
/// those they spawn included, as tokio's does; then it completes.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// let local = corio::task::LocalSet::new();
/// let count = Rc::new(Cell::new(0));
/// for _ in 0..3 {
///     let count = count.clone();
///     local.spawn_local(async move {
///         corio::task::spawn_local(async move { count.set(count.get() + 1) });
///     });
/// }
/// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(local);
/// assert_eq!(count.get(), 3, "the tasks' own local tasks ran too");
/// ```
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let shared = this.shared.clone();
        // Looked up without cloning the handle: this runs at every turn.
        context::with_current(|handle| {
            if let Some(handle) = handle
                && !std::ptr::eq(this.known_to.as_ptr(), Arc::as_ptr(&handle.inner))
            {
                handle.inner.local_sets.add(&shared);
                this.known_to = Arc::downgrade(&handle.inner);
            }
        });
        let _enter = begin_turn(&shared, &mut this.key, cx);
        run_turn(&shared, cx);
        // A finished task leaves the owned list as it completes, so an
        // empty list is a set with nothing left to run or wait for.
        if shared.owned.len() == 0 {
            let removed = shared.runners.lock().remove(this.key);
            drop(removed);
            this.key = 0;
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// Marks `shared` as this thread's current set while alive.
pub(super) struct Enter(*const Arc<Shared>);

impl Enter {
    pub(super) fn new(shared: &Arc<Shared>) -> Enter {
        Enter(CURRENT.with(|c| c.replace(shared)))
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

pub(super) struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: Pin<&'a mut F>,
    /// This future's waker's key in the set's [`Runners`] (0: none).
    key: u64,
}

impl<'a, F> RunUntil<'a, F> {
    pub(super) fn new(set: &'a LocalSet, future: Pin<&'a mut F>) -> Self {
        RunUntil {
            set,
            future,
            key: 0,
        }
    }
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let shared = self.set.shared.clone();
        // A `run_until` of this set inside one of its own tasks: the outer
        // one runs the set's tasks and gets its wake-ups; this one only
        // polls its future (its task is woken like any other). (Its set is
        // running here, so this is its owner thread.)
        if is_running_here(&shared) {
            return self.future.as_mut().poll(cx);
        }
        if self.key == 0 && self.set.key != 0 {
            // The set was awaited itself (`&mut set`) and that await was
            // abandoned (a `timeout` around it): nothing can await it now,
            // while this borrows it, so its waker goes, or every wake of
            // a local task would wake that task too (and keep it alive).
            let stale = shared.runners.lock().remove(self.set.key);
            drop(stale);
        }
        let _enter = begin_turn(&shared, &mut self.key, cx);
        if let Poll::Ready(output) = self.future.as_mut().poll(cx) {
            return Poll::Ready(output);
        }
        run_turn(&shared, cx);
        Poll::Pending
    }
}

/// One turn of the set on its owner thread, inside its [`Enter`]: runs up
/// to [`TASKS_PER_TURN`] queued tasks, and if more are left, wakes `cx`
/// to come straight back after yielding to the runtime. A task that yields
/// is queued again only when the turn ends: it runs again after the
/// `run_until` future and the runtime's other tasks had their turn, as a
/// yield promises (tokio defers it the same way), not up to
/// `TASKS_PER_TURN` times in a row.
fn run_turn(shared: &Arc<Shared>, cx: &Context<'_>) {
    let mut ran = 0;
    let mut yielded = Vec::new();
    let more = loop {
        if ran == TASKS_PER_TURN {
            break true;
        }
        let next = shared.queue.lock().as_mut().and_then(VecDeque::pop_front);
        let Some(task) = next else {
            break false;
        };
        ran += 1;
        if let Some(again) = task.run() {
            yielded.push(again);
        }
    };
    let more = more || !yielded.is_empty();
    if !yielded.is_empty()
        && let Some(tasks) = shared.queue.lock().as_mut()
    {
        tasks.extend(yielded);
    }
    // The runtime counts this poll as one; these were `ran` more, and it
    // turns its driver by the count (`scheduler::count_polls`).
    scheduler::count_polls(ran);
    if more {
        cx.waker().wake_by_ref();
    }
}

impl<F> Drop for RunUntil<'_, F> {
    fn drop(&mut self) {
        // Ended or abandoned: its waker must not be woken any more (nor
        // keep its task alive).
        if self.key != 0 {
            let shared = &self.set.shared;
            let removed = shared.runners.lock().remove(self.key);
            drop(removed);
            // Work queued during its last poll without a wake (its own turn
            // was to run it) or left after a full turn: another `run_until`
            // of the set, waiting beside it, must run it now.
            let queued = shared.queue.lock().as_ref().is_some_and(|q| !q.is_empty());
            if queued {
                shared.wake_runners();
            }
        }
    }
}

//! `JoinSet`: a group of tasks, awaited in the order they finish.
//!
//! Polling every handle on each `join_next` would cost O(n) per call. Instead
//! each handle is polled with its own small waker that, when its task
//! completes, pushes the handle's key onto a *ready list* and wakes whoever
//! waits in `join_next`. So `join_next` only looks at handles that said they
//! are done, as `FuturesUnordered` does.

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use parking_lot::Mutex;
use slab::Slab;

use crate::task::{Id, JoinError, JoinHandle, budget};

/// Keys of handles that may be ready, and the waker of `join_next`.
#[derive(Default)]
struct Ready {
    keys: VecDeque<usize>,
    waiter: Option<Waker>,
}

/// The waker given to one handle.
struct Entry {
    key: usize,
    ready: Arc<Mutex<Ready>>,
}

impl Wake for Entry {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut ready = self.ready.lock();
        ready.keys.push_back(self.key);
        let waiter = ready.waiter.take();
        drop(ready);
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

/// A set of tasks whose outputs are collected as they complete. Dropping the
/// set aborts every task still in it.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let mut set = corio::task::JoinSet::new();
///     for i in 0..5u64 {
///         set.spawn(async move { i * 10 });
///     }
///     let mut total = 0;
///     while let Some(result) = set.join_next().await {
///         total += result.unwrap();
///     }
///     assert_eq!(total, 100);
///     assert!(set.is_empty());
/// });
/// ```
pub struct JoinSet<T> {
    handles: Slab<(JoinHandle<T>, Waker)>,
    ready: Arc<Mutex<Ready>>,
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// let set: corio::task::JoinSet<u32> = corio::task::JoinSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            handles: Slab::new(),
            ready: Arc::default(),
        }
    }

    /// Tasks in the set (finished ones count until `join_next` returns them).
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     set.spawn(async { 2 });
    ///     assert_eq!(set.len(), 2);
    ///     set.join_next().await;
    ///     assert_eq!(set.len(), 1);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Whether the set holds no task.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     assert!(!set.is_empty());
    ///     set.join_next().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// Adds an already spawned task's handle to the set.
    fn insert(&mut self, handle: JoinHandle<T>) {
        let entry = self.handles.vacant_entry();
        let key = entry.key();
        let waker = Waker::from(Arc::new(Entry {
            key,
            ready: self.ready.clone(),
        }));
        entry.insert((handle, waker));
        // Poll it once in join_next so that its waker gets registered.
        self.ready.lock().keys.push_back(key);
    }

    /// Aborts every task in the set; they stay in it until `join_next`
    /// returns their (cancelled) results.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert_eq!(set.len(), 2, "aborted tasks stay until joined");
    ///     while let Some(result) = set.join_next().await {
    ///         assert!(result.unwrap_err().is_cancelled());
    ///     }
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        for (_, (handle, _)) in self.handles.iter() {
            handle.abort();
        }
    }

    /// Removes every task from the set without aborting it: each runs on
    /// to its end, and its output is dropped (as with a dropped
    /// `JoinHandle`). Dropping the set would abort them instead.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let (tx, rx) = corio::sync::oneshot::channel();
    ///     let mut set = corio::task::JoinSet::new();
    ///     set.spawn(async move { tx.send("still ran").unwrap() });
    ///     set.detach_all();
    ///     assert!(set.is_empty());
    ///     drop(set); // aborts nothing: the task is no longer in it
    ///     assert_eq!(rx.await.unwrap(), "still ran");
    /// });
    /// ```
    pub fn detach_all(&mut self) {
        self.handles.clear();
        self.ready.lock().keys.clear();
    }

    /// Waits for the next task to finish and returns its result, or `None`
    /// if the set is empty.
    ///
    /// Cancel safe: if the future is dropped, no result is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     set.spawn(async { "done" });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "done");
    ///     assert!(set.join_next().await.is_none(), "the set is empty");
    /// });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx))
            .await
            .map(|(_, result)| result)
    }

    /// As [`join_next`](JoinSet::join_next), with the finished task's id
    /// next to its output (a `JoinError` carries its own), to match results
    /// with the ids [`spawn`](JoinSet::spawn)'s handles gave.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     let id = set.spawn(async { "done" }).id();
    ///     let (finished, output) = set.join_next_with_id().await.unwrap().unwrap();
    ///     assert_eq!((finished, output), (id, "done"));
    /// });
    /// ```
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx))
            .await
            .map(|(id, result)| result.map(|output| (id, output)))
    }

    /// Returns the result of a task that has already finished, without
    /// waiting: `None` if none has, or if the set is empty (check
    /// [`is_empty`](JoinSet::is_empty) to tell them apart). Lets a loop that
    /// keeps spawning into the set reap finished tasks as it goes.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     let mut total = 0;
    ///     // A loop that would do other work between the checks.
    ///     while !set.is_empty() {
    ///         match set.try_join_next() {
    ///             Some(result) => total += result.unwrap(),
    ///             None => corio::task::yield_now().await,
    ///         }
    ///     }
    ///     assert_eq!(total, 1);
    /// });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        // A check that never waits takes what is there, budget or not.
        match budget::unconstrained_sync(|| self.poll_ready(None)) {
            Poll::Ready(result) => result.map(|(_, result)| result),
            Poll::Pending => None,
        }
    }

    fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<(Id, Result<T, JoinError>)>> {
        // With the task's budget spent, every handle would answer Pending
        // and wake the set's own waker, which queues its key again: the
        // loop below would spin forever. Yield instead, as any leaf does.
        if !self.handles.is_empty() && !budget::has_remaining() {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.poll_ready(Some(cx))
    }

    /// Polls the handles that said they may be done; with `cx`, leaves its
    /// waker to be woken when another one is.
    fn poll_ready(
        &mut self,
        cx: Option<&mut Context<'_>>,
    ) -> Poll<Option<(Id, Result<T, JoinError>)>> {
        if self.handles.is_empty() {
            return Poll::Ready(None);
        }
        loop {
            let key = {
                let mut ready = self.ready.lock();
                match ready.keys.pop_front() {
                    Some(key) => key,
                    None => {
                        let replaced = match (&cx, &ready.waiter) {
                            (Some(cx), Some(known)) if known.will_wake(cx.waker()) => None,
                            (Some(cx), _) => ready.waiter.replace(cx.waker().clone()),
                            (None, _) => None,
                        };
                        // A waker's drop may run any code: not under the lock.
                        drop(ready);
                        drop(replaced);
                        return Poll::Pending;
                    }
                }
            };
            // A key can be stale (woken twice, or removed meanwhile).
            let Some((handle, waker)) = self.handles.get_mut(key) else {
                continue;
            };
            let mut task_cx = Context::from_waker(waker);
            if let Poll::Ready(result) = Pin::new(&mut *handle).poll(&mut task_cx) {
                let id = handle.id();
                self.handles.remove(key);
                return Poll::Ready(Some((id, result)));
            }
        }
    }

    /// Aborts every task and waits until all have finished.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current runtime and adds it to the set. The
    /// returned handle aborts the task.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     let abort = set.spawn(std::future::pending::<()>());
    ///     abort.abort();
    ///     let result = set.join_next().await.unwrap();
    ///     assert!(result.unwrap_err().is_cancelled());
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a corio runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> crate::task::AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        // `spawn` is #[track_caller] too: the task keeps this caller's location.
        let handle = super::spawn::spawn(future);
        let abort = handle.abort_handle();
        self.insert(handle);
        abort
    }

    /// Runs a blocking closure on the blocking pool and adds it to the set.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     set.spawn_blocking(|| 6 * 7);
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 42);
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a corio runtime.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> crate::task::AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let handle = crate::blocking::spawn("JoinSet::spawn_blocking", f);
        let abort = handle.abort_handle();
        self.insert(handle);
        abort
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns a `!Send` future on the current `LocalSet` (see
    /// [`spawn_local`](crate::task::spawn_local)) and adds it to the set.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// runtime.block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     let shared = Rc::new(21); // not `Send`
    ///     set.spawn_local(async move { *shared * 2 });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 42);
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a `LocalSet` (as `spawn_local`).
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> crate::task::AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let handle = super::local::spawn_local(future);
        let abort = handle.abort_handle();
        self.insert(handle);
        abort
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

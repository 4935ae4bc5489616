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

use crate::lock::Mutex;
use slab::Slab;

use crate::task::{Id, JoinError, JoinHandle, budget};

mod spawn;

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

    /// Tasks in the set (finished ones count until `join_next`,
    /// `try_join_next` or a `poll_join_next` returns them).
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
        let mut handle = handle;
        // The entry's waker goes to the task now, as tokio's does: each
        // task then puts its key in line as it completes, so `join_next`
        // hands out results in the order the tasks finished even when
        // several finished before the set looked. (Left to the first poll
        // of `join_next`, the tasks that finished before it came out in
        // the order they were spawned.)
        let complete = handle.set_join_waker(&waker);
        entry.insert((handle, waker));
        if !complete {
            return;
        }
        // Already finished: in line now, and a `poll_join_next` parked on
        // the set (another task may be waiting on it while this one
        // spawns) is woken to take it.
        let waiter = {
            let mut ready = self.ready.lock();
            ready.keys.push_back(key);
            ready.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    /// Aborts every task in the set; they stay in it until `join_next`
    /// returns their results: cancelled, unless a task had finished (or
    /// finished in the poll it was running) or is a blocking closure
    /// already started, which runs to its end ([`JoinHandle::abort`]).
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
        poll_fn(|cx| self.poll_next_with_id(cx))
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
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
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

    /// [`try_join_next`](JoinSet::try_join_next) with the finished task's
    /// [`Id`], as [`join_next_with_id`](JoinSet::join_next_with_id) gives it.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     let id = set.spawn(async { "done" }).id();
    ///     let finished = loop {
    ///         match set.try_join_next_with_id() {
    ///             Some(result) => break result.unwrap(),
    ///             None => corio::task::yield_now().await,
    ///         }
    ///     };
    ///     assert_eq!(finished, (id, "done"));
    ///     assert!(set.try_join_next_with_id().is_none(), "empty now");
    /// });
    /// ```
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        match budget::unconstrained_sync(|| self.poll_ready(None)) {
            Poll::Ready(result) => result.map(|(id, result)| result.map(|output| (id, output))),
            Poll::Pending => None,
        }
    }

    /// The poll form of [`join_next`](JoinSet::join_next), for hand-written
    /// futures and streams: `Ready(None)` once the set is empty, else
    /// `Pending` until a task finishes, with `cx`'s waker woken then (or
    /// at once, after yielding, when the task's coop budget is spent).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_core::Stream;
    /// use std::pin::Pin;
    /// use std::task::{Context, Poll};
    ///
    /// /// A set's outputs as a stream.
    /// struct Outputs(corio::task::JoinSet<u32>);
    ///
    /// impl Stream for Outputs {
    ///     type Item = u32;
    ///     fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
    ///         self.0.poll_join_next(cx).map(|done| done.map(Result::unwrap))
    ///     }
    /// }
    ///
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     set.spawn(async { 7 });
    ///     let mut outputs = Outputs(set);
    ///     let first = std::future::poll_fn(|cx| Pin::new(&mut outputs).poll_next(cx)).await;
    ///     assert_eq!(first, Some(7));
    /// });
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_next_with_id(cx)
            .map(|done| done.map(|(_, result)| result))
    }

    /// [`poll_join_next`](JoinSet::poll_join_next) with the finished task's
    /// [`Id`], as [`join_next_with_id`](JoinSet::join_next_with_id) gives it.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     let id = set.spawn(async { 'x' }).id();
    ///     let done = std::future::poll_fn(|cx| set.poll_join_next_with_id(cx)).await;
    ///     assert_eq!(done.unwrap().unwrap(), (id, 'x'));
    /// });
    /// ```
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        self.poll_next_with_id(cx)
            .map(|done| done.map(|(id, result)| result.map(|output| (id, output))))
    }

    /// Waits for every task and returns their outputs, in the order they
    /// finished (not the order they were spawned), as tokio's does.
    ///
    /// # Panics
    /// If a task panicked (the panic goes on in the caller) or was
    /// cancelled; the tasks still in the set are aborted as the set is
    /// dropped while the panic unwinds (a panic hook still sees them
    /// running). Use [`join_next`](JoinSet::join_next) to handle those
    /// cases one by one.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     for i in 1..=3u32 {
    ///         set.spawn(async move { i * i });
    ///     }
    ///     let mut squares = set.join_all().await;
    ///     squares.sort();
    ///     assert_eq!(squares, [1, 4, 9]);
    /// });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len());
        while let Some(result) = self.join_next().await {
            match result {
                Ok(output) => outputs.push(output),
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                Err(error) => panic!("JoinSet::join_all: {error}"),
            }
        }
        outputs
    }

    fn poll_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<(Id, Result<T, JoinError>)>> {
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

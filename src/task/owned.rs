//! The owned-task list: every live task of a runtime, so that shutdown can
//! cancel each exactly once and the task dump can list them.
//!
//! Each task's header carries `prev`/`next` pointers (an intrusive list: no
//! allocation per task). The list is split into shards, each behind its own
//! lock, and a task lives in the shard its id selects, so a spawn on one
//! worker and a completion on another rarely touch the same lock.
//!
//! Closing is the subtle part. `close` sets `closed` and then takes every
//! shard's lock; `bind` reads `closed` while holding its shard's lock. So a
//! `bind` either happened before `close` locked that shard (and the task is in
//! the list, where shutdown finds it) or after (and it sees `closed` and
//! cancels the task itself). No task escapes shutdown.

use std::ptr::NonNull;

use super::raw::{Header, Notified, RawTask, Task};
use crate::loom::Mutex;
use crate::loom::atomic::{AtomicBool, Ordering};

/// Shards by task id. Under loom one shard keeps each model deterministic
/// (ids come from a process-wide counter, so they differ between runs).
const SHARDS: usize = if cfg!(loom) { 1 } else { 32 };

#[repr(align(64))]
struct Shard {
    list: Mutex<List>,
}

#[derive(Default)]
struct List {
    head: Option<NonNull<Header>>,
    len: usize,
    /// Tasks ever bound to this shard (a metric, free under the lock).
    bound: u64,
}

// SAFETY: the list only holds pointers to task headers, which are Sync, and
// only follows them under the shard lock.
unsafe impl Send for List {}

/// Every live task of one runtime.
pub(crate) struct OwnedTasks<S: 'static> {
    shards: Box<[Shard]>,
    closed: AtomicBool,
    _scheduler: std::marker::PhantomData<fn(S)>,
}

impl<S: 'static> OwnedTasks<S> {
    pub(crate) fn new() -> OwnedTasks<S> {
        Self::with_shards(SHARDS)
    }

    /// A list with `n` shards (a power of two). A `LocalSet`'s tasks are
    /// all bound and removed on one thread, so one shard does there, and a
    /// current-thread `block_on` (which makes one each call) does not
    /// allocate and walk 32.
    pub(crate) fn with_shards(n: usize) -> OwnedTasks<S> {
        assert!(n.is_power_of_two(), "{n} shards");
        OwnedTasks {
            shards: (0..n)
                .map(|_| Shard {
                    list: Mutex::new(List::default()),
                })
                .collect(),
            closed: AtomicBool::new(false),
            _scheduler: std::marker::PhantomData,
        }
    }

    fn shard(&self, header: &Header) -> &Shard {
        self.shard_of(header.id().as_u64())
    }

    /// The one shard a task with id `id` can be in.
    fn shard_of(&self, id: u64) -> &Shard {
        &self.shards[id as usize & (self.shards.len() - 1)]
    }

    /// Adds a new task. Returns its first `Notified` to queue, or `None` if
    /// the runtime is shutting down (the task is then cancelled here).
    pub(crate) fn bind(&self, task: Task<S>, notified: Notified<S>) -> Option<Notified<S>> {
        let shard = self.shard(task.header());
        let mut list = shard.list.lock();
        if self.closed.load(Ordering::Acquire) {
            drop(list);
            drop(notified);
            task.shutdown();
            return None;
        }
        list.bound += 1;
        let node = task.into_raw().header_ptr();
        // SAFETY: we hold the shard lock, which guards every link in it.
        unsafe { push_front(&mut list, node) };
        Some(notified)
    }

    /// Takes a completed task out of the list, returning the list's
    /// reference, or `None` if shutdown already took it out.
    pub(crate) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let shard = self.shard(task.header());
        let mut list = shard.list.lock();
        // SAFETY: the shard lock is held, and this task can only be in this shard.
        let removed = unsafe { unlink(&mut list, task.raw().header_ptr()) };
        // SAFETY: the list's reference is handed back to the caller.
        removed.then(|| unsafe { Task::from_raw(task.raw()) })
    }

    /// Refuses new tasks from now on, then cancels every task in the list,
    /// each exactly once. Never holds a lock while a future is dropped (a
    /// future's Drop may spawn or wake).
    pub(crate) fn close_and_shutdown_all(&self) {
        self.closed.store(true, Ordering::Release);
        for shard in self.shards.iter() {
            loop {
                let task = {
                    let mut list = shard.list.lock();
                    let Some(head) = list.head else { break };
                    // SAFETY: the shard lock is held and `head` is in this shard.
                    unsafe { unlink(&mut list, head) };
                    // SAFETY: the list's reference moves to us.
                    unsafe { Task::<S>::from_raw(RawTask::from_header(head)) }
                };
                task.shutdown();
            }
        }
    }

    /// How many tasks are alive (spawned and not yet complete).
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.list.lock().len).sum()
    }

    /// How many tasks were ever spawned on this list.
    pub(crate) fn spawned(&self) -> u64 {
        self.shards.iter().map(|s| s.list.lock().bound).sum()
    }

    /// Calls `f` on the header of the live task with id `id`, if any,
    /// under its shard's lock (the one shard an id can be in).
    pub(crate) fn with_task<R>(&self, id: u64, f: impl FnOnce(&Header) -> R) -> Option<R> {
        let list = self.shard_of(id).list.lock();
        let mut f = Some(f);
        let mut found = None;
        walk(&list, |header| {
            if header.id().as_u64() != id {
                return false;
            }
            found = f.take().map(|f| f(header));
            true
        });
        found
    }

    /// Calls `f` on every live task's header, one shard lock at a time.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Header)) {
        for shard in self.shards.iter() {
            walk(&shard.list.lock(), |header| {
                f(header);
                false
            });
        }
    }
}

/// Calls `f` on each header of `list`, head first, until it returns true.
/// Taking `&List` means its shard lock is held: a `List` is only reached
/// through its guard.
fn walk(list: &List, mut f: impl FnMut(&Header) -> bool) {
    let mut cursor = list.head;
    while let Some(node) = cursor {
        // SAFETY: nodes in the list are alive (the list holds a reference)
        // and their links are guarded by the lock the caller holds.
        let header = unsafe { node.as_ref() };
        if f(header) {
            return;
        }
        // SAFETY: as above.
        cursor = unsafe { (*header.links.get()).next };
    }
}

/// # Safety
/// The caller holds the lock guarding `list`, and `node` is in no list.
unsafe fn push_front(list: &mut List, node: NonNull<Header>) {
    // SAFETY: the lock is held; `node` and the old head are live headers.
    unsafe {
        let links = &mut *node.as_ref().links.get();
        links.prev = None;
        links.next = list.head;
        if let Some(head) = list.head {
            (*head.as_ref().links.get()).prev = Some(node);
        }
    }
    list.head = Some(node);
    list.len += 1;
}

/// Unlinks `node` if it is in `list`; returns whether it was.
///
/// # Safety
/// The caller holds the lock guarding `list`, and `node` is either in `list`
/// or in no list.
unsafe fn unlink(list: &mut List, node: NonNull<Header>) -> bool {
    // SAFETY: the lock is held; all nodes reached are live headers.
    unsafe {
        let links = &mut *node.as_ref().links.get();
        match links.prev {
            Some(prev) => (*prev.as_ref().links.get()).next = links.next,
            None if list.head == Some(node) => list.head = links.next,
            None => return false,
        }
        if let Some(next) = links.next {
            (*next.as_ref().links.get()).prev = links.prev;
        }
        links.prev = None;
        links.next = None;
    }
    list.len -= 1;
    true
}

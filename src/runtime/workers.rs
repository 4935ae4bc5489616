//! The runtime's worker threads: one per worker at `build`, and another
//! each time a task calls `task::block_in_place`, which hands its worker's
//! core to another thread (`scheduler/handoff.rs`): a spare (below), or a
//! new one. A thread is named after the worker it was started for; a spare
//! may later run another one.
//!
//! Shutdown waits for them in two groups. Threads that hold a core finish
//! the poll they are in and leave; it waits for those first, with its
//! deadline. A thread that gave its core away (*detached*) may be blocked
//! in a `block_in_place` closure that waits on the runtime itself (a
//! `Handle::block_on` of one of its tasks): it can only end once the
//! tasks are cancelled and the driver stopped, so shutdown waits for the
//! detached ones after that, as it waits for the blocking pool.
//!
//! A thread whose worker loop ended (it gave its core away, or found none
//! to take) does not exit at once: it stays as a *spare* for the blocking
//! pool's keep-alive, and the next `block_in_place` hands its core to a
//! spare instead of starting a thread. Starting one costs tens of
//! microseconds, several times a short closure's whole hand-over (tokio
//! takes its new worker from its blocking pool for the same reason).

use std::cell::Cell;
use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Weak};
use std::thread;
use std::time::{Duration, Instant};

use crate::lock::{self, Condvar, Mutex};

use super::builder::{Builder, ThreadName};
use super::context;
use super::driver;
use super::handle::{Handle, Inner};
use crate::blocking;
use crate::scheduler::{self, Respawn, WorkerThreads};

thread_local! {
    /// The `Workers` this thread is one of (compared, never dereferenced).
    static OWNER: Cell<*const Workers> = const { Cell::new(std::ptr::null()) };
    /// The `Workers` whose core this worker thread gave away, if it did
    /// (a pointer, not a flag: a closure blocked in place may build and
    /// drop a runtime of its own, whose counts are not these).
    static DETACHED: Cell<*const Workers> = const { Cell::new(std::ptr::null()) };
}

/// Whether the calling thread is a worker thread of some multi-thread
/// runtime (still, after it gave its core away in `block_in_place`).
pub(crate) fn on_a_worker_thread() -> bool {
    !OWNER.with(Cell::get).is_null()
}

/// What starting a worker thread needs, and the threads started.
pub(super) struct Workers {
    thread_name: ThreadName,
    stack_size: Option<usize>,
    on_start: Option<blocking::ThreadHook>,
    on_stop: Option<blocking::ThreadHook>,
    /// How long a spare waits for a core before it exits.
    keep_alive: Duration,
    counts: Mutex<Counts>,
    exited: Condvar,
    spares: Mutex<Spares>,
    /// Wakes a spare: a worker to run, or the runtime is shutting down.
    hand_over: Condvar,
    handles: Mutex<Vec<thread::JoinHandle<()>>>,
}

/// Threads still running, so shutdown can wait for them with a deadline.
#[derive(Default)]
struct Counts {
    /// Holding a core (or about to claim one).
    running: usize,
    /// Gave their core away (`block_in_place`), not yet ended.
    detached: usize,
    /// Between two worker loops: waiting as spares, or ending.
    spare: usize,
}

/// The spares' meeting point with `start`.
#[derive(Default)]
struct Spares {
    /// Spares waiting, less those claimed by a queued worker: how many
    /// more workers the spares can take now.
    idle: usize,
    /// Workers to run, each already counted as running, for the spares.
    queued: VecDeque<(Handle, usize)>,
    /// Shutdown began: spares exit instead of waiting.
    closing: bool,
}

impl Workers {
    pub(super) fn new(builder: &Builder) -> Arc<Workers> {
        Arc::new(Workers {
            thread_name: builder.thread_name.clone(),
            stack_size: builder.thread_stack_size,
            on_start: builder.on_thread_start.clone(),
            on_stop: builder.on_thread_stop.clone(),
            keep_alive: builder.blocking_keep_alive,
            counts: Mutex::new(Counts::default()),
            exited: Condvar::new(),
            spares: Mutex::new(Spares::default()),
            hand_over: Condvar::new(),
            handles: Mutex::new(Vec::new()),
        })
    }

    /// Runs worker `index` of `handle`'s runtime (if its core is free when
    /// the thread gets there) on a spare thread, or on a new one if no
    /// spare waits.
    pub(super) fn start(self: &Arc<Self>, handle: &Handle, index: usize) -> io::Result<()> {
        // Counted before any thread takes it, so that a shutdown in between
        // waits for it.
        self.counts.lock().running += 1;
        let mut spares = self.spares.lock();
        if !spares.closing && spares.idle > 0 {
            spares.idle -= 1; // claimed: this worker is its
            spares.queued.push_back((handle.clone(), index));
            drop(spares);
            self.hand_over.notify_one();
            return Ok(());
        }
        drop(spares);
        self.spawn(handle.clone(), index)
    }

    /// A new thread for worker `index`, already counted as running.
    fn spawn(self: &Arc<Self>, handle: Handle, index: usize) -> io::Result<()> {
        let mut thread = thread::Builder::new()
            .name(self.thread_name.for_thread(format_args!("worker-{index}")));
        if let Some(size) = self.stack_size {
            thread = thread.stack_size(size);
        }
        let workers = self.clone();
        // The thread's guards are made in the thread, so that a failed
        // spawn, which drops the closure here, counts nothing out.
        let spawned = thread.spawn(move || {
            OWNER.with(|o| o.set(Arc::as_ptr(&workers)));
            let _alive = Alive(workers.clone());
            // Counted as running by `start`; first made here, so that a
            // panic before the loop still counts the thread out.
            let mut first = Some(Running(workers.clone()));
            let _slack = driver::precise_timer_slack();
            // The hooks run inside the runtime, as tokio's do: one may call
            // `Handle::current()` or spawn, and, outside the worker loop,
            // block (`corio::block_on` an initialisation, say).
            let hooks = context::enter(&handle, false);
            blocking::run_thread_hook(workers.on_start.as_ref());
            let mut next = Some((handle, index));
            while let Some((handle, index)) = next {
                let running = first.take().unwrap_or_else(|| Running(workers.clone()));
                {
                    let _enter = context::enter(&handle, true);
                    let scheduler = handle.inner.scheduler.clone();
                    drop(handle);
                    scheduler::run_worker(scheduler, index);
                }
                if workers.closing() {
                    // Ended by the shutdown: the stop hook runs while the
                    // thread still counts as running (or detached), so a
                    // shutdown cancels the tasks only after the hooks of
                    // the threads it waits for, as it always did.
                    blocking::run_thread_hook(workers.on_stop.as_ref());
                    drop(hooks);
                    drop(running);
                    return;
                }
                drop(running);
                next = workers.wait_as_spare();
            }
            blocking::run_thread_hook(workers.on_stop.as_ref());
            drop(hooks);
        });
        let spawned = match spawned {
            Ok(spawned) => spawned,
            Err(error) => {
                self.counts.lock().running -= 1;
                self.exited.notify_all();
                return Err(error);
            }
        };
        let mut handles = self.handles.lock();
        // Threads that ended (spares that waited in vain) need no join.
        handles.retain(|thread| !thread.is_finished());
        handles.push(spawned);
        Ok(())
    }

    /// Waits, as a spare, for a worker to run: `None` once the keep-alive
    /// passes with none, or the runtime shuts down.
    fn wait_as_spare(&self) -> Option<(Handle, usize)> {
        let deadline = Instant::now().checked_add(self.keep_alive);
        let mut spares = self.spares.lock();
        spares.idle += 1;
        let next = loop {
            // A queued worker first, even when closing: it was counted as
            // running, and its caller counts on a thread to come.
            if let Some(next) = spares.queued.pop_front() {
                break Some(next);
            }
            let timed_out = match deadline {
                _ if spares.closing => true,
                Some(deadline) => {
                    let timed_out;
                    (spares, timed_out) = self.hand_over.wait_until(spares, deadline);
                    timed_out
                }
                None => {
                    spares = self.hand_over.wait(spares);
                    false
                }
            };
            if timed_out && spares.queued.is_empty() {
                spares.idle -= 1; // unclaimed, as nothing is queued
                break None;
            }
        };
        drop(spares);
        if next.is_some() {
            // Running again: `start` counted it as running already.
            self.counts.lock().spare -= 1;
        }
        next
    }

    /// Whether shutdown began (`close_spares`).
    fn closing(&self) -> bool {
        self.spares.lock().closing
    }

    /// Spares waiting now.
    #[cfg(test)]
    pub(super) fn idle_spares(&self) -> usize {
        self.spares.lock().idle
    }

    /// Shutdown begins: the spares exit, and no new one waits. Called
    /// before the workers are told, so that a loop the shutdown ends sees
    /// it (`closing`).
    pub(super) fn close_spares(&self) {
        self.spares.lock().closing = true;
        self.hand_over.notify_all();
    }

    /// What `block_in_place` calls on. A `Weak`: the scheduler that keeps
    /// it belongs to the runtime.
    pub(super) fn respawner(self: &Arc<Self>, runtime: Weak<Inner>) -> Respawn {
        Box::new(Respawner {
            workers: self.clone(),
            runtime,
        })
    }

    /// Whether the calling thread is one of the workers.
    pub(super) fn is_current(&self) -> bool {
        OWNER.with(Cell::get) == std::ptr::from_ref(self)
    }

    /// Waits until no thread holds a core or is about to claim one (a
    /// thread started for a hand-over counts until it has found its core,
    /// or found none), or `deadline` passes. The threads do not exit: they
    /// stop running workers, and wait as spares or leave.
    pub(super) fn wait_running(&self, deadline: Option<Instant>) {
        let counts = self.counts.lock();
        let _ = lock::wait_while_until(&self.exited, counts, deadline, |c| c.running > 0);
    }

    /// Whether the calling thread is one of the workers and has given its
    /// core away (it is inside a `block_in_place` closure).
    pub(super) fn is_detached_here(&self) -> bool {
        DETACHED.with(Cell::get) == std::ptr::from_ref(self)
    }

    /// Waits until every thread has exited, detached ones included, or
    /// `deadline` passes. Without a deadline (a drop), then joins them;
    /// with one, leaves them to end on their own: a thread that left its
    /// loop may still be dropping its thread-locals (a value a task left
    /// there with a slow `Drop`), which no deadline can cut short, as in
    /// the blocking pool. Called from a detached worker thread (a runtime
    /// dropped inside a `block_in_place` closure), it waits for all the
    /// others: that one exits after the closure.
    pub(super) fn wait_all(&self, deadline: Option<Instant>) {
        let this_one = usize::from(self.is_detached_here());
        let (counts, exited) =
            lock::wait_while_until(&self.exited, self.counts.lock(), deadline, |c| {
                c.running + c.detached + c.spare > this_one
            });
        drop(counts);
        let handles = std::mem::take(&mut *self.handles.lock());
        if exited && deadline.is_none() {
            let me = thread::current().id();
            for worker in handles {
                if worker.thread().id() != me {
                    let _ = worker.join();
                }
            }
        }
    }
}

struct Respawner {
    workers: Arc<Workers>,
    runtime: Weak<Inner>,
}

impl WorkerThreads for Respawner {
    fn start(&self, index: usize) -> io::Result<()> {
        let inner = self
            .runtime
            .upgrade()
            .ok_or_else(|| io::Error::other("the runtime is gone"))?;
        self.workers.start(&Handle { inner }, index)
    }

    fn set_detached(&self, detached: bool) {
        let mine = Arc::as_ptr(&self.workers);
        let now = if detached { mine } else { std::ptr::null() };
        if DETACHED.with(|d| d.replace(now)) == now {
            return;
        }
        let mut counts = self.workers.counts.lock();
        if detached {
            counts.running -= 1;
            counts.detached += 1;
        } else {
            counts.detached -= 1;
            counts.running += 1;
        }
        drop(counts);
        self.workers.exited.notify_all();
    }
}

/// Held by a thread for one run of the worker loop; counts it out of the
/// running (or detached) threads when the loop ends (even by a panic), and
/// in among the spares until it runs again or exits.
struct Running(Arc<Workers>);

impl Drop for Running {
    fn drop(&mut self) {
        let mut counts = self.0.counts.lock();
        let mine = Arc::as_ptr(&self.0);
        if DETACHED.with(|d| d.get() == mine) {
            DETACHED.with(|d| d.set(std::ptr::null()));
            counts.detached -= 1;
        } else {
            counts.running -= 1;
        }
        counts.spare += 1;
        drop(counts);
        self.0.exited.notify_all();
    }
}

/// Held by a worker thread for its whole life; counts it out of the
/// spares when it ends.
struct Alive(Arc<Workers>);

impl Drop for Alive {
    fn drop(&mut self) {
        // A thread that ends by a panic inside the loop was no spare yet:
        // its `Running`, dropped first, made it one.
        self.0.counts.lock().spare -= 1;
        self.0.exited.notify_all();
    }
}

//! The runtime's worker threads: one per worker at `build`, and one more
//! each time a task calls `task::block_in_place`, which hands its worker's
//! core to a new thread (`scheduler/handoff.rs`).
//!
//! Shutdown waits for them in two groups. Threads that hold a core finish
//! the poll they are in and leave; it waits for those first, with its
//! deadline. A thread that gave its core away (*detached*) may be blocked
//! in a `block_in_place` closure that waits on the runtime itself (a
//! `Handle::block_on` of one of its tasks): it can only end once the
//! tasks are cancelled and the driver stopped, so shutdown waits for the
//! detached ones after that, as it waits for the blocking pool.

use std::cell::Cell;
use std::io;
use std::sync::{Arc, Weak};
use std::thread;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use super::builder::Builder;
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

/// What starting a worker thread needs, and the threads started.
pub(super) struct Workers {
    thread_name: Arc<str>,
    stack_size: Option<usize>,
    on_start: Option<blocking::ThreadHook>,
    on_stop: Option<blocking::ThreadHook>,
    counts: Mutex<Counts>,
    exited: Condvar,
    handles: Mutex<Vec<thread::JoinHandle<()>>>,
}

/// Threads still running, so shutdown can wait for them with a deadline.
#[derive(Default)]
struct Counts {
    /// Holding a core (or about to claim one).
    running: usize,
    /// Gave their core away (`block_in_place`), not yet ended.
    detached: usize,
}

impl Workers {
    pub(super) fn new(builder: &Builder) -> Arc<Workers> {
        Arc::new(Workers {
            thread_name: builder.thread_name.clone(),
            stack_size: builder.thread_stack_size,
            on_start: builder.on_thread_start.clone(),
            on_stop: builder.on_thread_stop.clone(),
            counts: Mutex::new(Counts::default()),
            exited: Condvar::new(),
            handles: Mutex::new(Vec::new()),
        })
    }

    /// Starts a thread that runs worker `index` of `handle`'s runtime (if
    /// its core is free when the thread gets there).
    pub(super) fn start(self: &Arc<Self>, handle: &Handle, index: usize) -> io::Result<()> {
        let mut thread =
            thread::Builder::new().name(format!("{}-worker-{index}", self.thread_name));
        if let Some(size) = self.stack_size {
            thread = thread.stack_size(size);
        }
        let handle = handle.clone();
        // Counted before the thread exists, so that a shutdown in between
        // waits for it; its guard is made in the thread, so that a failed
        // spawn, which drops the closure here, counts nothing out.
        self.counts.lock().running += 1;
        let workers = self.clone();
        let spawned = thread.spawn(move || {
            OWNER.with(|o| o.set(Arc::as_ptr(&workers)));
            let _running = Running(workers.clone());
            let _slack = driver::precise_timer_slack();
            // The hooks run inside the runtime, as tokio's do: one may call
            // `Handle::current()` or spawn, and, outside the worker loop,
            // block (`corio::block_on` an initialisation, say).
            let _hooks = context::enter(&handle, false);
            blocking::run_thread_hook(workers.on_start.as_ref());
            {
                let _enter = context::enter(&handle, true);
                let scheduler = handle.inner.scheduler.clone();
                drop(handle);
                scheduler::run_worker(scheduler, index);
            }
            blocking::run_thread_hook(workers.on_stop.as_ref());
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
        // Threads that ended (those `block_in_place` left) need no join.
        handles.retain(|thread| !thread.is_finished());
        handles.push(spawned);
        Ok(())
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

    /// Waits until every thread holding a core has exited, or `deadline`
    /// passes.
    pub(super) fn wait_running(&self, deadline: Option<Instant>) {
        let mut counts = self.counts.lock();
        crate::loom::wait_while_until(&self.exited, &mut counts, deadline, |c| c.running > 0);
    }

    /// Waits until every thread has exited, detached ones included, or
    /// `deadline` passes; joins them if they all exited, else leaves them
    /// detached.
    pub(super) fn wait_all(&self, deadline: Option<Instant>) {
        let exited = {
            let mut counts = self.counts.lock();
            crate::loom::wait_while_until(&self.exited, &mut counts, deadline, |c| {
                c.running + c.detached > 0
            })
        };
        let handles = std::mem::take(&mut *self.handles.lock());
        if exited {
            for worker in handles {
                let _ = worker.join();
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

/// Held by a worker thread; counts it out when the thread ends (even by a
/// panic).
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
        drop(counts);
        self.0.exited.notify_all();
    }
}

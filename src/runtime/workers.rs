//! The runtime's worker threads: one per worker at `build`, and one more
//! each time a task calls `task::block_in_place`, which hands its worker's
//! core to a new thread (`scheduler/handoff.rs`). Shutdown waits for all
//! of them, with a deadline, through one count.

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
use crate::scheduler::{self, Respawn};

/// What starting a worker thread needs, and the threads started.
pub(super) struct Workers {
    thread_name: Arc<str>,
    stack_size: Option<usize>,
    on_start: Option<blocking::ThreadHook>,
    on_stop: Option<blocking::ThreadHook>,
    /// Threads still running, so shutdown can wait for them with a
    /// deadline.
    running: Mutex<usize>,
    exited: Condvar,
    handles: Mutex<Vec<thread::JoinHandle<()>>>,
}

impl Workers {
    pub(super) fn new(builder: &Builder) -> Arc<Workers> {
        Arc::new(Workers {
            thread_name: builder.thread_name.clone(),
            stack_size: builder.thread_stack_size,
            on_start: builder.on_thread_start.clone(),
            on_stop: builder.on_thread_stop.clone(),
            running: Mutex::new(0),
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
        *self.running.lock() += 1;
        let running = Running(self.clone());
        let workers = self.clone();
        let spawned = thread.spawn(move || {
            let _running = running;
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
        })?;
        let mut handles = self.handles.lock();
        // Threads that ended (those `block_in_place` left) need no join.
        handles.retain(|thread| !thread.is_finished());
        handles.push(spawned);
        Ok(())
    }

    /// What `block_in_place` calls to start a thread for a freed core. A
    /// `Weak`: the scheduler that keeps it belongs to the runtime.
    pub(super) fn respawner(self: &Arc<Self>, runtime: Weak<Inner>) -> Respawn {
        let workers = self.clone();
        Box::new(move |index| {
            let inner = runtime
                .upgrade()
                .ok_or_else(|| io::Error::other("the runtime is gone"))?;
            workers.start(&Handle { inner }, index)
        })
    }

    /// Whether the calling thread is one of the workers.
    pub(super) fn is_current(&self) -> bool {
        let me = thread::current().id();
        self.handles.lock().iter().any(|w| w.thread().id() == me)
    }

    /// Waits until every worker thread has exited, or `deadline` passes;
    /// joins them if they all exited (true), else leaves them detached.
    pub(super) fn wait(&self, deadline: Option<Instant>) -> bool {
        let exited = {
            let mut running = self.running.lock();
            crate::loom::wait_while_until(&self.exited, &mut running, deadline, |n| *n > 0)
        };
        let handles = std::mem::take(&mut *self.handles.lock());
        if exited {
            for worker in handles {
                let _ = worker.join();
            }
        }
        exited
    }
}

/// Held by a worker thread; counts it out when the thread ends (even by a
/// panic).
struct Running(Arc<Workers>);

impl Drop for Running {
    fn drop(&mut self) {
        *self.0.running.lock() -= 1;
        self.0.exited.notify_all();
    }
}

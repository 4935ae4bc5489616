//! The worker loop: find a task, run it, repeat; search, then park.
//!
//! ```text
//!   loop {
//!       every 61st tick: injector first           (fairness for outside work)
//!       every event_interval ticks: poll driver   (timers and I/O while busy)
//!       LIFO slot (≤ 3 in a row) ► local queue ► injector
//!       else search: steal half of a random victim's queue
//!       else park (final check first: see the race in `mod.rs`)
//!   }
//! ```
//!
//! A worker's `Core` (its queues, tick and search flag) lives in a
//! thread-local `Context` while the worker runs, so that a task woken on this
//! thread can be pushed straight into the LIFO slot without any lock.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crossbeam_deque::{Steal, Stealer, Worker};

use super::{Handle, Shared};
use crate::loom::atomic::{Ordering, fence};
use crate::task::Notified;

/// At most this many LIFO polls in a row before the slot's task is moved to
/// the back of the queue (tokio uses the same bound).
const MAX_LIFO_POLLS: u32 = 3;

/// What a worker owns: its queues and counters.
pub(crate) struct Core {
    index: usize,
    local: Worker<Notified<Handle>>,
    lifo: Option<Notified<Handle>>,
    lifo_polls: u32,
    tick: u32,
    is_searching: bool,
    rng: u32,
}

impl Core {
    pub(super) fn new(index: usize) -> Core {
        Core {
            index,
            local: Worker::new_fifo(),
            lifo: None,
            lifo_polls: 0,
            tick: 0,
            is_searching: false,
            rng: 0x9E37_79B9 ^ (index as u32).wrapping_mul(0x85EB_CA6B) | 1,
        }
    }

    pub(super) fn stealer(&self) -> Stealer<Notified<Handle>> {
        self.local.stealer()
    }

    /// xorshift32: a cheap, good-enough source of random victims.
    fn next_random(&mut self, bound: usize) -> usize {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        (x as usize) % bound
    }

    fn next_task(&mut self, shared: &Shared) -> Option<Notified<Handle>> {
        self.tick = self.tick.wrapping_add(1);
        if self.tick % shared.config.global_queue_interval == 0 {
            if let Some(task) = shared.steal_injector(&self.local) {
                return Some(task);
            }
        }
        if let Some(task) = self.lifo.take() {
            if self.lifo_polls < MAX_LIFO_POLLS {
                self.lifo_polls += 1;
                return Some(task);
            }
            self.local.push(task);
        }
        self.lifo_polls = 0;
        self.local
            .pop()
            .or_else(|| shared.steal_injector(&self.local))
    }

    fn steal(&mut self, shared: &Shared) -> Option<Notified<Handle>> {
        let n = shared.remotes.len();
        let start = self.next_random(n);
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            loop {
                match shared.remotes[victim]
                    .stealer
                    .steal_batch_and_pop(&self.local)
                {
                    Steal::Success(task) => return Some(task),
                    Steal::Empty => break,
                    Steal::Retry => continue,
                }
            }
        }
        shared.steal_injector(&self.local)
    }

    fn has_local_work(&self) -> bool {
        self.lifo.is_some() || !self.local.is_empty()
    }

    /// Whether a newly queued task deserves waking another worker: only if
    /// this worker already has more queued than it is about to run.
    fn should_notify_others(&self) -> bool {
        !self.is_searching && usize::from(self.lifo.is_some()) + self.local.len() > 1
    }
}

/// The per-thread state of a running worker.
struct Context {
    shared: Handle,
    core: RefCell<Box<Core>>,
}

thread_local! {
    static CURRENT: Cell<*const Context> = const { Cell::new(std::ptr::null()) };
}

/// Queues `task`: into this worker's LIFO slot (or its queue, for a yield)
/// if called on a worker of `handle`'s runtime, else into the injector.
pub(super) fn schedule(handle: &Handle, task: Notified<Handle>, is_yield: bool) {
    let task = CURRENT.with(|current| {
        let ptr = current.get();
        if ptr.is_null() {
            return Some(task);
        }
        // SAFETY: the pointer is set only while `run_worker` keeps the
        // Context alive on this thread's stack.
        let cx = unsafe { &*ptr };
        if !Arc::ptr_eq(&cx.shared, handle) {
            return Some(task);
        }
        // Busy means the loop itself is queueing (e.g. while dropping):
        // fall back to the injector rather than re-borrowing.
        let Ok(mut core) = cx.core.try_borrow_mut() else {
            return Some(task);
        };
        if is_yield {
            core.local.push(task);
        } else if let Some(previous) = core.lifo.replace(task) {
            core.local.push(previous);
        }
        if core.should_notify_others() {
            drop(core);
            cx.shared.notify_parked();
        }
        None
    });
    if let Some(task) = task {
        handle.schedule_remote(task);
    }
}

/// Runs worker `index` on the current thread until the runtime shuts down.
pub(crate) fn run_worker(shared: Handle, index: usize) {
    let core = shared.take_core(index);
    let cx = Context {
        shared,
        core: RefCell::new(core),
    };
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(std::ptr::null()));
        }
    }
    CURRENT.with(|c| c.set(&cx));
    let _reset = Reset;
    cx.run();
    // Drop what is still queued here; the owned list cancels the futures.
    let mut core = cx.core.borrow_mut();
    drop(core.lifo.take());
    while let Some(task) = core.local.pop() {
        drop(task);
    }
}

impl Context {
    fn run(&self) {
        let shared = &*self.shared;
        while !shared.is_shutdown() {
            let (task, maintenance) = {
                let mut core = self.core.borrow_mut();
                let maintenance = core.tick % shared.config.event_interval == 0;
                (core.next_task(shared), maintenance)
            };
            if maintenance {
                super::Parker::poll_driver(&shared.driver_lock, &*shared.driver);
            }
            let task = match task {
                Some(task) => task,
                None => match self.search() {
                    Some(task) => task,
                    None => {
                        self.park();
                        continue;
                    }
                },
            };
            self.run_task(task);
        }
    }

    fn search(&self) -> Option<Notified<Handle>> {
        let shared = &*self.shared;
        let mut core = self.core.borrow_mut();
        if !core.is_searching {
            core.is_searching = shared.idle.transition_worker_to_searching();
            if !core.is_searching {
                return None;
            }
        }
        core.steal(shared)
    }

    fn run_task(&self, task: Notified<Handle>) {
        let was_searching = std::mem::replace(&mut self.core.borrow_mut().is_searching, false);
        if was_searching && self.shared.idle.transition_worker_from_searching() {
            // We were the last searcher and found work: there may be more,
            // so get someone else looking.
            self.shared.notify_parked();
        }
        task.run();
    }

    fn park(&self) {
        let shared = &*self.shared;
        let index = {
            let mut core = self.core.borrow_mut();
            let is_searching = std::mem::replace(&mut core.is_searching, false);
            shared
                .idle
                .transition_worker_to_parked(core.index, is_searching);
            core.index
        };
        // Step 2 of the race in `mod.rs`: StoreLoad, then look once more.
        fence(Ordering::SeqCst);
        loop {
            if shared.has_pending_work()
                || shared.is_shutdown()
                || self.core.borrow().has_local_work()
            {
                self.wake_up(index);
                return;
            }
            shared.remotes[index]
                .parker
                .park(&shared.driver_lock, &*shared.driver);
            if !shared.idle.is_parked(index) {
                // A notifier took us off the sleeper list and counted us as
                // searching.
                self.core.borrow_mut().is_searching = true;
                return;
            }
        }
    }

    /// Leaves the sleeper list on our own (work found in the final check, or
    /// queued by the driver on this thread).
    fn wake_up(&self, index: usize) {
        if !self.shared.idle.unpark_worker_by_id(index) {
            // Someone unparked us first and counted us as searching.
            self.core.borrow_mut().is_searching = true;
        }
    }
}

//! The worker loop: find a task, run it, repeat; search, then park.
//!
//! ```text
//!   loop {
//!       every 61st tick: injector first           (fairness for outside work)
//!       every event_interval ticks: poll driver   (timers and I/O while busy)
//!       LIFO slot (≤ 3 in a row) ► local queue ► injector
//!       else, on two workers or more, after a task, unless a peer is
//!            stranded or sleeps in the driver: poll the driver once
//!            without waiting (ready I/O stays here; first yield the CPU
//!            if no peer has work)
//!       else search: steal about half of a victim's queue (random start)
//!       else park (final check first: see the race in `mod.rs`)
//!   }
//! ```
//!
//! A worker's `Core` (its queue and counters, in `queue.rs`) lives in a thread-local
//! `Context` while the worker runs, so that a task woken on this thread is
//! pushed straight into this worker's LIFO slot without any lock.

use std::cell::{Cell, RefCell};
use std::time::Instant;

use super::io_first::Peers;
use super::queue::Core;
use super::remote::{Remote, WorkerStats};
use super::{Handle, Parker, Shared};
use crate::loom::atomic::{Ordering, fence};
use crate::task::Notified;

/// The per-thread state of a running worker.
pub(super) struct Context {
    pub(super) shared: Handle,
    pub(super) core: RefCell<Box<Core>>,
    pub(super) index: usize,
    /// Set when `block_in_place` gave the core away inside the task being
    /// polled (`handoff.rs`): the loop ends after that poll, unless the
    /// closure's end took the core back (`TakeBack::try_now`).
    pub(super) detached: Cell<bool>,
    /// Set while `run_task` polls a task: only then may the core be handed
    /// away (the loop checks `detached` only after a poll; a hook or a
    /// waker run while it parks must not hand it off).
    pub(super) polling: Cell<bool>,
    /// Strong references to `shared` this worker holds in stock (see
    /// `refs.rs`).
    pub(super) refs: Cell<usize>,
    /// How many references the next refill takes: 8 at first, doubling up
    /// to `REF_BATCH`, so a short-lived context (a current-thread
    /// `block_on` that spawns once) takes and gives back a handful.
    pub(super) ref_batch: Cell<usize>,
    /// Set while the driver fires timers on this thread (`from_the_driver`).
    pub(super) from_driver: Cell<bool>,
    /// Since when this worker has been awake (for its `busy` metric, counted
    /// when it parks and at each driver check, on both flavours).
    awake_since: Cell<Instant>,
    /// What this worker saw of the others at its looks at I/O
    /// (`io_first.rs`).
    pub(super) peers: Peers,
}

/// Calls `f` with this thread's worker context, if it is a worker of `shared`.
pub(super) fn with_current<R>(shared: &Shared, f: impl FnOnce(&Context) -> R) -> Option<R> {
    CURRENT.with(|current| {
        // SAFETY: the pointer is set only while `Context::enter` keeps the
        // Context alive on this thread's stack.
        let cx = unsafe { current.get().as_ref() }?;
        std::ptr::eq(&*cx.shared, shared).then(|| f(cx))
    })
}

thread_local! {
    pub(super) static CURRENT: Cell<*const Context> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f` (the driver firing due timers) so that the tasks it wakes go to
/// the injector rather than this worker's LIFO slot and queue.
///
/// A batch of timers fires at once; through the LIFO slot every wake would
/// push the previous one to the *back* of this worker's queue, behind
/// whatever burst of work is queued there (a spawn loop, say), and a timer
/// that fired on time would run milliseconds late. The injector is served
/// every `global_queue_interval` ticks and by any idle worker.
pub(crate) fn from_the_driver<R>(f: impl FnOnce() -> R) -> R {
    // Only a worker parks on the driver; anywhere else wakes go to the
    // injector anyway.
    let ptr = CURRENT.with(Cell::get);
    // SAFETY: see `with_current`: the context outlives this call.
    let Some(cx) = (unsafe { ptr.as_ref() }) else {
        return f();
    };
    struct Reset<'a>(&'a Cell<bool>, bool);
    impl Drop for Reset<'_> {
        fn drop(&mut self) {
            self.0.set(self.1);
        }
    }
    let _reset = Reset(&cx.from_driver, cx.from_driver.replace(true));
    f()
}

/// Queues `task`: into this worker's LIFO slot if called on a worker of
/// `handle`'s runtime, else into the injector.
pub(super) fn schedule(handle: &Handle, task: Notified<Handle>) {
    let mut task = Some(task);
    let on_a_worker = with_current(handle, |cx| {
        if cx.from_driver.get() {
            return; // to the injector, see `from_the_driver`
        }
        // Busy means the loop itself is queueing (e.g. while dropping):
        // fall back to the injector rather than re-borrowing. Exclusive,
        // not shared: a push can run foreign code. Growing the deque
        // flushes crossbeam-epoch's global garbage, whose destructors (any
        // crate's) may wake a task here; a second push nested in the first
        // would write the same slot, and one task would be lost
        // (tests/epoch_reentry.rs).
        let Ok(core) = cx.core.try_borrow_mut() else {
            return;
        };
        if cx.shared.is_shutdown() {
            return;
        }
        let task = task.take().expect("not queued yet");
        let remote = &cx.shared.remotes[cx.index];
        if !cx.shared.config.lifo_slot {
            core.local.push(task);
            remote.note_push(false);
        } else if let Some(previous) = remote.lifo.replace(task) {
            core.local.push(previous);
            remote.note_push(false);
        }
        // Wake another worker only if this one now has more queued than it
        // will run next. (With one worker, this thread is the only one
        // there is.)
        let notify = core.has_work_for_two(remote) && cx.shared.remotes.len() > 1;
        drop(core);
        if notify {
            cx.shared.notify_parked();
        }
    });
    if let Some(task) = task {
        if on_a_worker.is_none() {
            handle.note_outside_work();
        }
        handle.schedule_remote(task);
    }
}

/// The index of the worker running on this thread, of whichever runtime.
/// The timers use it to pick this worker's shard of the wheel.
pub(crate) fn this_worker_index() -> Option<usize> {
    CURRENT.with(|current| {
        // SAFETY: as in `with_current`: set only while the Context lives.
        unsafe { current.get().as_ref() }.map(|cx| cx.index)
    })
}

/// The index of the worker of `shared` running on this thread, if any.
pub(super) fn current_index(shared: &Shared) -> Option<usize> {
    with_current(shared, |cx| cx.index)
}

/// Runs worker `index` on the current thread until the runtime shuts down,
/// or until a `block_in_place` hands the worker to another thread.
pub(crate) fn run_worker(shared: Handle, index: usize) {
    // A thread that starts after an early shutdown (`shutdown_background`
    // right after `build`, say) finds its core taken by `shutdown_tasks`:
    // nothing is left to run.
    // Also a thread started by `block_in_place` whose caller took the
    // core back before it got there (`handoff.rs`).
    let Some(core) = shared.take_core(index) else {
        return;
    };
    let cx = Context::new(shared.clone(), core);
    let core = cx.enter(|cx| {
        cx.run(&|| false);
    });
    // Drop what is still queued here (the owned list cancels the futures):
    // on this thread, after its last push, which `shutdown_tasks` may have
    // run before when the runtime did not wait for this worker.
    core.drop_queued(&shared);
    drop(core);
}

impl Context {
    pub(super) fn new(shared: Handle, core: Box<Core>) -> Context {
        Context {
            peers: Peers::new(shared.remotes.len()),
            index: core.index,
            shared,
            core: RefCell::new(core),
            detached: Cell::new(false),
            polling: Cell::new(false),
            refs: Cell::new(0),
            ref_batch: Cell::new(super::refs::FIRST_REF_BATCH),
            from_driver: Cell::new(false),
            awake_since: Cell::new(Instant::now()),
        }
    }

    /// Installs this context as the thread's current worker while `f` runs,
    /// then hands the core back.
    pub(super) fn enter(self, f: impl FnOnce(&Context)) -> Box<Core> {
        struct Reset(*const Context);
        impl Drop for Reset {
            fn drop(&mut self) {
                CURRENT.with(|c| c.set(self.0));
            }
        }
        /// Gives the stocked references back on every way out, a panic
        /// included: kept, they would keep the runtime's shared state
        /// alive for good.
        struct Release<'a>(&'a Context);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                super::refs::release_refs(&self.0.shared, self.0.refs.replace(0));
            }
        }
        let previous = CURRENT.with(|c| c.replace(&self));
        {
            let _release = Release(&self);
            let _reset = Reset(previous);
            f(&self);
            // The stretch since the last park or driver check is busy time
            // too (a `block_on` that never parked, a worker's last tasks);
            // not for a thread that gave its core away (`handoff.rs`): it
            // counted its time then, and the stats are another thread's.
            if !self.detached.get() {
                self.count_busy();
            }
        }
        self.core.into_inner()
    }

    pub(super) fn shared(&self) -> &Shared {
        &self.shared
    }

    fn remote(&self) -> &Remote {
        &self.shared.remotes[self.index]
    }

    /// Runs tasks until shutdown or until `stop()` says so (the
    /// current-thread `block_on` stops when its own future is woken).
    pub(super) fn run(&self, stop: &dyn Fn() -> bool) {
        let shared = &*self.shared;
        // Whether the last turn of the loop ran a task (rather than park).
        let mut ran_a_task = false;

        while !shared.is_shutdown() && !stop() {
            let (task, maintenance) = {
                let mut core = self.core.borrow_mut();
                let maintenance = core.tick.is_multiple_of(shared.config.event_interval);
                (core.next_task(shared), maintenance)
            };
            if maintenance {
                self.poll_driver();
            }
            // The driver check may have just queued work here (its I/O
            // wakes take this worker's LIFO slot): run that before looking
            // at other workers' queues, or parking only to find it.
            let task = match task {
                None if maintenance => self.core.borrow_mut().next_task(shared),
                // Run dry: take the I/O that is ready before stealing (see
                // `io_first.rs`).
                None if ran_a_task => match self.look_at_io_first() {
                    Some(yield_first) => {
                        if yield_first {
                            super::offer::offer_cpu();
                        }
                        self.poll_driver();
                        self.core.borrow_mut().next_task(shared)
                    }
                    None => None,
                },
                task => task,
            };
            let task = match task {
                Some(task) => task,
                None => match self.search() {
                    Some(task) => task,
                    None => {
                        self.park(stop);
                        ran_a_task = false;
                        // The park read the clock as it woke.
                        self.peers.forget(self.awake_since.get());
                        continue;
                    }
                },
            };
            self.run_task(task);
            ran_a_task = true;
            if self.detached.get() {
                // The task gave this worker's core to another thread
                // (`block_in_place`) and kept this one to block on.
                return;
            }
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
        // What the watchdog reads to spot a poll that never ends.
        let stats = &self.remote().stats;
        WorkerStats::bump(&stats.polls, 1);
        stats
            .current_task
            .store(task.header().id().as_u64(), Ordering::Release);
        self.polling.set(true);
        let yielded = task.run_from(crate::observe::clock::now());
        self.polling.set(false);
        if self.detached.get() {
            // The core went to another thread inside the poll: the stats,
            // the LIFO slot and the queue are that thread's now.
            if let Some(task) = yielded {
                self.shared.schedule_remote(task);
            }
            return;
        }
        stats.current_task.store(0, Ordering::Release);
        if let Some(task) = yielded {
            // A task that yielded goes behind the work already queued.
            // Exclusive for the same reason as in `schedule`.
            let mut core = self.core.borrow_mut();
            core.local.push(task);
            let remote = self.remote();
            remote.note_push(remote.lifo.is_occupied());
            // Work besides it?
            if core.yield_wakes_helper(self.remote(), &self.shared) {
                drop(core);
                self.shared.notify_parked();
            }
        }
    }

    /// Starts counting busy time from now, dropping what came before (the
    /// time another thread held the core, which counted it itself).
    pub(super) fn restart_busy(&self) {
        self.awake_since.set(self.read_clock());
    }

    /// Adds the time awake since the last call to this worker's `busy`.
    pub(super) fn count_busy(&self) {
        let now = self.read_clock();
        let busy = now.saturating_duration_since(self.awake_since.replace(now));
        WorkerStats::bump(&self.remote().stats.busy_ns, busy.as_nanos() as u64);
    }

    /// The real time, published as the coarse clock too when it is stale:
    /// without a watchdog nobody else ticks it (see `observe::clock`).
    fn read_clock(&self) -> Instant {
        let now = Instant::now();
        crate::observe::clock::tick_if_stale(now);
        now
    }

    /// Parks until there is work, `stop` says so, or the runtime shuts
    /// down. Returns whether this thread turned the driver meanwhile (it may
    /// return before parking at all, or sleep on the condvar instead).
    pub(super) fn park(&self, stop: &dyn Fn() -> bool) -> bool {
        self.count_busy();
        let config = &self.shared.config;
        // The user's hooks, around the park (tokio's); no core borrow is
        // held, so a hook may spawn.
        crate::blocking::run_thread_hook(config.on_park.as_ref());
        let turned_driver = self.park_until(stop);
        crate::blocking::run_thread_hook(config.on_unpark.as_ref());
        self.awake_since.set(self.read_clock());
        turned_driver
    }

    fn park_until(&self, stop: &dyn Fn() -> bool) -> bool {
        let shared = &*self.shared;
        self.remote().note_turns_seen(false); // no pair here any more
        let is_searching = std::mem::replace(&mut self.core.borrow_mut().is_searching, false);
        let mut last_searcher = shared
            .idle
            .transition_worker_to_parked(self.index, is_searching);
        // Step 2 of the race in `mod.rs`: StoreLoad, then look once more.
        fence(Ordering::SeqCst);
        let mut held_driver = false;
        let mut turned_driver = false;
        let mut lingered = false;
        loop {
            let shared_work = if last_searcher {
                shared.has_pending_work()
            } else {
                shared.has_work_for_a_non_searcher()
            };
            let has_work = shared_work || self.core.borrow().has_local_work(self.remote());
            if has_work || shared.is_shutdown() || stop() {
                self.wake_up();
                // The last searcher, parking, found shared work after all:
                // the spawns that came meanwhile woke nobody (a searcher
                // existed), and this worker, no longer searching, would
                // run them all alone. Wake one to search (tokio's
                // `notify_if_work_pending`).
                if last_searcher && shared_work {
                    shared.notify_parked();
                }
                let for_two = || self.core.borrow().has_work_for_two(self.remote());
                if held_driver && has_work && (shared_work || for_two() || !shared.has_watchdog()) {
                    // We leave the driver with more than the one task we
                    // run next (timers it fired wait in the injector): wake
                    // a sleeper, if nobody is searching, to share it and
                    // take the driver over. With one task of our own we run
                    // it and come back (tokio's rule): a wake per driver
                    // turn was most of the hyper server's `futex` calls.
                    // Should that task keep us away, the watchdog hands the
                    // driver over (`watchdog::check_driver`); without a
                    // watchdog we hand it over every time, as corio always
                    // did (docs/work-stealing.md).
                    shared.notify_parked();
                }
                return turned_driver;
            }
            // Counted here, after the last look found nothing: a park
            // whose hook queued work, or that found a task on its final
            // check, is not one (tokio counts the same way).
            let stats = &self.remote().stats;
            WorkerStats::bump(&stats.parks, 1);
            WorkerStats::bump(&stats.park_unparks, 1);
            // Only the first sleep of this park lingers.
            let linger = !lingered && shared.take_outside_work();
            lingered = true;
            held_driver = self
                .remote()
                .parker
                .park(&shared.driver_lock, &*shared.driver, linger);
            WorkerStats::bump(&stats.park_unparks, 1);
            turned_driver |= held_driver;
            last_searcher = false;
            if !shared.idle.is_parked(self.index) {
                // A notifier took us off the sleeper list and counted us as
                // searching.
                self.core.borrow_mut().is_searching = true;
                return turned_driver;
            }
        }
    }

    /// Leaves the sleeper list on our own (work found in the final check, or
    /// queued by the driver on this thread).
    fn wake_up(&self) {
        if !self.shared.idle.unpark_worker_by_id(self.index) {
            // Someone unparked us first and counted us as searching.
            self.core.borrow_mut().is_searching = true;
        }
    }

    /// Runs queued tasks until none is left or `max` ran; returns how many.
    pub(super) fn run_some(&self, max: u32) -> u32 {
        let mut ran = 0;
        while ran < max && !self.shared.is_shutdown() && !self.detached.get() {
            let task = self.core.borrow_mut().next_task(&self.shared);
            let Some(task) = task else { break };
            self.run_task(task);
            ran += 1;
        }
        ran
    }

    pub(super) fn poll_driver(&self) {
        // A worker that never parks (saturated) still shows as busy.
        self.count_busy();
        if Parker::poll_driver(&self.shared.driver_lock, &*self.shared.driver) {
            // A worker that parked while this check held the driver sleeps
            // on its condvar, and nobody waits in the driver: timers and I/O
            // would wait for our next check (or the whole of a long poll).
            // Wake a sleeper, if nobody searches, to take the driver over,
            // as a worker leaving the driver with work for two does. Only then: a
            // wake at every check would pull the other worker into work
            // this one handles alone (docs/work-stealing.md).
            self.shared.notify_parked();
        }
    }
}

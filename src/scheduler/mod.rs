//! The work-stealing pool: how corio keeps every worker busy and lets no
//! task starve.
//!
//! # The problem
//!
//! Tasks are spawned and woken from everywhere: by other tasks on any
//! worker, by the driver (timers, I/O), by threads outside the runtime. We
//! want (1) a task woken on a worker to run soon and on that worker, where
//! its data is warm in cache; (2) idle workers to take work from busy ones;
//! (3) no worker to sleep while work waits; and (4) no thread to be woken for
//! nothing, because a wake-up costs microseconds.
//!
//! Three simpler designs fail. *One global queue behind a mutex* serialises
//! every spawn and wake on one lock. *A queue per worker with no stealing*
//! leaves one worker drowning while others idle. *Waking a worker on every
//! new task* spends more time in futex calls than in tasks.
//!
//! # The design (Go's scheduler, tokio's refinements)
//!
//! ```text
//!            spawn/wake from outside              spawn/wake on worker 0
//!                      │                                  │
//!                      ▼                                  ▼
//!   ┌──────────── Injector (global, FIFO) ─────┐   ┌─ LIFO slot ─┐
//!   └──────────────────────────────────────────┘   └──────┬──────┘ previous occupant
//!        ▲ every 61st tick,        ▲ when local             ▼
//!        │ and when empty          │ queues are empty  ┌─ local deque ─┐ ◄── steal half
//!   worker 0                  worker 1 ───────────────►└───────────────┘     (random victim)
//! ```
//!
//! - Each worker owns a `crossbeam_deque::Worker` (its local queue) and a
//!   **LIFO slot**: a task woken by the running task goes into the slot and
//!   runs next (message passing ping-pongs stay on one core, hot in cache).
//!   At most three LIFO polls in a row, then the slot's task joins the back
//!   of the queue, so two tasks waking each other cannot starve the rest.
//! - The **injector** receives work from outside the runtime. Every
//!   `global_queue_interval` ticks (61, as Go) a worker checks it first, so
//!   injected work is never starved by a busy local queue.
//! - A worker out of work becomes **searching** and steals about half of a
//!   victim's queue (`steal_batch_and_pop`, at most 32 tasks), trying every
//!   other worker from a random start. About half the workers at most
//!   search at once (`idle.rs`).
//! - A worker that finds nothing **parks** (`park.rs`), after offering its
//!   CPU to other threads a few times unless the machine is busy
//!   (`offer.rs`), and for a while longer after work from outside the
//!   runtime (`linger.rs`): one that parks while the driver's lock is free holds the
//!   **driver** (blocks in the I/O poller with the timer deadline as
//!   timeout); the others sleep on condvars.
//!
//! # The race: a lost wake-up
//!
//! Worker W finds every queue empty and decides to park. Meanwhile producer P
//! pushes a task and checks whether anyone needs waking. If P checks before W
//! is counted as parked, P wakes nobody; if W checked the queues before P's
//! push, W sleeps with work waiting. The protocol closes it with a StoreLoad
//! barrier on each side:
//!
//! 1. P pushes the task; then a SeqCst read-modify-write of the idle word
//!    (`Idle::worker_to_notify`) reads the counts.
//! 2. W decrements the unparked count with a SeqCst read-modify-write, issues
//!    a SeqCst fence, then checks the queues once more (`has_pending_work`;
//!    other workers' deques only if it was the last searcher or nobody
//!    searches, since a searcher steals those, see `worker.rs`).
//!
//! In any interleaving at least one side sees the other: P sees W parked and
//! wakes it, or W sees P's task and stays up. The `Parker` keeps an early
//! `unpark` as a pending notification, so a wake that lands between W's
//! check and W's sleep is not lost either.

mod block_on;
mod deque;
mod handoff;
mod idle;
mod io_first;
mod linger;
#[cfg(all(test, loom))]
mod loom_tests;
mod metrics;
mod offer;
mod park;
mod queue;
mod refs;
mod remote;
mod watchdog;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use crate::lock::Mutex;
use crossbeam_deque::{Injector, Steal};

use crate::loom::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
use crate::observe::SlowPollHook;
use crate::task::{Header, Notified, OwnedTasks, Schedule, Task};

pub(crate) use block_on::{block_on, count_polls};
#[cfg(test)]
pub(crate) use handoff::FAIL_NEXT_START;
pub(crate) use handoff::{HandOff, hand_off};
use idle::Idle;
use park::Parker;
pub(crate) use queue::Core;
pub(crate) use refs::task_ref;
use remote::Remote;
pub(crate) use watchdog::Watchdog;
pub(crate) use worker::{from_the_driver, run_worker, this_worker_index};

/// Whether this thread is inside `run_task`'s poll of a task, for any
/// runtime: on a worker, or in a current-thread `block_on` that holds the
/// core. A `LocalSet`'s tasks are polled elsewhere, and say no.
pub(crate) fn polling_a_task() -> bool {
    worker::CURRENT.with(|current| {
        // SAFETY: as in `worker::with_current`: set only while
        // `Context::enter` keeps the Context alive on this thread's stack.
        unsafe { current.get().as_ref() }.is_some_and(|cx| cx.polling.get())
    })
}

/// What the scheduler needs from the I/O and timer driver. `scheduler/`
/// knows nothing else of `time/` or `io/`: `runtime/` plugs them in here.
pub(crate) trait Driver: Send + Sync + 'static {
    /// Waits for I/O events and due timers, at most `timeout` (`None`: until
    /// the next timer or an `unpark`), and wakes the tasks they concern.
    /// Called by one thread at a time.
    fn park(&self, timeout: Option<Duration>);
    /// Makes a thread blocked in `park` return, from any thread.
    fn unpark(&self);
}

/// Tuning knobs from the runtime `Builder`.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) global_queue_interval: u32,
    pub(crate) event_interval: u32,
    /// Polls longer than this are reported; `None`: no reports, no watchdog.
    pub(crate) slow_poll_threshold: Option<Duration>,
    pub(crate) on_slow_poll: SlowPollHook,
    /// Whether a task woken on a worker runs next (the LIFO slot). Off for
    /// the current-thread flavour, whose users expect tasks to run in the
    /// order they were spawned, as in asyncio (and tokio's current_thread).
    pub(crate) lifo_slot: bool,
    /// Run around each park of a worker (`Builder::on_thread_park` and
    /// `on_thread_unpark`).
    pub(crate) on_park: Option<crate::blocking::ThreadHook>,
    pub(crate) on_unpark: Option<crate::blocking::ThreadHook>,
}

/// The state every worker shares.
pub(crate) struct Shared {
    injector: Injector<Notified<Handle>>,
    /// Which thread outside the workers last queued a task (its
    /// [`linger::thread_mark`], 0 for none); taken by the next worker to
    /// park, which then lingers unless it is that very thread (`linger.rs`).
    outside_work: AtomicUsize,
    remotes: Box<[Remote]>,
    idle: Idle,
    pub(crate) owned: OwnedTasks<Handle>,
    driver_lock: park::DriverLock,
    driver: Arc<dyn Driver>,
    config: Config,
    /// `slow_poll_threshold` in coarse-clock microseconds (`u64::MAX`: off).
    slow_poll_us: u64,
    shutdown: AtomicBool,
    /// Worker cores not claimed by a thread right now.
    cores: Mutex<Cores>,
    /// Starts a thread to run worker `index` (its core is free), for
    /// `block_in_place`; set by the runtime once it is built.
    pub(crate) respawn: std::sync::OnceLock<Respawn>,
    /// Enters the runtime on a thread of the watchdog's, for the slow-poll
    /// hook (a `Weak` inside: the runtime owns this); set once it is built.
    pub(crate) enter: std::sync::OnceLock<crate::blocking::EnterHook>,
}

/// What `block_in_place` asks of the runtime's worker threads
/// (`Shared::respawn`, set by `runtime/workers.rs`).
pub(crate) trait WorkerThreads: Send + Sync {
    /// Starts a thread to run worker `index`, whose core is free.
    fn start(&self, index: usize) -> std::io::Result<()>;
    /// The calling worker thread gave its core away (`true`) or is about
    /// to take it back (`false`, said before the take, and `true` again if
    /// the core was gone or the shutdown has begun): shutdown waits for a
    /// detached thread after the
    /// tasks are cancelled and the driver is stopped, which a closure
    /// blocked on the runtime may be waiting for, not before.
    fn set_detached(&self, detached: bool);
}

/// How the runtime starts worker threads (`Shared::respawn`).
pub(crate) type Respawn = Box<dyn WorkerThreads>;

/// The unclaimed cores, and the threads waiting for one to come back (a
/// second `block_on` on a current-thread runtime).
struct Cores {
    free: Vec<Option<Box<Core>>>,
    /// One waker per waiting thread (the latest), so a thread that calls
    /// `block_on` over and over while another holds the core does not pile
    /// them up.
    waiting: Vec<(std::thread::ThreadId, std::task::Waker)>,
}

/// The scheduler handle a task keeps, to requeue itself when woken.
pub(crate) type Handle = Arc<Shared>;

impl Shared {
    pub(crate) fn new(num_workers: usize, config: Config, driver: Arc<dyn Driver>) -> Handle {
        let mut cores = Vec::with_capacity(num_workers);
        let mut remotes = Vec::with_capacity(num_workers);
        for index in 0..num_workers {
            let core = Core::new(index);
            remotes.push(Remote::new(core.stealer()));
            cores.push(Some(Box::new(core)));
        }
        // u64::MAX means "no threshold" (the workers then tick the coarse
        // clock themselves): a threshold too long to count stops below it.
        let slow_poll_us = config.slow_poll_threshold.map_or(u64::MAX, |t| {
            u64::try_from(t.as_micros()).map_or(u64::MAX - 1, |us| us.min(u64::MAX - 1))
        });
        Arc::new(Shared {
            injector: Injector::new(),
            outside_work: AtomicUsize::new(0),
            remotes: remotes.into_boxed_slice(),
            idle: Idle::new(num_workers),
            owned: OwnedTasks::new(),
            driver_lock: park::DriverLock::default(),
            driver,
            config,
            slow_poll_us,
            shutdown: AtomicBool::new(false),
            cores: Mutex::new(Cores {
                free: cores,
                waiting: Vec::new(),
            }),
            respawn: std::sync::OnceLock::new(),
            enter: std::sync::OnceLock::new(),
        })
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    /// Claims worker `index`'s core, if no thread holds it.
    fn take_core(&self, index: usize) -> Option<Box<Core>> {
        self.cores.lock().free[index].take()
    }

    /// As [`take_core`](Self::take_core), for a thread taking back the core
    /// it gave away (`handoff.rs`), but none once the shutdown has begun:
    /// its wait for the running threads may have ended already, and the
    /// thread would else run the worker beside `shutdown_tasks`. (Checked
    /// under the lock, after the thread counted itself running: either the
    /// wait saw it, or this sees the flag.)
    fn take_core_back(&self, index: usize) -> Option<Box<Core>> {
        let mut cores = self.cores.lock();
        if self.is_shutdown() {
            return None;
        }
        cores.free[index].take()
    }

    /// Gives a core back, and wakes the threads waiting to claim one.
    fn put_core(&self, core: Box<Core>) {
        let index = core.index();
        let mut cores = self.cores.lock();
        if self.is_shutdown() {
            // `shutdown_tasks` may have emptied the free cores already: this
            // one would keep its queued tasks, and through them `self`.
            drop(cores);
            core.drop_queued(self);
            return;
        }
        cores.free[index] = Some(core);
        let waiting = std::mem::take(&mut cores.waiting);
        drop(cores);
        for (_, waker) in waiting {
            waker.wake();
        }
    }

    /// Whether worker `index`'s core is free now; if not, `waker` is woken
    /// when a core comes back.
    /// After shutdown no core is handed over: the runtime runs nothing more.
    pub(crate) fn core_is_free(&self, index: usize, waker: &std::task::Waker) -> bool {
        let mut cores = self.cores.lock();
        if self.is_shutdown() {
            return false;
        }
        if cores.free[index].is_some() {
            return true;
        }
        let me = std::thread::current().id();
        match cores.waiting.iter_mut().find(|(thread, _)| *thread == me) {
            Some((_, latest)) => latest.clone_from(waker),
            None => cores.waiting.push((me, waker.clone())),
        }
        false
    }

    /// A `LocalSet` task's poll ran from `started` to `ended` (coarse
    /// time) on a set this runtime runs: reported if slow, as a worker's
    /// task would be.
    pub(crate) fn after_local_poll(&self, header: &Header, started: u64, ended: u64) {
        if ended.saturating_sub(started) >= self.slow_poll_us {
            watchdog::report_local(self, header, ended - started);
        }
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Notes that this thread, outside the workers, queued a task (a load
    /// first: a stream of such tasks stores once, not once each).
    fn note_outside_work(&self) {
        let mark = linger::thread_mark();
        if self.outside_work.load(Ordering::Relaxed) != mark {
            self.outside_work.store(mark, Ordering::Relaxed);
        }
    }

    /// Whether a thread other than this one queued a task from outside the
    /// workers since a worker last asked (only one of the workers that
    /// park next gets the yes). Not this one: on a current-thread runtime
    /// the thread that spawned before its `block_on` parks as the worker,
    /// and nothing would end its linger but its own tasks, which it does
    /// not run meanwhile.
    fn take_outside_work(&self) -> bool {
        if self.outside_work.load(Ordering::Relaxed) == 0 {
            return false;
        }
        let noted = self.outside_work.swap(0, Ordering::Relaxed);
        noted != 0 && noted != linger::thread_mark()
    }

    /// Queues a task from outside any worker of this runtime.
    fn schedule_remote(&self, task: Notified<Handle>) {
        if self.is_shutdown() {
            // The runtime is gone: dropping the reference is all that's left.
            drop(task);
            return;
        }
        self.injector.push(task);
        // Shutdown may have emptied the injector between the check above
        // and the push: the task would stay there, holding this `Shared`
        // (a cycle, leaking the runtime). The fences pair with the one in
        // `shutdown_tasks`: either it sees the push, or this sees the flag.
        fence(Ordering::SeqCst);
        if self.is_shutdown() {
            // Collected first and dropped last: dropping a task may drop the
            // last reference to this `Shared`, which `self` borrows.
            let stolen: Vec<_> =
                std::iter::from_fn(|| steal_one(|| self.injector.steal())).collect();
            drop(stolen);
            return;
        }
        self.notify_parked();
    }

    /// Whether the stall watchdog runs (the runtime has a slow-poll
    /// threshold).
    fn has_watchdog(&self) -> bool {
        self.slow_poll_us != u64::MAX
    }

    /// Wakes a parked worker if nobody is searching (step 1 of the race).
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].parker.unpark(&*self.driver);
        }
    }

    /// Takes one task from the injector: the periodic look of a worker
    /// whose local deque may be long (`Core::next_task`).
    fn take_injected(&self) -> Option<Notified<Handle>> {
        loop {
            match self.injector.steal() {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => continue,
            }
        }
    }

    /// Takes a batch from the injector into `local`, returning one task.
    fn steal_injector(&self, local: &deque::LocalQueue) -> Option<Notified<Handle>> {
        loop {
            match local.take_injected(&self.injector) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => continue,
            }
        }
    }

    /// Whether any queue a parking worker could take from holds a task.
    fn has_pending_work(&self) -> bool {
        !self.injector.is_empty() || self.remotes.iter().any(Remote::has_stealable_work)
    }

    /// `has_pending_work` for a parking worker that is not the last
    /// searcher: other workers' deques count only if nobody searches. A
    /// searcher steals them (and the last one to park looks again), while a
    /// worker that may not search (too many do) would find them, wake,
    /// be refused the search again and park again, round and round.
    fn has_work_for_a_non_searcher(&self) -> bool {
        !self.injector.is_empty()
            || (self.idle.num_searching() == 0
                && self.remotes.iter().any(Remote::has_stealable_work))
    }

    /// Starts shutdown: workers finish their current poll and exit.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
        for remote in self.remotes.iter() {
            remote.parker.unpark(&*self.driver);
        }
        self.driver.unpark();
    }

    /// After the workers stopped: cancel every task still alive and drop
    /// every queued reference. Each future is dropped exactly once, here or
    /// by the worker that owned it.
    pub(crate) fn shutdown_tasks(&self) {
        // Pairs with the fence in `schedule_remote` (the flag is set).
        fence(Ordering::SeqCst);
        self.owned.close_and_shutdown_all();
        // Cores no thread holds (a current-thread runtime between two
        // `block_on`s) and LIFO slots still hold queued references.
        let cores: Vec<_> = self
            .cores
            .lock()
            .free
            .iter_mut()
            .filter_map(Option::take)
            .collect();
        drop(cores);
        // The workers' local queues too: a dropped `Core` lets go of its end
        // of the deque, but the stealers here keep the queued references
        // alive, and each holds this `Shared`: a cycle that would leak the
        // runtime, its driver and descriptors.
        for remote in self.remotes.iter() {
            drop(remote.lifo.take());
            while let Some(task) = steal_one(|| remote.stealer.steal()) {
                drop(task);
            }
        }
        while let Some(task) = steal_one(|| self.injector.steal()) {
            drop(task);
        }
    }
}

/// One task from a queue, retrying a steal that lost a race.
fn steal_one(mut steal: impl FnMut() -> Steal<Notified<Handle>>) -> Option<Notified<Handle>> {
    loop {
        match steal() {
            Steal::Success(task) => return Some(task),
            Steal::Empty => return None,
            Steal::Retry => continue,
        }
    }
}

impl Schedule for Handle {
    fn schedule(&self, task: Notified<Handle>) {
        worker::schedule(self, task);
    }

    fn release(&self, task: &Task<Handle>) -> Option<Task<Handle>> {
        self.owned.remove(task)
    }

    fn recycle(self) {
        refs::recycle(self);
    }

    #[inline]
    fn after_poll(&self, header: &Header, started: u64, ended: u64) {
        if ended.saturating_sub(started) >= self.slow_poll_us {
            watchdog::report_finished(self, header, ended - started);
        }
    }
}

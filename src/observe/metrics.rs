//! `RuntimeMetrics`: a snapshot of what the runtime is doing.
//!
//! Every counter is kept by the thread that owns it (a worker counts its own
//! polls with a plain load and store, no read-modify-write), and a snapshot
//! just reads them all. Nothing is locked on the hot path; a snapshot may be
//! a few events stale, which is the nature of watching a running system.

use std::fmt;
use std::time::Duration;

/// A snapshot of one runtime's state, from `Handle::metrics()`: the
/// figures as they were then (tokio's `RuntimeMetrics` reads the runtime
/// at each call; the methods named like tokio's here read the snapshot).
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     corio::spawn(async {}).await.unwrap();
///     let m = corio::Handle::current().metrics();
///     assert!(m.workers >= 1);
///     assert!(m.spawned_tasks >= 1);
///     println!("{m}");
/// });
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// Worker threads (1 for a current-thread runtime).
    pub workers: usize,
    /// Tasks spawned and not yet finished, those of a [`LocalSet`] included
    /// once it has been run or awaited under this runtime (tokio's count
    /// leaves local tasks out; a set run by two runtimes counts in both). A
    /// task that has just completed may still count for a moment: it leaves
    /// the list after it has woken its `JoinHandle` (the dump leaves it out
    /// already).
    ///
    /// [`LocalSet`]: crate::task::LocalSet
    pub alive_tasks: usize,
    /// Tasks spawned onto the runtime's workers since it started; a
    /// `LocalSet`'s tasks (`spawn_local`) are not counted here, as in tokio.
    pub spawned_tasks: u64,
    /// Tasks waiting in the global (injection) queue.
    pub injection_queue_depth: usize,
    /// One entry per worker.
    pub worker: Vec<WorkerMetrics>,
    /// Threads of the blocking pool.
    pub blocking_threads: usize,
    /// Idle threads of the blocking pool (one handed a job, even if not yet
    /// awake, is not idle, as in tokio).
    pub idle_blocking_threads: usize,
    /// Jobs waiting for a blocking thread.
    pub blocking_queue_depth: usize,
    /// Timers armed, in all the workers' wheels.
    pub timers_armed: usize,
    /// File descriptors registered with the reactor.
    pub io_sources: usize,
}

/// What one worker has done.
///
/// # Examples
///
/// ```
/// let runtime = corio::Runtime::builder().worker_threads(2).build().unwrap();
/// runtime.block_on(async { corio::spawn(async {}).await.unwrap() });
/// let workers = runtime.metrics().worker;
/// assert_eq!(workers.len(), 2);
/// assert!(workers.iter().map(|w| w.polls).sum::<u64>() >= 1);
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Tasks in its local queue (plus its LIFO slot).
    pub local_queue_depth: usize,
    /// Tasks it ran from its queues: polls, and the odd dequeued task that
    /// was only dropped (aborted). A `LocalSet`'s polls happen inside
    /// another poll and are not counted. A poll whose task called
    /// `block_in_place`, and which takes its worker back after another
    /// thread ran the worker meanwhile, counts once more then: the watchdog
    /// times what is left of it as a poll of its own.
    pub polls: u64,
    /// Times it stole a batch from another worker's queue.
    pub steals: u64,
    /// Times it parked for lack of work: counted after its last look found
    /// none, as tokio counts (a park whose hook queued work, or whose last
    /// look found some, does not count; the park itself may still return
    /// at once, on a wake-up that came meanwhile).
    pub parks: u64,
    /// Bumped as it parks (as `parks` is) and again as it wakes: odd while
    /// it is parked.
    pub park_unparks: u64,
    /// Time spent between wake-up and park (running or looking for tasks).
    pub busy: Duration,
}

impl fmt::Display for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "workers {}  alive tasks {}  spawned {}  injection queue {}",
            self.workers, self.alive_tasks, self.spawned_tasks, self.injection_queue_depth
        )?;
        writeln!(
            f,
            "blocking threads {} ({} idle, {} queued)  timers {}  io sources {}",
            self.blocking_threads,
            self.idle_blocking_threads,
            self.blocking_queue_depth,
            self.timers_armed,
            self.io_sources
        )?;
        writeln!(
            f,
            "{:>6} {:>7} {:>12} {:>8} {:>8} {:>12}",
            "worker", "queue", "polls", "steals", "parks", "busy"
        )?;
        for (i, w) in self.worker.iter().enumerate() {
            writeln!(
                f,
                "{:>6} {:>7} {:>12} {:>8} {:>8} {:>12?}",
                i, w.local_queue_depth, w.polls, w.steals, w.parks, w.busy
            )?;
        }
        Ok(())
    }
}

//! Worker pools: Go's "N workers ranging over a task channel", and an
//! ants-style bounded goroutine pool built from a channel and a `JoinSet`.
//!
//! ```text
//! cargo run --example worker_pool
//! ```
//!
//! Part 1 is the Go article's `sync.WaitGroup` + channels program line for
//! line. Part 2 rebuilds what the article uses the `ants` library for: a pool
//! with a fixed capacity of workers, `Submit` that can refuse work when the
//! pool is overloaded (ants' `Nonblocking` option, `ErrPoolOverload`),
//! `Running()` / `Waiting()` counts, `ReleaseTimeout`, and a `MultiPool`
//! with round-robin or least-tasks balancing.
//!
//! Why a pool at all, when a corio task costs one small allocation? For the
//! same reason as with goroutines: not to save the tasks, but to bound what
//! they hold (connections, memory, a rate limit on some API) and to push
//! back on the producer when the system is full.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::Duration;

use corio::sync::channel::{self, TrySendError};
use corio::sync::{Semaphore, WaitGroup};
use corio::task::JoinSet;
use futures_lite::FutureExt;

/// What `run` saw, for `tests/examples.rs` to check.
#[derive(Debug)]
pub struct Report {
    /// Part 1: the results, sorted.
    pub results: Vec<String>,
    /// Part 2: the ants-style pool.
    pub pool: PoolReport,
    /// Part 2: the multi-pool's sum, for each balancing policy.
    pub multi_sums: Vec<i32>,
}

/// What the ants-style pool did.
#[derive(Debug)]
pub struct PoolReport {
    /// The sum of 0..1000 computed through the pool.
    pub sum: i32,
    /// (running, waiting) while the small pool was full.
    pub full_counts: (usize, usize),
    /// How many jobs the full pool accepted.
    pub accepted: usize,
    /// How many `try_submit` calls it refused as overloaded.
    pub rejected: usize,
    /// `release_timeout` on a pool whose jobs finish.
    pub released: Result<(), Released>,
    /// `release_timeout` on a pool with a job that never finishes.
    pub timed_out: Result<(), Released>,
}

fn main() {
    run();
}

/// Runs both parts on one runtime.
pub fn run() -> Report {
    corio::block_on(async {
        let results = go_worker_pool().await;
        let pool = ants_pool().await;
        let multi_sums = multi_pool().await;
        Report {
            results,
            pool,
            multi_sums,
        }
    })
}

// ----------------------------------------------------------------------------
// Part 1: the Go article.

/// Go's `worker(id, taskCh <-chan string, resultCh chan<- string, wg)`.
async fn worker(
    id: usize,
    tasks: channel::Receiver<&'static str>,
    results: channel::Sender<String>,
    wg: WaitGroup,
) {
    // `defer wg.Done()`: a guard, so that a panic here cannot leave
    // `wg.wait()` (and the results loop behind it) waiting for good.
    let _done = Done(wg);
    // `for task := range taskCh`: every worker holds a clone of the one
    // receiver, and each task goes to exactly one of them. The loop ends
    // when the channel is closed and empty.
    while let Some(task) = tasks.recv().await {
        println!("  worker {id} started {task}");
        corio::time::sleep(Duration::from_millis(40)).await;
        results
            .send(format!("result of {task} by worker {id}"))
            .await
            .unwrap();
    }
}

/// Calls `WaitGroup::done` when dropped, however the worker ends.
struct Done(WaitGroup);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.done();
    }
}

async fn go_worker_pool() -> Vec<String> {
    println!("1. two workers range over one task channel");
    let tasks = ["Task1", "Task2", "Task3", "Task4"];
    // Buffered channels, as `make(chan string, len(tasks))`.
    let (task_tx, task_rx) = channel::bounded(tasks.len());
    let (result_tx, result_rx) = channel::bounded(tasks.len());

    let wg = WaitGroup::new();
    for id in 0..2 {
        wg.add(1);
        corio::spawn(worker(id, task_rx.clone(), result_tx.clone(), wg.clone()));
    }
    for task in tasks {
        task_tx.send(task).await.unwrap();
    }
    // `close(taskCh)`: tells the workers there is no more work; they drain
    // what is queued and leave their loop.
    task_tx.close();

    // `go func() { wg.Wait(); close(resultCh) }()`
    corio::spawn(async move {
        wg.wait().await;
        result_tx.close();
    });

    let mut results = Vec::new();
    while let Some(result) = result_rx.recv().await {
        println!("  {result}");
        results.push(result);
    }
    results.sort();
    results
}

// ----------------------------------------------------------------------------
// Part 2: an ants-style pool.

/// A job: any future that returns nothing, boxed so that one channel can
/// carry jobs of different types (ants takes a `func()`).
type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// ants' `ErrPoolOverload`: the pool is full and the caller asked not to
/// wait. It hands the job back, so the caller can shed it or retry it
/// (ants' caller still holds its `func`).
pub struct Overloaded(pub Job);

impl std::fmt::Debug for Overloaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Overloaded(..)")
    }
}

/// How `release_timeout` ended when it could not wait for every job.
#[derive(Debug, PartialEq, Eq)]
pub struct Released {
    /// Workers that were still busy at the deadline and were aborted.
    pub aborted: usize,
    /// Jobs still queued at the deadline, dropped unrun with the queue
    /// (ants' `ReleaseTimeout` has no queue to lose; this pool has).
    pub dropped_queued: usize,
}

/// A pool of `capacity` worker tasks fed from a bounded queue.
///
/// ```text
///   submit / try_submit ──► [ queue: at most max_waiting jobs ] ──► worker 1..capacity
///                              (full: submit waits,                 (each runs one job
///                               try_submit says Overloaded)          at a time)
/// ```
///
/// ants starts workers lazily and retires idle ones after an expiry time;
/// here they start with the pool, which keeps the example short. A corio
/// task parked on an empty channel costs a few hundred bytes and no thread.
pub struct Pool {
    queue: channel::Sender<Job>,
    /// A receiver of the pool's own, never used to run a job: it keeps the
    /// queue, so `release_timeout` can count what the workers left in it.
    leftovers: channel::Receiver<Job>,
    workers: JoinSet<()>,
    running: Arc<AtomicUsize>,
}

impl Pool {
    /// A pool running at most `capacity` jobs at once, with at most
    /// `max_waiting` more queued.
    pub fn new(capacity: usize, max_waiting: usize) -> Pool {
        let (queue, jobs) = channel::bounded::<Job>(max_waiting);
        let running = Arc::new(AtomicUsize::new(0));
        let mut workers = JoinSet::new();
        for _ in 0..capacity {
            let jobs = jobs.clone();
            let running = running.clone();
            workers.spawn(async move {
                while let Some(job) = jobs.recv().await {
                    // Counted down however the job ends: done, panicked, or
                    // dropped at its `.await` when the pool is aborted.
                    let _running = Running::start(&running);
                    // ants' workers `recover` from a panicking job and take
                    // the next one; so does this one. The panic message has
                    // been printed by the panic hook already.
                    if AssertUnwindSafe(job).catch_unwind().await.is_err() {
                        eprintln!("  a job panicked; its worker goes on");
                    }
                }
            });
        }
        Pool {
            queue,
            leftovers: jobs,
            workers,
            running,
        }
    }

    /// ants' default `Submit`: waits while the queue is full, so a fast
    /// producer is slowed to the pool's pace (back-pressure).
    pub async fn submit(&self, job: impl Future<Output = ()> + Send + 'static) {
        if self.queue.send(Box::pin(job)).await.is_err() {
            panic!("Pool::submit after release");
        }
    }

    /// ants' `Submit` with `WithNonblocking(true)`: never waits; a full
    /// queue is reported to the caller, who can shed the load or retry.
    pub fn try_submit(
        &self,
        job: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Overloaded> {
        match self.queue.try_send(Box::pin(job)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(job)) => Err(Overloaded(job)),
            Err(TrySendError::Closed(_)) => panic!("Pool::try_submit after release"),
        }
    }

    /// ants' `Running()`: jobs being run now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// ants' `Waiting()`: jobs queued for a free worker.
    pub fn waiting(&self) -> usize {
        self.queue.len()
    }

    /// ants' `ReleaseTimeout`: accept no more jobs, let the workers finish
    /// the queued ones, and give up (aborting them) after `limit`.
    pub async fn release_timeout(mut self, limit: Duration) -> Result<(), Released> {
        // Closing the queue is the pool's `close(taskCh)`: each worker drains
        // what is left, then its `recv` returns `None` and it exits.
        self.queue.close();
        let drained = corio::time::timeout(limit, async {
            while self.workers.join_next().await.is_some() {}
        })
        .await;
        match drained {
            Ok(()) => Ok(()),
            Err(_) => {
                // The workers still inside a job; the idle ones, waiting
                // on the queue, are cancelled too, and lose nothing.
                let aborted = self.running();
                // Cancelling a task drops its future at its current `.await`.
                self.workers.shutdown().await;
                // What no worker took is still queued: dropped unrun.
                let mut dropped_queued = 0;
                while self.leftovers.try_recv().is_ok() {
                    dropped_queued += 1;
                }
                Err(Released {
                    aborted,
                    dropped_queued,
                })
            }
        }
    }
}

/// One job being run, for `Pool::running`.
struct Running(Arc<AtomicUsize>);

impl Running {
    fn start(running: &Arc<AtomicUsize>) -> Running {
        running.fetch_add(1, Ordering::SeqCst);
        Running(running.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn ants_pool() -> PoolReport {
    println!("2. an ants-style pool");

    // ants' `NewPoolWithFunc(10, myFunc)` + `Invoke(i)` 1000 times: every job
    // adds its number to a shared sum; the article checks it is 499500.
    let pool = Pool::new(10, 100);
    let sum = Arc::new(AtomicI32::new(0));
    for i in 0..1000 {
        let sum = sum.clone();
        pool.submit(async move {
            sum.fetch_add(i, Ordering::SeqCst);
        })
        .await;
    }
    let finished = pool.release_timeout(Duration::from_secs(5)).await;
    let sum = sum.load(Ordering::SeqCst);
    println!("  1000 jobs on 10 workers: sum {sum} (expected 499500), release {finished:?}");

    // A small pool, filled on purpose: 2 workers, room for 3 waiting jobs.
    // Each job waits at a gate (a semaphore with no permits) so that the
    // pool stays full while we look at it.
    let pool = Pool::new(2, 3);
    let gate = Arc::new(Semaphore::new(0));
    let (started_tx, started_rx) = channel::unbounded();
    let gated_job = |n: usize| {
        let gate = gate.clone();
        let started = started_tx.clone();
        async move {
            started.try_send(n).unwrap();
            gate.acquire().await.unwrap().forget();
        }
    };
    for n in 0..2 {
        pool.try_submit(gated_job(n)).unwrap();
    }
    // Wait until both workers have taken a job, so the queue is empty again
    // and what follows does not depend on how fast the workers were.
    for _ in 0..2 {
        started_rx.recv().await;
    }
    let (mut accepted, mut rejected) = (2, 0);
    for n in 2..10 {
        match pool.try_submit(gated_job(n)) {
            Ok(()) => accepted += 1,
            Err(Overloaded(_shed)) => rejected += 1,
        }
    }
    let full_counts = (pool.running(), pool.waiting());
    println!(
        "  capacity 2, queue 3: running {}, waiting {}; accepted {accepted}, refused {rejected} as overloaded",
        full_counts.0, full_counts.1
    );

    // Open the gate for all five accepted jobs, then release: it finishes.
    gate.add_permits(5);
    let released = pool.release_timeout(Duration::from_secs(5)).await;
    println!("  release_timeout after the jobs can finish: {released:?}");

    // A job that never ends: release gives up at the deadline. It is
    // released once the job has started, so that the report does not
    // depend on how fast the worker took it.
    let stuck = Pool::new(1, 1);
    let (stuck_tx, stuck_rx) = channel::bounded::<()>(1);
    stuck
        .try_submit(async move {
            stuck_tx.try_send(()).unwrap();
            std::future::pending::<()>().await;
        })
        .unwrap();
    stuck_rx.recv().await;
    let timed_out = stuck.release_timeout(Duration::from_millis(50)).await;
    println!("  release_timeout(50ms) with a stuck job: {timed_out:?}");

    PoolReport {
        sum,
        full_counts,
        accepted,
        rejected,
        released,
        timed_out,
    }
}

/// ants' two load-balancing policies for a `MultiPool`.
#[derive(Debug, Clone, Copy)]
enum Balance {
    /// Each submit goes to the next pool in turn.
    RoundRobin,
    /// Each submit goes to the pool with the fewest running + waiting jobs.
    LeastTasks,
}

/// ants' `MultiPool`: several pools behind one `submit`. In Go it spreads
/// lock contention over several pools; corio's channel passes messages
/// through a lock-free ring (only a task that must wait takes a lock), so
/// this is here to show the policies, not for speed.
struct MultiPool {
    pools: Vec<Pool>,
    balance: Balance,
    next: AtomicUsize,
}

impl MultiPool {
    fn new(pools: usize, capacity: usize, balance: Balance) -> MultiPool {
        MultiPool {
            pools: (0..pools).map(|_| Pool::new(capacity, capacity)).collect(),
            balance,
            next: AtomicUsize::new(0),
        }
    }

    fn pick(&self) -> &Pool {
        match self.balance {
            Balance::RoundRobin => {
                let i = self.next.fetch_add(1, Ordering::Relaxed);
                &self.pools[i % self.pools.len()]
            }
            Balance::LeastTasks => self
                .pools
                .iter()
                .min_by_key(|p| p.running() + p.waiting())
                .expect("a multi-pool has at least one pool"),
        }
    }

    async fn submit(&self, job: impl Future<Output = ()> + Send + 'static) {
        self.pick().submit(job).await;
    }

    /// Releases every pool in turn, each given `limit` (so the whole may
    /// take up to `pools × limit`).
    async fn release_timeout(self, limit: Duration) {
        for pool in self.pools {
            pool.release_timeout(limit).await.unwrap();
        }
    }
}

/// ants' `NewMultiPool(10, ..., RoundRobin)` and `LeastTasks`: 1000 jobs each.
async fn multi_pool() -> Vec<i32> {
    let mut sums = Vec::new();
    for balance in [Balance::RoundRobin, Balance::LeastTasks] {
        let pools = MultiPool::new(10, 10, balance);
        let sum = Arc::new(AtomicI32::new(0));
        for i in 0..1000 {
            let sum = sum.clone();
            pools
                .submit(async move {
                    sum.fetch_add(i, Ordering::SeqCst);
                })
                .await;
        }
        pools.release_timeout(Duration::from_secs(5)).await;
        let sum = sum.load(Ordering::SeqCst);
        println!("  multi-pool, 10 pools x 10 workers, {balance:?}: sum {sum}");
        sums.push(sum);
    }
    sums
}

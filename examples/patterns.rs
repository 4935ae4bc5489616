//! The job platform's smaller techniques, each as a piece you can lift out.
//!
//! ```text
//! cargo run --example patterns
//! ```
//!
//! The articles' job platform (a Redis queue, worker coroutines, `aiohttp`
//! calls, results written to MySQL, tests with `AsyncMock`) and its
//! low-latency companion lean on five techniques that need no new runtime
//! API, only a pattern. `docs/from-asyncio-and-go.md` explains them; this
//! program runs them:
//!
//! | the article's form | corio | section |
//! | --- | --- | --- |
//! | `async for` over a queue, results written in batches | `Receiver` as a `Stream`, batches flushed when full or after a linger | 1 |
//! | `patch(.., new=AsyncMock())` in a pytest | the upstream call behind a trait, a fake in the test | 2 |
//! | Redis `ConnectionPool(max_connections=..)`, an aiomysql pool | a `Semaphore` + idle connections; a guard releases one, or closes it if its user was cancelled | 3 |
//! | one `wait_for` around a request of several steps | one deadline, `timeout_at` on each step | 4 |
//! | `ThreadPoolExecutor(max_workers=..)` | `Builder::max_blocking_threads` | 5 |
//!
//! Sections 1 to 4 run on a current-thread runtime whose clock is paused
//! (`Builder::start_paused`): sleeps and timeouts take no real time, and
//! the times printed are exact.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corio::runtime::Builder;
use corio::sync::{OwnedSemaphorePermit, Semaphore, channel};
use corio::time::{Instant, sleep, timeout, timeout_at};
use futures_lite::{Stream, StreamExt};

/// What each section saw, for `tests/examples.rs` to check.
#[derive(Debug)]
pub struct Report {
    /// 1: the batches written, in order.
    pub batches: Vec<Vec<u32>>,
    /// 2: the words the fake was called with, and the virtual milliseconds
    /// four calls took when made at once.
    pub fake: (Vec<String>, u128),
    /// 3: connections opened for ten users of a pool of three, then, after
    /// a user was cancelled while holding one: the idle connections (its
    /// own was closed) and the free places.
    pub pool: (usize, usize, usize),
    /// 4: each job's outcome under one deadline of 100 ms.
    pub deadline: Vec<Result<u128, String>>,
    /// 5: the most blocking jobs seen running at once on a pool of two,
    /// and how many jobs ran.
    pub blocking: (usize, usize),
}

fn main() {
    run();
}

/// Runs the five sections.
pub fn run() -> Report {
    let runtime = Builder::new_current_thread()
        .start_paused(true)
        .build()
        .expect("cannot build a runtime");
    let (batches, fake, pool, deadline) = runtime.block_on(async {
        (
            batches().await,
            fake_upstream().await,
            pool().await,
            deadline().await,
        )
    });
    Report {
        batches,
        fake,
        pool,
        deadline,
        blocking: blocking_pool(),
    }
}

/// Up to `max` (at least one) items of `items`: waits for the first as
/// long as it takes, then for more until the batch is full or `linger` has
/// passed since the first. Also says whether the stream ended, after
/// which it must not be polled again (a `Stream` may panic or hang then;
/// a channel's `Receiver` happens to say `None` again). Any `Stream` will
/// do; a `Receiver` is one.
pub async fn next_batch<S>(items: &mut S, max: usize, linger: Duration) -> (Vec<S::Item>, bool)
where
    S: Stream + Unpin,
{
    assert!(max > 0, "a batch holds at least one item");
    let mut batch = Vec::with_capacity(max);
    let Some(first) = items.next().await else {
        return (batch, true);
    };
    batch.push(first);
    let flush_at = Instant::now() + linger;
    while batch.len() < max {
        // A `next()` cut short by the timeout takes nothing from the stream.
        match timeout_at(flush_at, items.next()).await {
            Ok(Some(item)) => batch.push(item),
            Ok(None) => return (batch, true),
            Err(_) => break,
        }
    }
    (batch, false)
}

/// Section 1: workers report results on a channel; one writer inserts them
/// in batches, since the database charges per insert. A batch goes out
/// when it holds four results, or 5 ms after its first one.
async fn batches() -> Vec<Vec<u32>> {
    println!("1. a channel as a stream, written in batches");
    let (tx, rx) = channel::bounded(16);
    corio::spawn(async move {
        for job in 0..6 {
            tx.send(job).await.unwrap();
        }
        sleep(Duration::from_millis(20)).await;
        for job in 6..8 {
            tx.send(job).await.unwrap();
        }
        // Dropping the last sender ends the stream.
    });
    // A stream adapter on the receiver: the row to insert for each result.
    let mut rows = rx.map(|job| job * 10);
    let started = Instant::now();
    let mut written = Vec::new();
    loop {
        let (batch, ended) = next_batch(&mut rows, 4, Duration::from_millis(5)).await;
        if !batch.is_empty() {
            println!("  at {:>2?}: insert {batch:?}", started.elapsed());
            written.push(batch);
        }
        if ended {
            break;
        }
    }
    written
}

/// What the job platform's worker calls: the article's `call_baidu`. The code
/// under test is generic over it, so a test passes a fake (pytest's
/// `patch` swaps a module's global instead; Rust has no such globals).
pub trait Search: Sync {
    /// `Send`, so that a worker may run `process_task` in a spawned task
    /// on a multi-thread runtime.
    fn search(&self, word: &str) -> impl Future<Output = Result<String, String>> + Send;
}

/// The article's `process_task`, grown as its to-do asks: it queries four
/// endpoints at once (asyncio's `gather`) and joins the answers.
pub async fn process_task(upstream: &impl Search, a: u32, b: u32) -> Result<String, String> {
    let words = [
        format!("{a}+{b}"),
        format!("{a}-{b}"),
        format!("{a}*{b}"),
        format!("{a}/{b}"),
    ];
    let (add, sub, mul, div) = corio::try_join!(
        upstream.search(&words[0]),
        upstream.search(&words[1]),
        upstream.search(&words[2]),
        upstream.search(&words[3]),
    )?;
    Ok([add, sub, mul, div].join(" "))
}

/// The fake: `AsyncMock`'s `return_value` and `call_args_list`, plus a
/// delay, to show that the four calls overlap.
struct Fake {
    answer: &'static str,
    delay: Duration,
    calls: Mutex<Vec<String>>,
}

impl Search for Fake {
    async fn search(&self, word: &str) -> Result<String, String> {
        self.calls.lock().unwrap().push(word.to_string());
        sleep(self.delay).await;
        Ok(self.answer.to_string())
    }
}

/// Section 2: `process_task` against the fake, as the article's pytest does.
async fn fake_upstream() -> (Vec<String>, u128) {
    println!("2. a fake upstream in place of AsyncMock");
    let fake = Fake {
        answer: "<title>python</title>",
        delay: Duration::from_millis(100),
        calls: Mutex::new(Vec::new()),
    };
    let started = Instant::now();
    let joined = process_task(&fake, 6, 3).await.unwrap();
    let took = started.elapsed().as_millis();
    assert_eq!(joined, ["<title>python</title>"; 4].join(" "));
    let calls = fake.calls.into_inner().unwrap();
    println!("  called with {calls:?}; four calls of 100 ms took {took} ms");
    (calls, took)
}

/// A connection (to Redis, to MySQL); opening one takes 10 ms.
pub struct Conn {
    pub id: usize,
}

impl Conn {
    /// Closes the connection (a real one would shut its socket).
    pub fn close(self) {}
}

/// At most `max` connections, opened when first needed and reused after.
pub struct Pool {
    idle: Mutex<Vec<Conn>>,
    permits: Arc<Semaphore>,
    opened: AtomicUsize,
}

/// A connection on loan. [`release`](Self::release) gives it back; a
/// guard dropped without it (its user cancelled by a timeout, or
/// panicking, in the middle of a query) closes the connection instead:
/// a request may have gone out whose reply was never read, and the next
/// user would read it as its own (redis-py's CVE-2023-28858 was that
/// bug). Either way the permit frees the user's place.
pub struct Pooled {
    conn: Option<Conn>,
    pool: Arc<Pool>,
    // Dropped after `release` or `drop` below: the next user the permit
    // lets in finds the connection idle.
    _permit: OwnedSemaphorePermit,
}

impl Pool {
    pub fn new(max: usize) -> Arc<Pool> {
        Arc::new(Pool {
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max)),
            opened: AtomicUsize::new(0),
        })
    }

    /// Waits for a turn, then hands out an idle connection or opens one.
    pub async fn get(self: &Arc<Self>) -> Pooled {
        let permit = self.permits.clone().acquire_owned().await.unwrap();
        let idle = self.idle.lock().unwrap().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                sleep(Duration::from_millis(10)).await; // connecting
                // Counted once open: a `get` cancelled while connecting
                // opened nothing.
                Conn {
                    id: self.opened.fetch_add(1, Ordering::Relaxed),
                }
            }
        };
        Pooled {
            conn: Some(conn),
            pool: self.clone(),
            _permit: permit,
        }
    }
}

impl std::ops::Deref for Pooled {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        self.conn.as_ref().expect("held until dropped")
    }
}

impl Pooled {
    /// The query is over, its reply read: the connection goes back idle.
    pub fn release(mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.idle.lock().unwrap().push(conn);
        }
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        // Not released: in an unknown state, so closed, not reused.
        if let Some(conn) = self.conn.take() {
            conn.close();
        }
    }
}

/// Section 3: ten users share a pool of three; one is cut off by a timeout
/// while it holds a connection, which is closed, and its place freed.
async fn pool() -> (usize, usize, usize) {
    println!("3. a pool of reused connections");
    let pool = Pool::new(3);
    let mut users = corio::task::JoinSet::new();
    for user in 0..10 {
        let pool = pool.clone();
        users.spawn(async move {
            let conn = pool.get().await;
            sleep(Duration::from_millis(5)).await; // a query
            let id = conn.id;
            conn.release();
            (user, id)
        });
    }
    while let Some(done) = users.join_next().await {
        let (user, conn) = done.unwrap();
        println!("  user {user} ran on connection {conn}");
    }
    let slow = timeout(Duration::from_millis(1), async {
        let _conn = pool.get().await;
        sleep(Duration::from_secs(60)).await; // a query that hangs
    });
    assert!(slow.await.is_err(), "the slow user is cut off");
    let opened = pool.opened.load(Ordering::Relaxed);
    let idle = pool.idle.lock().unwrap().len();
    let free = pool.permits.available_permits();
    println!("  opened {opened}; after a cancelled user: {idle} idle, {free} places free");
    (opened, idle, free)
}

/// One request of three steps (fetch, parse, store) under a single
/// deadline: each step gets what the ones before it left, not a fresh
/// timeout of its own. Returns the milliseconds used, or the step that
/// ran out of time.
pub async fn handle(fetch_ms: u64, store_ms: u64, budget: Duration) -> Result<u128, String> {
    let started = Instant::now();
    let deadline = started + budget;
    let step = |name: &'static str, ms: u64| async move {
        timeout_at(deadline, sleep(Duration::from_millis(ms)))
            .await
            .map_err(|_| format!("{name} ran past the deadline"))
    };
    step("fetch", fetch_ms).await?;
    step("parse", 10).await?;
    step("store", store_ms).await?;
    Ok(started.elapsed().as_millis())
}

/// Section 4: three requests under a budget of 100 ms. Each step of the
/// second would fit in 100 ms alone; together they do not.
async fn deadline() -> Vec<Result<u128, String>> {
    println!("4. one deadline over several steps");
    let budget = Duration::from_millis(100);
    let mut outcomes = Vec::new();
    for (fetch, store) in [(30, 30), (60, 60), (200, 0)] {
        let outcome = handle(fetch, store, budget).await;
        println!("  fetch {fetch} ms, store {store} ms: {outcome:?}");
        outcomes.push(outcome);
    }
    outcomes
}

/// Section 5: `ThreadPoolExecutor(max_workers=2)`. Six blocking jobs on a
/// runtime whose blocking pool may grow to two threads: the others queue
/// until a thread is free, and every job still runs. The cap is the whole
/// runtime's: its files and name lookups use that pool too, so a small one
/// makes them queue behind the jobs. (The default, 512, suits jobs that
/// wait on a disk or a socket.) To run CPU-bound jobs no more at once
/// than there are cores, `std::thread::available_parallelism()`, use the
/// semaphore below rather than this cap, which files and lookups share. For one executor's limit inside a larger
/// pool, put a `Semaphore::new(n)` in front of `spawn_blocking` and move
/// the owned permit into the closure.
fn blocking_pool() -> (usize, usize) {
    println!("5. a blocking pool of two threads");
    let runtime = Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(2)
        .build()
        .expect("cannot build a runtime");
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let ran = runtime.block_on(async {
        let jobs: Vec<_> = (0..6)
            .map(|_| {
                let (running, most) = (running.clone(), most.clone());
                corio::spawn_blocking(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5)); // blocking work
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        let mut ran = 0;
        for job in jobs {
            job.await.unwrap();
            ran += 1;
        }
        ran
    });
    let most = most.load(Ordering::SeqCst);
    println!("  {ran} jobs ran, at most {most} at once");
    (most, ran)
}

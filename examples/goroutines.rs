//! Goroutines on corio: `go f()`, `sync.WaitGroup`, results over a channel,
//! errgroup, and asyncio's "await in a row" versus "create tasks first".
//!
//! ```text
//! cargo run --example goroutines
//! ```
//!
//! This is the Go article (gobyexample's *goroutines* and *waitgroups*) and the
//! Python article that compares `await af()` with `asyncio.create_task`, written
//! with corio:
//!
//! | Go / asyncio | corio |
//! | --- | --- |
//! | `go f(x)` / `asyncio.create_task(f(x))` | `corio::spawn(f(x))` |
//! | `var wg sync.WaitGroup; wg.Add(1); defer wg.Done(); wg.Wait()` | `corio::sync::WaitGroup`: `add`, `done`, `wait().await` |
//! | `ch := make(chan T, n)`, `close(ch)`, `for v := range ch` | `channel::bounded(n)`, `close()`, `while let Some(v) = rx.recv().await` |
//! | `errgroup.Group` | a `JoinSet` of tasks returning `Result` |
//!
//! One difference to keep in mind: a goroutine is preempted by Go's
//! scheduler if it runs too long; a corio task runs until it reaches an
//! `.await` that is not ready, or until its budget of 128 ready operations
//! on corio's own futures is spent (then that future yields once). Everything below awaits (sleeps, channel
//! operations), so the tasks interleave as goroutines would.

use std::time::Duration;

use corio::sync::{WaitGroup, channel};
use corio::task::JoinSet;
// corio's clock, not std's: it follows a paused runtime's virtual time,
// under which `tests/examples.rs` checks the overlaps exactly.
use corio::time::Instant;

/// What `run` saw, for `tests/examples.rs` to check.
#[derive(Debug)]
pub struct Report {
    /// How many lines `f("direct")` and the two goroutines printed.
    pub hello_lines: usize,
    /// The five workers' results, collected over the channel and sorted.
    pub results: Vec<String>,
    /// The error the errgroup returned.
    pub first_error: Option<String>,
    /// How long the five overlapping workers of the WaitGroup took.
    pub wait_group: Duration,
    /// How long two `af` calls took awaited in a row, and spawned first.
    pub in_a_row: Duration,
    pub spawned: Duration,
}

/// How long each simulated "expensive task" sleeps (Go's article: one second).
const WORK: Duration = Duration::from_millis(50);

fn main() {
    run();
}

/// Runs every part on one runtime, the way `asyncio.run(main())` does.
pub fn run() -> Report {
    corio::block_on(run_all())
}

/// Every part, in order, on the runtime that polls it.
pub async fn run_all() -> Report {
    let hello_lines = go_statement().await;
    let wait_group = wait_group().await;
    let results = results_over_a_channel().await;
    let first_error = error_group().await;
    let (in_a_row, spawned) = tasks_versus_awaits().await;
    Report {
        hello_lines,
        results,
        first_error,
        wait_group,
        in_a_row,
        spawned,
    }
}

/// The function the goroutines run: synchronous, it prints three lines.
fn f(from: &str) -> usize {
    for i in 0..3 {
        println!("  {from} : {i}");
    }
    3
}

/// Part 1, gobyexample's *goroutines*: call `f` directly, then "go" it.
async fn go_statement() -> usize {
    println!("1. go f(): spawn a task");
    // A direct call runs to the end before the next line.
    let direct = f("direct");

    // `go f("goroutine")`. Unlike a goroutine, a spawned task hands back a
    // `JoinHandle`: awaiting it waits for the task and returns its output.
    let goroutine = corio::spawn(async { f("goroutine") });

    // `go func(msg string) { fmt.Println(msg) }("going")`: an async block
    // is the anonymous function; `move` gives it its own copy of `msg`.
    let msg = String::from("going");
    let anonymous = corio::spawn(async move {
        println!("  {msg}");
        1
    });

    // The Go article sleeps for a second "to be sure" the goroutines finished.
    // Awaiting the handles is exact instead: no guess, no wasted second.
    let spawned = goroutine.await.unwrap() + anonymous.await.unwrap();
    println!("  done");
    direct + spawned
}

/// Calls `WaitGroup::done` when dropped: Go's `defer wg.Done()`. A guard
/// runs even if the worker panics, so `wait` can never hang on a crash.
struct Done(WaitGroup);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.done();
    }
}

/// The expensive task of gobyexample's *waitgroups*.
async fn worker(id: u32) {
    println!("  worker {id} starting");
    corio::time::sleep(WORK).await;
    println!("  worker {id} done");
}

/// Part 2: five workers and a WaitGroup.
async fn wait_group() -> Duration {
    println!("2. sync.WaitGroup: wait for five workers");
    let started = Instant::now();
    let wg = WaitGroup::new();
    for id in 1..=5 {
        // `add` before `spawn`, as in Go: if the task called `add` itself,
        // `wait` could run first, see zero, and return too early.
        wg.add(1);
        let done = Done(wg.clone());
        corio::spawn(async move {
            let _done = done;
            worker(id).await;
        });
    }
    wg.wait().await;
    // The five sleeps overlapped: the whole wait takes about one of them.
    let took = started.elapsed();
    println!(
        "  all five finished in {:?} (one worker takes {WORK:?})",
        rounded(took)
    );
    took
}

/// Part 3: workers send results on a channel; a helper closes it once the
/// WaitGroup reaches zero; the receiver ranges over it until `None`.
async fn results_over_a_channel() -> Vec<String> {
    println!("3. results over a channel, closed when every worker is done");
    let (results_tx, results_rx) = channel::bounded::<String>(5);
    let wg = WaitGroup::new();
    for id in 1..=5u32 {
        wg.add(1);
        let done = Done(wg.clone());
        let results = results_tx.clone();
        corio::spawn(async move {
            let _done = done;
            corio::time::sleep(WORK / id).await;
            // `send` waits if the channel is full: back-pressure, as a
            // buffered Go channel blocks the sending goroutine.
            results
                .send(format!("result of worker {id}"))
                .await
                .unwrap();
        });
    }

    // Go: `go func() { wg.Wait(); close(resultCh) }()`. Closing is what ends
    // the range below; without it the receiver would wait forever. (Here the
    // channel would also close when the last `Sender` is dropped; the
    // explicit `close` says what we mean.)
    corio::spawn(async move {
        wg.wait().await;
        results_tx.close();
    });

    // Go: `for res := range resultCh`. `recv` returns `None` only once the
    // channel is closed *and* drained, so no result is lost.
    let mut results = Vec::new();
    while let Some(result) = results_rx.recv().await {
        println!("  {result}");
        results.push(result);
    }
    println!("  channel closed: {} results", results.len());
    results.sort();
    results
}

/// Part 4: the Go note corio started from says that a WaitGroup cannot carry a worker's error
/// and points to `errgroup`. Tasks that return `Result`, gathered in a
/// `JoinSet`, are that: the first error wins and the rest are cancelled.
async fn error_group() -> Option<String> {
    println!("4. errgroup: the first error cancels the rest");
    let mut group = JoinSet::new();
    for id in 1..=3u32 {
        group.spawn(async move {
            if id == 2 {
                return Err(format!("worker {id} failed"));
            }
            // The others would take far longer: they are cancelled instead.
            corio::time::sleep(Duration::from_secs(60)).await;
            Ok(id)
        });
    }
    let mut first_error = None;
    while let Some(joined) = group.join_next().await {
        if let Err(error) = joined.expect("no worker panics") {
            println!("  {error}; cancelling the other {}", group.len());
            first_error = Some(error);
            break;
        }
    }
    // Like errgroup's context cancellation: abort the siblings. Dropping the
    // set would abort them too; `shutdown` also waits until they are gone.
    group.shutdown().await;
    first_error
}

/// A coroutine that sleeps three times, as `af` in the Python article.
async fn af(from: &str) {
    for i in 0..3 {
        corio::time::sleep(WORK).await;
        println!("  {from} : {i}");
    }
}

/// Part 5, the Python article: awaiting coroutines in a row runs them one after
/// the other; spawning them first lets their waits overlap.
async fn tasks_versus_awaits() -> (Duration, Duration) {
    println!("5. await in a row vs spawn first (asyncio.create_task)");
    let started = Instant::now();
    // `await af(...)` twice: the second starts when the first has ended.
    af("awaited a").await;
    af("awaited b").await;
    let in_a_row = started.elapsed();
    println!("  in a row: {:?}", rounded(in_a_row));

    let started = Instant::now();
    // `asyncio.create_task` twice, then await both: the event loop runs
    // them together, so the sleeps overlap.
    let a = corio::spawn(af("task a"));
    let b = corio::spawn(af("task b"));
    a.await.unwrap();
    b.await.unwrap();
    let spawned = started.elapsed();
    println!("  spawned:  {:?}", rounded(spawned));
    (in_a_row, spawned)
}

/// A duration to the millisecond, for printing.
fn rounded(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64)
}

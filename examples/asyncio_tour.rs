//! asyncio's key techniques, one by one, on corio.
//!
//! ```text
//! cargo run --example asyncio_tour
//! ```
//!
//! The article "异步编程中的关键技术" lists six techniques; the other Python
//! article adds `create_task` + `add_done_callback` and `gather`. Each has a
//! corio form:
//!
//! | asyncio | corio | section |
//! | --- | --- | --- |
//! | `asyncio.run(main())` | `Runtime::block_on` on a current-thread runtime | `run` |
//! | `create_task` + `add_done_callback` | `spawn`, then a task that awaits the handle | 0 |
//! | `loop.run_in_executor(pool, f)` | `spawn_blocking(f)` | 1 |
//! | `Semaphore(3)` + `async with` | `Semaphore::new(3)` + `acquire().await` (the permit is the `with`) | 2 |
//! | `wait_for(coro, timeout)` | `time::timeout(d, fut)` | 3 |
//! | `await asyncio.sleep(0)` | `task::yield_now().await` | 4 |
//! | `gather(a, b, c)` | `join!(a, b, c)` (or spawn + await handles) | 5 |
//! | last-active times + cleanup, `task.done()` | a map of `Instant`s + `AbortHandle`s, `is_finished()` | 6 |
//! | `shield(coro)` | `task::shield(fut)` | 7 |
//! | a task's exception, raised at `await task` | `Err(JoinError)`: `is_panic`, `into_panic` | 8 |
//! | a coroutine never awaited; tornado's `spawn_callback` logging what nobody awaits | a future is inert until polled; a detached task reports its own error | 9 |
//!
//! Everything runs on a *current-thread* runtime: one thread runs every
//! task, exactly like asyncio's event loop, so the interleavings printed
//! below are the ones asyncio would show. (`corio::block_on` would use the
//! multi-thread runtime, where tasks also run in parallel.)

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use corio::runtime::Builder;
use corio::sync::{Semaphore, oneshot};
use corio::task::{AbortHandle, JoinError, JoinHandle};
use corio::time::{Instant, sleep, timeout};

/// What `run` saw, for `tests/examples.rs` to check.
#[derive(Debug)]
pub struct Report {
    /// 0: what the done callback received.
    pub callback_saw: String,
    /// 1: what the blocking pool built, and the name of the thread that
    /// built it (not the event loop's).
    pub client: (String, String),
    /// 2: the most tasks seen inside the `Semaphore(3)` at once.
    pub max_concurrency: usize,
    /// 3: (fast task, slow task) under `timeout`: `Some(output)` or `None`
    /// if it timed out.
    pub timeouts: (Option<&'static str>, Option<&'static str>),
    /// 4: the order of steps with `yield_now` in both loops.
    pub interleaved: Vec<String>,
    /// 5: the outputs of `join!`.
    pub gathered: (u32, u32, u32),
    /// 6: the tasks the monitor cleaned up as idle.
    pub cleaned: Vec<String>,
    /// 7: whether the critical write happened (unshielded, shielded).
    pub writes: (bool, bool),
    /// 8: the failed task's panic message, and what the next task returned.
    pub exception: (String, u32),
    /// 9: whether a future made but never awaited ran, and what a detached
    /// task reported of its own failure.
    pub fire_and_forget: (bool, Vec<String>),
}

fn main() {
    run();
}

/// `asyncio.run(main())`.
pub fn run() -> Report {
    let runtime = Builder::new_current_thread()
        .build()
        .expect("cannot build a runtime");
    runtime.block_on(async {
        Report {
            callback_saw: done_callback().await,
            client: run_in_executor().await,
            max_concurrency: semaphore().await,
            timeouts: wait_for().await,
            interleaved: yielding().await,
            gathered: gather().await,
            cleaned: activity_monitoring().await,
            writes: shielding().await,
            exception: exceptions().await,
            fire_and_forget: fire_and_forget().await,
        }
    })
}

/// asyncio's `task.add_done_callback(cb)`: call `cb` with the task's
/// outcome, however it ends (asyncio passes the task, whose `result()`
/// raises if it failed; here `cb` gets the value or the `JoinError`). The
/// callback is one more task that awaits the handle, with a handle of its
/// own, so even the callback can be awaited (asyncio's cannot).
fn add_done_callback<T, R>(
    task: JoinHandle<T>,
    callback: impl FnOnce(Result<T, JoinError>) -> R + Send + 'static,
) -> JoinHandle<R>
where
    T: Send + 'static,
    R: Send + 'static,
{
    corio::spawn(async move { callback(task.await) })
}

/// Section 0: `create_task` + `add_done_callback`, from the article's "绑定回调".
async fn done_callback() -> String {
    println!("0. create_task + add_done_callback");
    let task = corio::spawn(async {
        println!("  waiting: 2");
        format!("done after {}s", 2)
    });
    let callback = add_done_callback(task, |outcome| match outcome {
        Ok(result) => {
            println!("  callback: {result}");
            result
        }
        Err(error) => format!("the task failed: {error}"),
    });
    callback.await.unwrap()
}

/// The article's `create_asr_client`: a slow, synchronous initialisation.
/// Returns the client and the name of the thread it ran on.
fn create_asr_client() -> (String, String) {
    let thread = std::thread::current().name().unwrap_or("?").to_string();
    println!("  creating the ASR client on thread {thread:?}...");
    // Synchronous work (CPU or a blocking library call): on the event loop
    // this would freeze every other task for its whole length.
    std::thread::sleep(Duration::from_millis(100));
    ("ASR client created".to_string(), thread)
}

/// Section 1: `await loop.run_in_executor(pool, create_asr_client)`.
async fn run_in_executor() -> (String, String) {
    println!("1. run_in_executor: blocking work on the blocking pool");
    // A heartbeat on the event loop shows it stays responsive meanwhile.
    let beats = Arc::new(AtomicUsize::new(0));
    let heartbeat = {
        let beats = beats.clone();
        corio::spawn(async move {
            loop {
                sleep(Duration::from_millis(20)).await;
                beats.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    // `spawn_blocking` sends the closure to a separate pool of threads (not
    // the event loop's) and returns a handle to await, as
    // `run_in_executor` returns a future.
    let (client, thread) = corio::spawn_blocking(create_asr_client).await.unwrap();
    heartbeat.abort();
    println!(
        "  {client}; the loop's heartbeat ticked {} times meanwhile",
        beats.load(Ordering::Relaxed)
    );
    (client, thread)
}

/// Section 2: `Semaphore(3)` around ten tasks.
async fn semaphore() -> usize {
    println!("2. Semaphore(3): ten tasks, at most three at a time");
    let semaphore = Arc::new(Semaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let max_inside = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (semaphore, inside, max_inside) =
                (semaphore.clone(), inside.clone(), max_inside.clone());
            corio::spawn(async move {
                // `async with semaphore:` the permit is released when
                // `_permit` is dropped at the end of the block, even if the
                // task is cancelled or panics.
                let _permit = semaphore.acquire().await.unwrap();
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                max_inside.fetch_max(now, Ordering::SeqCst);
                println!("  task {i} starts ({now} inside)");
                sleep(Duration::from_millis(20)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    // The tasks start in the order they were spawned, as in asyncio: this
    // tour runs on a current-thread runtime, whose queue is FIFO. (On a
    // multi-thread runtime a task spawned from a task goes into the
    // worker's LIFO slot and runs next, displacing the previous one to the
    // back.) The semaphore then hands out permits in the order the tasks
    // asked.
    //
    // `gather(*tasks)`: for a list of tasks, await each handle.
    for task in tasks {
        task.await.unwrap();
    }
    let max = max_inside.load(Ordering::SeqCst);
    println!("  max concurrency observed: {max}");
    max
}

/// The article's `slow_task`.
async fn slow_task(takes: Duration, output: &'static str) -> &'static str {
    sleep(takes).await;
    output
}

/// Section 3: `asyncio.wait_for(slow_task(), timeout=2)`.
async fn wait_for() -> (Option<&'static str>, Option<&'static str>) {
    println!("3. wait_for: give up after a timeout");
    let limit = Duration::from_millis(50);
    // `timeout` returns `Err(Elapsed)` when time runs out, and drops the
    // inner future then: dropping is how async Rust cancels, so the slow
    // task stops at its `sleep` and never runs again.
    let fast = timeout(
        limit,
        slow_task(Duration::from_millis(10), "fast task done"),
    )
    .await
    .ok();
    let slow = timeout(
        limit,
        slow_task(Duration::from_millis(500), "slow task done"),
    )
    .await
    .ok();
    for outcome in [fast, slow] {
        match outcome {
            Some(output) => println!("  {output}"),
            None => println!("  timed out after {limit:?}, cancelled"),
        }
    }
    (fast, slow)
}

/// One step of a long loop; `polite` ones yield after each step.
async fn long_loop(name: &str, polite: bool, log: &RefCell<Vec<String>>) {
    for i in 0..3 {
        log.borrow_mut().push(format!("{name}{i}"));
        if polite {
            // `await asyncio.sleep(0)`: give the others a turn. Here both
            // loops are branches of one `join!` in one task, so the turn
            // passes to the next branch (spawned tasks would go to the back
            // of the run queue instead, as asyncio's do). Without it this
            // loop keeps the thread until it ends: no preemption in asyncio
            // or in corio.
            corio::task::yield_now().await;
        }
    }
}

/// Section 4: `await asyncio.sleep(0)` in a long loop.
async fn yielding() -> Vec<String> {
    println!("4. yield_now (asyncio.sleep(0)) lets other work in");
    // The log is borrowed only between awaits, never across one, so a
    // `RefCell` is enough: both loops run on this one thread.
    let log = RefCell::new(Vec::new());
    corio::join!(long_loop("a", false, &log), long_loop("b", false, &log));
    println!("  without yielding: {}", log.take().join(" "));
    corio::join!(long_loop("a", true, &log), long_loop("b", true, &log));
    let interleaved = log.take();
    println!("  with yield_now:   {}", interleaved.join(" "));
    interleaved
}

/// A fake request that takes `ms` milliseconds.
async fn fetch(ms: u32) -> u32 {
    sleep(Duration::from_millis(ms.into())).await;
    ms
}

/// Section 5: `asyncio.gather(a, b, c)`.
async fn gather() -> (u32, u32, u32) {
    println!("5. join! is gather: the waits overlap");
    let started = Instant::now();
    // `join!` polls all three inside this task; none is spawned. The total
    // is the longest wait, not the sum.
    let gathered = corio::join!(fetch(30), fetch(20), fetch(10));
    println!(
        "  gathered {gathered:?} in {}ms (the sum would be 60ms)",
        started.elapsed().as_millis()
    );
    gathered
}

/// Section 6: the article's task activity monitoring: each task stamps its last
/// activity; a monitor cleans up the ones idle for too long.
async fn activity_monitoring() -> Vec<String> {
    println!("6. task activity monitoring: clean up idle tasks");
    const IDLE_LIMIT: Duration = Duration::from_millis(200);
    // Current-thread runtime: every task runs on this thread, so `Rc` and
    // `RefCell` are enough to share the table (`spawn_local` accepts them).
    let activity: Rc<RefCell<HashMap<String, Instant>>> = Rc::default();
    let mut tasks: HashMap<String, AbortHandle> = HashMap::new();
    for i in 0..3 {
        let name = format!("task {i}");
        let activity = activity.clone();
        let me = name.clone();
        let handle = corio::task::spawn_local(async move {
            for round in 0.. {
                activity.borrow_mut().insert(me.clone(), Instant::now());
                // "task 1" hangs after two rounds, as a task stuck on a dead
                // connection would: it stops updating its stamp.
                if me == "task 1" && round == 2 {
                    std::future::pending::<()>().await;
                }
                // "task 2" is done after two rounds: not stuck, finished.
                if me == "task 2" && round == 1 {
                    return;
                }
                sleep(Duration::from_millis(10)).await;
            }
        });
        tasks.insert(name, handle.abort_handle());
    }

    let mut cleaned = Vec::new();
    // The monitor; it stops once it has cleaned one task (or after a bound).
    for _ in 0..40 {
        sleep(Duration::from_millis(25)).await;
        // Let the tasks whose sleeps ended with ours stamp first (after a
        // stall of the thread, every stamp is old, not only the stuck one).
        corio::task::yield_now().await;
        // The article's hint: look at each task's state first (asyncio's
        // `task.done()`, `is_finished()`): only a live task can be stuck.
        tasks.retain(|name, handle| {
            let done = handle.is_finished();
            if done && activity.borrow_mut().remove(name).is_some() {
                println!("  {name} finished: off the table, not cleaned up");
            }
            !done
        });
        let now = Instant::now();
        let idle: Vec<String> = activity
            .borrow()
            .iter()
            .filter(|(_, last)| now - **last > IDLE_LIMIT)
            .map(|(name, _)| name.clone())
            .collect();
        for name in idle {
            println!("  {name} idle for over {IDLE_LIMIT:?}, cleaning up");
            activity.borrow_mut().remove(&name);
            // The article only deletes the table entry; the stuck task would
            // live on. Aborting it frees what it holds, too.
            tasks.remove(&name).expect("a known task").abort();
            cleaned.push(name);
        }
        if !cleaned.is_empty() {
            break;
        }
    }
    println!("  still active: {}", {
        let mut names: Vec<_> = activity.borrow().keys().cloned().collect();
        names.sort();
        names.join(", ")
    });
    for handle in tasks.values() {
        handle.abort();
    }
    cleaned
}

/// The article's `critical_task`: a write that must not be cut in half; it
/// takes `takes`.
async fn critical_write(
    takes: Duration,
    written: Arc<AtomicBool>,
    finished: Option<oneshot::Sender<()>>,
) {
    println!("  critical write starts...");
    sleep(takes).await;
    written.store(true, Ordering::SeqCst);
    println!("  critical write done");
    if let Some(finished) = finished {
        let _ = finished.send(());
    }
}

/// Section 7: `asyncio.shield(critical_task())`.
async fn shielding() -> (bool, bool) {
    println!("7. shield: a critical write survives its caller's cancellation");
    let limit = Duration::from_millis(20);

    // Unshielded: the timeout drops the write's future midway; the store
    // never happens. Dropping is immediate, so checking right away is fair.
    // (This write would take 10 s, so no stall of the thread can let it
    // finish before the 20 ms timeout is seen; nothing waits for it.)
    let unshielded = Arc::new(AtomicBool::new(false));
    let outcome = timeout(
        limit,
        critical_write(Duration::from_secs(10), unshielded.clone(), None),
    )
    .await;
    assert!(outcome.is_err(), "the caller times out");
    let unshielded = unshielded.load(Ordering::SeqCst);
    println!("  without shield: the caller timed out, written = {unshielded}");

    // Shielded: the write runs as its own task; the timeout only drops the
    // `Shield` future the caller was waiting on.
    let shielded = Arc::new(AtomicBool::new(false));
    let (finished_tx, finished_rx) = oneshot::channel();
    let write = corio::task::shield(critical_write(
        Duration::from_millis(150),
        shielded.clone(),
        Some(finished_tx),
    ));
    let outcome = timeout(limit, write).await;
    assert!(outcome.is_err(), "the caller times out");
    println!("  with shield: the caller timed out too, but the write goes on");
    // Wait for the write itself (bounded), as a program would before exiting.
    timeout(Duration::from_secs(5), finished_rx)
        .await
        .expect("the shielded write finishes")
        .unwrap();
    let shielded = shielded.load(Ordering::SeqCst);
    println!("  written = {shielded}");
    (unshielded, shielded)
}

/// Section 8: a task's exception. In asyncio it is stored in the task and
/// raised again at `await task` (and logged as "Task exception was never
/// retrieved" if nobody awaits it). In corio a panic in a task ends that
/// task only: the panic hook prints it as usual, the worker goes on, and
/// the handle gives it back as `Err(JoinError)`, with the payload inside.
async fn exceptions() -> (String, u32) {
    println!("8. a task's panic stays in the task: await gives it back");
    let failed = corio::spawn(async {
        let input = "not a number";
        input.parse::<u32>().expect("bad input")
    });
    let message = match failed.await {
        Ok(n) => format!("unexpected success: {n}"),
        Err(err) if err.is_panic() => {
            let payload = err.into_panic();
            // `expect` panics with a `String`, `panic!("literal")` with a `&str`.
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        }
        Err(err) => format!("cancelled: {err}"),
    };
    println!("  caught: {message}");
    // The runtime, and this thread, carry on.
    let after = corio::spawn(async { 42 }).await.expect("a healthy task");
    println!("  the next task returned {after}");
    (message, after)
}

/// Section 9: two traps of fire-and-forget, from the articles' notes on
/// tornado. A coroutine that is never awaited never runs: in Rust too an
/// `async` block is inert until polled (the compiler warns of a future
/// left unused, as Python warns "coroutine was never awaited"). And an
/// error nobody awaits is lost: a detached task's `Err` goes with its
/// dropped handle (a panic still reaches the panic hook). tornado's
/// `spawn_callback` logs it for you; in corio the task reports its own
/// failure before it ends.
async fn fire_and_forget() -> (bool, Vec<String>) {
    println!(
        "9. fire and forget: a future runs only when awaited; a detached task reports its own error"
    );
    let ran = Arc::new(AtomicBool::new(false));
    let lazy = {
        let ran = ran.clone();
        async move { ran.store(true, Ordering::SeqCst) }
    };
    drop(lazy); // made, never awaited: its body never ran
    let lazy_ran = ran.load(Ordering::SeqCst);
    println!("  a future made and dropped ran: {lazy_ran}");

    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (finished, wait) = oneshot::channel();
    let detached = {
        let log = log.clone();
        corio::spawn(async move {
            if let Err(err) = upstream_job(7).await {
                // Nobody will await this task: say it here, or never.
                log.lock().unwrap().push(format!("job 7 failed: {err}"));
            }
            let _ = finished.send(());
        })
    };
    drop(detached); // fire and forget: the task goes on alone
    let _ = wait.await;
    let reported = log.lock().unwrap().clone();
    for line in &reported {
        println!("  the task reported: {line}");
    }
    (lazy_ran, reported)
}

/// A call that fails, as an upstream sometimes does.
async fn upstream_job(id: u32) -> Result<u32, String> {
    sleep(Duration::from_millis(1)).await;
    Err(format!("upstream refused job {id}"))
}

//! Local tasks: `!Send` state (`Rc<RefCell<..>>`) shared by tasks that never
//! leave their thread.
//!
//! ```text
//! cargo run --example local
//! ```
//!
//! `corio::spawn` may move a task to any worker thread, so its future must be
//! `Send`: no `Rc`, no `RefCell` shared with other tasks. Often that is the
//! price of using every core. But an asyncio program, a JavaScript event
//! loop, or a GUI's main thread runs everything on *one* thread, and there
//! plain `Rc<RefCell<..>>` is the natural way to share state: no atomics, no
//! locks. corio offers that model twice:
//!
//! 1. a current-thread runtime, whose `block_on` accepts `spawn_local`;
//! 2. a `LocalSet` inside a multi-thread runtime: local tasks stay on the
//!    thread that runs the set, while `spawn`ed tasks use the workers.
//!
//! One rule makes `RefCell` safe here: never hold a `borrow_mut()` across an
//! `.await`. While a task is suspended another local task may run and
//! borrow the same cell, and a second `borrow_mut` would panic.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::thread::{self, ThreadId};
use std::time::Duration;

use corio::runtime::Builder;
use corio::task::{LocalSet, spawn_local};

/// What `run` saw, for `tests/examples.rs` to check.
#[derive(Debug)]
pub struct Report {
    /// Part 1: the word counts the local tasks built together.
    pub counts: BTreeMap<String, usize>,
    /// Part 1: whether every local task ran on the thread that called
    /// `block_on`.
    pub same_thread: bool,
    /// Part 2: the results that came back from the worker threads.
    pub from_workers: Vec<u64>,
    /// Part 2: whether the local tasks stayed on the set's thread while the
    /// spawned ones ran elsewhere.
    pub local_stayed_home: bool,
}

fn main() {
    run();
}

/// Runs both parts.
pub fn run() -> Report {
    let (counts, same_thread) = current_thread_runtime();
    let (from_workers, local_stayed_home) = local_set_on_workers();
    Report {
        counts,
        same_thread,
        from_workers,
        local_stayed_home,
    }
}

/// Part 1: three local tasks count words into one `Rc<RefCell<BTreeMap>>`.
fn current_thread_runtime() -> (BTreeMap<String, usize>, bool) {
    println!("1. spawn_local on a current-thread runtime");
    let runtime = Builder::new_current_thread()
        .build()
        .expect("cannot build a runtime");
    let main_thread = thread::current().id();
    // `Rc`, not `Arc`: the count is only touched from this thread.
    let counts: Rc<RefCell<BTreeMap<String, usize>>> = Rc::default();
    let threads: Rc<RefCell<Vec<ThreadId>>> = Rc::default();
    let lines = ["the quick brown fox", "the lazy dog", "the fox and the dog"];
    runtime.block_on(async {
        let tasks: Vec<_> = lines
            .into_iter()
            .enumerate()
            .map(|(i, line)| {
                let (counts, threads) = (counts.clone(), threads.clone());
                // `corio::spawn` would not compile here: `Rc` is not `Send`.
                spawn_local(async move {
                    threads.borrow_mut().push(thread::current().id());
                    for word in line.split_whitespace() {
                        // Borrow, update, release: the borrow ends with this
                        // statement, before the `.await` below.
                        *counts.borrow_mut().entry(word.to_string()).or_default() += 1;
                        // Let the other tasks in, so the three interleave.
                        corio::task::yield_now().await;
                    }
                    println!("  task {i} counted {line:?}");
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    let same_thread = threads.borrow().iter().all(|&t| t == main_thread);
    let counts = counts.take();
    println!("  counts: {counts:?}");
    println!("  every local task ran on the main thread: {same_thread}");
    (counts, same_thread)
}

/// Part 2: a `LocalSet` on a multi-thread runtime. The local task keeps a
/// `!Send` cache; the heavy lifting is spawned onto the worker threads, and
/// only `Send` values (the results) cross back.
fn local_set_on_workers() -> (Vec<u64>, bool) {
    println!("2. a LocalSet on a multi-thread runtime");
    let runtime = corio::Runtime::builder()
        .worker_threads(2)
        .build()
        .expect("cannot build a runtime");
    let local = LocalSet::new();
    let home = thread::current().id();
    let cache: Rc<RefCell<Vec<u64>>> = Rc::default();

    // `run_until` drives the set's local tasks on this thread while it waits
    // for the future; `block_on` gives it the runtime (timers, spawning).
    let stayed_home = runtime.block_on(local.run_until(async {
        let cache = cache.clone();
        spawn_local(async move {
            let mut stayed_home = true;
            for n in [10u64, 20, 30] {
                // `spawn` sends the work to a worker thread; the handle
                // brings the `Send` result back to this local task.
                let worker = corio::spawn(async move {
                    corio::time::sleep(Duration::from_millis(5)).await;
                    let name = thread::current().name().unwrap_or("?").to_string();
                    (n * n, name, thread::current().id() != home)
                });
                let (square, worker_name, elsewhere) = worker.await.unwrap();
                stayed_home &= elsewhere && thread::current().id() == home;
                println!(
                    "  local task on {:?} got {n}^2 = {square} from {worker_name}",
                    thread::current().name().unwrap_or("?")
                );
                cache.borrow_mut().push(square);
            }
            stayed_home
        })
        .await
        .unwrap()
    }));
    let from_workers = cache.take();
    println!(
        "  cached: {from_workers:?}; the local task never left its thread, \
         the spawned ones ran on workers: {stayed_home}"
    );
    (from_workers, stayed_home)
}

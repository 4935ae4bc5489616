//! Work from outside a busy worker (a spawn from another thread, a timer
//! the driver fires) waits in the injector, which the worker looks at every
//! `global_queue_interval` ticks between its own tasks. Each look must run
//! one such task now, not move a batch of them behind the worker's whole
//! local backlog.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Local tasks queued ahead, each a couple of microseconds of work: about
/// 0.1 s of backlog.
const BACKLOG: usize = 50_000;
/// Tasks spawned from outside while the backlog is queued.
const FROM_OUTSIDE: usize = 8;

#[test]
#[cfg_attr(miri, ignore)]
fn tasks_from_outside_run_before_the_local_backlog_drains() {
    let runtime = common::one_worker();
    let ran = Arc::new(AtomicUsize::new(0));
    let (queued_tx, queued_rx) = mpsc::channel();
    let counted = ran.clone();
    runtime.spawn(async move {
        for _ in 0..BACKLOG {
            let ran = counted.clone();
            corio::spawn(async move {
                std::hint::black_box((0..1_000u64).fold(0, |a, b| a ^ b.wrapping_mul(31)));
                ran.fetch_add(1, Ordering::Relaxed);
            });
        }
        queued_tx.send(()).unwrap();
    });
    common::recv(&queued_rx);
    let (seen_tx, seen_rx) = mpsc::channel();
    for _ in 0..FROM_OUTSIDE {
        let (ran, seen) = (ran.clone(), seen_tx.clone());
        // Counted just before its own spawn: a test thread kept off its
        // CPU between spawns lets the backlog run, and that is no wait.
        let before = ran.load(Ordering::Relaxed);
        runtime.spawn(async move { seen.send(ran.load(Ordering::Relaxed) - before).unwrap() });
    }
    // Backlog tasks run while each waited: one look every 61 ticks takes
    // one, so a few hundred.
    let waited: Vec<usize> = (0..FROM_OUTSIDE).map(|_| common::recv(&seen_rx)).collect();
    assert!(
        waited.iter().all(|&n| n < 5_000),
        "backlog tasks run ahead of each task from outside: {waited:?}"
    );
}

//! The worker's statistics across a `block_in_place` hand-over whose core
//! comes back after another thread ran it: that thread counted its own
//! busy time, which the first must not count again, and what is left of
//! the first thread's poll is a poll of its own for the stall watchdog.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::{LIMIT, bounded};
use corio::task::block_in_place;

/// Spins (real work, not a wait) for `how_long`.
fn spin(how_long: Duration) {
    let start = Instant::now();
    while start.elapsed() < how_long {
        std::hint::spin_loop();
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_core_taken_back_after_another_thread_ran_it() {
    // Threads past the worker and the one the first hand-over starts wait
    // in their start hook until the end: so the core, handed over again,
    // stays free for the first thread to take back.
    let began = Instant::now(); // before the worker starts counting
    let started = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let (report_tx, report_rx) = mpsc::channel::<u64>();
    let report_tx = Mutex::new(report_tx);
    let (hook_started, hook_gate) = (started.clone(), gate.clone());
    let runtime = corio::Runtime::builder()
        .worker_threads(1)
        .slow_poll_threshold(Some(Duration::from_millis(20)))
        .on_slow_poll(move |report| {
            let _ = report_tx.lock().unwrap().send(report.task_id);
        })
        .on_thread_start(move || {
            if hook_started.fetch_add(1, Ordering::SeqCst) >= 2 {
                let (open, cv) = &*hook_gate;
                let open = open.lock().unwrap();
                let _ = cv.wait_timeout_while(open, LIMIT, |open| !*open).unwrap();
            }
        })
        .build()
        .unwrap();
    let (reported, parks) = runtime.block_on(bounded(async {
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (taken_tx, taken_rx) = mpsc::channel::<()>();
        let first = corio::spawn(async move {
            let me = corio::task::id().as_u64();
            block_in_place(|| {
                // Runs on the thread that took the core: a poll past the
                // threshold, then a hand-over back, held until this thread
                // has the core again.
                corio::spawn(async move {
                    spin(Duration::from_millis(150));
                    block_in_place(|| {
                        go_tx.send(()).unwrap();
                        let _ = taken_rx.recv_timeout(LIMIT);
                    });
                });
                go_rx.recv_timeout(LIMIT).unwrap();
            });
            taken_tx.send(()).unwrap();
            // A stall after the take-back: reported as this task's.
            let reported = loop {
                match report_rx.recv_timeout(LIMIT) {
                    Ok(id) if id == me => break true,
                    Ok(_) => continue,
                    Err(_) => break false,
                }
            };
            // Still inside the poll: the worker parks after this.
            (reported, corio::Handle::current().metrics().worker[0].parks)
        });
        first.await.unwrap()
    }));
    assert!(reported, "the stall after the take-back went unreported");
    // The worker's busy time is counted when it parks: wait for that.
    let deadline = Instant::now() + LIMIT;
    while runtime.metrics().worker[0].parks == parks {
        assert!(Instant::now() < deadline, "the worker never parked");
        std::thread::yield_now();
    }
    let busy = runtime.metrics().worker[0].busy;
    let wall = began.elapsed();
    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    assert!(
        busy <= wall,
        "worker 0 busy for {busy:?} in {wall:?}: the other thread's turn counted twice"
    );
}

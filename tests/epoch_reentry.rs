//! A wake that re-enters the scheduler from inside a queue push.
//!
//! crossbeam's deque grows its buffer by swapping in a bigger one and
//! flushing the epoch garbage of the whole process, which runs destructors
//! deferred by *any* code that uses crossbeam-epoch's global collector. Such
//! a destructor may wake a corio task, and the wake calls `schedule` on this
//! very thread while the outer push is half done. Pushing again there would
//! write the woken task into the slot the outer push is about to fill, and
//! one of the two would be lost for good. corio's `schedule` takes the
//! worker's queue exclusively, so the nested wake finds it busy and goes
//! through the injector instead.
//!
//! This file holds one test, so that it runs alone in its process: the
//! global epoch only advances when every pinned thread has caught up, and
//! other tests' threads would make the moment of collection a guess.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Sets its flag when dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_wake_from_deferred_epoch_garbage_during_a_push_is_not_lost() {
    let rt = corio::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let outcome = rt.block_on(async {
            let (tx, rx) = corio::sync::oneshot::channel::<()>();
            let waiter = corio::spawn(async move { rx.await.is_err() });
            corio::task::yield_now().await; // the waiter is parked on `rx`
            let dropped = Arc::new(AtomicBool::new(false));
            let flag = DropFlag(dropped.clone());
            std::thread::spawn(move || {
                // First the garbage other threads left: a collection frees
                // a few bags at a time, oldest first, and the push below
                // must reach this one.
                for _ in 0..1_000 {
                    crossbeam_epoch::pin().flush();
                }
                // Seal a bag at the current epoch; this thread's own
                // collection can only advance the epoch by one, so the bag
                // is still there when the thread ends.
                let guard = crossbeam_epoch::pin();
                guard.defer(move || drop((tx, flag)));
                guard.flush();
            })
            .join()
            .unwrap();
            // 200 tasks grow this thread's deque past 128 slots, and that
            // growth flushes: the bag's destructor drops `tx` and wakes the
            // waiter inside the push.
            let tasks: Vec<_> = (0..200).map(|_| corio::spawn(async {})).collect();
            let ran_inside_the_spawns = dropped.load(Ordering::SeqCst);
            for task in tasks {
                task.await.unwrap();
            }
            let woken = corio::time::timeout(Duration::from_secs(10), waiter).await;
            (ran_inside_the_spawns, woken.map(Result::unwrap))
        });
        let _ = done_tx.send(outcome);
    });
    let (ran_inside_the_spawns, woken) = done_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the runtime hung");
    // Else this test did not exercise the re-entry at all.
    assert!(
        ran_inside_the_spawns,
        "the deferred drop did not run during the spawns"
    );
    assert_eq!(woken, Ok(true), "the woken task was lost");
}

//! A wake that re-enters the scheduler from inside `block_in_place`'s own
//! queue push (see `epoch_reentry.rs` for how a push can wake a task).
//!
//! Handing its core over, a worker moves the task in its LIFO slot into the
//! core's queue, where other workers can steal it. If that push grows the
//! queue, the epoch garbage it flushes may wake tasks on this thread while
//! it still looks like a worker. Such a wake must not land in the empty
//! stand-in core the thread keeps while it has none: that stand-in is
//! dropped, and a task queued on it with it.
//!
//! One test in its own file, so that it runs alone in its process (the
//! global epoch advances only when every pinned thread has caught up).

use std::sync::{Arc, mpsc};
use std::time::Duration;

#[test]
fn a_wake_during_the_hand_off_push_is_not_lost() {
    let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = runtime.block_on(async {
            corio::spawn(async {
                let (tx_x, rx_x) = corio::sync::oneshot::channel::<()>();
                let (tx_y, rx_y) = corio::sync::oneshot::channel::<()>();
                let x = corio::spawn(async move { rx_x.await.is_err() });
                let y = corio::spawn(async move { rx_y.await.is_err() });
                corio::task::yield_now().await; // both are parked now
                // Which thread ran the deferred drop: this worker's, inside
                // the hand-over's push, or the test is not testing it.
                let worker = std::thread::current().id();
                let ran_on = Arc::new(std::sync::Mutex::new(None));
                let ran = ran_on.clone();
                std::thread::spawn(move || {
                    // First the garbage other threads left: a collection
                    // frees a few bags at a time, oldest first, and the
                    // push below must reach this one.
                    for _ in 0..1_000 {
                        crossbeam_epoch::pin().flush();
                    }
                    // Sealed at the current epoch: still there after this
                    // thread's own collection (see `epoch_reentry.rs`).
                    let guard = crossbeam_epoch::pin();
                    guard.defer(move || {
                        drop((tx_x, tx_y));
                        *ran.lock().unwrap() = Some(std::thread::current().id());
                    });
                    guard.flush();
                })
                .join()
                .unwrap();
                // 64 tasks fill the queue's first buffer, and a 65th sits in
                // the LIFO slot; none of these pushes grows the buffer.
                let fillers: Vec<_> = (0..65).map(|_| corio::spawn(async {})).collect();
                // Moving the LIFO task into the queue grows it: the flush
                // drops both senders and wakes `x` and `y` inside the push.
                corio::task::block_in_place(|| ());
                let ran = *ran_on.lock().unwrap() == Some(worker);
                for filler in fillers {
                    filler.await.unwrap();
                }
                let limit = Duration::from_secs(10);
                let x = corio::time::timeout(limit, x).await.map(Result::unwrap);
                let y = corio::time::timeout(limit, y).await.map(Result::unwrap);
                (ran, x, y)
            })
            .await
            .unwrap()
        });
        let _ = done_tx.send(outcome);
    });
    let (ran, x, y) = done_rx
        .recv_timeout(Duration::from_secs(40))
        .expect("the runtime hung");
    // Else this test did not exercise the re-entry at all.
    assert!(ran, "the deferred drop did not run during the hand-over");
    assert_eq!(x, Ok(true), "the first task woken in the push was lost");
    assert_eq!(y, Ok(true), "the second task woken in the push was lost");
}

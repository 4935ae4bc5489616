//! The LIFO slot's bound: a task woken on a worker runs next, hot in cache,
//! but at most three times in a row (`scheduler/queue.rs`); then the slot's
//! task goes behind the local queue, so two tasks that keep waking each
//! other cannot starve a third queued on the same worker.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use corio::sync::channel;

/// Exchanges the pair would make if nothing stopped it.
const EXCHANGES: u64 = 10_000;

#[test]
fn a_pair_waking_each_other_does_not_starve_a_task_queued_behind_it() {
    let rt = corio::Runtime::builder().worker_threads(1).build().unwrap();
    let exchanges = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (to_q, q_inbox) = channel::bounded::<u64>(1);
    let (to_p, p_inbox) = channel::bounded::<u64>(1);
    let seen_by_third = {
        let (exchanges, stop) = (exchanges.clone(), stop.clone());
        rt.block_on(common::bounded(async move {
            let q = corio::spawn({
                let (exchanges, stop) = (exchanges.clone(), stop.clone());
                async move {
                    while let Some(n) = q_inbox.recv().await {
                        exchanges.fetch_add(1, Ordering::SeqCst);
                        if stop.load(Ordering::SeqCst) || n == EXCHANGES {
                            break;
                        }
                        to_p.send(n + 1).await.unwrap();
                    }
                }
            });
            let (third_tx, third_rx) = corio::sync::oneshot::channel();
            let p = corio::spawn(async move {
                // The third task takes the LIFO slot, and the first wake
                // below pushes it to the local queue, behind the pair.
                let (exchanges, stop) = (exchanges.clone(), stop.clone());
                corio::spawn(async move {
                    let _ = third_tx.send(exchanges.load(Ordering::SeqCst));
                    stop.store(true, Ordering::SeqCst);
                });
                let mut n = 0;
                while to_q.send(n).await.is_ok() {
                    match p_inbox.recv().await {
                        Some(next) => n = next,
                        None => break,
                    }
                }
            });
            let seen = third_rx.await.unwrap();
            q.await.unwrap();
            p.await.unwrap();
            seen
        }))
    };
    // Without the bound it ran only once the pair had finished.
    assert!(
        seen_by_third < 10,
        "the third task ran after {seen_by_third} exchanges of the pair"
    );
    assert!(exchanges.load(Ordering::SeqCst) < EXCHANGES);
}

//! `JoinSet`: results in completion order, `abort_all`, `shutdown`, and the
//! tasks a dropped set aborts.

mod common;

use std::sync::Arc;

use common::{Drops, Latch, block_on};
use corio::task::{self, JoinSet};

/// A future that never completes and holds `tracked` (to count its drop).
async fn pending_holding(tracked: common::Tracked) {
    let _tracked = tracked;
    std::future::pending::<()>().await;
}

// ---------------------------------------------------------------- JoinSet

/// A task body that waits for `gate` and then returns `value`.
async fn after(gate: Arc<Latch>, value: usize) -> usize {
    gate.wait().await;
    value
}

#[test]
#[cfg_attr(miri, ignore)]
fn join_set_returns_results_in_completion_order() {
    block_on(async {
        let mut set = JoinSet::new();
        assert!(set.is_empty());
        assert!(set.join_next().await.is_none());
        let gates: Vec<_> = (0..4).map(|_| Latch::new(1)).collect();
        for (i, gate) in gates.iter().enumerate() {
            set.spawn(after(gate.clone(), i));
        }
        assert_eq!(set.len(), 4);
        assert!(!set.is_empty());
        for (opened, expect_len) in [(2, 3), (0, 2), (3, 1), (1, 0)] {
            gates[opened].count_down();
            assert_eq!(set.join_next().await.unwrap().unwrap(), opened);
            assert_eq!(set.len(), expect_len);
        }
        assert!(set.is_empty());
        assert!(set.join_next().await.is_none());
    });
}

/// Tasks that all finished before the set first looked come out in the
/// order they finished too, as tokio's do: a race of mirrors takes the
/// fastest. They came out in the order they were spawned (the set learned
/// of a task's end only from `join_next`'s first poll of it). Virtual time
/// makes the order exact.
#[test]
#[cfg_attr(miri, ignore)]
fn join_set_returns_tasks_that_finished_unseen_in_the_order_they_finished() {
    // A real-time limit: a virtual-time one would be jumped to.
    common::within_limit(|| {
        let runtime = corio::runtime::Builder::new_current_thread()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(returns_in_finish_order());
    });
}

async fn returns_in_finish_order() {
    use corio::time::{Duration, sleep};
    let mut set = JoinSet::new();
    for (name, ms) in [("slow", 50), ("middle", 30), ("fast", 10)] {
        set.spawn(async move {
            sleep(Duration::from_millis(ms)).await;
            name
        });
    }
    // Every task ends meanwhile; the set polls none of them.
    sleep(Duration::from_millis(100)).await;
    let mut order = Vec::new();
    while let Some(done) = set.try_join_next() {
        order.push(done.unwrap());
    }
    assert_eq!(order, ["fast", "middle", "slow"]);
}

#[test]
#[cfg_attr(miri, ignore)]
fn join_set_abort_all_cancels_every_task() {
    block_on(async {
        let drops = Drops::new(5);
        let mut set = JoinSet::new();
        for i in 0..5 {
            set.spawn(pending_holding(drops.track(i)));
        }
        let finished = set.spawn(async {});
        while !finished.is_finished() {
            task::yield_now().await;
        }
        set.abort_all();
        let (mut cancelled, mut ok) = (0, 0);
        while let Some(result) = set.join_next().await {
            match result {
                Ok(()) => ok += 1,
                Err(err) => {
                    assert!(err.is_cancelled());
                    cancelled += 1;
                }
            }
        }
        assert_eq!((cancelled, ok), (5, 1));
        drops.assert_each_dropped_once();
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn join_set_shutdown_waits_for_every_task() {
    block_on(async {
        let drops = Drops::new(50);
        let mut set = JoinSet::new();
        for i in 0..50 {
            set.spawn(pending_holding(drops.track(i)));
        }
        set.shutdown().await;
        assert!(set.is_empty());
        drops.assert_each_dropped_once();
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn dropping_a_join_set_aborts_its_tasks() {
    const TASKS: usize = 50;
    block_on(async {
        let drops = Drops::new(TASKS);
        let started = Latch::new(TASKS);
        let dropped = Latch::new(TASKS);
        let mut set = JoinSet::new();
        for i in 0..TASKS {
            let (tracked, started, dropped) = (drops.track(i), started.clone(), dropped.clone());
            set.spawn(async move {
                struct CountDown(Arc<Latch>);
                impl Drop for CountDown {
                    fn drop(&mut self) {
                        self.0.count_down();
                    }
                }
                // Locals drop in reverse order: the tracked value first, then
                // the count-down that the test waits for.
                let _signal = CountDown(dropped);
                let _tracked = tracked;
                started.count_down();
                std::future::pending::<()>().await;
            });
        }
        started.wait().await;
        drop(set);
        dropped.wait().await;
        drops.assert_each_dropped_once();
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn draining_more_results_than_one_budget_holds_does_not_spin() {
    // 200 finished tasks: more results than one coop budget (128 units).
    // Once the draining task has spent it, each handle answers Pending and
    // wakes the set; join_next must yield then, not loop on that wake.
    common::within_limit(|| {
        block_on(async {
            let mut set = JoinSet::new();
            let finished = Latch::new(200);
            for i in 0..200u64 {
                let finished = finished.clone();
                set.spawn(async move {
                    finished.count_down();
                    i
                });
            }
            finished.wait().await;
            let mut sum = 0;
            while let Some(result) = set.join_next().await {
                sum += result.unwrap();
            }
            assert_eq!(sum, (0..200).sum::<u64>());

            // The non-waiting form takes every result there is.
            for i in 0..200u64 {
                set.spawn(async move { i });
            }
            let mut taken = 0;
            while !set.is_empty() {
                match set.try_join_next() {
                    Some(result) => {
                        result.unwrap();
                        taken += 1;
                    }
                    None => task::yield_now().await,
                }
            }
            assert_eq!(taken, 200);
        });
    });
}

/// `join_next_with_id` pairs each output with the id its spawn returned;
/// `detach_all` lets the tasks run on; `spawn_local` takes `!Send` futures.
#[test]
#[cfg_attr(miri, ignore)]
fn ids_detach_and_local_tasks() {
    use std::collections::HashMap;
    use std::rc::Rc;
    block_on(async {
        let mut set = JoinSet::new();
        let mut ids = HashMap::new();
        for i in 0..20u32 {
            ids.insert(set.spawn(async move { i }).id(), i);
        }
        let failing = set.spawn(async { panic!("boom") }).id();
        let mut seen = 0;
        while let Some(result) = set.join_next_with_id().await {
            match result {
                Ok((id, output)) => {
                    assert_eq!(
                        ids.remove(&id),
                        Some(output),
                        "the id of the task that made it"
                    );
                    seen += 1;
                }
                Err(err) => assert_eq!(err.id(), failing),
            }
        }
        assert_eq!(seen, 20);
        assert!(ids.is_empty());

        // The non-waiting form pairs them the same way.
        for i in 0..20u32 {
            ids.insert(set.spawn(async move { i }).id(), i);
        }
        while !set.is_empty() {
            match set.try_join_next_with_id() {
                Some(result) => {
                    let (id, output) = result.unwrap();
                    assert_eq!(ids.remove(&id), Some(output));
                }
                None => task::yield_now().await,
            }
        }
        assert!(ids.is_empty());

        let (tx, rx) = corio::sync::oneshot::channel();
        let gate = Arc::new(corio::sync::Notify::new());
        let opened = gate.clone();
        set.spawn(async move {
            opened.notified().await;
            tx.send(7).unwrap();
            0
        });
        set.detach_all();
        assert!(set.is_empty());
        drop(set); // would abort a task still in the set
        gate.notify_one();
        assert_eq!(rx.await.unwrap(), 7, "the detached task ran to its end");
    });
    let local = corio::task::LocalSet::new();
    let runtime = common::two_workers();
    let out = runtime.block_on(common::bounded(local.run_until(async {
        let mut set = JoinSet::new();
        let shared = Rc::new(5);
        for _ in 0..3 {
            let shared = shared.clone();
            set.spawn_local(async move { *shared });
        }
        let mut total = 0;
        while let Some(result) = set.join_next().await {
            total += result.unwrap();
        }
        total
    })));
    assert_eq!(out, 15);
}

/// `join_all` collects every output; a task that panicked makes it panic
/// with that task's own payload, after the tasks still in the set are
/// aborted (each dropped exactly once).
#[test]
#[cfg_attr(miri, ignore)]
fn join_all_collects_outputs_and_passes_a_panic_on() {
    block_on(async {
        let set: JoinSet<u32> = (0..10).map(|i| async move { i }).collect();
        let mut outputs = set.join_all().await;
        outputs.sort();
        assert_eq!(outputs, (0..10).collect::<Vec<_>>());

        let drops = Drops::new(1);
        let mut set = JoinSet::new();
        set.spawn(pending_holding(drops.track(0)));
        set.spawn(async { panic!("task boom") });
        let joined = corio::spawn(set.join_all()).await;
        let payload = joined.unwrap_err().into_panic();
        assert_eq!(common::panic_message(&*payload), "task boom");
        let deadline = std::time::Instant::now() + common::LIMIT;
        while drops.total() < 1 {
            assert!(
                std::time::Instant::now() < deadline,
                "the pending task was never aborted"
            );
            task::yield_now().await;
        }
        drops.assert_each_dropped_once();
    });
}

/// `spawn_on` works from outside any runtime; `extend` spawns into an
/// existing set; `poll_join_next` ends with `Ready(None)` on an empty set.
#[test]
#[cfg_attr(miri, ignore)]
fn spawn_on_extend_and_poll_join_next() {
    let runtime = common::two_workers();
    let mut set = JoinSet::new();
    set.spawn_on(async { 1u32 }, runtime.handle());
    let total = runtime.block_on(common::bounded(async move {
        set.extend((2..=3u32).map(|i| async move { i }));
        assert_eq!(set.len(), 3);
        let mut total = 0;
        while let Some(result) = std::future::poll_fn(|cx| set.poll_join_next(cx)).await {
            total += result.unwrap();
        }
        assert!(set.is_empty());
        total
    }));
    assert_eq!(total, 6);
}

/// Tasks a set spawns from `extend` are listed at the caller's line, as
/// those of `spawn` are, not inside corio.
#[test]
#[cfg_attr(miri, ignore)]
fn extend_records_the_callers_location() {
    block_on(async {
        let mut set = JoinSet::new();
        let line = line!() + 1;
        set.extend((0..2).map(|_| std::future::pending::<()>()));
        let dump = corio::Handle::current().dump();
        let ours: Vec<_> = dump
            .tasks
            .iter()
            .filter(|t| t.location.file() == file!())
            .map(|t| t.location.line())
            .collect();
        assert_eq!(ours, [line, line], "{:?}", dump.tasks);
        set.shutdown().await;
    });
}

/// A task parked in `poll_join_next` is woken by a task added afterwards
/// (by another task), and gets its result: it had polled only the entries
/// that were there when it parked.
#[test]
#[cfg_attr(miri, ignore)]
fn a_waiter_parked_on_the_set_sees_a_task_added_later() {
    use std::sync::Mutex;
    block_on(async {
        let set = Arc::new(Mutex::new(JoinSet::new()));
        set.lock().unwrap().spawn(std::future::pending::<u32>());
        let (parked_tx, parked) = corio::sync::oneshot::channel::<()>();
        let waiter = {
            let set = set.clone();
            let mut parked_tx = Some(parked_tx);
            corio::spawn(async move {
                std::future::poll_fn(|cx| {
                    let polled = set.lock().unwrap().poll_join_next(cx);
                    if polled.is_pending()
                        && let Some(tx) = parked_tx.take()
                    {
                        let _ = tx.send(());
                    }
                    polled
                })
                .await
            })
        };
        parked.await.unwrap();
        set.lock().unwrap().spawn(async { 7 });
        let joined = corio::time::timeout(std::time::Duration::from_secs(10), waiter).await;
        let result = joined.expect("the waiter never woke").unwrap();
        assert_eq!(result.map(Result::unwrap), Some(7));
        set.lock().unwrap().abort_all();
    });
}

//! Tasks as a user holds them: `JoinHandle` (output, abort, ids), the task
//! `Builder`, `shield` and the cooperative budget. Panics are in
//! `panics.rs`, `JoinSet` in `join_set.rs`.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use common::{Drops, LIMIT, Latch, block_on, bounded, count_polls, one_worker, panic_of, recv};
use corio::Runtime;
use corio::task;

// ------------------------------------------------------------- JoinHandle

#[test]
#[cfg_attr(miri, ignore)]
fn join_handle_gives_the_output() {
    block_on(async {
        let handle = corio::spawn(async { String::from("output") });
        assert_eq!(handle.await.unwrap(), "output");
        // A detached task keeps running.
        let done = Latch::new(1);
        let signal = done.clone();
        drop(corio::spawn(async move {
            task::yield_now().await;
            signal.count_down();
        }));
        done.wait().await;
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn abort_while_running() {
    block_on(async {
        let drops = Drops::new(1);
        let started = Latch::new(1);
        let handle = {
            let (tracked, started) = (drops.track(0), started.clone());
            corio::spawn(async move {
                let _tracked = tracked;
                started.count_down();
                loop {
                    task::yield_now().await;
                }
            })
        };
        started.wait().await;
        assert!(!handle.is_finished());
        handle.abort();
        let err = handle.await.unwrap_err();
        assert!(err.is_cancelled());
        assert!(!err.is_panic());
        drops.assert_each_dropped_once();
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn abort_while_scheduled_never_polls() {
    let runtime = one_worker();
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    // Hold the only worker so that the next task stays queued.
    let blocker = runtime.spawn(async move {
        started_tx.send(()).unwrap();
        release_rx.recv_timeout(LIMIT).unwrap();
    });
    recv(&started_rx);
    let polled = Arc::new(AtomicBool::new(false));
    let drops = Drops::new(1);
    let queued = {
        let (polled, tracked) = (polled.clone(), drops.track(0));
        runtime.spawn(async move {
            let _tracked = tracked;
            polled.store(true, SeqCst);
        })
    };
    queued.abort();
    assert!(
        !queued.is_finished(),
        "the queued task is cancelled by a worker"
    );
    release_tx.send(()).unwrap();
    let err = runtime.block_on(bounded(queued)).unwrap_err();
    assert!(err.is_cancelled());
    assert!(!polled.load(SeqCst), "an aborted task is never polled");
    drops.assert_each_dropped_once();
    runtime.block_on(bounded(blocker)).unwrap();
}

#[test]
#[cfg_attr(miri, ignore)]
fn abort_after_completion_keeps_the_output() {
    block_on(async {
        let handle = corio::spawn(async { 5 });
        while !handle.is_finished() {
            task::yield_now().await;
        }
        handle.abort();
        handle.abort_handle().abort();
        assert_eq!(handle.await.unwrap(), 5);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn abort_handle_aborts_and_reports() {
    block_on(async {
        let handle = corio::spawn(std::future::pending::<()>());
        let abort = handle.abort_handle();
        let clone = abort.clone();
        assert_eq!(abort.id(), handle.id());
        assert!(!abort.is_finished());
        clone.abort();
        let err = handle.await.unwrap_err();
        assert!(err.is_cancelled());
        assert!(abort.is_finished());
        assert_eq!(err.id(), abort.id());
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn ids_inside_and_outside_tasks() {
    assert!(task::try_id().is_none());
    let message = panic_of(task::id);
    assert!(message.contains("outside a corio task"), "{message}");
    block_on(async {
        // The block_on future is not a task.
        assert!(task::try_id().is_none());
        let a = corio::spawn(async { (task::id(), task::try_id()) });
        let b = corio::spawn(async { task::id() });
        let (a_id, b_id) = (a.id(), b.id());
        assert_ne!(a_id, b_id);
        let (inside, try_inside) = a.await.unwrap();
        assert_eq!(inside, a_id);
        assert_eq!(try_inside, Some(a_id));
        assert_eq!(b.await.unwrap(), b_id);
        assert_eq!(a_id.to_string(), a_id.as_u64().to_string());
        // A panicking task's error carries its id.
        let c = corio::spawn(async { panic!("with id") });
        let c_id = c.id();
        assert_eq!(c.await.unwrap_err().id(), c_id);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn task_builder_spawns_named_tasks() {
    block_on(async {
        let gate = Latch::new(1);
        let handle = {
            let gate = gate.clone();
            task::Builder::new()
                .name("worker-7")
                .spawn(async move {
                    gate.wait().await;
                    task::id()
                })
                .unwrap()
        };
        let id = handle.id();
        // The name is kept for the task dump.
        let dump = corio::Handle::current().dump();
        let info = dump.tasks.iter().find(|t| t.id == id.as_u64());
        assert_eq!(info.and_then(|t| t.name.as_deref()), Some("worker-7"));
        gate.count_down();
        assert_eq!(handle.await.unwrap(), id);
        let on = task::Builder::new()
            .name("on-handle")
            .spawn_on(async { 3 }, &corio::Handle::current())
            .unwrap();
        assert_eq!(on.await.unwrap(), 3);
    });
}

/// Named local tasks: on the local set this thread runs, or on a given one;
/// the name shows in the dump, and outside a local set it is an error,
/// not the panic of `spawn_local`.
#[test]
#[cfg_attr(miri, ignore)]
fn task_builder_spawns_named_local_tasks() {
    use std::rc::Rc;
    assert!(task::Builder::new().spawn_local(async {}).is_err());
    let runtime = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(common::bounded(async {
        let (tx, rx) = corio::sync::oneshot::channel::<()>();
        let not_send = Rc::new(2);
        let handle = task::Builder::new()
            .name("local-7")
            .spawn_local(async move {
                rx.await.unwrap();
                *not_send
            })
            .unwrap();
        let dump = corio::Handle::current().dump();
        let info = dump.tasks.iter().find(|t| t.id == handle.id().as_u64());
        assert_eq!(info.and_then(|t| t.name.as_deref()), Some("local-7"));
        tx.send(()).unwrap();
        assert_eq!(handle.await.unwrap(), 2);
    }));
    let local = task::LocalSet::new();
    let on = task::Builder::new()
        .name("on-set")
        .spawn_local_on(async { Rc::new(5) }, &local)
        .unwrap();
    let out = runtime
        .block_on(common::bounded(local.run_until(on)))
        .unwrap();
    assert_eq!(*out, 5);
}

// ----------------------------------------------------------------- shield

#[test]
#[cfg_attr(miri, ignore)]
fn shield_keeps_the_work_running_when_dropped() {
    block_on(async {
        let gate = Latch::new(1);
        let done = Latch::new(1);
        let finished = Arc::new(AtomicBool::new(false));
        let shielded = {
            let (gate, done, finished) = (gate.clone(), done.clone(), finished.clone());
            task::shield(async move {
                gate.wait().await;
                finished.store(true, SeqCst);
                done.count_down();
            })
        };
        // Cancel the shield from outside: a timeout that elapses drops it.
        let timed_out = corio::time::timeout(Duration::from_millis(5), shielded).await;
        assert!(timed_out.is_err());
        assert!(!finished.load(SeqCst));
        gate.count_down();
        done.wait().await;
        assert!(finished.load(SeqCst), "the shielded work ran to the end");

        // Awaited to the end, a shield gives the output.
        assert_eq!(task::shield(async { 8 }).await.unwrap(), 8);
        let err = task::shield(async { panic!("shielded") })
            .await
            .unwrap_err();
        assert!(err.is_panic());
    });
}

// ---------------------------------------------------- yield and budgets

#[test]
#[cfg_attr(miri, ignore)]
fn yield_now_lets_a_queued_task_run_first() {
    let runtime = one_worker();
    let order = runtime.block_on(bounded(async {
        corio::spawn(async {
            let order = Arc::new(std::sync::Mutex::new(Vec::new()));
            let other = {
                let order = order.clone();
                // Spawned from the worker: queued on it, behind us.
                corio::spawn(async move { order.lock().unwrap().push("other") })
            };
            task::yield_now().await;
            order.lock().unwrap().push("yielder");
            other.await.unwrap();
            Arc::try_unwrap(order).unwrap().into_inner().unwrap()
        })
        .await
        .unwrap()
    }));
    assert_eq!(order, ["other", "yielder"]);
}

#[test]
#[cfg_attr(miri, ignore)]
fn consume_budget_lets_another_task_progress_on_one_worker() {
    let runtime = one_worker();
    runtime.block_on(bounded(async {
        let stop = Arc::new(AtomicBool::new(false));
        let started = Latch::new(1);
        let (spinner, polls) = {
            let (stop, started) = (stop.clone(), started.clone());
            count_polls(async move {
                started.count_down();
                let mut rounds = 0u64;
                while !stop.load(SeqCst) {
                    task::consume_budget().await;
                    rounds += 1;
                }
                rounds
            })
        };
        let spinner = corio::spawn(spinner);
        started.wait().await;
        // The only worker is spinning; this task still gets a turn.
        let stopper = {
            let stop = stop.clone();
            corio::spawn(async move { stop.store(true, SeqCst) })
        };
        stopper.await.unwrap();
        let rounds = spinner.await.unwrap();
        assert!(rounds > 0);
        assert!(polls.load(SeqCst) >= 2, "the spinner yielded");
    }));
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_foreign_future_made_cooperative_lets_another_task_progress() {
    const MESSAGES: u64 = 100_000;
    let runtime = one_worker();
    runtime.block_on(bounded(async {
        // async-channel knows nothing of corio's budget: with a message
        // always waiting, its receive alone would never yield, and the
        // consumer would take all its messages before the other task ran.
        let (tx, rx) = async_channel::unbounded::<u64>();
        let stop = Arc::new(AtomicBool::new(false));
        let started = Latch::new(1);
        let consumer = {
            let (stop, started) = (stop.clone(), started.clone());
            corio::spawn(async move {
                started.count_down();
                tx.try_send(1).unwrap();
                let mut taken = 0;
                while taken < MESSAGES && !stop.load(SeqCst) {
                    taken += task::coop::cooperative(rx.recv()).await.unwrap();
                    tx.try_send(1).unwrap();
                }
                taken
            })
        };
        started.wait().await;
        // The only worker runs the consumer; this task still gets a turn.
        corio::spawn(async move { stop.store(true, SeqCst) })
            .await
            .unwrap();
        let taken = consumer.await.unwrap();
        assert!(
            (1..MESSAGES).contains(&taken),
            "stopped after {taken} messages"
        );
    }));
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_budget_forces_a_yield_unless_unconstrained() {
    block_on(async {
        const UNITS: usize = 1_000;
        let spend = || async {
            for _ in 0..UNITS {
                task::consume_budget().await;
            }
        };
        let (constrained, constrained_polls) = count_polls(spend());
        corio::spawn(constrained).await.unwrap();
        // 128 units a poll: at least 1000 / 128 polls.
        assert!(
            constrained_polls.load(SeqCst) >= UNITS / 128,
            "{} polls",
            constrained_polls.load(SeqCst)
        );
        let (free, free_polls) = count_polls(task::unconstrained(spend()));
        corio::spawn(free).await.unwrap();
        assert_eq!(free_polls.load(SeqCst), 1, "unconstrained never yields");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn awaiting_join_handles_spends_budget() {
    block_on(async {
        let handles: Vec<_> = (0..300).map(|i| corio::spawn(async move { i })).collect();
        for h in &handles {
            while !h.is_finished() {
                task::yield_now().await;
            }
        }
        let (join_all, polls) = count_polls(async move {
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(corio::spawn(join_all).await.unwrap(), (0..300).sum::<i32>());
        assert!(
            polls.load(SeqCst) >= 2,
            "300 ready handles exceed one budget"
        );
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn an_uncollected_output_is_dropped_once() {
    let runtime = Runtime::builder().worker_threads(2).build().unwrap();
    let drops = Drops::new(2);
    let kept = {
        let tracked = drops.track(0);
        runtime.spawn(async move { tracked })
    };
    let detached = {
        let tracked = drops.track(1);
        runtime.spawn(async move { tracked })
    };
    runtime.block_on(bounded(async {
        while !kept.is_finished() || !detached.is_finished() {
            task::yield_now().await;
        }
    }));
    drop(detached);
    assert_eq!(drops.total(), 1, "a detached output is dropped at once");
    drop(runtime);
    assert_eq!(drops.total(), 1, "a kept output belongs to its handle");
    drop(kept);
    drops.assert_each_dropped_once();
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_join_handle_moved_between_tasks_wakes_the_last_poller() {
    block_on(async {
        let gate = Latch::new(1);
        let mut handle = {
            let gate = gate.clone();
            corio::spawn(async move {
                gate.wait().await;
                11
            })
        };
        // First polled (and its waker stored) by one task...
        handle = corio::spawn(async move {
            assert!(futures_lite::future::poll_once(&mut handle).await.is_none());
            Some(handle) // wrapped: a task's output is not awaited by accident
        })
        .await
        .unwrap()
        .unwrap();
        // ...then awaited by another, which must be the one woken. The gate
        // opens only once that one has polled and stored its waker.
        let registered = Latch::new(1);
        let waiter = {
            let registered = registered.clone();
            corio::spawn(async move {
                let mut first = true;
                std::future::poll_fn(|cx| {
                    let poll = std::pin::Pin::new(&mut handle).poll(cx);
                    if poll.is_pending() && std::mem::take(&mut first) {
                        registered.count_down();
                    }
                    poll
                })
                .await
            })
        };
        registered.wait().await;
        gate.count_down();
        assert_eq!(waiter.await.unwrap().unwrap(), 11);
    });
}

/// `spawn(..).await?` into a `Box<dyn Error + Send + Sync>` (what `anyhow`
/// needs) compiles and keeps the message: a `JoinError` is `Sync` even when
/// its panic payload is not. The handles are unwind-safe, as tokio's.
#[test]
#[cfg_attr(miri, ignore)]
fn join_errors_box_as_send_sync_errors_and_handles_are_unwind_safe() {
    type BoxError = Box<dyn std::error::Error + Send + Sync>;
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>(_: &T) {}
    async fn run(task: task::JoinHandle<()>) -> Result<(), BoxError> {
        task.await?;
        Ok(())
    }
    block_on(async {
        let task = corio::spawn(async { panic!("boom") });
        unwind_safe(&task);
        unwind_safe(&task.abort_handle());
        let err = run(task).await.unwrap_err();
        assert!(err.to_string().contains("boom"), "{err}");

        // A payload that is not `Sync` comes back whole.
        let task = corio::spawn(async { std::panic::panic_any(std::cell::Cell::new(5)) });
        let err = run(task).await.unwrap_err();
        let err = err.downcast::<task::JoinError>().unwrap();
        let payload = err.into_panic().downcast::<std::cell::Cell<i32>>().unwrap();
        assert_eq!(payload.get(), 5);
    });
}

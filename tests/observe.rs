//! Metrics and the task dump (slow-poll reports and the stall watchdog are
//! in `slow_poll.rs`).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::bounded;
use corio::observe::TaskState;

#[test]
fn metrics_move_as_tasks_spawn_finish_steal_and_park() {
    let runtime = corio::Runtime::builder().worker_threads(2).build().unwrap();
    let before = runtime.metrics();
    assert_eq!(before.workers, 2);
    assert_eq!(before.worker.len(), 2);
    let (tx, rx) = std::sync::mpsc::channel();
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    runtime.spawn(async move {
        // Queue 100 tasks on this worker, then hold it: the other worker
        // must steal them.
        for _ in 0..100 {
            let d = d.clone();
            corio::spawn(async move {
                d.fetch_add(1, Ordering::SeqCst);
            });
        }
        // Held until the other worker has run them all (and for at least
        // 200 ms, the busy time checked below).
        let start = Instant::now();
        while d.load(Ordering::SeqCst) < 100 || start.elapsed() < Duration::from_millis(200) {
            assert!(
                start.elapsed() < common::LIMIT,
                "nobody stole the queued tasks"
            );
            std::thread::yield_now();
        }
        tx.send(()).unwrap();
    });
    common::recv(&rx);
    runtime.block_on(bounded(async {
        while done.load(Ordering::SeqCst) < 100 {
            corio::task::yield_now().await;
        }
    }));
    let after = runtime.metrics();
    assert!(after.spawned_tasks >= before.spawned_tasks + 101);
    let polls: u64 = after.worker.iter().map(|w| w.polls).sum();
    let steals: u64 = after.worker.iter().map(|w| w.steals).sum();
    assert!(polls >= 101, "{polls} polls");
    assert!(steals >= 1, "the idle worker stole from the busy one");
    // A worker books its busy time when it parks or checks the driver, and
    // counts its parks: wait for both (a worker the OS kept off its core
    // may have stolen without parking yet). The wait fails the test if
    // parks are never counted.
    runtime.block_on(bounded(async {
        loop {
            let m = corio::Handle::current().metrics();
            let busy: Duration = m.worker.iter().map(|w| w.busy).sum();
            let parks: u64 = m.worker.iter().map(|w| w.parks).sum();
            if busy >= Duration::from_millis(150) && parks >= 1 {
                break;
            }
            corio::time::sleep(Duration::from_millis(5)).await;
        }
    }));
    // Alive tasks: a pending one shows up, and goes away when aborted.
    let pending = runtime.spawn(std::future::pending::<()>());
    assert!(runtime.metrics().alive_tasks >= 1);
    pending.abort();
    runtime.block_on(bounded(async {
        assert!(pending.await.unwrap_err().is_cancelled());
        // The handle may see the result a moment before the worker takes the
        // task off the live list.
        while corio::Handle::current().metrics().alive_tasks != 0 {
            corio::task::yield_now().await;
        }
    }));
}

#[test]
fn the_dump_shows_a_named_idle_task_with_its_location_and_idle_time() {
    dump_shows_idle_time(Some(Duration::from_millis(100)));
}

/// Without a slow-poll threshold there is no watchdog to tick the coarse
/// clock; the workers tick it as they park, wake and check the driver, and
/// the dump ticks it itself, so the dump's times still move. (This shows
/// the two together: the dump's own tick alone would keep it passing, so
/// the workers' ticking is not told apart here.) In a child process: the
/// clock is global, and another test's runtime here would tick it.
#[test]
#[cfg_attr(miri, ignore)]
fn the_dump_times_move_with_slow_poll_reports_off() {
    common::in_child("the_dump_times_move_with_slow_poll_reports_off", || {
        dump_shows_idle_time(None)
    });
}

fn dump_shows_idle_time(threshold: Option<Duration>) {
    let runtime = corio::Runtime::builder()
        .worker_threads(2)
        .slow_poll_threshold(threshold)
        .build()
        .unwrap();
    runtime.block_on(bounded(async {
        let builder = corio::task::Builder::new().name("sleepy");
        let line = line!() + 1;
        let idle = builder.spawn(std::future::pending::<()>()).unwrap();
        corio::task::yield_now().await;
        let find = || {
            corio::Handle::current()
                .dump()
                .tasks
                .into_iter()
                .find(|t| t.name.as_deref() == Some("sleepy"))
                .expect("the named task is in the dump")
        };
        let first = find();
        assert_eq!(first.id, idle.id().as_u64());
        assert_eq!(first.location.file(), file!());
        assert_eq!(first.location.line(), line);
        // The idle time grows while the task sleeps (the coarse clock ticks
        // every few milliseconds).
        loop {
            corio::time::sleep(Duration::from_millis(20)).await;
            let now = find();
            if now.idle_for > first.idle_for {
                assert_eq!(now.state, TaskState::Idle);
                assert!(now.polls >= 1);
                break;
            }
        }
        let table = corio::Handle::current().dump().to_string();
        assert!(
            table.contains("sleepy") && table.contains("idle"),
            "{table}"
        );
        idle.abort();
    }));
}

#[test]
fn the_dump_and_the_metrics_count_local_tasks_until_their_set_is_gone() {
    let ids =
        |handle: &corio::Handle| -> Vec<u64> { handle.dump().into_iter().map(|t| t.id).collect() };
    // `spawn_local` straight inside a current-thread `block_on`.
    let runtime = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let handle = runtime.handle().clone();
    runtime.block_on(bounded(async {
        let local = corio::task::spawn_local(std::future::pending::<()>());
        assert_eq!(ids(&handle), [local.id().as_u64()]);
        assert_eq!(handle.metrics().alive_tasks, 1);
        local.abort();
    }));
    assert!(
        ids(&handle).is_empty(),
        "the implicit set ended with block_on"
    );
    assert_eq!(handle.metrics().alive_tasks, 0);

    // An explicit LocalSet on a multi-thread runtime, beside a plain task.
    let runtime = corio::Runtime::builder().worker_threads(2).build().unwrap();
    let handle = runtime.handle().clone();
    let set = corio::task::LocalSet::new();
    let plain = runtime.spawn(std::future::pending::<()>());
    let local = set.spawn_local(std::future::pending::<()>());
    runtime.block_on(bounded(set.run_until(async {
        let mut expected = vec![plain.id().as_u64(), local.id().as_u64()];
        expected.sort();
        assert_eq!(ids(&corio::Handle::current()), expected);
    })));
    assert_eq!(handle.metrics().alive_tasks, 2);
    drop(set);
    assert_eq!(
        ids(&handle),
        [plain.id().as_u64()],
        "dropping the set ends its tasks"
    );
    plain.abort();
}

#[test]
fn a_local_set_run_by_one_runtime_then_another_is_in_each_ones_dump() {
    let set = corio::task::LocalSet::new();
    let id = set.spawn_local(std::future::pending::<()>()).id().as_u64();
    let in_dump = |runtime: &corio::Runtime| {
        let handle = runtime.handle().clone();
        runtime.block_on(bounded(set.run_until(async move {
            handle.dump().tasks.iter().any(|t| t.id == id)
        })))
    };
    // The second runtime comes after the first is gone, so it may reuse
    // the first one's memory: the set must still register with it.
    let first = common::one_worker();
    assert!(in_dump(&first));
    assert!(in_dump(&first), "running the set again changes nothing");
    drop(first);
    let second = common::one_worker();
    assert!(in_dump(&second), "a new runtime lists the set's task too");
}

/// The same for a set awaited as a future: the second runtime to poll it
/// lists its task too.
#[test]
fn a_local_set_awaited_by_one_runtime_then_another_is_in_each_ones_dump() {
    let mut set = corio::task::LocalSet::new();
    let id = set.spawn_local(std::future::pending::<()>()).id().as_u64();
    let mut in_dump = |runtime: &corio::Runtime| {
        let handle = runtime.handle().clone();
        let set = &mut set;
        runtime.block_on(bounded(async move {
            // Its task never ends, so neither does the set: one poll.
            let _ = futures_lite::future::poll_once(set).await;
            handle.dump().tasks.iter().any(|t| t.id == id)
        }))
    };
    let first = common::one_worker();
    assert!(in_dump(&first));
    drop(first);
    let second = common::one_worker();
    assert!(in_dump(&second), "a new runtime lists the set's task too");
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_current_thread_runtime_counts_its_parks_and_busy_time() {
    let runtime = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(bounded(async {
        // Work (a poll that keeps the thread 2 ms: the time to be counted),
        // then a sleep, during which the thread parks.
        corio::spawn(async { std::thread::sleep(Duration::from_millis(2)) })
            .await
            .unwrap();
        corio::time::sleep(Duration::from_millis(1)).await;
    }));
    let worker = &runtime.metrics().worker[0];
    assert!(worker.parks >= 1, "it parked: {worker:?}");
    assert!(
        worker.busy >= Duration::from_millis(2),
        "it was busy: {worker:?}"
    );
}

/// A `block_on` that never parks (its task wakes the main future, which
/// then finishes) still books the time it spent running tasks.
#[test]
#[cfg_attr(miri, ignore)]
fn a_block_on_that_never_parks_still_counts_its_busy_time() {
    let runtime = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(bounded(async {
        corio::spawn(async { std::thread::sleep(Duration::from_millis(30)) })
            .await
            .unwrap();
    }));
    let worker = &runtime.metrics().worker[0];
    assert!(
        worker.busy >= Duration::from_millis(30),
        "the task's 30 ms are busy time: {worker:?}"
    );
}

/// A task that has completed is out of the dump, even in the moment before
/// it leaves the task list: the dump below runs inside the completion's
/// wake of the `JoinHandle`, which comes first.
#[test]
#[cfg_attr(miri, ignore)]
fn the_dump_leaves_out_a_task_that_has_completed() {
    struct DumpOnWake {
        handle: corio::Handle,
        id: u64,
        listed: std::sync::mpsc::Sender<bool>,
    }
    impl std::task::Wake for DumpOnWake {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            let listed = self.handle.dump().tasks.iter().any(|t| t.id == self.id);
            let _ = self.listed.send(listed);
        }
    }
    let runtime = common::one_worker();
    let (go, gate) = corio::sync::oneshot::channel::<()>();
    let mut task = runtime.spawn(async move {
        let _ = gate.await;
    });
    let (listed_tx, listed) = std::sync::mpsc::channel();
    let waker = std::task::Waker::from(Arc::new(DumpOnWake {
        handle: runtime.handle().clone(),
        id: task.id().as_u64(),
        listed: listed_tx,
    }));
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(std::pin::Pin::new(&mut task).poll(&mut cx).is_pending());
    go.send(()).unwrap();
    assert!(!common::recv(&listed), "the completed task was in the dump");
}

/// `worker_park_count` counts sleeps, as tokio's does: a park whose
/// `on_thread_park` hook queues the work it was waiting for never sleeps,
/// and is not counted (it was, when every call of `park` counted).
#[test]
#[cfg_attr(miri, ignore)]
fn a_park_that_found_work_is_not_counted_as_one() {
    let (tx, rx) = corio::sync::oneshot::channel::<()>();
    let slot = Arc::new(std::sync::Mutex::new(Some(tx)));
    let runtime = corio::runtime::Builder::new_current_thread()
        .on_thread_park(move || {
            if let Some(tx) = slot.lock().unwrap().take() {
                corio::spawn(async move { tx.send(()).unwrap() });
            }
        })
        .build()
        .unwrap();
    runtime.block_on(bounded(rx)).unwrap();
    let metrics = runtime.metrics();
    assert_eq!(metrics.worker_park_count(0), 0, "{:?}", metrics.worker);
    assert_eq!(metrics.worker_park_unpark_count(0), 0);
}

/// `worker_park_unpark_count` is odd while the worker sleeps, and even
/// again once it has woken (tokio's reading).
#[test]
#[cfg_attr(miri, ignore)]
fn the_park_unpark_count_is_odd_while_the_worker_sleeps() {
    let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
    let count = || runtime.metrics().worker_park_unpark_count(0);
    let give_up = Instant::now() + common::LIMIT;
    while count() % 2 == 0 {
        assert!(Instant::now() < give_up, "the idle worker never slept");
        std::thread::yield_now();
    }
    let asleep = count();
    // A task wakes it, and reads the count while the worker runs it.
    let awake = runtime
        .block_on(bounded(runtime.spawn(async {
            corio::Handle::current()
                .metrics()
                .worker_park_unpark_count(0)
        })))
        .unwrap();
    assert!(
        awake > asleep,
        "{awake} after {asleep}: the wake is counted"
    );
    assert_eq!(awake % 2, 0, "{awake}: even while the worker runs");
}

/// tokio's path for the metrics type.
#[test]
fn runtime_metrics_is_under_tokios_path_too() {
    let metrics: corio::runtime::RuntimeMetrics = corio::Runtime::new().unwrap().metrics();
    assert!(metrics.num_workers() >= 1);
}

/// A blocking thread handed a job stops counting as idle when it is handed
/// the job (as tokio counts it), not when it wakes up to take it: a
/// snapshot in between showed the one thread idle beside a job waiting
/// for a thread.
#[test]
#[cfg_attr(miri, ignore)]
fn a_blocking_thread_handed_a_job_is_not_counted_idle() {
    let runtime = corio::Runtime::builder()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    // One blocking thread, idle once its first job is done.
    runtime.block_on(bounded(async {
        corio::spawn_blocking(|| ()).await.unwrap()
    }));
    // Twenty hand-overs: a snapshot that comes only after the woken thread
    // took its job cannot tell the two counts apart, so one is not enough
    // to catch the old count on a loaded machine.
    for _ in 0..20 {
        while runtime.metrics().idle_blocking_threads != 1 {
            assert!(
                Instant::now() < deadline,
                "the blocking thread never went idle"
            );
            std::thread::yield_now();
        }
        // The job holds its thread until released, so the thread cannot
        // go idle again before the snapshot, whenever it wakes.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let job =
            runtime.spawn_blocking(move || held.recv_timeout(Duration::from_secs(20)).is_ok());
        let metrics = runtime.metrics();
        release.send(()).unwrap();
        assert_eq!(metrics.blocking_threads, 1);
        assert_eq!(metrics.idle_blocking_threads, 0, "the thread has a job");
        assert!(
            runtime.block_on(bounded(job)).unwrap(),
            "the job was released"
        );
    }
}

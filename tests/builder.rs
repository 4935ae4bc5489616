//! The runtime `Builder`: every option accepted, bad values refused with
//! `InvalidInput`, thread names and hooks on the runtime's threads, and the
//! extremes of the accepted values still running everything.

mod common;

use std::io::ErrorKind;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use common::bounded;
use corio::Runtime;

#[test]
#[cfg_attr(miri, ignore)]
fn every_builder_option_is_accepted() {
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let runtime = {
        let (started, stopped) = (started.clone(), stopped.clone());
        Runtime::builder()
            .worker_threads(2)
            .max_blocking_threads(4)
            .blocking_keep_alive(Duration::from_secs(5))
            .thread_name("all-options")
            .thread_stack_size(1 << 20)
            .on_thread_start(move || {
                started.fetch_add(1, SeqCst);
            })
            .on_thread_stop(move || {
                stopped.fetch_add(1, SeqCst);
            })
            .event_interval(7)
            .global_queue_interval(13)
            .slow_poll_threshold(None)
            .on_slow_poll(|_| {})
            .build()
            .unwrap()
    };
    let out = runtime.block_on(bounded(async {
        let a = corio::spawn(async { 20 });
        let b = corio::spawn_blocking(|| 22);
        a.await.unwrap() + b.await.unwrap()
    }));
    assert_eq!(out, 42);
    drop(runtime);
    // Two workers and one blocking thread, each started and stopped once.
    assert_eq!(started.load(SeqCst), 3);
    assert_eq!(stopped.load(SeqCst), 3);

    let with_threshold = Runtime::builder()
        .worker_threads(1)
        .slow_poll_threshold(Some(Duration::from_millis(250)))
        .build()
        .unwrap();
    assert_eq!(with_threshold.block_on(async { 1 }), 1);
    let default = Runtime::new().unwrap();
    assert_eq!(default.block_on(async { 2 }), 2);
}

#[test]
fn invalid_builder_values_are_invalid_input_errors() {
    type Setter = fn(&mut corio::runtime::Builder) -> &mut corio::runtime::Builder;
    let cases: [(&str, Setter); 10] = [
        ("worker_threads", |b| b.worker_threads(0)),
        ("max_blocking_threads", |b| b.max_blocking_threads(0)),
        ("event_interval", |b| b.event_interval(0)),
        ("global_queue_interval", |b| b.global_queue_interval(0)),
        ("slow_poll_threshold", |b| {
            b.slow_poll_threshold(Some(Duration::ZERO))
        }),
        // Polls are timed in microseconds: less would report every poll.
        ("slow_poll_threshold", |b| {
            b.slow_poll_threshold(Some(Duration::from_nanos(500)))
        }),
        // Timed by a tick of a quarter of it: under 1 ms, a poll crossing
        // one tick would look slow, or the ticks would cost a busy thread.
        ("slow_poll_threshold", |b| {
            b.slow_poll_threshold(Some(Duration::from_micros(500)))
        }),
        ("thread_stack_size", |b| b.thread_stack_size(1024)),
        ("max_io_events_per_tick", |b| b.max_io_events_per_tick(0)),
        ("max_io_events_per_tick", |b| {
            b.max_io_events_per_tick(usize::MAX)
        }),
    ];
    for (option, set) in cases {
        let mut builder = Runtime::builder();
        let err = set(&mut builder).build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{option}");
        let message = err.to_string();
        assert!(
            message.contains(option),
            "the error for a bad {option} should name it, got {message:?}"
        );
    }
}

/// `worker_threads(0)`: the multi-thread builder's error points to the
/// current-thread flavour; the current-thread builder's does not point to
/// itself.
#[test]
fn zero_worker_threads_names_the_fix_that_applies() {
    let multi = Runtime::builder().worker_threads(0).build().unwrap_err();
    assert!(multi.to_string().contains("new_current_thread"), "{multi}");
    let current = corio::runtime::Builder::new_current_thread()
        .worker_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(current.kind(), ErrorKind::InvalidInput);
    assert!(current.to_string().contains("worker_threads"), "{current}");
    assert!(
        !current.to_string().contains("new_current_thread"),
        "{current}"
    );
}

/// The names of the threads a task and a blocking job run on.
fn worker_and_blocking_thread_names(runtime: &Runtime) -> (String, String) {
    let (worker, blocking) = runtime.block_on(bounded(async {
        let worker = corio::spawn(async { std::thread::current().name().map(String::from) });
        let blocking = corio::spawn_blocking(|| std::thread::current().name().map(String::from));
        (worker.await.unwrap(), blocking.await.unwrap())
    }));
    let worker = worker.expect("worker threads are named");
    (worker, blocking.expect("blocking threads are named"))
}

#[test]
#[cfg_attr(miri, ignore)]
fn thread_name_shows_in_worker_and_blocking_threads() {
    let runtime = Runtime::builder()
        .worker_threads(2)
        .thread_name("named-rt")
        .build()
        .unwrap();
    let (worker, blocking) = worker_and_blocking_thread_names(&runtime);
    assert!(worker.starts_with("named-rt"), "{worker}");
    assert!(blocking.starts_with("named-rt"), "{blocking}");
    assert_ne!(worker, blocking);
}

/// `thread_name_fn` names every thread the runtime starts, asking once per
/// thread, and the later of it and `thread_name` wins.
#[test]
#[cfg_attr(miri, ignore)]
fn thread_name_fn_is_asked_once_for_each_thread_started() {
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let runtime = Runtime::builder()
        .worker_threads(2)
        .thread_name("overridden")
        .thread_name_fn(move || {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            format!("made-{n}")
        })
        .build()
        .unwrap();
    let (worker, blocking) = worker_and_blocking_thread_names(&runtime);
    assert!(worker.starts_with("made-"), "{worker}");
    assert!(blocking.starts_with("made-"), "{blocking}");
    assert_ne!(worker, blocking);
    drop(runtime);
    // Two workers, one blocking thread and the slow-poll watchdog (on by
    // default), each named once.
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 4);

    let runtime = Runtime::builder()
        .worker_threads(1)
        .thread_name_fn(|| "not-this".to_owned())
        .thread_name("prefix-wins")
        .build()
        .unwrap();
    let worker = runtime.block_on(bounded(async {
        corio::spawn(async { std::thread::current().name().map(String::from) })
            .await
            .unwrap()
    }));
    assert_eq!(worker.as_deref(), Some("prefix-wins-worker-0"));
}

#[test]
#[cfg_attr(miri, ignore)]
fn thread_hooks_run_on_runtime_threads() {
    // What each hook saw: its kind, its thread's name, whether it ran inside
    // the runtime (as tokio's hooks do: one may spawn or ask for
    // `Handle::current()`), and whether it may block (`corio::block_on` an
    // initialisation, say).
    type Event = (&'static str, Option<String>, bool, bool);
    fn saw(kind: &'static str) -> Event {
        let name = std::thread::current().name().map(String::from);
        let inside = corio::Handle::try_current().is_ok();
        let blocks = std::panic::catch_unwind(|| corio::block_on(async { 1 })).ok() == Some(1);
        (kind, name, inside, blocks)
    }
    let (tx, rx) = mpsc::channel::<Event>();
    let start_tx = Mutex::new(tx.clone());
    let stop_tx = Mutex::new(tx);
    let runtime = Runtime::builder()
        .worker_threads(2)
        .thread_name("hooked")
        .on_thread_start(move || start_tx.lock().unwrap().send(saw("start")).unwrap())
        .on_thread_stop(move || stop_tx.lock().unwrap().send(saw("stop")).unwrap())
        .build()
        .unwrap();
    runtime.block_on(bounded(async {
        corio::spawn_blocking(|| ()).await.unwrap();
    }));
    drop(runtime);
    // The hooks' senders were dropped with the runtime, so the channel ends
    // (unless the runtime leaked them: then this fails after the limit).
    let mut events = Vec::new();
    loop {
        match rx.recv_timeout(common::LIMIT) {
            Ok(event) => events.push(event),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("the hooks were never dropped"),
        }
    }
    let count = |kind: &str| events.iter().filter(|(k, ..)| *k == kind).count();
    assert_eq!(count("start"), 3, "{events:?}");
    assert_eq!(count("stop"), 3, "{events:?}");
    for (kind, name, inside, blocks) in &events {
        let name = name.as_deref().unwrap_or("");
        assert!(name.starts_with("hooked"), "a hook ran on {name:?}");
        assert!(inside, "the {kind} hook on {name} ran outside the runtime");
        assert!(blocks, "the {kind} hook on {name} could not block_on");
    }
}

const SMALL_STACK_CHILD: &str = "CORIO_TEST_SMALL_STACK_CHILD";

/// The body run in a child process: the smallest stack `build` accepts
/// must run a runtime and shut it down (a stack overflow kills the process,
/// so the parent only looks at the exit status).
fn small_stack_child() {
    let smallest = (1..=64)
        .map(|kib| kib * 1024)
        .find(|&bytes| Runtime::builder().thread_stack_size(bytes).build().is_ok())
        .expect("no stack size up to 64 KiB is accepted");
    let runtime = Runtime::builder()
        .worker_threads(2)
        .thread_stack_size(smallest)
        .build()
        .unwrap();
    let out = runtime.block_on(bounded(async {
        let task = corio::spawn(async {
            corio::time::sleep(Duration::from_millis(1)).await;
            1
        });
        let job = corio::spawn_blocking(|| 2);
        task.await.unwrap() + job.await.unwrap()
    }));
    assert_eq!(out, 3);
    drop(runtime);
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_smallest_accepted_stack_size_runs_and_shuts_down() {
    if std::env::var_os(SMALL_STACK_CHILD).is_some() {
        return small_stack_child();
    }
    common::run_in_child(
        "the_smallest_accepted_stack_size_runs_and_shuts_down",
        SMALL_STACK_CHILD,
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_smallest_intervals_still_run_everything() {
    let runtime = Runtime::builder()
        .worker_threads(2)
        .event_interval(1)
        .global_queue_interval(1)
        .build()
        .unwrap();
    let sum = runtime.block_on(bounded(async {
        let handles: Vec<_> = (0..1_000u64)
            .map(|i| {
                corio::spawn(async move {
                    corio::time::sleep(Duration::from_micros(i)).await;
                    corio::task::yield_now().await;
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.unwrap();
        }
        sum
    }));
    assert_eq!(sum, (0..1_000).sum::<u64>());
}

#[test]
fn a_thread_name_with_a_nul_byte_is_refused_when_built() {
    let err = corio::Runtime::builder()
        .thread_name("a\0b")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("NUL"), "{err}");
}

/// The park hooks run in pairs around each park of every worker, inside
/// the runtime (the hook sees it), and one that panics does not kill the
/// worker: the runtime still runs tasks afterwards.
#[test]
#[cfg_attr(miri, ignore)]
fn park_hooks_run_in_pairs_and_survive_a_panic() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let parks = Arc::new(AtomicUsize::new(0));
    let unparks = Arc::new(AtomicUsize::new(0));
    let inside = Arc::new(AtomicUsize::new(0));
    let (p, u, i) = (parks.clone(), unparks.clone(), inside.clone());
    let runtime = Runtime::builder()
        .worker_threads(2)
        .on_thread_park(move || {
            if corio::Handle::try_current().is_ok() {
                i.fetch_add(1, Ordering::SeqCst);
            }
            if p.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("park hook boom");
            }
        })
        .on_thread_unpark(move || {
            u.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    for round in 0..20 {
        let got = runtime.block_on(bounded(async move {
            corio::time::sleep(Duration::from_millis(1)).await;
            corio::spawn(async move { round * 2 }).await.unwrap()
        }));
        assert_eq!(got, round * 2);
    }
    drop(runtime);
    let (parks, unparks) = (parks.load(Ordering::SeqCst), unparks.load(Ordering::SeqCst));
    assert!(parks >= 1, "the workers parked");
    assert_eq!(parks, unparks, "every park came back");
    assert_eq!(
        inside.load(Ordering::SeqCst),
        parks,
        "inside the runtime each time"
    );
}

/// The worker cap applies where workers start: a current-thread runtime
/// ignores the count (as tokio's does), so a large one from configuration
/// still builds it, while the multi-thread builder refuses it.
#[test]
fn the_worker_cap_applies_to_the_multi_thread_runtime_only() {
    let multi = Runtime::builder()
        .worker_threads(40_000)
        .build()
        .unwrap_err();
    assert_eq!(multi.kind(), ErrorKind::InvalidInput);
    assert!(multi.to_string().contains("worker_threads"), "{multi}");
    let current = corio::runtime::Builder::new_current_thread()
        .worker_threads(40_000)
        .build()
        .unwrap();
    assert_eq!(current.block_on(async { 1 + 1 }), 2);
}

/// With room for one event a look, twenty connections turning ready
/// together are all served: the events a look leaves stay queued in the
/// kernel for the next one.
#[test]
#[cfg_attr(miri, ignore)]
fn one_io_event_a_tick_still_serves_every_connection() {
    for mut builder in [
        corio::runtime::Builder::new_current_thread(),
        corio::runtime::Builder::new_multi_thread(),
    ] {
        let runtime = builder.max_io_events_per_tick(1).build().unwrap();
        let echoed = runtime.block_on(common::bounded(async {
            let listener = corio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = corio::spawn(async move {
                loop {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    corio::spawn(async move {
                        let mut buf = [0; 8];
                        let n = stream.read(&mut buf).await.unwrap();
                        stream.write_all(&buf[..n]).await.unwrap();
                    });
                }
            });
            let mut clients = corio::task::JoinSet::new();
            for i in 0..20u8 {
                clients.spawn(async move {
                    let mut stream = corio::net::TcpStream::connect(addr).await.unwrap();
                    stream.write_all(&[i; 4]).await.unwrap();
                    let mut back = [0; 4];
                    stream.read_exact(&mut back).await.unwrap();
                    back == [i; 4]
                });
            }
            let echoed = clients
                .join_all()
                .await
                .into_iter()
                .filter(|&ok| ok)
                .count();
            server.abort();
            echoed
        }));
        assert_eq!(echoed, 20);
    }
}

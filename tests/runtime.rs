//! `Runtime` and `Handle`: the entry points, the thread-local context, and
//! panics contained. The `Builder` is in `builder.rs`, shutdown in
//! `shutdown.rs`.

mod common;

use std::future::Future;
use std::sync::mpsc;
use std::time::Duration;

use common::{Drops, Latch, bounded, panic_of, recv, two_workers};
use corio::{Handle, Runtime};

// ------------------------------------------------------------ entry points

#[test]
#[cfg_attr(miri, ignore)]
fn crate_block_on_runs_and_cancels_leftover_tasks() {
    let drops = Drops::new(1);
    let tracked = drops.track(0);
    let out = corio::block_on(bounded(async move {
        corio::spawn(async move {
            let _tracked = tracked;
            std::future::pending::<()>().await;
        });
        corio::spawn(async { 6 }).await.unwrap() * 7
    }));
    assert_eq!(out, 42);
    // asyncio.run semantics: the runtime is gone, the leftover task with it.
    drops.assert_each_dropped_once();
}

#[test]
#[cfg_attr(miri, ignore)]
fn runtime_block_on_and_spawn() {
    let runtime = two_workers();
    let early = runtime.spawn(async { 1 });
    let out = runtime.block_on(bounded(async move {
        let late = corio::spawn(async { 2 });
        early.await.unwrap() + late.await.unwrap()
    }));
    assert_eq!(out, 3);
    let blocking = runtime.spawn_blocking(|| 4);
    assert_eq!(runtime.block_on(bounded(blocking)).unwrap(), 4);
}

#[test]
#[cfg_attr(miri, ignore)]
fn handle_block_on_from_a_foreign_thread() {
    let runtime = two_workers();
    let handle = runtime.handle().clone();
    let thread = std::thread::spawn(move || {
        handle.block_on(bounded(async {
            // `spawn` inside finds the handle's runtime.
            let task = corio::spawn(async { std::thread::current().name().map(String::from) });
            task.await.unwrap()
        }))
    });
    let name = thread.join().unwrap().unwrap();
    assert!(name.starts_with("corio"), "the task ran on {name:?}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn handle_spawns_from_a_foreign_thread() {
    let runtime = two_workers();
    let handle = runtime.handle().clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let task = handle.spawn(async { 5 });
        let blocking = handle.spawn_blocking(|| 6);
        tx.send((task, blocking)).unwrap();
    });
    let (task, blocking) = recv(&rx);
    let sum = runtime.block_on(bounded(async {
        task.await.unwrap() + blocking.await.unwrap()
    }));
    assert_eq!(sum, 11);
}

#[test]
fn handle_is_clone_send_sync() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Handle>();
}

#[test]
#[cfg_attr(miri, ignore)]
fn handle_current_inside_and_outside() {
    assert!(Handle::try_current().is_err());
    let message = panic_of(Handle::current);
    assert!(message.contains("outside a corio runtime"), "{message}");

    let runtime = two_workers();
    runtime.block_on(bounded(async {
        assert!(Handle::try_current().is_ok(), "inside block_on");
        let in_task = corio::spawn(async { Handle::try_current().is_ok() });
        assert!(in_task.await.unwrap(), "inside a task");
        let in_blocking = corio::spawn_blocking(|| Handle::try_current().is_ok());
        assert!(in_blocking.await.unwrap(), "inside spawn_blocking");
        // `Handle::current` inside a task spawns on the same runtime.
        let nested = corio::spawn(async { Handle::current().spawn(async { 9 }).await.unwrap() });
        assert_eq!(nested.await.unwrap(), 9);
    }));
    assert!(
        Handle::try_current().is_err(),
        "block_on leaves the context"
    );
}

#[test]
fn spawn_outside_a_runtime_panics_naming_the_fix() {
    let message = panic_of(|| corio::spawn(async {}));
    assert!(message.contains("outside a corio runtime"), "{message}");
    assert!(
        message.contains("block_on") && message.contains("Handle::spawn"),
        "the message should name the fix: {message}"
    );
    let message = panic_of(|| corio::spawn_blocking(|| ()));
    assert!(message.contains("outside a corio runtime"), "{message}");
    let err = corio::task::Builder::new()
        .name("x")
        .spawn(async {})
        .unwrap_err();
    assert!(err.to_string().contains("outside a corio runtime"), "{err}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn block_on_inside_a_worker_panics_clearly() {
    let runtime = two_workers();
    let handle = runtime.handle().clone();
    let err = runtime.block_on(bounded(async move {
        corio::spawn(async move { handle.block_on(async { 1 }) })
            .await
            .unwrap_err()
    }));
    assert!(err.is_panic());
    let message = common::panic_message(&*err.into_panic());
    assert!(message.contains("inside a corio runtime"), "{message}");
    assert!(
        message.contains(".await"),
        "the message names the fix: {message}"
    );
    // The worker survived the panic.
    assert_eq!(
        runtime
            .block_on(bounded(runtime.spawn(async { 3 })))
            .unwrap(),
        3
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn block_on_inside_block_on_panics_clearly() {
    let outer = two_workers();
    let inner = two_workers();
    let message = outer.block_on(async { panic_of(|| inner.block_on(async { 1 })) });
    assert!(message.contains("inside a corio runtime"), "{message}");
    let message = outer.block_on(async { panic_of(|| corio::block_on(async { 1 })) });
    assert!(message.contains("inside a corio runtime"), "{message}");
    // Both runtimes are still usable afterwards.
    assert_eq!(inner.block_on(async { 2 }), 2);
    assert_eq!(outer.block_on(async { 3 }), 3);
}

// ------------------------------------------------------------------ panics

#[test]
#[cfg_attr(miri, ignore)]
fn a_panic_in_the_block_on_future_reaches_the_caller() {
    let runtime = two_workers();
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            corio::task::yield_now().await;
            panic!("from block_on");
        })
    }))
    .unwrap_err();
    assert_eq!(common::panic_message(&*payload), "from block_on");
    // The context was restored and the runtime still works.
    assert!(Handle::try_current().is_err());
    assert_eq!(
        runtime
            .block_on(bounded(runtime.spawn(async { 1 })))
            .unwrap(),
        1
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_panic_in_a_drop_at_shutdown_is_caught() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("panic in Drop during shutdown");
        }
    }
    let runtime = two_workers();
    let drops = Drops::new(3);
    let polled = Latch::new(2);
    for i in 0..2 {
        let (tracked, polled) = (drops.track(i), polled.clone());
        runtime.spawn(async move {
            // The tracked value drops after PanicOnDrop (reverse order).
            let _tracked = tracked;
            let _bomb = PanicOnDrop;
            polled.count_down();
            std::future::pending::<()>().await;
        });
    }
    // One more whose values are moved in, not made by its body: they are in
    // the future from its spawn on, so its drop at shutdown panics whether
    // a worker has polled it by then or not.
    let (bomb, tracked) = (PanicOnDrop, drops.track(2));
    let maybe_polled = runtime.spawn(async move {
        let (_tracked, _bomb) = (tracked, bomb);
        std::future::pending::<()>().await;
    });
    drop(maybe_polled);
    runtime.block_on(bounded(polled.wait()));
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(runtime)));
    assert!(dropped.is_ok(), "dropping the runtime must not panic");
    drops.assert_each_dropped_once();
}

#[test]
#[cfg_attr(miri, ignore)]
fn block_on_is_allowed_inside_spawn_blocking() {
    let runtime = two_workers();
    let out = runtime.block_on(bounded(async {
        corio::spawn_blocking(|| {
            Handle::current().block_on(async { corio::spawn(async { 4 }).await })
        })
        .await
        .unwrap()
        .unwrap()
    }));
    assert_eq!(out, 4);
}

#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_timeout_of_duration_max_waits_instead_of_overflowing() {
    let runtime = common::one_worker();
    let task = runtime.spawn(std::future::pending::<()>());
    // No deadline: the workers are joined and the pending task cancelled
    // (bounded here, so a hang fails the test).
    common::within_limit(move || {
        runtime.shutdown_timeout(std::time::Duration::MAX);
        let cancelled = futures_lite::future::block_on(task).unwrap_err();
        assert!(cancelled.is_cancelled());
    });
}

/// `enter` from plain synchronous code: spawns, timers and sockets made
/// under the guard belong to that runtime; guards nest and each restores
/// the runtime entered before it.
#[test]
#[cfg_attr(miri, ignore)]
fn enter_makes_a_runtime_current_until_the_guard_drops() {
    let a = Runtime::builder().worker_threads(1).build().unwrap();
    // (The builder is re-exported at the crate root, as the card says.)
    let b = corio::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let workers = || corio::Handle::current().metrics().workers;
    let outer = a.enter();
    assert_eq!(workers(), 1);
    let (socket, sleep) = {
        let _inner = b.handle().enter();
        assert_eq!(workers(), 2);
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let socket = corio::net::UdpSocket::from_std(socket).unwrap();
        (socket, corio::time::sleep(Duration::from_millis(1)))
    };
    assert_eq!(workers(), 1, "the inner guard restored the outer runtime");
    let task = corio::spawn(async { corio::Handle::current().metrics().workers });
    drop(outer);
    assert!(corio::Handle::try_current().is_err());
    assert_eq!(a.block_on(bounded(task)).unwrap(), 1, "spawned on `a`");
    b.block_on(bounded(async move {
        sleep.await;
        let addr = socket.local_addr().unwrap();
        socket.send_to(b"x", addr).await.unwrap();
        let mut buf = [0; 1];
        assert_eq!(socket.recv_from(&mut buf).await.unwrap().0, 1);
    }));
}

/// Guards dropped out of order panic (as tokio's do) instead of leaving
/// the thread entered in a runtime that may be gone.
#[test]
#[cfg_attr(miri, ignore)]
fn enter_guards_dropped_out_of_order_panic() {
    let a = Runtime::builder().worker_threads(1).build().unwrap();
    let b = Runtime::builder().worker_threads(1).build().unwrap();
    // On a thread of its own: after the panic its context is not put right.
    let message = std::thread::scope(|s| {
        s.spawn(|| {
            panic_of(|| {
                let outer = a.enter();
                let inner = b.enter();
                drop(outer);
                drop(inner);
            })
        })
        .join()
        .unwrap()
    });
    assert!(message.contains("out of order"), "{message}");
    // In order is fine, and the thread is left outside every runtime.
    let outer = a.enter();
    let inner = b.enter();
    drop(inner);
    drop(outer);
    assert!(corio::Handle::try_current().is_err());
}

/// The guard dropped out of order leaves the thread's context whole: the
/// runtime entered last keeps its timers, sockets and blocking pool along
/// with its handle (they used to fall back to the runtime entered before,
/// or to none, while the handle stayed).
#[test]
#[cfg_attr(miri, ignore)]
fn a_guard_dropped_out_of_order_leaves_the_context_whole() {
    let a = Runtime::builder().worker_threads(1).build().unwrap();
    let b = Runtime::builder().worker_threads(1).build().unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            let outer = a.enter();
            let inner = b.enter();
            let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(outer)));
            assert!(refused.is_err(), "out of order: a panic");
            // Still all in `b`, each counted in its metrics and not in
            // `a`'s: a timer, a socket, a job on the blocking pool (a name
            // to look up: `spawn_blocking` goes by the handle instead).
            let (a_before, b_before) = (a.metrics(), b.metrics());
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            let mut timer = Box::pin(corio::time::sleep(Duration::from_secs(3600)));
            assert!(timer.as_mut().poll(&mut cx).is_pending());
            let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let socket = corio::net::UdpSocket::from_std(socket).unwrap();
            let mut lookup = Box::pin(corio::net::lookup_host("localhost:80"));
            let _ = lookup.as_mut().poll(&mut cx);
            let (a_after, b_after) = (a.metrics(), b.metrics());
            assert_eq!(b_after.timers_armed, b_before.timers_armed + 1, "b's timer");
            assert_eq!(b_after.io_sources, b_before.io_sources + 1, "b's socket");
            assert!(
                b_after.blocking_threads > b_before.blocking_threads,
                "b's pool"
            );
            assert_eq!(a_after.timers_armed, a_before.timers_armed);
            assert_eq!(a_after.io_sources, a_before.io_sources);
            assert_eq!(a_after.blocking_threads, a_before.blocking_threads);
            drop((timer, socket, lookup));
            let job = corio::task::spawn_blocking(|| 7);
            assert_eq!(b.block_on(bounded(job)).unwrap(), 7);
            drop(inner);
        })
        .join()
        .unwrap();
    });
}

/// A call outside a runtime panics at the caller's line, not inside corio:
/// the panic hook sees this file for each entry point.
#[test]
#[cfg_attr(miri, ignore)]
fn panics_outside_a_runtime_point_at_the_caller() {
    common::in_child("panics_outside_a_runtime_point_at_the_caller", || {
        use std::sync::Mutex;
        static WHERE: Mutex<Vec<String>> = Mutex::new(Vec::new());
        std::panic::set_hook(Box::new(|info| {
            let location = info.location().map(|l| l.file().to_string());
            WHERE.lock().unwrap().push(location.unwrap_or_default());
        }));
        panic_of(|| corio::spawn(async {}));
        panic_of(|| corio::spawn_blocking(|| ()));
        // A closure, so that the caller is this line (through a function
        // pointer the caller is core's `FnOnce::call_once`).
        #[allow(clippy::redundant_closure)]
        panic_of(|| Handle::current());
        #[allow(clippy::redundant_closure)]
        panic_of(|| corio::net::UnixStream::pair());
        panic_of(|| corio::time::sleep(std::time::Duration::from_secs(1)));
        let (tx, _rx) = corio::sync::mpsc::channel(1);
        panic_of(|| drop(tx.send_timeout(1, std::time::Duration::from_secs(1))));
        panic_of(|| corio::task::spawn_local(async {}));
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        panic_of(|| corio::net::UdpSocket::from_std(socket));
        #[cfg(feature = "signal")]
        panic_of(|| corio::signal::unix::signal(corio::signal::unix::SignalKind::user_defined1()));
        let seen = std::mem::take(&mut *WHERE.lock().unwrap());
        let _ = std::panic::take_hook();
        let entry_points = if cfg!(feature = "signal") { 9 } else { 8 };
        assert_eq!(seen.len(), entry_points, "{seen:?}");
        for file in &seen {
            assert!(
                file.ends_with("runtime.rs") && file.contains("tests"),
                "{seen:?}"
            );
        }
    });
}

/// tokio's runtime, handle and task handles are unwind-safe, so code that
/// calls `catch_unwind(|| runtime.block_on(..))` compiles; corio's too.
#[test]
fn the_runtime_and_its_handles_are_unwind_safe() {
    use std::panic::{RefUnwindSafe, UnwindSafe};
    fn unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}
    unwind_safe::<corio::Runtime>();
    unwind_safe::<corio::Handle>();
    unwind_safe::<corio::task::JoinHandle<std::cell::Cell<u8>>>();
    unwind_safe::<corio::task::AbortHandle>();
    let flavours = [
        corio::Runtime::new().unwrap(),
        corio::runtime::Builder::new_current_thread()
            .build()
            .unwrap(),
    ];
    for runtime in flavours {
        let caught = std::panic::catch_unwind(|| runtime.block_on(async { panic!("in block_on") }));
        assert!(caught.is_err());
        let task = runtime.spawn(async { 7 });
        let output = runtime.block_on(common::bounded(task));
        assert_eq!(output.unwrap(), 7, "the runtime lives on");
    }
}

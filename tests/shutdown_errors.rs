//! `runtime::is_rt_shutdown_err`: it says yes to the errors a runtime's
//! shutdown causes (a registration refused after it, a wait for I/O it
//! ended) and no to the kernel's errors and to look-alike messages. The
//! `ctrl_c` a shutdown ends is in `signal.rs` (it installs a handler).

mod common;

use common::threads::{on_thread, waiting_on_thread};
use corio::net::{TcpListener, TcpSocket, TcpStream};
use corio::runtime::{Builder, is_rt_shutdown_err};

#[test]
#[cfg_attr(miri, ignore)]
fn a_registration_after_shutdown_is_a_shutdown_error() {
    let runtime = Builder::new_current_thread().build().unwrap();
    let handle = runtime.handle().clone();
    drop(runtime);
    let _inside = handle.enter();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = TcpListener::from_std(listener).expect_err("the runtime has shut down");
    assert!(is_rt_shutdown_err(&refused), "{refused}");
    assert_eq!(refused.kind(), std::io::ErrorKind::Other);
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_wait_for_io_ended_by_the_shutdown_is_a_shutdown_error() {
    let runtime = common::two_workers();
    let listener = runtime
        .block_on(common::bounded(TcpListener::bind("127.0.0.1:0")))
        .unwrap();
    // Waiting for a connection on a plain thread, outside the runtime's
    // tasks, so the wait outlives the runtime.
    let accepting = waiting_on_thread(async move { listener.accept().await.map(|_| ()) });
    drop(runtime);
    let ended = on_thread(move || accepting.join().unwrap()).expect_err("the shutdown ended it");
    assert!(is_rt_shutdown_err(&ended), "{ended}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_kernels_errors_and_look_alikes_are_not() {
    common::block_on(async {
        // Bound and kept, but not listening: a connection is refused, and
        // nobody else can be given the port meanwhile.
        let bound = TcpSocket::new_v4().unwrap();
        bound.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let refused = TcpStream::connect(bound.local_addr().unwrap())
            .await
            .expect_err("nobody listens");
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
        assert!(!is_rt_shutdown_err(&refused), "{refused}");
    });
    let words = std::io::Error::other("the corio runtime shut down while a task waited for I/O");
    assert!(!is_rt_shutdown_err(&words));
}

/// A runtime whose only blocking thread is held until the sender is used
/// or dropped: what is queued on the pool stays queued.
#[cfg(feature = "fs")]
fn pool_held() -> (corio::Runtime, std::sync::mpsc::Sender<()>) {
    let runtime = one_blocking_thread();
    let release = hold_pool(&runtime);
    (runtime, release)
}

#[cfg(feature = "fs")]
fn one_blocking_thread() -> corio::Runtime {
    Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap()
}

/// Holds `runtime`'s only blocking thread until the sender is used or
/// dropped.
#[cfg(feature = "fs")]
fn hold_pool(runtime: &corio::Runtime) -> std::sync::mpsc::Sender<()> {
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    drop(runtime.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        let _ = release_rx.recv_timeout(common::LIMIT);
    }));
    started_rx.recv_timeout(common::LIMIT).unwrap();
    release_tx
}

/// Polls `fut` once inside `runtime` (where it queues its job), shuts the
/// runtime down without waiting for the held thread, and returns what
/// `fut` then gives.
#[cfg(feature = "fs")]
fn queued_then_shut_down<T: Send + 'static>(
    runtime: corio::Runtime,
    mut fut: std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>,
) -> T {
    use std::task::{Context, Waker};
    {
        let _inside = runtime.enter();
        let mut cx = Context::from_waker(Waker::noop());
        assert!(fut.as_mut().poll(&mut cx).is_pending(), "queued");
    }
    on_thread(move || {
        // Not a drop, which would wait for the held thread.
        runtime.shutdown_background();
        futures_lite::future::block_on(fut)
    })
}

/// An `fs` call queued on the blocking pool when the runtime shuts down is
/// cancelled, and says so in the same way (tokio's says "background task
/// failed", which its `is_rt_shutdown_err` does not know).
#[cfg(feature = "fs")]
#[test]
#[cfg_attr(miri, ignore)]
fn a_blocking_call_cancelled_by_the_shutdown_is_a_shutdown_error() {
    let (runtime, release) = pool_held();
    let read = Box::pin(corio::fs::read("/"));
    let ended = queued_then_shut_down(runtime, read).expect_err("the shutdown cancelled it");
    assert!(is_rt_shutdown_err(&ended), "{ended}");
    drop(release);
}

/// So is a `File`'s own operation, which goes through the pool its way.
#[cfg(feature = "fs")]
#[test]
#[cfg_attr(miri, ignore)]
fn a_file_operation_cancelled_by_the_shutdown_is_a_shutdown_error() {
    use futures_lite::AsyncReadExt;
    let (runtime, release) = pool_held();
    // Opened before the pool is held would need a free thread: open a std
    // file instead, and wrap it.
    let mut file =
        corio::fs::File::from_std(std::fs::File::open(std::env::current_exe().unwrap()).unwrap());
    let read = Box::pin(async move {
        let mut buf = [0; 16];
        file.read(&mut buf).await
    });
    let ended = queued_then_shut_down(runtime, read).expect_err("the shutdown cancelled it");
    assert!(is_rt_shutdown_err(&ended), "{ended}");
    drop(release);
}

/// And a `ReadDir`'s refill: the listing goes with the cancelled job, and
/// the error says the shutdown took it.
#[cfg(feature = "fs")]
#[test]
#[cfg_attr(miri, ignore)]
fn a_read_dir_refill_cancelled_by_the_shutdown_is_a_shutdown_error() {
    let dir = common::TempDir::new("read-dir-refill-shut-down");
    std::fs::write(dir.join("entry"), b"").unwrap();
    let runtime = one_blocking_thread();
    let mut entries = runtime
        .block_on(common::bounded(corio::fs::read_dir(dir.0.clone())))
        .unwrap();
    let release = hold_pool(&runtime);
    // `read_dir` only opens the directory: the first `next_entry` queues
    // the job that fetches its first batch.
    let listing = Box::pin(async move {
        let mut seen = 0;
        while entries.next_entry().await?.is_some() {
            seen += 1;
        }
        Ok::<_, std::io::Error>(seen)
    });
    let ended = queued_then_shut_down(runtime, listing).expect_err("the shutdown cancelled it");
    assert!(is_rt_shutdown_err(&ended), "{ended}");
    drop(release);
}

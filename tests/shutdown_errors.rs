//! `runtime::is_rt_shutdown_err`: it says yes to the errors a runtime's
//! shutdown causes (a registration refused after it, a wait for I/O it
//! ended) and no to the kernel's errors and to look-alike messages. The
//! `ctrl_c` a shutdown ends is in `signal.rs` (it installs a handler).

mod common;

use common::threads::{on_thread, waiting_on_thread};
use corio::net::{TcpListener, TcpStream};
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
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
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
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap()
        };
        // Nobody listens there now.
        let refused = TcpStream::connect(port).await.expect_err("nobody listens");
        assert!(!is_rt_shutdown_err(&refused), "{refused}");
    });
    let words = std::io::Error::other("the corio runtime shut down while a task waited for I/O");
    assert!(!is_rt_shutdown_err(&words));
}

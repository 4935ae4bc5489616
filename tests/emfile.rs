//! `accept` when the process is out of file descriptors: an error, no spin,
//! and the listener serves again once descriptors are freed.
//!
//! Lowering `RLIMIT_NOFILE` would starve every other test in this binary, so
//! the test re-executes itself in a child process that runs only the body.

mod common;

use std::io::{ErrorKind, Write};

use common::block_on;
use corio::net::TcpListener;

const CHILD: &str = "CORIO_TEST_EMFILE_CHILD";
const TEST_NAME: &str = "accept_under_emfile_errors_then_recovers";

#[test]
#[cfg_attr(miri, ignore)]
fn accept_under_emfile_errors_then_recovers() {
    if std::env::var_os(CHILD).is_some() {
        return child_body();
    }
    common::run_in_child(TEST_NAME, CHILD);
}

fn set_nofile_limit(limit: libc::rlim_t) {
    let mut rlimit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid pointers to an `rlimit` for both calls.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut rlimit), 0);
        rlimit.rlim_cur = limit.min(rlimit.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit), 0);
    }
}

fn child_body() {
    set_nofile_limit(256);
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // The handshake completes in the kernel; the connection waits in the
        // backlog for `accept`, which needs one more descriptor.
        let mut client = std::net::TcpStream::connect(addr).unwrap();

        let mut hoard = Vec::new();
        loop {
            match std::fs::File::open("/dev/null") {
                Ok(file) => hoard.push(file),
                Err(e) if e.raw_os_error() == Some(libc::EMFILE) => break,
                Err(e) => panic!("unexpected error while exhausting descriptors: {e}"),
            }
        }

        for _ in 0..3 {
            let error = listener.accept().await.unwrap_err();
            assert_eq!(error.raw_os_error(), Some(libc::EMFILE), "{error}");
            assert_ne!(error.kind(), ErrorKind::WouldBlock);
        }

        drop(hoard);
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"ok").unwrap();
        let mut buf = [0; 2];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ok");
    });
}

//! `accept` when the process is out of file descriptors: an error, no spin,
//! and the listener serves again once descriptors are freed.
//!
//! Lowering `RLIMIT_NOFILE` would starve every other test in this binary, so
//! the test re-executes itself in a child process that runs only the body.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;

use common::{LIMIT, block_on};
use corio::net::TcpListener;

const CHILD: &str = "CORIO_TEST_EMFILE_CHILD";
const TEST_NAME: &str = "accept_under_emfile_errors_then_recovers";

#[test]
#[cfg_attr(miri, ignore)]
fn accept_under_emfile_errors_then_recovers() {
    if std::env::var_os(CHILD).is_some() {
        return child_body();
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let mut out = String::new();
        let mut err = String::new();
        let _ = stdout.read_to_string(&mut out);
        let _ = stderr.read_to_string(&mut err);
        let _ = done.send((child.wait(), out, err));
    });
    let (status, out, err) = finished
        .recv_timeout(LIMIT * 2)
        .expect("the child process hung");
    assert!(status.unwrap().success(), "child failed:\n{out}\n{err}");
    assert!(out.contains("1 passed"), "the child ran the body:\n{out}");
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

//! `examples/echo_server.rs` and its graceful shutdown.
//!
//! The example's code lives in `examples/support/` and is included here with
//! `#[path]`, so these tests run exactly what the example runs: in process,
//! with the shutdown triggered by a `Notify`; and once as a real server in a
//! child process (this test binary re-executed with an env var) that gets a
//! real SIGTERM while a client is connected.

// The example stops on SIGTERM and ctrl-c: it needs the `signal` feature
// (on by default).
#![cfg(feature = "signal")]

mod common;

#[path = "../examples/support/echo.rs"]
mod echo;
#[path = "../examples/support/graceful.rs"]
mod graceful;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use corio::net::{TcpListener, TcpStream};
use corio::sync::Notify;
use corio::task::JoinHandle;

use graceful::Summary;

/// An echo server running as a task, stopped by `stop.notify_one()`.
struct Server {
    addr: SocketAddr,
    stop: Arc<Notify>,
    /// Completes when the server's shutdown future did, i.e. the accept
    /// loop has seen the signal and is about to drain.
    stopping: corio::sync::oneshot::Receiver<()>,
    task: JoinHandle<Summary>,
}

impl Server {
    async fn start(drain: Duration) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(Notify::new());
        let (stopping_tx, stopping) = corio::sync::oneshot::channel();
        let shutdown = {
            let stop = stop.clone();
            async move {
                stop.notified().await;
                let _ = stopping_tx.send(());
            }
        };
        let task = corio::spawn(graceful::serve(listener, shutdown, drain, echo::echo));
        Server {
            addr,
            stop,
            stopping,
            task,
        }
    }

    /// Triggers the shutdown and waits until the server has seen it.
    async fn signal(&mut self) {
        self.stop.notify_one();
        (&mut self.stopping).await.unwrap();
    }
}

/// Writes `message` and reads its echo back.
async fn round_trip(stream: &mut TcpStream, message: &[u8]) {
    stream
        .write_all(message)
        .await
        .expect("write to the echo server");
    let mut echoed = vec![0; message.len()];
    stream
        .read_exact(&mut echoed)
        .await
        .expect("read the echo back");
    assert_eq!(echoed, message);
}

#[test]
fn echoes_and_drains_an_open_connection_after_the_signal() {
    common::block_on(async {
        let mut server = Server::start(common::LIMIT).await;
        let mut client = TcpStream::connect(server.addr).await.unwrap();
        round_trip(&mut client, b"before the signal").await;

        server.signal().await;
        // The server stopped accepting but still serves the open connection.
        round_trip(&mut client, b"while draining").await;
        client.shutdown(Shutdown::Write).unwrap();
        let eof = client.read(&mut [0; 16]).await;
        assert_eq!(eof.ok(), Some(0), "the server should close after our EOF");

        let summary = server.task.await.unwrap();
        assert_eq!(
            summary,
            Summary {
                served: 1,
                still_open: 0
            }
        );
        assert_eq!(
            summary.to_string(),
            "served 1 connections, 0 still open at exit"
        );
        // The listener is gone with the server: new clients are refused.
        let late = TcpStream::connect(server.addr).await;
        assert!(
            late.as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused),
            "a connect after shutdown should be refused: {late:?}"
        );
    });
}

#[test]
fn the_drain_deadline_cuts_off_a_client_that_stays() {
    common::block_on(async {
        let mut server = Server::start(Duration::from_millis(100)).await;
        let mut client = TcpStream::connect(server.addr).await.unwrap();
        round_trip(&mut client, b"hello").await;

        // The client never closes: the server gives up after 100 ms.
        server.signal().await;
        let summary = server.task.await.unwrap();
        assert_eq!(
            summary,
            Summary {
                served: 1,
                still_open: 1
            }
        );
        // Its connection task was cancelled, which closed the socket.
        let eof = client.read(&mut [0; 16]).await;
        assert_eq!(eof.ok(), Some(0), "the aborted connection should close");
    });
}

#[test]
fn many_connections_are_served_and_reaped_while_running() {
    common::block_on(async {
        let mut server = Server::start(common::LIMIT).await;
        for i in 0..20u8 {
            let mut client = TcpStream::connect(server.addr).await.unwrap();
            round_trip(&mut client, &[i; 100]).await;
        }
        server.signal().await;
        assert_eq!(
            server.task.await.unwrap(),
            Summary {
                served: 20,
                still_open: 0
            }
        );
    });
}

/// Names the test whose child body this process must run.
const CHILD: &str = "CORIO_ECHO_EXAMPLE_CHILD";

/// The child's stdout, line by line, read on a thread so that every wait
/// for a line is bounded.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines() {
            let _ = tx.send(line.expect("the child's stdout is UTF-8"));
        }
    });
    rx
}

/// The next line containing `marker` (the test harness may print its own
/// text on the same line), from that marker on.
fn expect_line(lines: &mpsc::Receiver<String>, marker: &str) -> String {
    loop {
        let line = lines
            .recv_timeout(common::LIMIT)
            .unwrap_or_else(|_| panic!("the child never printed {marker:?}"));
        if let Some(at) = line.find(marker) {
            return line[at..].to_owned();
        }
    }
}

/// Kills the child if the test fails before it exits.
struct Reap(Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sigterm_drains_an_open_connection_before_exit() {
    const TEST: &str = "sigterm_drains_an_open_connection_before_exit";
    if std::env::var(CHILD).as_deref() == Ok(TEST) {
        // The child: the example's own `main`, on port 0.
        let runtime = corio::Runtime::builder().worker_threads(2).build().unwrap();
        runtime
            .block_on(graceful::run("127.0.0.1:0", echo::echo))
            .unwrap();
        return;
    }

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD, TEST)
        .env(graceful::DRAIN_ENV, common::LIMIT.as_millis().to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("cannot re-execute the test binary");
    let lines = lines_of(&mut child);
    let child = Reap(child);
    let addr: SocketAddr = expect_line(&lines, "listening on ")["listening on ".len()..]
        .parse()
        .unwrap();

    // A blocking client, every read bounded by a timeout.
    let mut client = std::net::TcpStream::connect(addr).unwrap();
    client.set_read_timeout(Some(common::LIMIT)).unwrap();
    let round_trip = |client: &mut std::net::TcpStream, message: &[u8]| {
        client.write_all(message).unwrap();
        let mut echoed = vec![0; message.len()];
        client.read_exact(&mut echoed).unwrap();
        assert_eq!(echoed, message);
    };
    round_trip(&mut client, b"before SIGTERM");

    let pid = i32::try_from(child.0.id()).unwrap();
    // SAFETY: `kill` has no memory effects; `pid` is our live child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    // The server prints this after it dropped its listener.
    expect_line(&lines, "shutting down: draining 1 connections");
    let late = std::net::TcpStream::connect(addr);
    assert!(
        late.as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused),
        "a connect after SIGTERM should be refused: {late:?}"
    );

    // The open connection is still served, until the client is done.
    round_trip(&mut client, b"after SIGTERM");
    client.shutdown(Shutdown::Write).unwrap();
    assert_eq!(client.read(&mut [0; 16]).unwrap(), 0);

    assert_eq!(
        expect_line(&lines, "served "),
        "served 1 connections, 0 still open at exit"
    );
    // Bounded: the child's stdout closes when it exits.
    loop {
        match lines.recv_timeout(common::LIMIT) {
            Ok(_) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("the server did not exit"),
        }
    }
    let mut child = child;
    let status = child.0.wait().unwrap();
    assert!(status.success(), "the server exited with {status}");
}

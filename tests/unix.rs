//! Unix-domain streams, listeners and datagrams through the reactor.

mod common;

use std::path::PathBuf;

use common::block_on;
use corio::net::{UnixDatagram, UnixListener, UnixStream};

/// A fresh socket path in the temp dir, removed on drop.
struct SocketPath(PathBuf);

impl SocketPath {
    fn new(name: &str) -> SocketPath {
        let path = std::env::temp_dir().join(format!("corio-{name}-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        SocketPath(path)
    }
}

impl Drop for SocketPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn listener_accepts_and_streams_echo() {
    let path = SocketPath::new("stream");
    block_on(async {
        let listener = UnixListener::bind(&path.0).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_pathname(),
            Some(path.0.as_path())
        );
        let server = async {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0; 5];
            stream.read_exact(&mut buf).await.unwrap();
            stream.write_all(&buf).await.unwrap();
        };
        let client = async {
            let mut stream = UnixStream::connect(&path.0).await.unwrap();
            stream.write_all(b"hello").await.unwrap();
            let mut buf = [0; 5];
            stream.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello");
        };
        futures_lite::future::zip(server, client).await;
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_waiting_reader_wakes_when_another_task_drops_the_peer() {
    block_on(async {
        let (mut reader, writer) = UnixStream::pair().unwrap();
        let read = async { reader.read(&mut [0; 8]).await };
        let drop_peer = async {
            // Let the reader park first: it is pending until the drop.
            futures_lite::future::yield_now().await;
            drop(writer);
        };
        let (read, ()) = futures_lite::future::zip(read, drop_peer).await;
        assert_eq!(read.unwrap(), 0, "end of file, not a hang");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn datagrams_by_path_and_by_pair() {
    let path = SocketPath::new("dgram");
    block_on(async {
        let server = UnixDatagram::bind(&path.0).unwrap();
        let client = UnixDatagram::unbound().unwrap();
        let receive = async {
            let mut buf = [0; 8];
            let (n, _) = server.recv_from(&mut buf).await.unwrap();
            buf[..n].to_vec()
        };
        let send = async { client.send_to(b"by path", &path.0).await.unwrap() };
        let (got, _) = futures_lite::future::zip(receive, send).await;
        assert_eq!(got, b"by path");

        let (a, b) = UnixDatagram::pair().unwrap();
        a.send(b"pair").await.unwrap();
        let mut buf = [0; 8];
        assert_eq!(b.recv(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf[..4], b"pair");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn connect_to_a_listener_with_a_full_backlog_fails_instead_of_blocking() {
    let path = std::env::temp_dir().join(format!("corio-full-backlog-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    // A backlog of 0: one pending connection fills it (Linux).
    // SAFETY: `listen` on an open listening socket, no pointers.
    assert_eq!(
        unsafe { libc::listen(std::os::fd::AsRawFd::as_raw_fd(&listener), 0) },
        0
    );
    let _pending = std::os::unix::net::UnixStream::connect(&path).unwrap();
    let target = path.clone();
    // A blocking connect would never return here: check from a thread.
    common::within_limit(move || {
        common::block_on(async move {
            let err = corio::net::UnixStream::connect(&target).await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock, "{err}");
        });
    });
    drop(listener);
    std::fs::remove_file(&path).unwrap();
}

#[test]
#[cfg_attr(miri, ignore)]
fn connect_refuses_a_path_too_long_for_a_unix_socket() {
    common::block_on(async {
        let long = std::path::PathBuf::from("/tmp").join("x".repeat(200));
        let err = corio::net::UnixStream::connect(&long).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        // The empty path is no address at all (not the abstract name "\0").
        let err = corio::net::UnixStream::connect("").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
    });
}

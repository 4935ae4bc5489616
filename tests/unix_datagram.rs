//! Unix-domain datagrams through the reactor: by path and by pair,
//! `try_send` against a full socket, and the `poll_*` forms.

mod common;

use common::block_on;
use corio::net::UnixDatagram;

#[test]
#[cfg_attr(miri, ignore)]
fn datagrams_by_path_and_by_pair() {
    let path = std::env::temp_dir().join(format!("corio-dgram-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    block_on(async {
        let server = UnixDatagram::bind(&path).unwrap();
        let client = UnixDatagram::unbound().unwrap();
        let receive = async {
            let mut buf = [0; 8];
            let (n, _) = server.recv_from(&mut buf).await.unwrap();
            buf[..n].to_vec()
        };
        let send = async { client.send_to(b"by path", &path).await.unwrap() };
        let (got, _) = futures_lite::future::zip(receive, send).await;
        assert_eq!(got, b"by path");

        let (a, b) = UnixDatagram::pair().unwrap();
        a.send(b"pair").await.unwrap();
        let mut buf = [0; 8];
        assert_eq!(b.recv(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf[..4], b"pair");
    });
    std::fs::remove_file(&path).unwrap();
}

/// A datagram socket whose peer's queue is full says `WouldBlock` to
/// `try_send`; `writable()` waits until the peer has read, and the same
/// call goes through then.
/// (Linux: macOS and the BSDs may answer a full socket with `ENOBUFS`.)
#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore)]
fn a_full_datagram_queue_makes_try_send_wait_for_writable() {
    use std::io::ErrorKind;
    block_on(async {
        let (a, b) = UnixDatagram::pair().unwrap();
        // Ready once the reactor has seen the socket: until then a `try_`
        // call says `WouldBlock` without trying, as tokio's does.
        a.writable().await.unwrap();
        let mut sent = 0;
        let full = loop {
            match a.try_send(&[7; 512]) {
                Ok(_) => sent += 1,
                Err(error) => break error,
            }
        };
        assert_eq!(full.kind(), ErrorKind::WouldBlock);
        assert!(sent > 0);
        let reader = async {
            let mut buf = [0; 512];
            for _ in 0..sent {
                b.readable().await.unwrap();
                loop {
                    match b.try_recv(&mut buf) {
                        Err(error) if error.kind() == ErrorKind::WouldBlock => {
                            b.readable().await.unwrap()
                        }
                        other => break assert_eq!(other.unwrap(), 512),
                    }
                }
            }
        };
        let writer = async {
            loop {
                a.writable().await.unwrap();
                match a.try_send(b"last") {
                    Err(error) if error.kind() == ErrorKind::WouldBlock => continue,
                    other => break other.unwrap(),
                }
            }
        };
        let ((), n) = futures_lite::future::zip(reader, writer).await;
        assert_eq!(n, 4);
        let mut buf = [0; 8];
        assert_eq!(
            b.recv(&mut buf).await.unwrap(),
            4,
            "the last one came through"
        );
    });
}

/// The non-waiting calls by address, and the halves shut down: after
/// `Shutdown::Read` the queued datagram can still be read and a sender is
/// refused; after `Shutdown::Write` a send fails.
#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore)]
fn try_by_address_and_shutdown() {
    use std::io::ErrorKind;
    use std::net::Shutdown;
    let path = std::env::temp_dir().join(format!("corio-dgram-try-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(path.with_extension("client"));
    block_on(async {
        let server = UnixDatagram::bind(&path).unwrap();
        let client = UnixDatagram::bind(path.with_extension("client")).unwrap();
        let mut buf = [0; 8];
        client.writable().await.unwrap();
        assert_eq!(client.try_send_to(b"hi", &path).unwrap(), 2);
        let (n, from) = loop {
            server.readable().await.unwrap();
            match server.try_recv_from(&mut buf) {
                Err(error) if error.kind() == ErrorKind::WouldBlock => continue,
                other => break other.unwrap(),
            }
        };
        assert_eq!(&buf[..n], b"hi");
        // Read, the queue is empty: the reactor has seen the socket, so this
        // `WouldBlock` is the socket's answer, not a readiness shortcut.
        assert_eq!(
            server.try_recv_from(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert_eq!(
            from.as_pathname(),
            Some(path.with_extension("client").as_path())
        );
        assert!(server.take_error().unwrap().is_none());

        client.send_to(b"queued", &path).await.unwrap();
        server.shutdown(Shutdown::Read).unwrap();
        assert_eq!(
            server.recv(&mut buf).await.unwrap(),
            6,
            "queued before the shutdown"
        );
        let refused = client.send_to(b"after", &path).await.unwrap_err();
        assert_eq!(
            refused.kind(),
            ErrorKind::BrokenPipe,
            "the reader shut down"
        );

        let (a, _b) = UnixDatagram::pair().unwrap();
        a.shutdown(Shutdown::Write).unwrap();
        assert_eq!(
            a.send(b"late").await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );
    });
    std::fs::remove_file(&path).unwrap();
    std::fs::remove_file(path.with_extension("client")).unwrap();
}

/// `UnixDatagram`'s `poll_*` forms: a receive with nothing queued is
/// `Pending` and is woken by a send from another task; a `poll_send_to` a
/// path arrives with its sender's address in `poll_recv_from`.
#[test]
#[cfg_attr(miri, ignore)]
fn datagram_poll_forms_wait_and_deliver() {
    use std::future::poll_fn;
    use std::task::Poll;
    block_on(async {
        let (a, b) = UnixDatagram::pair().unwrap();
        let mut buf = [0u8; 8];
        let first = poll_fn(|cx| Poll::Ready(b.poll_recv(cx, &mut buf))).await;
        assert!(first.is_pending(), "nothing queued yet");
        let sender = corio::spawn(async move {
            poll_fn(|cx| a.poll_send_ready(cx)).await.unwrap();
            poll_fn(|cx| a.poll_send(cx, b"one")).await.unwrap();
            a
        });
        let n = common::bounded(poll_fn(|cx| b.poll_recv(cx, &mut buf)))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"one");
        drop(sender.await.unwrap());

        let dir = common::TempDir::new("datagram-poll-forms");
        let (path, from_path) = (dir.join("to.sock"), dir.join("from.sock"));
        let bound = UnixDatagram::bind(&path).unwrap();
        let from = UnixDatagram::bind(&from_path).unwrap();
        let sent = poll_fn(|cx| from.poll_send_to(cx, b"two", &path))
            .await
            .unwrap();
        assert_eq!(sent, 3);
        poll_fn(|cx| bound.poll_recv_ready(cx)).await.unwrap();
        let (n, addr) = poll_fn(|cx| bound.poll_recv_from(cx, &mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"two");
        assert_eq!(addr.as_pathname(), Some(from_path.as_path()));
    });
}

//! `try_io` and `async_io` on the streams (tokio's names): a caller's own
//! non-blocking operation, gated and re-armed by the stream's readiness.

mod common;

use std::cell::Cell;
use std::io::ErrorKind;
use std::sync::mpsc;

use common::block_on;
use corio::io::Interest;
use corio::net::UnixStream;

fn would_block<T>() -> std::io::Result<T> {
    Err(ErrorKind::WouldBlock.into())
}

/// Not marked ready: `WouldBlock`, and the operation is not called. Marked
/// ready: it is. A `WouldBlock` from it clears the mark, so the next wait
/// is for a new event (here, more bytes).
#[test]
#[cfg_attr(miri, ignore)]
fn try_io_is_gated_by_readiness_and_clears_it_on_would_block() {
    block_on(async {
        let (mut client, server) = common::tcp_pair().await;
        let calls = Cell::new(0);
        let tried = server.try_io(Interest::READABLE, || {
            calls.set(calls.get() + 1);
            Ok(())
        });
        assert_eq!(tried.unwrap_err().kind(), ErrorKind::WouldBlock);
        assert_eq!(calls.get(), 0, "not ready: not called");

        client.write_all(b"one").await.unwrap();
        server.readable().await.unwrap();
        let spurious: std::io::Result<()> = server.try_io(Interest::READABLE, would_block);
        assert_eq!(spurious.unwrap_err().kind(), ErrorKind::WouldBlock);
        // The WouldBlock cleared the mark: the next wait is for an event
        // (after at most one the driver hands over late, for which the
        // same call must say WouldBlock again).
        common::waits_after_would_block(
            "readable() after try_io's WouldBlock",
            || server.readable(),
            || server.try_io(Interest::READABLE, would_block),
        )
        .await;
        client.write_all(b"two").await.unwrap();
        server.readable().await.unwrap();
        let mut buf = [0; 16];
        let n = server
            .try_io(Interest::READABLE, || server.try_read(&mut buf))
            .unwrap();
        assert_eq!(&buf[..n], b"onetwo");
    });
}

/// A `WouldBlock` from the caller's own operation says nothing of the end
/// of the stream (it may have been a write, or a read of something else):
/// the peer's close stays marked, as tokio keeps it, and the next read
/// sees the end at once (no event would ever come to report it again).
/// Linux's epoll only: the portable poller (every other system, and Linux
/// under `--cfg corio_polling`) reports no close to keep, and an end of
/// stream there is only "readable" (`Registration::try_own_io`).
#[test]
#[cfg_attr(miri, ignore)]
#[cfg(all(target_os = "linux", not(corio_polling)))]
fn try_io_would_block_keeps_the_peers_close() {
    block_on(async {
        let (client, mut server) = common::tcp_pair().await;
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let mut buf = [0; 16];
        assert_eq!(server.read(&mut buf).await.unwrap(), 0);
        for interest in [Interest::READABLE, Interest::READABLE | Interest::WRITABLE] {
            let tried: std::io::Result<()> = server.try_io(interest, would_block);
            assert_eq!(tried.unwrap_err().kind(), ErrorKind::WouldBlock);
            let read =
                corio::time::timeout(std::time::Duration::from_secs(5), server.read(&mut buf))
                    .await
                    .expect("the close was forgotten: read waits for an event that never comes");
            assert_eq!(read.unwrap(), 0);
        }
        drop(client);
    });
}

/// `async_io` waits again after each `WouldBlock`, for a new event, and
/// returns what the operation returns at last.
#[test]
#[cfg_attr(miri, ignore)]
fn async_io_retries_after_would_block_until_done() {
    block_on(async {
        let (client, server) = common::tcp_pair().await;
        let (more_tx, more_rx) = mpsc::channel::<()>();
        let writer = corio::spawn(async move {
            let mut client = client;
            client.write_all(b"first").await.unwrap();
            // Asked for more once the reader said WouldBlock.
            corio::task::spawn_blocking(move || more_rx.recv_timeout(common::LIMIT))
                .await
                .unwrap()
                .unwrap();
            client.write_all(b"+second").await.unwrap();
            client
        });
        let calls = Cell::new(0);
        let mut buf = [0; 32];
        let n = server
            .async_io(Interest::READABLE, || {
                calls.set(calls.get() + 1);
                if calls.get() == 1 {
                    // A spurious readiness, as after a read by another
                    // party: say WouldBlock, and ask for more bytes.
                    more_tx.send(()).unwrap();
                    return would_block();
                }
                server.try_read(&mut buf)
            })
            .await
            .unwrap();
        assert_eq!(calls.get(), 2, "one retry, after a new event");
        // A retry made at once, without waiting for an event, would have
        // read "first" alone: "+second" is sent only after call 1. (On the
        // edge-triggered pollers corio uses: epoll, kqueue, and `polling`
        // in edge mode; a oneshot-only poller would report "first" again.)
        assert_eq!(
            &buf[..n],
            b"first+second",
            "the retry waited for the new bytes"
        );
        drop(writer.await.unwrap());
    });
}

/// With both interests, a stream ready to write but with nothing to read
/// still runs the operation (for the writing side).
#[test]
#[cfg_attr(miri, ignore)]
fn both_interests_try_whichever_is_ready() {
    block_on(async {
        let (a, _b) = UnixStream::pair().unwrap();
        a.writable().await.unwrap();
        let both = Interest::READABLE.add(Interest::WRITABLE);
        let n = a.try_io(both, || a.try_write(b"x")).unwrap();
        assert_eq!(n, 1);
        let none: std::io::Result<()> = a.try_io(Interest::READABLE, || unreachable!());
        assert_eq!(none.unwrap_err().kind(), ErrorKind::WouldBlock);
    });
}

/// The datagram sockets have the same pair: `try_io` gated by readiness
/// and clearing it on `WouldBlock`, `async_io` waiting again after one.
#[test]
#[cfg_attr(miri, ignore)]
fn the_datagram_sockets_gate_and_re_arm_the_same_way() {
    block_on(async {
        let a = corio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = corio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = b.local_addr().unwrap();
        let not_ready: std::io::Result<()> = b.try_io(Interest::READABLE, || unreachable!());
        assert_eq!(not_ready.unwrap_err().kind(), ErrorKind::WouldBlock);
        a.send_to(b"one", to).await.unwrap();
        b.readable().await.unwrap();
        let spurious: std::io::Result<()> = b.try_io(Interest::READABLE, would_block);
        assert_eq!(spurious.unwrap_err().kind(), ErrorKind::WouldBlock);
        common::waits_after_would_block(
            "UdpSocket::readable() after try_io's WouldBlock",
            || b.readable(),
            || b.try_io(Interest::READABLE, would_block),
        )
        .await;
        // A new event: the cleared mark is set again.
        a.send_to(b"two", to).await.unwrap();
        let mut buf = [0; 8];
        let calls = Cell::new(0);
        let n = b
            .async_io(Interest::READABLE, || {
                calls.set(calls.get() + 1);
                b.try_recv(&mut buf)
            })
            .await
            .unwrap();
        assert_eq!((&buf[..n], calls.get()), (&b"one"[..], 1));

        let (c, d) = corio::net::UnixDatagram::pair().unwrap();
        let not_ready: std::io::Result<()> = d.try_io(Interest::READABLE, || unreachable!());
        assert_eq!(not_ready.unwrap_err().kind(), ErrorKind::WouldBlock);
        c.send(b"two").await.unwrap();
        d.readable().await.unwrap();
        let spurious: std::io::Result<()> = d.try_io(Interest::READABLE, would_block);
        assert_eq!(spurious.unwrap_err().kind(), ErrorKind::WouldBlock);
        common::waits_after_would_block(
            "UnixDatagram::readable() after try_io's WouldBlock",
            || d.readable(),
            || d.try_io(Interest::READABLE, would_block),
        )
        .await;
        c.send(b"three").await.unwrap();
        let n = d
            .async_io(Interest::READABLE, || d.try_recv(&mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"two");
    });
}

/// A `WouldBlock` met with both directions asked may be a write's (a full
/// send buffer), and says nothing of an end of stream already seen: the
/// next `readable()` still answers at once, on every poller. The portable
/// one, which marks an end only as readable, forgot it with the write's
/// readiness, and `readable()` then waited for an event that had come.
#[test]
#[cfg_attr(miri, ignore)]
fn a_would_block_asked_both_ways_keeps_an_end_of_stream() {
    use corio::io::unix::AsyncFd;
    use futures_lite::future::poll_once;
    block_on(async {
        // Through a socket's own `try_io`.
        let (client, server) = common::tcp_pair().await;
        client.shutdown(std::net::Shutdown::Write).unwrap();
        server.writable().await.unwrap();
        server.readable().await.unwrap();
        let both = Interest::READABLE | Interest::WRITABLE;
        let refused: std::io::Result<()> = server.try_io(both, would_block);
        assert_eq!(refused.unwrap_err().kind(), ErrorKind::WouldBlock);
        let end = poll_once(server.readable()).await;
        assert!(end.is_some(), "the end of stream was forgotten");

        // Through an `AsyncFd` guard's.
        let (ours, peer) = std::os::unix::net::UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        let fd = AsyncFd::new(ours).unwrap();
        peer.shutdown(std::net::Shutdown::Write).unwrap();
        drop(fd.writable().await.unwrap());
        drop(fd.readable().await.unwrap());
        let mut guard = fd.ready(both).await.unwrap();
        assert!(guard.ready().is_readable() && guard.ready().is_writable());
        assert!(guard.try_io(|_| would_block::<()>()).is_err());
        let end = poll_once(fd.readable()).await;
        assert!(end.is_some(), "the end of stream was forgotten");
    });
}

/// A `WouldBlock` met with both directions asked, from an operation that
/// only reads, with room to write: the next wait for either is for an
/// event, not an answer at once, on every poller. Had the portable poller
/// kept the write mark because `poll(2)` still says writable, a loop over
/// that read would spin until data came.
#[test]
#[cfg_attr(miri, ignore)]
fn a_one_sided_would_block_asked_both_ways_waits() {
    use corio::io::unix::AsyncFd;
    use futures_lite::future::poll_once;
    let both = Interest::READABLE | Interest::WRITABLE;
    block_on(async {
        let (_client, server) = common::tcp_pair().await;
        server.writable().await.unwrap();
        let refused: std::io::Result<()> = server.try_io(both, would_block);
        assert_eq!(refused.unwrap_err().kind(), ErrorKind::WouldBlock);
        assert!(
            poll_once(server.ready(both)).await.is_none(),
            "answered at once"
        );

        // A guard holding both, with a byte queued that the operation
        // (a write, say) leaves alone: as tokio's, it waits for an event.
        // The byte goes in before the registration, so that the kernel
        // has one event to report: written after, it could come as a
        // second event behind the first, late enough to stand against the
        // guard's clear (a spurious answer, which is allowed).
        let (ours, mut peer) = std::os::unix::net::UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        std::io::Write::write_all(&mut peer, b"x").unwrap();
        let fd = AsyncFd::new(ours).unwrap();
        drop(fd.writable().await.unwrap());
        drop(fd.readable().await.unwrap());
        let mut guard = fd.ready(both).await.unwrap();
        assert!(guard.ready().is_readable() && guard.ready().is_writable());
        assert!(guard.try_io(|_| would_block::<()>()).is_err());
        assert!(
            poll_once(fd.ready(both)).await.is_none(),
            "answered at once"
        );
    });
}

//! UDP through the reactor.

mod common;

use std::sync::Arc;

use common::block_on;
use corio::net::UdpSocket;

#[test]
#[cfg_attr(miri, ignore)]
fn send_to_and_recv_from() {
    block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        // The receiver waits first, so the reactor really parks it.
        let receive = async {
            let mut buf = [0; 16];
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            (buf[..n].to_vec(), from)
        };
        let send = async {
            a.send_to(b"datagram", b.local_addr().unwrap())
                .await
                .unwrap()
        };
        let ((data, from), sent) = futures_lite::future::zip(receive, send).await;
        assert_eq!(sent, 8);
        assert_eq!(data, b"datagram");
        assert_eq!(from, a.local_addr().unwrap());
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn connected_send_and_recv_from_two_tasks() {
    block_on(async {
        let a = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());

        // One socket, a receiver and a sender at once (two directions).
        let receiver = async {
            let mut buf = [0; 4];
            let mut got = Vec::new();
            for _ in 0..10 {
                let n = a.recv(&mut buf).await.unwrap();
                got.push(u32::from_le_bytes(buf[..n].try_into().unwrap()));
            }
            got
        };
        let echo = async {
            for i in 0..10u32 {
                a.send(&i.to_le_bytes()).await.unwrap();
                let mut buf = [0; 4];
                let n = b.recv(&mut buf).await.unwrap();
                b.send(&buf[..n]).await.unwrap();
            }
        };
        let (got, ()) = futures_lite::future::zip(receiver, echo).await;
        assert_eq!(got, (0..10).collect::<Vec<_>>());
    });
}

/// Each of many tasks waits on a shared socket with a timeout and gives up:
/// no waker of theirs may stay behind (they would pile up until the next
/// datagram, and each new wait would scan them all).
#[test]
#[cfg_attr(miri, ignore)]
fn a_cancelled_recv_leaves_no_waker_behind() {
    block_on(async {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let kept = common::wakers_kept_by_cancelled_waits(1000, || async {
            let mut buf = [0; 8];
            socket.recv(&mut buf).await
        });
        assert_eq!(kept, 0, "wakers of cancelled recv calls");
        let kept = common::wakers_kept_by_cancelled_waits(1000, || async {
            let mut buf = [0; 8];
            socket.recv_from(&mut buf).await
        });
        assert_eq!(kept, 0, "wakers of cancelled recv_from calls");
    });
}

/// The `readable` / `try_recv_from` loop: taking every datagram until
/// `WouldBlock` leaves `readable()` waiting for the next one, which wakes it;
/// `peek_from` leaves a datagram in place.
#[test]
#[cfg_attr(miri, ignore)]
fn try_recv_from_until_would_block_then_readable_waits_for_the_next() {
    use std::io::ErrorKind;

    common::block_on(async {
        let a = corio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = corio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = b.local_addr().unwrap();
        a.send_to(b"one", to).await.unwrap();
        a.send_to(b"two", to).await.unwrap();
        let mut buf = [0; 8];
        let mut got = Vec::new();
        while got.len() < 2 {
            b.readable().await.unwrap();
            match b.try_recv_from(&mut buf) {
                Ok((n, _)) => got.push(buf[..n].to_vec()),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(got, [b"one".to_vec(), b"two".to_vec()]);
        let drained = b.try_recv_from(&mut buf).unwrap_err();
        assert_eq!(drained.kind(), ErrorKind::WouldBlock);
        common::waits_after_would_block(
            "readable()",
            || b.readable(),
            || b.try_recv_from(&mut buf).map(|(n, _)| n),
        )
        .await;
        a.send_to(b"three", to).await.unwrap();
        b.readable().await.unwrap();
        let (n, from) = b.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"three"[..], a.local_addr().unwrap()));
        assert_eq!(b.try_recv_from(&mut buf).unwrap().0, 5, "the peek left it");
    });
}

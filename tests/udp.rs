//! UDP through the reactor.

mod common;

use std::sync::Arc;
use std::time::Duration;

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

        // One socket, a receiver and a sender at once (two directions), in
        // two tasks: the receiver is woken by the reactor for its own
        // direction, not by the sender's polls. (A send on loopback hardly
        // ever waits, so the write side's wake is not shown here.)
        let reading = a.clone();
        let receiver = corio::spawn(async move {
            let a = reading;
            let mut buf = [0; 4];
            let mut got = Vec::new();
            for _ in 0..10 {
                let n = a.recv(&mut buf).await.unwrap();
                got.push(u32::from_le_bytes(buf[..n].try_into().unwrap()));
            }
            got
        });
        let echo = async {
            for i in 0..10u32 {
                a.send(&i.to_le_bytes()).await.unwrap();
                let mut buf = [0; 4];
                let n = b.recv(&mut buf).await.unwrap();
                b.send(&buf[..n]).await.unwrap();
            }
        };
        echo.await;
        assert_eq!(receiver.await.unwrap(), (0..10).collect::<Vec<_>>());
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

/// A datagram sent to a multicast group reaches a member socket (where the
/// machine has an interface that carries multicast), and stops once it
/// leaves the group.
#[test]
#[cfg_attr(miri, ignore)]
fn a_multicast_member_receives_what_the_group_is_sent() {
    use std::net::{Ipv4Addr, SocketAddr};
    block_on(async {
        let group = Ipv4Addr::new(239, 255, 42, 99);
        let member = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        if let Err(error) = member.join_multicast_v4(group, Ipv4Addr::UNSPECIFIED) {
            common::skip(&format!("no multicast interface here ({error})"));
            return;
        }
        let to = SocketAddr::from((group, member.local_addr().unwrap().port()));
        let sender = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        sender.set_multicast_loop_v4(true).unwrap();
        sender.set_multicast_ttl_v4(1).unwrap();
        if let Err(error) = sender.send_to(b"to the group", to).await {
            common::skip(&format!("no route to the group here ({error})"));
            return;
        }
        let mut buf = [0; 32];
        let (n, _) = corio::time::timeout(Duration::from_secs(10), member.recv_from(&mut buf))
            .await
            .expect("the group's datagram arrives")
            .unwrap();
        assert_eq!(&buf[..n], b"to the group");

        member
            .leave_multicast_v4(group, Ipv4Addr::UNSPECIFIED)
            .unwrap();
        sender.send_to(b"after leaving", to).await.unwrap();
        // A unicast datagram sent after it, to the same port: if the group's
        // had still arrived, it would come first.
        let direct = SocketAddr::from((Ipv4Addr::LOCALHOST, to.port()));
        sender.send_to(b"direct", direct).await.unwrap();
        let wait = corio::time::timeout(Duration::from_secs(10), member.recv_from(&mut buf));
        let (n, _) = wait.await.expect("the direct datagram arrives").unwrap();
        assert_eq!(&buf[..n], b"direct", "left the group: nothing from it");
    });
}

/// The connected calls that do not wait, `peek`, the TTL, and the way back
/// to std.
#[test]
#[cfg_attr(miri, ignore)]
fn connected_try_calls_peek_ttl_and_into_std() {
    use std::io::ErrorKind;
    block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        let mut buf = [0; 8];
        assert_eq!(
            b.try_recv(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        a.writable().await.unwrap();
        assert_eq!(a.try_send(b"one").unwrap(), 3);
        assert_eq!(b.peek(&mut buf).await.unwrap(), 3);
        assert_eq!(b.try_recv(&mut buf).unwrap(), 3, "peek left it there");
        assert_eq!(&buf[..3], b"one");
        assert_eq!(
            b.try_recv(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );

        a.set_ttl(5).unwrap();
        assert_eq!(a.ttl().unwrap(), 5);
        let b = b.into_std().unwrap();
        b.set_nonblocking(false).unwrap();
        // A blocking read on the test's thread: bounded by the socket itself.
        b.set_read_timeout(Some(common::LIMIT)).unwrap();
        a.send(b"std").await.unwrap();
        assert_eq!(b.recv(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"std");
    });
}

/// On Linux a datagram to a closed port comes back as an ICMP error, which
/// a connected socket reports: through `take_error` or its next `recv`.
#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore)]
fn a_closed_port_is_reported_as_refused() {
    block_on(async {
        // A port nobody holds: bound, then let go. (Another test's bind
        // would have to draw this very port, out of the kernel's random
        // pick among thousands, in the microseconds before the send.)
        let gone = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = gone.local_addr().unwrap();
        drop(gone);
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.connect(addr).await.unwrap();
        socket.send(b"anyone?").await.unwrap();
        let refused = match socket.take_error().unwrap() {
            Some(error) => error,
            None => corio::time::timeout(Duration::from_secs(10), socket.recv(&mut [0; 8]))
                .await
                .expect("the refusal arrives")
                .unwrap_err(),
        };
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    });
}

/// The `poll_*` forms register the caller's waker when nothing is there:
/// a datagram sent later wakes a `poll_recv_from` and a `peek_sender`
/// waiting for it, and the peek leaves it for the receive.
#[test]
#[cfg_attr(miri, ignore)]
fn poll_forms_and_peek_sender_wait_for_a_later_datagram() {
    block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = b.local_addr().unwrap();
        let late = |text: &'static [u8]| {
            let a = &a;
            async move {
                corio::task::yield_now().await;
                std::future::poll_fn(|cx| a.poll_send_to(cx, text, to))
                    .await
                    .unwrap()
            }
        };
        let peek = b.peek_sender();
        let (from, _) = futures_lite::future::zip(peek, late(b"first")).await;
        assert_eq!(from.unwrap(), a.local_addr().unwrap());
        let mut buf = [0; 8];
        let (n, _) = b.try_recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"first", "the peek left it there");

        let mut buf = [0; 8];
        let recv = std::future::poll_fn(|cx| b.poll_recv_from(cx, &mut buf));
        let (got, _) = futures_lite::future::zip(recv, late(b"second")).await;
        let (n, from) = got.unwrap();
        assert_eq!((&buf[..n], from), (&b"second"[..], a.local_addr().unwrap()));
    });
}

//! `TcpSocket`: options set before `bind`, `connect` and `listen` take
//! effect, and a socket made this way serves as any other; `into_std` and
//! the stream options `SO_LINGER` and the TTL.

mod common;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use common::block_on;
use corio::net::{TcpSocket, TcpStream};

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[test]
#[cfg_attr(miri, ignore)]
fn flag_options_read_back_what_was_set() {
    let socket = TcpSocket::new_v4().unwrap();
    type Get = fn(&TcpSocket) -> std::io::Result<bool>;
    type Set = fn(&TcpSocket, bool) -> std::io::Result<()>;
    let options: [(&str, Set, Get); 4] = [
        ("reuseaddr", TcpSocket::set_reuseaddr, TcpSocket::reuseaddr),
        ("reuseport", TcpSocket::set_reuseport, TcpSocket::reuseport),
        ("keepalive", TcpSocket::set_keepalive, TcpSocket::keepalive),
        ("nodelay", TcpSocket::set_nodelay, TcpSocket::nodelay),
    ];
    for (name, set, get) in options {
        for on in [true, false, true] {
            set(&socket, on).unwrap();
            assert_eq!(get(&socket).unwrap(), on, "{name}");
        }
    }
    assert_eq!(socket.linger().unwrap(), None);
    socket.set_zero_linger().unwrap();
    assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
    assert!(socket.take_error().unwrap().is_none());
}

/// The kernel may round a buffer size up (Linux doubles it), never below
/// what was asked within its limits; a changed size shows.
#[test]
#[cfg_attr(miri, ignore)]
fn buffer_sizes_take_effect() {
    let socket = TcpSocket::new_v4().unwrap();
    type Get = fn(&TcpSocket) -> std::io::Result<u32>;
    type Set = fn(&TcpSocket, u32) -> std::io::Result<()>;
    let buffers: [(&str, Set, Get); 2] = [
        (
            "send",
            TcpSocket::set_send_buffer_size,
            TcpSocket::send_buffer_size,
        ),
        (
            "recv",
            TcpSocket::set_recv_buffer_size,
            TcpSocket::recv_buffer_size,
        ),
    ];
    for (name, set, get) in buffers {
        set(&socket, 8 * 1024).unwrap();
        let small = get(&socket).unwrap();
        set(&socket, 64 * 1024).unwrap();
        let large = get(&socket).unwrap();
        assert!(
            small >= 8 * 1024 && large >= 64 * 1024 && large > small,
            "{name}: {small} then {large}"
        );
    }
}

/// A listener and a client both made by `TcpSocket`: the client speaks
/// from the address it was bound to, and bytes go both ways.
#[test]
#[cfg_attr(miri, ignore)]
fn a_bound_client_connects_to_a_socket_listener() {
    block_on(async {
        let server = TcpSocket::new_v4().unwrap();
        server.set_reuseaddr(true).unwrap();
        server.bind(loopback()).unwrap();
        let listener = server.listen(u32::MAX).unwrap();
        let addr = listener.local_addr().unwrap();

        let client = TcpSocket::new_v4().unwrap();
        client.set_nodelay(true).unwrap();
        client.bind(loopback()).unwrap();
        let from = client.local_addr().unwrap();
        let (stream, accepted) =
            futures_lite::future::zip(client.connect(addr), listener.accept()).await;
        let mut stream = stream.unwrap();
        let (mut served, peer) = accepted.unwrap();
        assert_eq!(peer, from, "the client speaks from its bound address");
        assert_eq!(stream.local_addr().unwrap(), from);
        assert!(
            stream.nodelay().unwrap(),
            "options carry over to the stream"
        );

        stream.write_all(b"ping").await.unwrap();
        let mut buf = [0; 4];
        served.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
        served.write_all(b"pong").await.unwrap();
        stream.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"pong");
    });
}

/// Without `SO_REUSEPORT` a second socket cannot bind a port in use; with
/// it on both, it can, and both listen.
#[test]
#[cfg_attr(miri, ignore)]
fn reuseport_lets_two_listeners_share_a_port() {
    block_on(async {
        let first = TcpSocket::new_v4().unwrap();
        first.set_reuseport(true).unwrap();
        first.bind(loopback()).unwrap();
        let addr = first.local_addr().unwrap();
        let _first = first.listen(16).unwrap();

        let plain = TcpSocket::new_v4().unwrap();
        let error = plain.bind(addr).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AddrInUse);

        let second = TcpSocket::new_v4().unwrap();
        second.set_reuseport(true).unwrap();
        second.bind(addr).unwrap();
        let second = second.listen(16).unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn connecting_where_nobody_listens_is_refused() {
    block_on(async {
        // A port held by a socket that is bound but does not listen: no
        // other test can take it meanwhile, and nobody answers there.
        let bound = TcpSocket::new_v4().unwrap();
        bound.bind(loopback()).unwrap();
        let addr = bound.local_addr().unwrap();
        let error = TcpSocket::new_v4()
            .unwrap()
            .connect(addr)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
        drop(bound);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn an_ipv6_socket_listens_where_the_machine_has_ipv6() {
    block_on(async {
        let Ok(socket) = TcpSocket::new_v6() else {
            common::skip("no IPv6 here");
            return;
        };
        if socket.bind("[::1]:0".parse().unwrap()).is_err() {
            common::skip("no IPv6 loopback here");
            return;
        }
        let listener = socket.listen(16).unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(addr.is_ipv6());
        let stream = TcpStream::connect(addr).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap(), addr);
    });
}

/// `SO_LINGER` of zero: closing resets the connection, and the peer's read
/// fails instead of reading end-of-file.
#[test]
#[cfg_attr(miri, ignore)]
fn a_zero_linger_close_resets_the_peer() {
    block_on(async {
        let listener = corio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        assert_eq!(client.linger().unwrap(), None);
        client.set_zero_linger().unwrap();
        client.set_ttl(17).unwrap();
        assert_eq!(client.ttl().unwrap(), 17);
        drop(client);
        let error = server.read(&mut [0; 8]).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionReset);
    });
}

/// `into_std` hands the socket back out of the reactor, still connected,
/// and `from_std_stream` takes one in.
#[test]
#[cfg_attr(miri, ignore)]
fn streams_and_listeners_go_back_to_std_and_sockets_come_from_it() {
    use std::io::{Read, Write};
    block_on(async {
        let listener = corio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let mut client = client.into_std().unwrap();
        let mut server = server.into_std().unwrap();
        #[cfg(target_os = "linux")]
        {
            // corio's own TCP_INQ reports end with it: the owner's
            // `recvmsg` must not find their control messages.
            use std::os::fd::AsRawFd;
            let mut inq: libc::c_int = -1;
            let mut len = size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: a live `c_int` and its size, on an open socket.
            let got = unsafe {
                libc::getsockopt(
                    server.as_raw_fd(),
                    libc::IPPROTO_TCP,
                    libc::TCP_INQ,
                    (&raw mut inq).cast(),
                    &mut len,
                )
            };
            assert_eq!((got, inq), (0, 0), "TCP_INQ is off again");
        }
        server.set_nonblocking(false).unwrap();
        client.write_all(b"std again").unwrap();
        let mut buf = [0; 9];
        server.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"std again");

        let std_listener = listener.into_std().unwrap();
        assert_eq!(std_listener.local_addr().unwrap(), addr);

        let socket = TcpSocket::from_std_stream(client).unwrap();
        assert_eq!(socket.local_addr().unwrap(), server.peer_addr().unwrap());
    });
}

/// The type-of-service byte reads back what was set (its low byte, as the
/// kernel keeps it), and a socket with it set still connects.
#[test]
#[cfg_attr(miri, ignore)]
fn the_type_of_service_is_set_before_connect() {
    block_on(async {
        let listener = corio::net::TcpListener::bind(loopback()).await.unwrap();
        let socket = TcpSocket::new_v4().unwrap();
        assert_eq!(socket.tos_v4().unwrap(), 0);
        socket.set_tos_v4(0x28).unwrap();
        assert_eq!(socket.tos_v4().unwrap(), 0x28);
        socket.set_tos(0x128).unwrap();
        assert_eq!(socket.tos().unwrap(), 0x28, "the kernel keeps the low byte");
        let addr = listener.local_addr().unwrap();
        let (stream, accepted) =
            futures_lite::future::zip(socket.connect(addr), listener.accept()).await;
        assert_eq!(stream.unwrap().peer_addr().unwrap(), addr);
        accepted.unwrap();
    });
}

/// A socket bound to the loopback device says so, connects over it, and
/// `None` unbinds it; an unknown device is refused. Since Linux 5.7 the
/// first binding needs no privilege, but a change needs `CAP_NET_RAW`:
/// without it, that call says `PermissionDenied` (older kernels say so for
/// the first too).
#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore)]
fn a_socket_bound_to_a_device_reports_it() {
    fn allowed(result: std::io::Result<()>) -> bool {
        match result {
            Ok(()) => true,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
                false
            }
        }
    }
    block_on(async {
        let socket = TcpSocket::new_v4().unwrap();
        assert_eq!(socket.device().unwrap(), None);
        let err = socket.bind_device(Some(b"corio-none0")).unwrap_err();
        let refused = [Some(libc::ENODEV), Some(libc::EPERM)];
        assert!(refused.contains(&err.raw_os_error()), "{err}");
        if !allowed(socket.bind_device(Some(b"lo"))) {
            common::skip("no right to bind a socket to lo here");
            return;
        }
        assert_eq!(socket.device().unwrap().as_deref(), Some(&b"lo"[..]));
        if allowed(socket.bind_device(None)) {
            assert_eq!(socket.device().unwrap(), None);
            socket.bind_device(Some(b"lo")).unwrap();
        } else {
            common::skip("no right to unbind a socket from its device here");
        }
        let listener = corio::net::TcpListener::bind(loopback()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stream, accepted) =
            futures_lite::future::zip(socket.connect(addr), listener.accept()).await;
        stream.unwrap();
        accepted.unwrap();
    });
}

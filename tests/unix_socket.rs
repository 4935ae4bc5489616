//! `net::UnixSocket`: a Unix socket set up before it listens, connects or
//! becomes a datagram socket, as tokio's.

mod common;

use std::io::ErrorKind;

use common::{SocketPath, block_on, bounded};
use corio::net::{UnixDatagram, UnixSocket};

#[test]
#[cfg_attr(miri, ignore)]
fn a_bound_client_connects_to_a_listener_it_made() {
    block_on(async {
        let server_path = SocketPath::new("us-server");
        let client_path = SocketPath::new("us-client");
        let server = UnixSocket::new_stream().unwrap();
        server.bind(&server_path.0).unwrap();
        let listener = server.listen(8).unwrap();
        let client = UnixSocket::new_stream().unwrap();
        client.bind(&client_path.0).unwrap();
        let (connected, accepted) =
            futures_lite::future::zip(client.connect(&server_path.0), listener.accept()).await;
        let mut client = connected.unwrap();
        let (mut served, peer) = accepted.unwrap();
        assert_eq!(
            peer.as_pathname(),
            Some(client_path.0.as_path()),
            "the bound path"
        );
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0; 4];
        bounded(served.read_exact(&mut buf)).await.unwrap();
        assert_eq!(&buf, b"ping");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_datagram_socket_becomes_a_unix_datagram() {
    block_on(async {
        let path = SocketPath::new("us-datagram");
        let socket = UnixSocket::new_datagram().unwrap();
        socket.bind(&path.0).unwrap();
        let receiver = socket.datagram().unwrap();
        let sender = UnixDatagram::unbound().unwrap();
        sender.send_to(b"one", &path.0).await.unwrap();
        let mut buf = [0; 8];
        let n = bounded(receiver.recv(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"one");
    });
}

/// Each call meant for the other kind of socket is an error of kind
/// `Other`, as tokio's, not a panic or a kernel error.
#[test]
#[cfg_attr(miri, ignore)]
fn the_wrong_call_for_the_kind_is_an_error() {
    block_on(async {
        let path = SocketPath::new("us-wrong");
        let listen = UnixSocket::new_datagram().unwrap().listen(1).unwrap_err();
        assert_eq!(listen.kind(), ErrorKind::Other, "{listen}");
        let connect = UnixSocket::new_datagram()
            .unwrap()
            .connect(&path.0)
            .await
            .unwrap_err();
        assert_eq!(connect.kind(), ErrorKind::Other, "{connect}");
        let datagram = UnixSocket::new_stream().unwrap().datagram().unwrap_err();
        assert_eq!(datagram.kind(), ErrorKind::Other, "{datagram}");
    });
}

/// Errors from the kernel come back as they are: nobody at the path, a
/// path already taken, and a socket file nobody listens on.
#[test]
#[cfg_attr(miri, ignore)]
fn kernel_errors_come_back() {
    block_on(async {
        let path = SocketPath::new("us-errors");
        let nobody = UnixSocket::new_stream()
            .unwrap()
            .connect(&path.0)
            .await
            .unwrap_err();
        assert_eq!(nobody.kind(), ErrorKind::NotFound, "{nobody}");
        let first = UnixSocket::new_stream().unwrap();
        first.bind(&path.0).unwrap();
        let taken = UnixSocket::new_stream().unwrap().bind(&path.0).unwrap_err();
        assert_eq!(taken.kind(), ErrorKind::AddrInUse, "{taken}");
        let refused = UnixSocket::new_stream()
            .unwrap()
            .connect(&path.0)
            .await
            .unwrap_err();
        assert_eq!(
            refused.kind(),
            ErrorKind::ConnectionRefused,
            "bound, not listening: {refused}"
        );
        let unbound = UnixSocket::new_stream().unwrap().listen(1).unwrap_err();
        assert_eq!(unbound.raw_os_error(), Some(libc::EINVAL), "{unbound}");
    });
}

/// A bind that panics after making its socket file (outside a runtime,
/// where the socket cannot be registered) removes the file: it was left,
/// and every later bind to the path failed with `AddrInUse`.
#[test]
#[cfg_attr(miri, ignore)]
fn a_bind_outside_a_runtime_leaves_no_socket_file() {
    use corio::net::UnixListener;
    let listener_path = SocketPath::new("bind-panics-listener");
    let datagram_path = SocketPath::new("bind-panics-datagram");
    let listening = std::panic::catch_unwind(|| UnixListener::bind(&listener_path.0));
    assert!(listening.is_err(), "no runtime: bind panics");
    assert!(!listener_path.0.exists(), "the listener's file was left");
    let datagram = std::panic::catch_unwind(|| UnixDatagram::bind(&datagram_path.0));
    assert!(datagram.is_err(), "no runtime: bind panics");
    assert!(
        !datagram_path.0.exists(),
        "the datagram socket's file was left"
    );
    // And the path binds in a runtime, as a retry would.
    block_on(async {
        let _listener = UnixListener::bind(&listener_path.0).unwrap();
        assert!(listener_path.0.exists());
    });
}

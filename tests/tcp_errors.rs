//! TCP errors surface as `io::Error`, never as hangs: a peer's reset, a
//! write to a closed peer, a refused connect.

mod common;

use std::io::ErrorKind;

use common::block_on;
use corio::net::TcpStream;

#[test]
#[cfg_attr(miri, ignore)]
fn a_reset_peer_is_a_connection_reset_error() {
    block_on(async {
        let (mut client, server) = common::tcp_pair().await;
        server.set_zero_linger().unwrap(); // close sends RST, not FIN
        drop(server);
        let error = client.read(&mut [0; 16]).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionReset);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn writing_to_a_closed_peer_is_an_error_not_a_hang() {
    block_on(async {
        let (mut client, server) = common::tcp_pair().await;
        drop(server);
        // The first write lands in the kernel buffer, and the closed peer
        // answers it with RST. On loopback the RST is usually processed
        // before that write returns, so the second write fails; a loaded
        // machine may defer it to a kernel thread, so the tries are bounded
        // by time, not by count. (No readiness wait helps here: the peer's
        // FIN already made the socket readable, so `readable()` would
        // return at once.)
        let deadline = std::time::Instant::now() + common::LIMIT / 2;
        let mut error = None;
        while std::time::Instant::now() < deadline {
            if let Err(e) = client.write_all(&[0; 1024]).await {
                error = Some(e);
                break;
            }
            corio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        let kind = error
            .expect("writes to a closed peer kept succeeding")
            .kind();
        assert!(
            matches!(kind, ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
            "unexpected error kind {kind:?}"
        );
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_refused_connect_is_an_error() {
    block_on(async {
        // A socket bound but never listening holds the port (no other
        // test can take it meanwhile) and refuses connections to it.
        let holder = corio::net::TcpSocket::new_v4().unwrap();
        holder.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = holder.local_addr().unwrap();
        let error = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
    });
}

/// `connect` given several addresses tries the next when one refuses, and
/// answers with the last error when all do.
#[test]
#[cfg_attr(miri, ignore)]
fn a_connect_moves_on_from_a_refusing_address() {
    block_on(async {
        let holder = corio::net::TcpSocket::new_v4().unwrap();
        holder.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let refusing = holder.local_addr().unwrap();
        let listener = corio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let listening = listener.local_addr().unwrap();

        let stream = TcpStream::connect(&[refusing, listening][..])
            .await
            .unwrap();
        assert_eq!(stream.peer_addr().unwrap(), listening);
        let (accepted, _) = listener.accept().await.unwrap();
        assert_eq!(accepted.peer_addr().unwrap(), stream.local_addr().unwrap());

        let error = TcpStream::connect(&[refusing, refusing][..])
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
    });
}

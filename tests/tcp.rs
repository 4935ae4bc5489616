//! TCP through the reactor: echo, many connections, half-close, splits.
//! The error paths (reset, closed peer, refused connect) are in
//! `tcp_errors.rs`.

mod common;

use std::io::ErrorKind;
use std::net::Shutdown;
use std::os::fd::AsRawFd;

use common::block_on;
use corio::net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt, StreamExt};

/// Accepts one connection and echoes it until end-of-file.
async fn echo_once(listener: &TcpListener) -> std::io::Result<()> {
    let (mut stream, _) = listener.accept().await?;
    let mut buf = [0; 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn echo_round_trips() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = async {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            assert!(stream.nodelay().unwrap());
            assert_eq!(stream.peer_addr().unwrap(), addr);
            for round in 0..100u32 {
                let message = round.to_le_bytes();
                stream.write_all(&message).await.unwrap();
                let mut reply = [0; 4];
                stream.read_exact(&mut reply).await.unwrap();
                assert_eq!(reply, message);
            }
            stream.shutdown(Shutdown::Write).unwrap();
        };
        let (served, ()) = futures_lite::future::zip(echo_once(&listener), client).await;
        served.unwrap();
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_thousand_concurrent_connections() {
    const CONNECTIONS: usize = 1_000;
    block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = corio::spawn({
            async move {
                let mut handlers = Vec::new();
                for _ in 0..CONNECTIONS {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    handlers.push(corio::spawn(async move {
                        let mut buf = [0; 8];
                        stream.read_exact(&mut buf).await.unwrap();
                        stream.write_all(&buf).await.unwrap();
                    }));
                }
                for handler in handlers {
                    handler.await.unwrap();
                }
            }
        });
        // Every client connects before any sends, so all connections are
        // open at the same time.
        let mut streams = Vec::new();
        for _ in 0..CONNECTIONS {
            streams.push(corio::spawn(TcpStream::connect(addr)));
        }
        let mut clients = Vec::new();
        for (i, stream) in streams.into_iter().enumerate() {
            let mut stream = stream.await.unwrap().unwrap();
            clients.push(corio::spawn(async move {
                let message = (i as u64).to_le_bytes();
                stream.write_all(&message).await.unwrap();
                let mut reply = [0; 8];
                stream.read_exact(&mut reply).await.unwrap();
                assert_eq!(reply, message);
            }));
        }
        for client in clients {
            client.await.unwrap();
        }
        server.await.unwrap();
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn half_close_reads_to_end_of_file_then_replies() {
    block_on(async {
        let (mut client, mut server) = common::tcp_pair().await;

        client.write_all(b"request").await.unwrap();
        client.shutdown(Shutdown::Write).unwrap();

        let mut request = Vec::new();
        server.read_to_end(&mut request).await.unwrap();
        assert_eq!(request, b"request");
        server.write_all(b"reply").await.unwrap();
        drop(server);

        let mut reply = Vec::new();
        client.read_to_end(&mut reply).await.unwrap();
        assert_eq!(
            reply, b"reply",
            "the read side still works after shutdown(Write)"
        );
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_short_read_then_end_of_file_from_the_same_edge_does_not_hang() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        // The peer's last bytes and its FIN are both queued before the
        // server registers the socket, so the reactor sees them in one edge.
        // A short read must not make the reader wait for another edge.
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        std::io::Write::write_all(&mut client, b"last words").unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let mut buf = [0; 1024];
        let mut got = Vec::new();
        loop {
            match server.read(&mut buf).await.unwrap() {
                0 => break,
                n => got.extend_from_slice(&buf[..n]),
            }
        }
        assert_eq!(got, b"last words");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_read_that_fills_the_buffer_then_end_of_file_does_not_hang() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        // Exactly one buffer's worth and the FIN, queued before the server
        // registers: the read fills its buffer, and the end of the stream
        // must still be read. (Here the close the reactor marked with the
        // first edge is enough; the rule that counts a FIN as a byte
        // queued, which spares a wait when the close comes in a later
        // edge, is `src/io/sys.rs`'s unit test.)
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        std::io::Write::write_all(&mut client, &[3; 64]).unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let mut buf = [0; 64];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf, [3; 64]);
        assert_eq!(server.read(&mut buf).await.unwrap(), 0, "end of file");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn urgent_data_between_ordinary_bytes_does_not_stall_a_reader() {
    block_on(async {
        // A read stops at the mark of TCP urgent data (a peer's `MSG_OOB`)
        // with the bytes behind it still queued: that short read is not the
        // end of the queue, and no new edge will come for those bytes.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        std::io::Write::write_all(&mut client, b"abc").unwrap();
        // SAFETY: one live byte, sent on an open socket.
        let sent =
            unsafe { libc::send(client.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
        assert_eq!(sent, 1, "{}", std::io::Error::last_os_error());
        std::io::Write::write_all(&mut client, b"defg").unwrap();
        // All of it is queued before the server registers: one edge.
        let deadline = std::time::Instant::now() + common::LIMIT;
        while bytes_received(&server) < 8 {
            assert!(
                std::time::Instant::now() < deadline,
                "the bytes never arrived"
            );
            std::thread::yield_now();
        }
        let mut server = TcpStream::from_std(server).unwrap();
        let mut got = Vec::new();
        let mut buf = [0; 64];
        while got.len() < 7 {
            let n = server.read(&mut buf).await.unwrap();
            assert_ne!(n, 0, "the peer did not close");
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"abcdefg", "the urgent byte is out of band");
    });
}

/// How many bytes `socket` has received in order, urgent ones included
/// (`TCP_INFO`; the queue's `FIONREAD` count stops at an urgent mark).
fn bytes_received(socket: &std::net::TcpStream) -> u64 {
    tcp_info(socket).tcpi_bytes_received
}

/// The kernel's `TCP_INFO` for `socket`.
fn tcp_info(socket: &impl AsRawFd) -> libc::tcp_info {
    // SAFETY: `tcp_info` is a plain C struct; all-zero is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of_val(&info) as libc::socklen_t;
    // SAFETY: the kernel writes at most `len` bytes into `info`, alive here.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&raw mut info).cast(),
            &mut len,
        )
    };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    info
}

/// A listener takes tokio's backlog of 1024 connections waiting to be
/// accepted, not std's 128: past the backlog the kernel drops a burst's
/// SYNs, and their clients resend only a second later.
#[test]
#[cfg_attr(miri, ignore)]
fn a_listener_queues_as_many_connections_as_tokios() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        // For a listening socket, Linux reports the backlog in `sacked`.
        let somaxconn: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
            .map_or(1024, |s| s.trim().parse().unwrap());
        assert_eq!(tcp_info(&listener).tcpi_sacked, somaxconn.min(1024));
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn fixed_size_messages_keep_arriving_after_reads_that_drain_the_socket() {
    block_on(async {
        let (mut client, mut server) = common::tcp_pair().await;
        // Every read takes exactly what was sent, leaving the socket empty;
        // the next message must still wake the reader.
        let echo = corio::spawn(async move {
            let mut buf = [0; 64];
            for _ in 0..200 {
                server.read_exact(&mut buf).await.unwrap();
                server.write_all(&buf).await.unwrap();
            }
        });
        for i in 0..200u8 {
            client.write_all(&[i; 64]).await.unwrap();
            let mut back = [0; 64];
            client.read_exact(&mut back).await.unwrap();
            assert_eq!(back, [i; 64]);
        }
        echo.await.unwrap();
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn split_halves_work_apart_and_dropping_the_owned_writer_closes() {
    block_on(async {
        let (mut client, mut server) = common::tcp_pair().await;

        // Borrowed halves: read and write concurrently within one task.
        {
            let (mut reader, mut writer) = server.split();
            let echo = async {
                let mut buf = [0; 5];
                reader.read_exact(&mut buf).await.unwrap();
                writer.write_all(&buf).await.unwrap();
            };
            let talk = async {
                client.write_all(b"split").await.unwrap();
                let mut buf = [0; 5];
                client.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"split");
            };
            futures_lite::future::zip(echo, talk).await;
        }

        // Owned halves: the writer's drop shuts the write side down.
        let (mut owned_reader, owned_writer) = server.into_split();
        assert_eq!(
            owned_reader.peer_addr().unwrap(),
            client.local_addr().unwrap()
        );
        drop(owned_writer);
        assert_eq!(client.read(&mut [0; 8]).await.unwrap(), 0);
        client.write_all(b"still open").await.unwrap();
        let mut buf = [0; 10];
        owned_reader.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still open");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn futures_io_traits_and_incoming() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let mut server = listener.incoming().next().await.unwrap().unwrap();

        AsyncWriteExt::write_all(&mut client, b"through futures-io")
            .await
            .unwrap();
        AsyncWriteExt::close(&mut client).await.unwrap();
        let mut text = String::new();
        AsyncReadExt::read_to_string(&mut server, &mut text)
            .await
            .unwrap();
        assert_eq!(text, "through futures-io");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn peek_leaves_the_bytes_in_place() {
    block_on(async {
        let (mut client, mut server) = common::tcp_pair().await;
        client.write_all(b"peek").await.unwrap();
        let mut buf = [0; 4];
        server.readable().await.unwrap();
        let peeked = server.peek(&mut buf).await.unwrap();
        // Loopback delivers the four bytes in one segment, readable now.
        assert_eq!(peeked, 4, "peek saw the bytes");
        assert_eq!(&buf, b"peek");
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"peek");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn lookup_host_resolves_on_the_blocking_pool_for_connect() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let addrs: Vec<_> = corio::net::lookup_host(format!("localhost:{port}"))
            .await
            .unwrap()
            .filter(|a| a.is_ipv4())
            .collect();
        assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()));
        assert!(
            corio::Handle::current().metrics().blocking_threads >= 1,
            "the name was resolved on the blocking pool"
        );
        let (accepted, connected) =
            futures_lite::future::zip(listener.accept(), TcpStream::connect(&addrs[..])).await;
        accepted.unwrap();
        connected.unwrap();
        // A name without a port is refused before any lookup.
        let err = corio::net::lookup_host("localhost".to_string())
            .await
            .err()
            .unwrap();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn connect_resolves_names_on_the_blocking_pool_and_addresses_in_place() {
    use futures_lite::FutureExt;
    // A fresh runtime: its blocking pool has started no thread yet.
    let runtime = common::one_worker();
    let blocking_threads = || runtime.metrics().blocking_threads;
    runtime.block_on(common::bounded(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let port = addr.port();
        // Addresses, in every spelling, are parsed where they are.
        let ip = std::net::IpAddr::from([127, 0, 0, 1]);
        let literal = format!("127.0.0.1:{port}");
        for connect in [
            TcpStream::connect(addr).boxed(),
            TcpStream::connect((ip, port)).boxed(),
            TcpStream::connect(literal.as_str()).boxed(),
            TcpStream::connect(("127.0.0.1", port)).boxed(),
            TcpStream::connect(&[addr][..]).boxed(),
        ] {
            let (accepted, connected) = futures_lite::future::zip(listener.accept(), connect).await;
            assert_eq!(connected.unwrap().peer_addr().unwrap(), addr);
            accepted.unwrap();
        }
        let socket = corio::net::UdpSocket::bind(("127.0.0.1", 0)).await.unwrap();
        socket
            .send_to(b"x", socket.local_addr().unwrap())
            .await
            .unwrap();
        assert_eq!(blocking_threads(), 0, "no address needed the resolver");

        // A name goes to the blocking pool, and still connects.
        let (accepted, connected) = futures_lite::future::zip(
            listener.accept(),
            TcpStream::connect(("localhost", port)).boxed(),
        )
        .await;
        accepted.unwrap();
        assert!(connected.unwrap().peer_addr().unwrap().ip().is_loopback());
        assert!(blocking_threads() >= 1, "the name was resolved on the pool");

        // A name without a port is an error, not a panic.
        let err = TcpStream::connect("localhost").await.err().unwrap();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    }));
}

/// As for UDP: cancelled waits on a shared listener or stream leave no
/// wakers behind.
#[test]
#[cfg_attr(miri, ignore)]
fn a_cancelled_accept_or_read_leaves_no_waker_behind() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let kept = common::wakers_kept_by_cancelled_waits(1000, || listener.accept());
        assert_eq!(kept, 0, "wakers of cancelled accept calls");
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let kept = common::wakers_kept_by_cancelled_waits(1000, || client.readable());
        assert_eq!(kept, 0, "wakers of cancelled readable calls");
    });
}

/// Owned halves moved to other tasks come back together into the stream
/// (which can then leave corio); halves of two streams do not, and both
/// come back; a forgotten write half sends no end-of-file, the read half's
/// drop closes the stream.
#[test]
#[cfg_attr(miri, ignore)]
fn owned_halves_reunite_only_with_their_own_and_forget_keeps_the_stream_open() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let other = TcpStream::connect(addr).await.unwrap();
        let (reader, writer) = server.into_split();
        let (other_reader, other_writer) = other.into_split();

        let mismatched = reader.reunite(other_writer).unwrap_err();
        assert!(mismatched.to_string().contains("two different streams"));
        let (reader, other_writer): (_, _) = (mismatched.0, mismatched.1);
        drop((other_reader, other_writer));

        let writer = corio::spawn(async move { writer }).await.unwrap();
        let mut server = writer.reunite(reader).expect("the same stream");
        server.write_all(b"whole").await.unwrap();
        let mut got = [0; 5];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"whole");
        let server = server.into_std().expect("the reunited stream leaves corio");

        let server = TcpStream::from_std(server).unwrap();
        let (mut reader, writer) = server.into_split();
        writer.forget();
        client.write_all(b"?").await.unwrap();
        let mut byte = [0];
        reader.read_exact(&mut byte).await.unwrap();
        assert_eq!(
            client.try_read(&mut [0; 8]).unwrap_err().kind(),
            ErrorKind::WouldBlock,
            "no end-of-file: the forgotten half did not shut the write side"
        );
        drop(reader);
        assert_eq!(
            client.read(&mut [0; 8]).await.unwrap(),
            0,
            "closed with the read half"
        );
    });
}

//! Unix-domain streams, listeners and datagrams through the reactor.

mod common;

use common::SocketPath;
use common::block_on;
use corio::net::{UnixDatagram, UnixListener, UnixStream};

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
        let mut read = std::pin::pin!(async move { reader.read(&mut [0; 8]).await });
        // The reader parks first: it is pending until the drop.
        assert!(
            futures_lite::future::poll_once(read.as_mut())
                .await
                .is_none()
        );
        corio::spawn(async move { drop(writer) }).await.unwrap();
        assert_eq!(read.await.unwrap(), 0, "end of file, not a hang");
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

/// Sends `bytes` on `fd` with one descriptor (`/dev/null`) attached.
fn send_with_descriptor(fd: std::os::fd::RawFd, bytes: &[u8]) {
    use std::os::fd::AsRawFd;
    let passed = std::fs::File::open("/dev/null").unwrap();
    let mut iov = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    // Room for one control message carrying one descriptor, 8-byte aligned.
    let mut control = [0u64; 4];
    // SAFETY: all-zero is a valid msghdr; every pointer set below is to a
    // local that outlives the sendmsg call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &raw mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    // SAFETY: CMSG_SPACE only computes a size.
    msg.msg_controllen = unsafe { libc::CMSG_SPACE(size_of::<libc::c_int>() as u32) } as _;
    // SAFETY: the control buffer is large enough for one header and one
    // c_int (CMSG_SPACE above), so CMSG_FIRSTHDR and CMSG_DATA stay in it.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(size_of::<libc::c_int>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast(), passed.as_raw_fd());
    }
    // SAFETY: `msg` describes live buffers (see above).
    let sent = unsafe { libc::sendmsg(fd, &msg, 0) };
    assert_eq!(
        sent,
        bytes.len() as isize,
        "{}",
        std::io::Error::last_os_error()
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_read_cut_short_by_passed_descriptors_does_not_stall_the_reader() {
    use std::os::fd::AsRawFd;
    // Linux ends a Unix stream read after a message that carried
    // descriptors, with the bytes sent after it still queued: a short read
    // there does not mean drained, and no new edge comes for the rest. One
    // thread, so that both sends land before the reactor's one harvest.
    let runtime = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(common::bounded(async {
        let (sender, mut receiver) = UnixStream::pair().unwrap();
        let mut buf = [0; 64];
        let n = {
            let mut first = std::pin::pin!(receiver.read(&mut buf));
            assert!(futures_lite::future::poll_once(&mut first).await.is_none());
            send_with_descriptor(sender.as_raw_fd(), b"fd");
            // Straight to the kernel: no wait here may turn the reactor.
            // SAFETY: a live 4-byte buffer and the sender's open descriptor.
            let sent = unsafe { libc::send(sender.as_raw_fd(), b"tail".as_ptr().cast(), 4, 0) };
            assert_eq!(sent, 4);
            first.await.unwrap()
        };
        let mut got = buf[..n].to_vec();
        assert_eq!(got, b"fd", "the read stops after the descriptors");
        while got.len() < 6 {
            let n = receiver.read(&mut buf).await.unwrap();
            assert!(n > 0, "early end of stream after {got:?}");
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"fdtail");
        drop(sender);
        assert_eq!(receiver.read(&mut buf).await.unwrap(), 0);
    }));
}

/// A name that starts with a NUL byte is Linux's abstract namespace (no
/// file), as in tokio, for every call that takes a path; a NUL anywhere
/// else, or a path too long, is refused.
#[test]
#[cfg(any(target_os = "linux", target_os = "android"))]
#[cfg_attr(miri, ignore)]
fn abstract_names_work_everywhere_and_bad_paths_are_refused() {
    use std::ffi::OsStr;
    use std::io::ErrorKind;
    use std::os::unix::ffi::OsStrExt;

    let name = |kind: &str| {
        let mut path = vec![0];
        path.extend_from_slice(format!("corio-abstract-{kind}-{}", std::process::id()).as_bytes());
        std::path::PathBuf::from(OsStr::from_bytes(&path))
    };
    block_on(async {
        // Streams: bind and connect.
        let listener = UnixListener::bind(name("stream")).unwrap();
        let (mut client, (mut server, _)) = futures_lite::future::zip(
            async { UnixStream::connect(name("stream")).await.unwrap() },
            async { listener.accept().await.unwrap() },
        )
        .await;
        futures_lite::AsyncWriteExt::write_all(&mut client, b"hi")
            .await
            .unwrap();
        let mut buf = [0; 2];
        futures_lite::AsyncReadExt::read_exact(&mut server, &mut buf)
            .await
            .unwrap();
        assert_eq!(&buf, b"hi");
        // Datagrams: bind, send_to, connect.
        let receiver = UnixDatagram::bind(name("dgram")).unwrap();
        let sender = UnixDatagram::unbound().unwrap();
        sender.send_to(b"to", name("dgram")).await.unwrap();
        let sent = std::future::poll_fn(|cx| sender.poll_send_to(cx, b"po", name("dgram")));
        assert_eq!(sent.await.unwrap(), 2, "poll_send_to takes the name too");
        sender.connect(name("dgram")).unwrap();
        sender.send(b"on").await.unwrap();
        let mut buf = [0; 2];
        receiver.recv(&mut buf).await.unwrap();
        assert_eq!(&buf, b"to");
        receiver.recv(&mut buf).await.unwrap();
        assert_eq!(&buf, b"po");
        receiver.recv(&mut buf).await.unwrap();
        assert_eq!(&buf, b"on");

        let inner_nul = UnixStream::connect(OsStr::from_bytes(b"/tmp/a\0b"))
            .await
            .unwrap_err();
        assert_eq!(inner_nul.kind(), ErrorKind::InvalidInput, "{inner_nul}");
        let long = "/tmp/".to_string() + &"x".repeat(200);
        let too_long = UnixStream::connect(long).await.unwrap_err();
        assert_eq!(too_long.kind(), ErrorKind::InvalidInput, "{too_long}");
        let inner_nul = UnixListener::bind(OsStr::from_bytes(b"/tmp/a\0b")).unwrap_err();
        assert_eq!(inner_nul.kind(), ErrorKind::InvalidInput, "{inner_nul}");

        // std's addresses, as tokio's bind_addr and connect_addr take them.
        use std::os::linux::net::SocketAddrExt;
        let abstract_name = format!("corio-abstract-addr-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(&abstract_name).unwrap();
        let listener = UnixListener::bind_addr(&addr).unwrap();
        let bound = listener.local_addr().unwrap();
        assert_eq!(bound.as_abstract_name(), Some(abstract_name.as_bytes()));
        let (client, _) = futures_lite::future::zip(
            async { UnixStream::connect_addr(&bound).await.unwrap() },
            async { listener.accept().await.unwrap() },
        )
        .await;
        let peer = client.peer_addr().unwrap();
        assert_eq!(peer.as_abstract_name(), Some(abstract_name.as_bytes()));
        let unnamed = UnixDatagram::unbound().unwrap().local_addr().unwrap();
        assert!(unnamed.is_unnamed());
        assert!(
            UnixStream::connect_addr(&unnamed).await.is_err(),
            "an unnamed address names nothing"
        );
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn incoming_is_a_stream_of_accepted_connections() {
    use futures_lite::StreamExt;
    let path = SocketPath::new("incoming");
    block_on(async {
        let listener = UnixListener::bind(&path.0).unwrap();
        let mut clients = Vec::new();
        for i in 0..3u8 {
            let mut client = UnixStream::connect(&path.0).await.unwrap();
            client.write_all(&[i]).await.unwrap();
            clients.push(client);
        }
        let mut seen: Vec<u8> = Vec::new();
        let mut incoming = listener.incoming().take(3);
        while let Some(stream) = incoming.next().await {
            let mut byte = [0];
            stream.unwrap().read_exact(&mut byte).await.unwrap();
            seen.push(byte[0]);
        }
        seen.sort();
        assert_eq!(seen, [0, 1, 2]);
    });
}

/// A stream shared in an `Arc`: one task reads through `&UnixStream` while
/// another writes through it, both waiting at once (the write is larger
/// than the socket's buffer, so it waits for the peer too).
#[test]
#[cfg_attr(miri, ignore)]
fn a_shared_stream_reads_in_one_task_while_another_writes() {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    const BIG: usize = 4 << 20;
    block_on(async {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let ours = std::sync::Arc::new(ours);
        let reader = {
            let ours = ours.clone();
            corio::spawn(async move {
                let mut buf = [0; 4];
                (&*ours).read_exact(&mut buf).await.unwrap();
                buf
            })
        };
        let writer = {
            let ours = ours.clone();
            corio::spawn(async move { (&*ours).write_all(&vec![7; BIG]).await.unwrap() })
        };
        // The peer answers only once it has the whole write.
        let mut theirs = theirs;
        let mut got = vec![0; BIG];
        futures_lite::AsyncReadExt::read_exact(&mut theirs, &mut got)
            .await
            .unwrap();
        assert!(got.iter().all(|&b| b == 7));
        futures_lite::AsyncWriteExt::write_all(&mut theirs, b"done")
            .await
            .unwrap();
        writer.await.unwrap();
        assert_eq!(&reader.await.unwrap(), b"done");
    });
}

/// tokio's `readable` / `try_read` loop: reading until `WouldBlock` leaves
/// `readable()` waiting for new bytes (not answering at once, which would
/// spin the loop), and new bytes wake it.
#[test]
#[cfg_attr(miri, ignore)]
fn try_read_until_would_block_then_readable_waits_for_new_bytes() {
    use std::io::ErrorKind;

    block_on(async {
        let (mut a, b) = UnixStream::pair().unwrap();
        let mut buf = [0; 16];
        a.write_all(b"one").await.unwrap();
        b.readable().await.unwrap();
        assert_eq!(b.try_read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"one");
        let drained = b.try_read(&mut buf).unwrap_err();
        assert_eq!(drained.kind(), ErrorKind::WouldBlock);
        common::waits_after_would_block("readable()", || b.readable(), || b.try_read(&mut buf))
            .await;
        a.write_all(b"two").await.unwrap();
        b.readable().await.unwrap();
        assert_eq!(b.try_read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"two");
        drop(a);
        b.readable().await.unwrap();
        assert_eq!(b.try_read(&mut buf).unwrap(), 0, "end of stream");
    });
}

/// `try_write` until the send buffer is full says `WouldBlock`; then
/// `writable()` waits until the peer reads, and writing works again.
#[test]
#[cfg_attr(miri, ignore)]
fn try_write_until_full_then_writable_waits_for_room() {
    use std::io::ErrorKind;

    block_on(async {
        let (a, mut b) = UnixStream::pair().unwrap();
        let chunk = [7u8; 4096];
        let mut written = 0;
        a.writable().await.unwrap();
        loop {
            match a.try_write(&chunk) {
                Ok(n) => written += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(written > 0);
        common::waits_after_would_block("writable()", || a.writable(), || a.try_write(&chunk))
            .await;
        let mut sink = vec![0; written];
        b.read_exact(&mut sink).await.unwrap();
        assert!(sink.iter().all(|&byte| byte == 7));
        a.writable().await.unwrap();
        assert_eq!(a.try_write(b"x").unwrap(), 1);
    });
}

/// A Unix stream splits as a TCP stream does: owned halves work from two
/// tasks at once, and dropping the owned write half shuts the write side
/// down (the peer reads end-of-file) while the read half still reads.
#[test]
#[cfg_attr(miri, ignore)]
fn owned_halves_work_from_two_tasks_and_the_dropped_writer_closes() {
    use futures_lite::AsyncReadExt;

    block_on(async {
        let (mut peer, ours) = UnixStream::pair().unwrap();
        let (mut reader, mut writer) = ours.into_split();
        let writing = corio::spawn(async move {
            writer.write_all(b"from the writer").await.unwrap();
            // Dropped here: the peer must see end-of-file.
        });
        let reading = corio::spawn(async move {
            let mut buf = [0; 9];
            reader.read_exact(&mut buf).await.unwrap();
            buf
        });
        let mut got = Vec::new();
        peer.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"from the writer");
        writing.await.unwrap();
        peer.write_all(b"to reader").await.unwrap();
        assert_eq!(&reading.await.unwrap(), b"to reader");
    });
}

/// Borrowed halves: both directions from one task, and the halves report
/// the stream's addresses.
#[test]
#[cfg_attr(miri, ignore)]
fn borrowed_halves_read_and_write_in_one_task() {
    block_on(async {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        let (mut reader, mut writer) = b.split();
        assert!(reader.peer_addr().unwrap().is_unnamed());
        assert!(writer.local_addr().unwrap().is_unnamed());
        let (sent, received) = futures_lite::future::zip(
            async {
                writer.write_all(b"ping").await.unwrap();
                let mut buf = [0; 4];
                reader.read_exact(&mut buf).await.unwrap();
                buf
            },
            async {
                let mut buf = [0; 4];
                a.read_exact(&mut buf).await.unwrap();
                a.write_all(b"pong").await.unwrap();
                buf
            },
        )
        .await;
        assert_eq!((&sent, &received), (b"pong", b"ping"));
    });
}

/// Each Unix type goes back to std, still connected or listening.
#[test]
#[cfg_attr(miri, ignore)]
fn unix_sockets_go_back_to_std() {
    use std::io::{Read, Write};
    block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut a, mut b) = (a.into_std().unwrap(), b.into_std().unwrap());
        b.set_nonblocking(false).unwrap();
        b.set_read_timeout(Some(common::LIMIT)).unwrap();
        a.write_all(b"stream").unwrap();
        let mut buf = [0; 6];
        b.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"stream");

        let (a, b) = UnixDatagram::pair().unwrap();
        let b = b.into_std().unwrap();
        b.set_nonblocking(false).unwrap();
        b.set_read_timeout(Some(common::LIMIT)).unwrap();
        a.send(b"datagram").await.unwrap();
        assert_eq!(b.recv(&mut [0; 16]).unwrap(), 8);

        let path = std::env::temp_dir().join(format!("corio-into-std-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).unwrap().into_std().unwrap();
        listener.set_nonblocking(false).unwrap();
        let _client = std::os::unix::net::UnixStream::connect(&path).unwrap();
        assert!(listener.accept().is_ok(), "still listening");
        std::fs::remove_file(&path).unwrap();
    });
}

/// Unix sockets made with std come into the reactor through `TryFrom`.
#[test]
#[cfg_attr(miri, ignore)]
fn std_unix_sockets_convert_with_try_from() {
    block_on(async {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut a = UnixStream::try_from(a).unwrap();
        let mut b = UnixStream::try_from(b).unwrap();
        a.write_all(b"stream").await.unwrap();
        let mut buf = [0; 6];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"stream");
        let (c, d) = std::os::unix::net::UnixDatagram::pair().unwrap();
        let c = UnixDatagram::try_from(c).unwrap();
        let d = UnixDatagram::try_from(d).unwrap();
        c.send(b"dgram").await.unwrap();
        assert_eq!(d.recv(&mut [0; 8]).await.unwrap(), 5);
    });
}

/// A server learns who connected from the kernel: this very process.
#[test]
#[cfg_attr(miri, ignore)]
fn a_server_reads_its_peers_credentials() {
    block_on(async {
        let path =
            std::env::temp_dir().join(format!("corio-test-cred-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = corio::net::UnixListener::bind(&path).unwrap();
        let _client = corio::net::UnixStream::connect(&path).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let cred = server.peer_cred().unwrap();
        // SAFETY: these calls have no preconditions.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        assert_eq!((cred.uid(), cred.gid()), (uid, gid));
        if cfg!(any(target_os = "linux", target_os = "android")) {
            assert_eq!(cred.pid(), Some(std::process::id() as libc::pid_t));
        }
        std::fs::remove_file(&path).unwrap();
    });
}

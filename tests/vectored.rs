//! Gather writes (`write_vectored`): every corio stream hands all its
//! buffers to one system call, and returns how many bytes went in all. `futures-io`'s
//! default writes the first buffer only, so each "all of them" assertion
//! below fails on a stream that keeps the default.

mod common;

use std::io::IoSlice;

use common::block_on;
use corio::net::UnixStream;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

const PARTS: [&[u8]; 3] = [b"head ", b"body ", b"tail"];

fn slices() -> [IoSlice<'static>; 3] {
    PARTS.map(IoSlice::new)
}

const ALL: &[u8] = b"head body tail";

/// Writes every byte of `parts`, one gather write at a time.
async fn write_all_vectored<W: futures_lite::AsyncWrite + Unpin>(writer: &mut W, parts: &[&[u8]]) {
    let mut parts: Vec<&[u8]> = parts.to_vec();
    while !parts.is_empty() {
        let slices: Vec<IoSlice<'_>> = parts.iter().map(|part| IoSlice::new(part)).collect();
        let mut n = writer.write_vectored(&slices).await.unwrap();
        assert!(n > 0, "a gather write to an open stream wrote nothing");
        while n > 0 {
            let first = parts[0].len().min(n);
            parts[0] = &parts[0][first..];
            n -= first;
            if parts[0].is_empty() {
                parts.remove(0);
            }
        }
        parts.retain(|part| !part.is_empty());
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_tcp_stream_writes_every_buffer_in_one_call() {
    block_on(async {
        let (mut client, mut server) = common::tcp_pair().await;
        assert_eq!(client.write_vectored(&slices()).await.unwrap(), ALL.len());
        let mut got = vec![0; ALL.len()];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(got, ALL);
    });
}

/// Empty buffers are a write of nothing, which never reaches the socket:
/// `Ok(0)` even after the write side was shut down, as `write` of an empty
/// slice and tokio's `writev` give (it once gave `EPIPE`).
#[test]
#[cfg_attr(miri, ignore)]
fn empty_buffers_write_nothing_even_on_a_shut_down_side() {
    block_on(async {
        let (mut client, _server) = common::tcp_pair().await;
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let empty = [IoSlice::new(b""), IoSlice::new(b"")];
        assert_eq!(client.write_vectored(&empty).await.unwrap(), 0);
        assert_eq!(client.try_write_vectored(&empty).unwrap(), 0);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn split_halves_write_every_buffer_in_one_call() {
    block_on(async {
        let (mut client, server) = common::tcp_pair().await;
        {
            let (_, mut writer) = client.split();
            assert_eq!(writer.write_vectored(&slices()).await.unwrap(), ALL.len());
        }
        let (mut reader, mut writer) = server.into_split();
        assert_eq!(writer.write_vectored(&slices()).await.unwrap(), ALL.len());
        let mut got = vec![0; ALL.len()];
        reader.read_exact(&mut got).await.unwrap();
        assert_eq!(got, ALL, "the borrowed half's write");
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(got, ALL, "the owned half's write");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn unix_streams_write_every_buffer_in_one_call() {
    block_on(async {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        assert_eq!(a.write_vectored(&slices()).await.unwrap(), ALL.len());
        assert_eq!((&a).write_vectored(&slices()).await.unwrap(), ALL.len());
        let mut got = vec![0; 2 * ALL.len()];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(got, [ALL, ALL].concat());
    });
}

/// Megabytes through gather writes: the send buffer fills, a write comes
/// back short, the writer waits for room, and every byte still arrives in
/// order. A wrong "short means full" length would leave the writer asleep
/// (the test's time limit) or corrupt the order.
#[test]
#[cfg_attr(miri, ignore)]
fn gather_writes_wait_for_room_and_lose_nothing() {
    block_on(async {
        let (mut client, mut server) = common::tcp_pair().await;
        let first: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let second: Vec<u8> = (0..1_000_003u32).map(|i| (i % 241) as u8).collect();
        let expected = [first.as_slice(), second.as_slice()].concat();
        let reader = corio::spawn(async move {
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            got
        });
        write_all_vectored(&mut client, &[&first, &second]).await;
        client.close().await.unwrap();
        let got = reader.await.unwrap();
        assert_eq!(got.len(), expected.len());
        assert!(got == expected, "bytes arrived out of order");
    });
}

/// One call takes at most 1,024 buffers (Linux refuses more with
/// `EINVAL`, macOS with `EMSGSIZE`); the rest wait for the next call. No
/// buffer at all writes nothing, and is no error.
#[test]
#[cfg_attr(miri, ignore)]
fn one_call_takes_at_most_1024_buffers() {
    block_on(async {
        let bytes = vec![7u8; 2_000];
        let slices: Vec<IoSlice<'_>> = bytes.chunks(1).map(IoSlice::new).collect();

        let (mut client, mut server) = common::tcp_pair().await;
        client.writable().await.unwrap();
        assert_eq!(client.try_write_vectored(&slices).unwrap(), 1_024);
        assert_eq!(client.write_vectored(&slices).await.unwrap(), 1_024);
        let mut got = vec![0; 2_048];
        server.read_exact(&mut got).await.unwrap();
        assert!(got.iter().all(|&b| b == 7));

        let (a, mut b) = UnixStream::pair().unwrap();
        a.writable().await.unwrap();
        assert_eq!(a.try_write_vectored(&[]).unwrap(), 0);
        assert_eq!(a.try_write_vectored(&slices).unwrap(), 1_024);
        let mut got = vec![0; 1_024];
        b.read_exact(&mut got).await.unwrap();
        assert!(got.iter().all(|&b| b == 7));
    });
}

/// One scatter read into a 5-byte and a 16-byte buffer: its result and
/// the bytes it put in each.
fn scatter(
    read: impl FnOnce(&mut [std::io::IoSliceMut<'_>]) -> std::io::Result<usize>,
) -> (std::io::Result<usize>, Vec<u8>, Vec<u8>) {
    let (mut head, mut body) = ([0u8; 5], [0u8; 16]);
    let result = read(&mut [
        std::io::IoSliceMut::new(&mut head),
        std::io::IoSliceMut::new(&mut body),
    ]);
    let n = *result.as_ref().unwrap_or(&0);
    let in_body = n.saturating_sub(head.len());
    (result, head[..n.min(5)].to_vec(), body[..in_body].to_vec())
}

/// Scatter reads (`try_read_vectored`): nothing queued says `WouldBlock`;
/// queued bytes fill the buffers in order, in one call; the end of the
/// stream is `Ok(0)`. On TCP and Unix streams alike.
#[test]
#[cfg_attr(miri, ignore)]
fn scatter_reads_fill_the_buffers_in_order() {
    use std::io::ErrorKind;
    block_on(async {
        let (mut tcp_client, tcp_server) = common::tcp_pair().await;
        let (mut unix_client, unix_server) = UnixStream::pair().unwrap();
        let (nothing, _, _) = scatter(|bufs| tcp_server.try_read_vectored(bufs));
        assert_eq!(nothing.unwrap_err().kind(), ErrorKind::WouldBlock);
        let (nothing, _, _) = scatter(|bufs| unix_server.try_read_vectored(bufs));
        assert_eq!(nothing.unwrap_err().kind(), ErrorKind::WouldBlock);

        tcp_client.write_all(ALL).await.unwrap();
        tcp_server.readable().await.unwrap();
        // Loopback TCP queues the 14 bytes at once; one call takes them.
        let (n, head, body) = scatter(|bufs| tcp_server.try_read_vectored(bufs));
        assert_eq!(
            (n.unwrap(), &head[..], &body[..]),
            (ALL.len(), &b"head "[..], &b"body tail"[..])
        );

        unix_client.write_all(ALL).await.unwrap();
        unix_server.readable().await.unwrap();
        let (n, head, body) = scatter(|bufs| unix_server.try_read_vectored(bufs));
        assert_eq!(
            (n.unwrap(), &head[..], &body[..]),
            (ALL.len(), &b"head "[..], &b"body tail"[..])
        );

        drop((tcp_client, unix_client));
        tcp_server.readable().await.unwrap();
        assert_eq!(
            scatter(|bufs| tcp_server.try_read_vectored(bufs))
                .0
                .unwrap(),
            0,
            "end"
        );
        unix_server.readable().await.unwrap();
        assert_eq!(
            scatter(|bufs| unix_server.try_read_vectored(bufs))
                .0
                .unwrap(),
            0,
            "end"
        );
    });
}

/// `poll_peek` waits (registering the waker) while nothing is queued, is
/// woken by the peer's write, and leaves the bytes to be read.
#[test]
#[cfg_attr(miri, ignore)]
fn poll_peek_waits_then_leaves_the_bytes() {
    use std::future::poll_fn;
    use std::task::Poll;
    block_on(async {
        let (mut client, mut server) = common::tcp_pair().await;
        let mut buf = [0u8; 8];
        let first = poll_fn(|cx| Poll::Ready(server.poll_peek(cx, &mut buf))).await;
        assert!(first.is_pending(), "nothing queued yet");
        let writer = corio::spawn(async move {
            client.write_all(b"peek").await.unwrap();
            client
        });
        let n = common::bounded(poll_fn(|cx| server.poll_peek(cx, &mut buf)))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"peek");
        let mut read = [0u8; 4];
        server.read_exact(&mut read).await.unwrap();
        assert_eq!(&read, b"peek", "the peek left the bytes");
        drop(writer.await.unwrap());
    });
}

/// The split halves read scatter and peek as their streams do: a borrowed
/// TCP read half and an owned Unix one fill the buffers in order after
/// `WouldBlock`, and an owned TCP read half's `poll_peek` waits, is woken
/// by the write, and leaves the bytes.
#[test]
#[cfg_attr(miri, ignore)]
fn split_halves_scatter_read_and_peek() {
    use std::future::poll_fn;
    use std::io::ErrorKind;
    block_on(async {
        let (mut tcp_client, mut tcp_server) = common::tcp_pair().await;
        let (tcp_reader, _tcp_writer) = tcp_server.split();
        let (nothing, _, _) = scatter(|bufs| tcp_reader.try_read_vectored(bufs));
        assert_eq!(nothing.unwrap_err().kind(), ErrorKind::WouldBlock);
        tcp_client.write_all(ALL).await.unwrap();
        tcp_reader.readable().await.unwrap();
        let (n, head, body) = scatter(|bufs| tcp_reader.try_read_vectored(bufs));
        assert_eq!(
            (n.unwrap(), &head[..], &body[..]),
            (ALL.len(), &b"head "[..], &b"body tail"[..])
        );

        let (mut unix_client, unix_server) = UnixStream::pair().unwrap();
        let (unix_reader, _unix_writer) = unix_server.into_split();
        unix_client.write_all(ALL).await.unwrap();
        unix_reader.readable().await.unwrap();
        let (n, head, body) = scatter(|bufs| unix_reader.try_read_vectored(bufs));
        assert_eq!(
            (n.unwrap(), &head[..], &body[..]),
            (ALL.len(), &b"head "[..], &b"body tail"[..])
        );

        let (mut client, server) = common::tcp_pair().await;
        let (reader, _writer) = server.into_split();
        let mut buf = [0u8; 8];
        let first = poll_fn(|cx| std::task::Poll::Ready(reader.poll_peek(cx, &mut buf))).await;
        assert!(first.is_pending(), "nothing queued yet");
        let writing = corio::spawn(async move {
            client.write_all(b"peek").await.unwrap();
            client
        });
        let n = common::bounded(poll_fn(|cx| reader.poll_peek(cx, &mut buf)))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"peek");
        let mut read = [0u8; 4];
        assert_eq!(reader.try_read(&mut read).unwrap(), 4, "the peek left them");
        drop(writing.await.unwrap());
    });
}

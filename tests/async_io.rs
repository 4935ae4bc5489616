//! `io::Async` over descriptors that are not sockets, and its registration
//! lifecycle.

mod common;

use std::io::{Read, Write};

use common::block_on;
use corio::io::Async;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

#[test]
#[cfg_attr(miri, ignore)]
fn a_pipe_reads_and_writes_asynchronously() {
    block_on(async {
        let (reader, writer) = std::io::pipe().unwrap();
        let mut reader = Async::new(reader).unwrap();
        let mut writer = Async::new(writer).unwrap();

        // Fill the pipe until a write would block, so the writer must wait
        // for the reader to drain it.
        let chunk = vec![7u8; 64 * 1024];
        let total = 1024 * 1024;
        let write = async {
            let mut sent = 0;
            while sent < total {
                sent += writer.write(&chunk).await.unwrap();
            }
            writer.close().await.unwrap();
            drop(writer);
            sent
        };
        let read = async {
            let mut all = Vec::new();
            reader.read_to_end(&mut all).await.unwrap();
            all
        };
        let (sent, all) = futures_lite::future::zip(write, read).await;
        assert_eq!(all.len(), sent);
        assert!(all.iter().all(|&b| b == 7));
    });
}

/// A pipe's ends read and write through shared references (`&PipeReader`
/// reads, `&PipeWriter` writes), so `&Async` of each does too: one task can
/// read an `Arc<Async<PipeReader>>` while others hold it.
#[test]
#[cfg_attr(miri, ignore)]
fn a_pipes_ends_read_and_write_through_shared_references() {
    block_on(async {
        let (reader, writer) = std::io::pipe().unwrap();
        let reader = std::sync::Arc::new(Async::new(reader).unwrap());
        let writer = Async::new(writer).unwrap();
        let reading = corio::spawn({
            let reader = reader.clone();
            async move {
                let mut got = [0; 5];
                (&*reader).read_exact(&mut got).await.unwrap();
                got
            }
        });
        (&writer).write_all(b"hello").await.unwrap();
        (&writer).flush().await.unwrap();
        assert_eq!(&reading.await.unwrap(), b"hello");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn read_with_waits_for_readiness() {
    block_on(async {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let reader = Async::new(reader).unwrap();
        let read = async {
            let mut buf = [0; 4];
            let n = reader.read_with(|mut r| r.read(&mut buf)).await.unwrap();
            buf[..n].to_vec()
        };
        let write = async {
            futures_lite::future::yield_now().await;
            writer.write_all(b"pipe").unwrap();
        };
        let (got, ()) = futures_lite::future::zip(read, write).await;
        assert_eq!(got, b"pipe");
    });
}

/// A FIFO reports a hang-up when its last writer closes. A reader that has
/// seen it, and then finds no data because a new writer came back, must wait
/// for the next edge, not retry in a loop: a read that would block is not at
/// the end of its stream.
#[test]
#[cfg_attr(miri, ignore)]
fn a_fifo_whose_writer_came_back_waits_instead_of_retrying() {
    use std::os::unix::fs::OpenOptionsExt;
    use std::pin::pin;
    use std::task::{Context, Waker};

    let path = std::env::temp_dir().join(format!("corio-fifo-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let writer_path = path.clone();
    let open_writer = move || {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .unwrap()
    };
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&path)
        .unwrap();

    // The runtime runs on its own thread: a reader stuck retrying inside one
    // poll would never return to a timer, so the test thread keeps the clock.
    let (done, finished) = std::sync::mpsc::channel();
    let fifo = path.clone();
    std::thread::spawn(move || {
        block_on(async {
            let mut reader = Async::new(reader).unwrap();
            let mut buf = [0; 8];
            let mut first = open_writer();
            first.write_all(b"a").unwrap();
            drop(first); // the hang-up, in the same edge as the byte or the next
            assert_eq!(reader.read(&mut buf).await.unwrap(), 1);
            assert_eq!(reader.read(&mut buf).await.unwrap(), 0, "end of file");

            let mut second = open_writer();
            {
                let mut read = pin!(reader.read(&mut buf));
                let mut cx = Context::from_waker(Waker::noop());
                assert!(read.as_mut().poll(&mut cx).is_pending(), "no data yet");
            }
            second.write_all(b"b").unwrap();
            assert_eq!(reader.read(&mut buf).await.unwrap(), 1);
            assert_eq!(&buf[..1], b"b");
        });
        let _ = std::fs::remove_file(fifo);
        done.send(()).unwrap();
    });
    finished
        .recv_timeout(common::LIMIT)
        .expect("the reader retried forever instead of waiting for the writer");
}

#[test]
#[cfg_attr(miri, ignore)]
fn flush_and_close_do_not_wait_for_room_in_a_full_socket() {
    block_on(async {
        let (stream, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut stream = Async::new(stream).unwrap();
        // Fill the send buffer: the last write would block (nobody reads).
        let chunk = vec![7u8; 64 * 1024];
        while futures_lite::future::poll_once(stream.write(&chunk))
            .await
            .is_some()
        {}
        // A socket's flush does nothing: it must not wait for room either,
        // through `Async<T>` or through `&Async<T>`.
        let flushed = futures_lite::future::poll_once(stream.flush()).await;
        assert!(matches!(flushed, Some(Ok(()))), "{flushed:?}");
        let mut by_ref = &stream;
        let closed = futures_lite::future::poll_once(by_ref.close()).await;
        assert!(matches!(closed, Some(Ok(()))), "{closed:?}");
    });
}

/// A pipe writer that takes at most 10 bytes a call, with room to spare,
/// as a buffered writer such as std's `Stdout` may.
struct TenAtATime(std::io::PipeWriter);

impl Write for TenAtATime {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(&buf[..buf.len().min(10)])
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl std::os::fd::AsFd for TenAtATime {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl std::os::fd::AsRawFd for TenAtATime {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0.as_raw_fd()
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_writer_that_writes_less_than_asked_is_not_taken_for_full() {
    // A short write says "the kernel's buffer is full" only for a socket's
    // or a pipe's own write; this pipe never fills, so no writable edge
    // would ever come for a writer that waited for one.
    block_on(async {
        let (mut reader, writer) = std::io::pipe().unwrap();
        let mut writer = Async::new(TenAtATime(writer)).unwrap();
        writer.write_all(&[5; 100]).await.unwrap();
        drop(writer);
        // On a bounded thread: a write end left open would block this read
        // for good.
        let all = common::threads::on_thread(move || {
            let mut all = Vec::new();
            reader.read_to_end(&mut all).unwrap();
            all
        });
        assert_eq!(all, [5; 100]);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn readable_then_a_read_that_would_block_waits_instead_of_spinning() {
    // The async-io pattern: wait for readable, read on the descriptor
    // directly, go round again on WouldBlock. The reactor never sees those
    // reads; readable() must not keep answering Ready after the pipe is
    // drained.
    let runtime = corio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(common::bounded(async {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let reader = Async::new(reader).unwrap();
        writer.write_all(b"a").unwrap();
        let (got_first, first_read) = corio::sync::oneshot::channel::<()>();
        let loop_task = corio::spawn(async move {
            let mut got_first = Some(got_first);
            let mut would_block = 0;
            let mut got = Vec::new();
            while got.len() < 2 {
                reader.readable().await.unwrap();
                let mut buf = [0; 8];
                match reader.get_ref().read(&mut buf) {
                    Ok(n) => {
                        got.extend_from_slice(&buf[..n]);
                        if let Some(tx) = got_first.take() {
                            tx.send(()).unwrap();
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => would_block += 1,
                    Err(e) => panic!("{e}"),
                }
            }
            (got, would_block)
        });
        first_read.await.unwrap();
        // The loop now waits for more; give it every chance to spin.
        for _ in 0..10 {
            corio::task::yield_now().await;
        }
        writer.write_all(b"b").unwrap();
        let (got, would_block) = loop_task.await.unwrap();
        assert_eq!(got, b"ab");
        assert!(
            would_block <= 2,
            "readable() said Ready {would_block} times for nothing"
        );
    }));
}

#[test]
#[cfg_attr(miri, ignore)]
#[cfg(target_os = "linux")]
fn async_over_a_regular_file_says_what_to_use_and_leaves_the_file_blocking() {
    use std::os::fd::AsRawFd;
    block_on(async {
        let path = std::env::temp_dir().join(format!("corio-async-file-{}", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        let shared = file.try_clone().unwrap(); // the same open file description
        let err = Async::new(file).unwrap_err();
        assert!(err.to_string().contains("corio::fs"), "{err}");
        // SAFETY: F_GETFL on an open descriptor reads its flags only.
        let flags = unsafe { libc::fcntl(shared.as_raw_fd(), libc::F_GETFL) };
        assert_eq!(
            flags & libc::O_NONBLOCK,
            0,
            "a refused file is left blocking"
        );
        drop(shared);
        std::fs::remove_file(&path).unwrap();
    });
}

/// A runtime shutting down wakes every task waiting on one of its sources,
/// so that it gets an error instead of hanging: a waker that panics (a
/// foreign executor's) must not keep the ones after it from being woken,
/// nor escape the runtime's drop.
#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_wakes_every_io_waiter_even_past_a_panicking_waker() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::{Context, Wake, Waker};

    struct Panics;
    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("a foreign waker panics");
        }
    }
    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    let runtime = common::two_workers();
    let guard = runtime.enter();
    let (a, _a_peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let (b, _b_peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
    let mut first = Box::pin(a.readable());
    let mut second = Box::pin(b.readable());
    let woken = Arc::new(Flag(AtomicBool::new(false)));
    let panics = Waker::from(Arc::new(Panics));
    let flag = Waker::from(woken.clone());
    assert!(
        first
            .as_mut()
            .poll(&mut Context::from_waker(&panics))
            .is_pending()
    );
    assert!(
        second
            .as_mut()
            .poll(&mut Context::from_waker(&flag))
            .is_pending()
    );
    drop(guard);
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(runtime)));
    assert!(
        dropped.is_ok(),
        "the waker's panic escaped the runtime's drop"
    );
    assert!(
        woken.0.load(Ordering::SeqCst),
        "the second waiter was never woken"
    );
    let waited = second.as_mut().poll(&mut Context::from_waker(&flag));
    assert!(
        matches!(waited, std::task::Poll::Ready(Err(_))),
        "a shut-down runtime's source is an error"
    );
}

/// `/proc/self/mounts` is always readable, and says "changed" with an
/// event of its own (`POLLERR | POLLPRI`), as sysfs and cgroup files do:
/// `readable()` answers at once, every time, until the caller clears the
/// readiness it has used; then it waits for the next event. (Edges only:
/// the portable poller's oneshot re-arm reports it again.)
#[test]
#[cfg(all(target_os = "linux", not(corio_polling)))]
#[cfg_attr(miri, ignore)]
fn clear_readable_makes_an_always_readable_file_wait_for_its_next_event() {
    block_on(async {
        let mounts = Async::new(std::fs::File::open("/proc/self/mounts").unwrap()).unwrap();
        mounts.readable().await.unwrap();
        let again = futures_lite::future::poll_once(mounts.readable()).await;
        assert!(
            again.is_some(),
            "the kernel calls it readable: a loop would spin"
        );
        // A mount or unmount anywhere in the namespace (another process's)
        // is a real next event, so a few clears are allowed; a clear that
        // did nothing answers every time.
        let mut waited = false;
        for _ in 0..3 {
            mounts.clear_readable();
            if futures_lite::future::poll_once(mounts.readable())
                .await
                .is_none()
            {
                waited = true;
                break;
            }
        }
        assert!(waited, "cleared: waits for the next event");
    });
}

/// A pipe whose writer wrote and closed before the reader was registered:
/// the data and the hang-up come in one event. A reader that takes a short
/// read for "drained" and clears the readiness must still see the end of
/// the stream: no event follows it, so clearing must keep the close.
#[test]
#[cfg_attr(miri, ignore)]
fn clear_readable_keeps_an_end_of_stream_seen_in_the_same_event() {
    block_on(async {
        let (reader, mut writer) = std::io::pipe().unwrap();
        writer.write_all(b"x").unwrap();
        drop(writer);
        let reader = Async::new(reader).unwrap();
        reader.readable().await.unwrap();
        let mut buf = [0; 4096];
        assert_eq!(reader.get_ref().read(&mut buf).unwrap(), 1);
        reader.clear_readable();
        let n = reader
            .read_with(|mut pipe| pipe.read(&mut buf))
            .await
            .unwrap();
        assert_eq!(n, 0, "the end of the stream");
    });
}

/// A TCP peer that resets the connection: `writable()` reports it (the
/// hang-up and the error come as one event), and after `clear_writable()`
/// the next `writable()` must still answer, since no event follows.
#[test]
#[cfg_attr(miri, ignore)]
fn clear_writable_keeps_a_hang_up() {
    block_on(async {
        let listener = corio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().await.unwrap();
        server.set_zero_linger().unwrap();
        drop(server); // RST
        let client = Async::new(client).unwrap();
        // Wait until the reset has arrived: a read reports it.
        let error = client
            .read_with(|mut stream| stream.read(&mut [0; 8]))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
        client.writable().await.unwrap();
        client.clear_writable();
        client.writable().await.unwrap();
    });
}

/// The write end of a pipe whose reader is gone: epoll says `EPOLLOUT |
/// EPOLLERR` once, with no hang-up. After `clear_writable()`, the next
/// `writable()` must still answer (the write then fails with `EPIPE`):
/// no event follows, and it once waited for good.
#[test]
#[cfg(all(target_os = "linux", not(corio_polling)))]
#[cfg_attr(miri, ignore)]
fn clear_writable_keeps_a_broken_pipe() {
    block_on(async {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let writer = Async::new(writer).unwrap();
        let ready = writer.ready(corio::io::Interest::WRITABLE).await.unwrap();
        assert!(ready.is_write_closed(), "{ready:?}");
        writer.clear_writable();
        let again = futures_lite::future::poll_once(writer.writable()).await;
        assert!(again.is_some(), "a broken pipe was forgotten");
        let error = writer
            .write_with(|mut pipe| pipe.write(b"x"))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
    });
}

/// A peer's half-close (`shutdown(Write)`) closes this side's reading,
/// not its writing: `clear_writable()` then makes the next `writable()`
/// wait for a new event, as tokio's does, instead of answering at once
/// forever (a loop of the two spun).
#[test]
#[cfg(all(target_os = "linux", not(corio_polling)))]
#[cfg_attr(miri, ignore)]
fn clear_writable_after_a_peer_half_close_waits_for_a_new_event() {
    block_on(async {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        b.shutdown(std::net::Shutdown::Write).unwrap();
        let a = Async::new(a).unwrap();
        // One answer may hold the write side alone: a worker parked in the
        // driver may take the socket's first event between this wait's
        // look at reading and its look at writing (`block_on` polls on
        // this thread). The close is there by the next answer.
        for answer in 0.. {
            let ready = a
                .ready(corio::io::Interest::READABLE | corio::io::Interest::WRITABLE)
                .await
                .unwrap();
            assert!(!ready.is_write_closed(), "{ready:?}");
            if ready.is_read_closed() {
                break;
            }
            assert!(answer < 2, "the read side's close never showed: {ready:?}");
        }
        a.writable().await.unwrap();
        a.clear_writable();
        assert!(
            futures_lite::future::poll_once(a.writable())
                .await
                .is_none()
        );
    });
}

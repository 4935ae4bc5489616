//! `io::unix::AsyncFd`, tokio's readiness guards: a wait answers once the
//! descriptor may be ready, `try_io` spends it, and a `WouldBlock` there
//! (or `clear_ready`) makes the next wait one for a new event.

mod common;

use std::future::poll_fn;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;

use common::{block_on, bounded};
use corio::io::Interest;
use corio::io::unix::AsyncFd;
use futures_lite::future::poll_once;

/// The guard loop tokio code uses: read what is there, and on
/// `WouldBlock` wait again.
async fn read_some(fd: &AsyncFd<std::io::PipeReader>, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        let mut guard = fd.readable().await?;
        if let Ok(result) = guard.try_io(|fd| fd.get_ref().read(buf)) {
            return result;
        }
    }
}

/// After a read drained the pipe and said `WouldBlock`, `readable()` must
/// wait: it may answer once more for an event the reactor hands over late,
/// but then the read says `WouldBlock` again, which clears it.
async fn assert_waits(fd: &AsyncFd<std::io::PipeReader>) {
    for _ in 0..=3 {
        let Some(guard) = poll_once(fd.readable()).await else {
            return;
        };
        let mut guard = guard.unwrap();
        let tried = guard.try_io(|fd| fd.get_ref().read(&mut [0; 8]));
        assert!(tried.is_err(), "readable answered with nothing to read");
    }
    panic!("readable keeps answering on an empty pipe");
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_reader_waits_for_a_writer_on_another_task() {
    block_on(async {
        let (reader, writer) = std::io::pipe().unwrap();
        let reader = AsyncFd::new(reader).unwrap();
        let writing = corio::spawn(async move {
            let writer = AsyncFd::new(writer).unwrap();
            writer
                .async_io(Interest::WRITABLE, |w| (&*w).write(b"hello"))
                .await
                .unwrap();
            writer
        });
        let mut buf = [0; 5];
        let mut got = 0;
        while got < 5 {
            got += bounded(read_some(&reader, &mut buf[got..])).await.unwrap();
        }
        assert_eq!(&buf, b"hello");
        drop(writing.await.unwrap());
        let n = bounded(read_some(&reader, &mut buf)).await.unwrap();
        assert_eq!(n, 0, "the writer's close reads as the end");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn would_block_in_try_io_clears_and_the_next_write_wakes_the_wait() {
    block_on(async {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let reader = AsyncFd::new(reader).unwrap();
        writer.write_all(b"one").unwrap();
        let mut buf = [0; 8];
        let mut guard = bounded(reader.readable()).await.unwrap();
        let read = guard.try_io(|fd| fd.get_ref().read(&mut buf));
        assert_eq!(read.unwrap().unwrap(), 3);
        assert!(
            guard.ready().is_readable(),
            "a read that did not block keeps it"
        );
        let tried = guard.try_io(|fd| fd.get_ref().read(&mut buf));
        assert!(tried.is_err(), "the pipe is empty: WouldBlock");
        assert!(guard.ready().is_empty(), "try_io cleared the guard");
        assert_waits(&reader).await;
        let waiting = corio::spawn(async move {
            let n = read_some(&reader, &mut buf).await.unwrap();
            buf[..n].to_vec()
        });
        writer.write_all(b"two").unwrap();
        assert_eq!(bounded(waiting).await.unwrap(), b"two");
    });
}

/// A readiness kept (the guard dropped, or `retain_ready`) answers the
/// next wait at once; one cleared with `clear_ready` makes the next wait
/// one for a new event, even with bytes still queued (as in tokio: clear
/// only after a `WouldBlock`).
#[test]
#[cfg_attr(miri, ignore)]
fn a_kept_readiness_answers_at_once_and_a_cleared_one_waits() {
    block_on(async {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let reader = AsyncFd::new(reader).unwrap();
        writer.write_all(b"x").unwrap();
        bounded(reader.readable()).await.unwrap().retain_ready();
        let again = poll_once(reader.readable()).await;
        assert!(again.is_some(), "a kept readiness answers at once");
        drop(again);
        // The portable poller (not Linux) reports no close, so a clear
        // there does nothing, lest it forget one (`clear_answered`).
        #[cfg(all(target_os = "linux", not(corio_polling)))]
        cleared_with_a_byte_unread_waits(reader, writer).await;
    });
}

/// `AsyncFd::try_io`, tokio's since 1.42: without a mark it says
/// `WouldBlock` and leaves `f` uncalled; with one it runs `f`; a
/// `WouldBlock` from `f` clears the mark, so the next wait is for a new
/// event. `try_io_mut` does the same with the object lent mutably.
#[test]
#[cfg_attr(miri, ignore)]
fn try_io_on_the_fd_needs_the_mark_and_its_would_block_clears_it() {
    block_on(async {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let mut reader = AsyncFd::new(reader).unwrap();
        let mut called = false;
        let early = reader.try_io(Interest::READABLE, |_| {
            called = true;
            Ok(())
        });
        assert_eq!(early.unwrap_err().kind(), ErrorKind::WouldBlock);
        assert!(!called, "f ran without the mark");

        writer.write_all(b"ab").unwrap();
        drop(bounded(reader.readable()).await.unwrap());
        let mut buf = [0; 1];
        let n = reader.try_io(Interest::READABLE, |r| (&*r).read(&mut buf));
        assert_eq!((n.unwrap(), buf), (1, *b"a"));
        let n = reader.try_io_mut(Interest::READABLE, |r| r.read(&mut buf));
        assert_eq!((n.unwrap(), buf), (1, *b"b"));
        // Drained: the read says `WouldBlock`, which clears the mark.
        let drained = reader.try_io_mut(Interest::READABLE, |r| r.read(&mut buf));
        assert_eq!(drained.unwrap_err().kind(), ErrorKind::WouldBlock);
        let after = reader.try_io(Interest::READABLE, |_| -> std::io::Result<()> {
            panic!("f ran after its WouldBlock cleared the mark")
        });
        assert_eq!(after.unwrap_err().kind(), ErrorKind::WouldBlock);
        assert_waits(&reader).await;
    });
}

/// Urgent data alone is readable, as the reactor counts it (`EPOLLPRI`, as
/// tokio's does): a readiness kept on a TCP socket whose only unread byte
/// is an out-of-band one answers at once again. The look at the descriptor
/// before answering a kept readiness asks for `POLLPRI` too; asking only
/// for `POLLIN`, which Linux does not report for that byte, cleared it, and
/// the second wait waited for data that never came.
#[test]
#[cfg(all(target_os = "linux", not(corio_polling)))]
fn a_kept_urgent_readiness_answers_at_once() {
    block_on(async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        // SAFETY: one byte from a live buffer, on a connected socket.
        let sent =
            unsafe { libc::send(client.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
        assert_eq!(sent, 1);
        // Wait (10 s at most) until the byte is there: then the socket
        // reports `POLLPRI` alone.
        let mut look = libc::pollfd {
            fd: server.as_raw_fd(),
            events: libc::POLLIN | libc::POLLPRI,
            revents: 0,
        };
        // SAFETY: one live `pollfd`, count 1.
        assert_eq!(unsafe { libc::poll(&mut look, 1, 10_000) }, 1);
        assert_eq!(look.revents, libc::POLLPRI);
        server.set_nonblocking(true).unwrap();
        let server = AsyncFd::new(server).unwrap();
        let mut first = bounded(server.readable()).await.unwrap();
        assert!(first.ready().is_readable());
        first.retain_ready();
        let again = poll_once(server.readable()).await;
        assert!(again.is_some(), "the kept urgent readiness answers at once");
        drop(client);
    });
}

#[cfg(all(target_os = "linux", not(corio_polling)))]
async fn cleared_with_a_byte_unread_waits(
    reader: AsyncFd<std::io::PipeReader>,
    mut writer: std::io::PipeWriter,
) {
    {
        // Cleared with the byte unread: the next wait is for a new event.
        // It may answer for an event the reactor hands over late (see
        // `assert_waits`); cleared again, it must wait.
        let mut waited = false;
        for _ in 0..=3 {
            match poll_once(reader.readable()).await {
                Some(guard) => guard.unwrap().clear_ready(),
                None => {
                    waited = true;
                    break;
                }
            }
        }
        assert!(waited, "a cleared readiness keeps answering");
        let waiting = corio::spawn(async move {
            let mut buf = [0; 4];
            let n = read_some(&reader, &mut buf).await.unwrap();
            buf[..n].to_vec()
        });
        writer.write_all(b"y").unwrap();
        assert_eq!(bounded(waiting).await.unwrap(), b"xy");
    }
}

/// `clear_ready_matching` clears the named direction in the registration,
/// not only in the guard: the other direction still answers at once, and
/// (with epoll, where a clear reaches the registration) the named one
/// waits for its next event, though a byte is still there to read.
#[test]
#[cfg_attr(miri, ignore)]
fn clear_ready_matching_clears_only_the_named_direction() {
    let epoll = cfg!(all(target_os = "linux", not(corio_polling)));
    block_on(async {
        let (ours, mut theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        // Before the registration: its one event brings both directions.
        // A wait for each first, so that the event is in the readiness
        // word before the guard below takes its snapshot (a snapshot
        // older than the event makes a clear a no-op).
        theirs.write_all(b"x").unwrap();
        let ours = AsyncFd::new(ours).unwrap();
        drop(bounded(ours.readable()).await.unwrap());
        drop(bounded(ours.writable()).await.unwrap());
        let mut guard = bounded(ours.ready(Interest::READABLE | Interest::WRITABLE))
            .await
            .unwrap();
        assert!(guard.ready().is_readable() && guard.ready().is_writable());
        guard.clear_ready_matching(corio::io::Ready::READABLE);
        assert!(guard.ready().is_writable(), "writable was not named");
        assert!(!guard.ready().is_readable());
        let writable = poll_once(ours.writable()).await;
        assert!(writable.is_some(), "the write side was not cleared");
        drop(writable);
        if epoll {
            let readable = poll_once(ours.readable()).await.map(drop);
            assert!(readable.is_none(), "the read side was cleared");
        }
        guard.clear_ready_matching(corio::io::Ready::WRITABLE);
        assert!(guard.ready().is_empty());
        if epoll {
            let writable = poll_once(ours.writable()).await.map(drop);
            assert!(writable.is_none(), "the write side was cleared");
        }
    });
}

/// `clear_ready_matching` takes exactly what it names out of the guard, as
/// tokio's does: naming `READABLE` keeps a close the guard also held, and
/// naming only the close keeps the readiness (both were once taken).
/// And `retain_ready` borrows the guard, as tokio's does.
#[test]
#[cfg_attr(miri, ignore)]
fn clear_ready_matching_takes_exactly_what_it_names() {
    use corio::io::Ready;
    block_on(async {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        (&theirs).write_all(b"x").unwrap();
        theirs.shutdown(std::net::Shutdown::Write).unwrap();
        let ours = AsyncFd::new(ours).unwrap();
        let mut guard = bounded(ours.readable()).await.unwrap();
        // Only epoll reports a close apart from readability.
        let closed = if cfg!(all(target_os = "linux", not(corio_polling))) {
            Ready::READ_CLOSED
        } else {
            Ready::EMPTY
        };
        assert_eq!(guard.ready(), Ready::READABLE | closed);
        guard.retain_ready();
        guard.clear_ready_matching(Ready::READ_CLOSED);
        assert_eq!(
            guard.ready(),
            Ready::READABLE,
            "the readiness was not named"
        );
        drop(guard);
        let mut guard = bounded(ours.readable()).await.unwrap();
        guard.clear_ready_matching(Ready::READABLE);
        assert_eq!(guard.ready(), closed, "the close was not named");
    });
}

/// A guard clears the answer it stands for, not a later one: an event
/// that another wait was answered for after this guard was made survives
/// this guard's `clear_ready` (tokio's guard keeps its event's tick too).
#[test]
#[cfg_attr(miri, ignore)]
fn a_guard_clears_its_own_answer_not_a_later_event() {
    block_on(async {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let reader = AsyncFd::new(reader).unwrap();
        writer.write_all(b"a").unwrap();
        let mut first = bounded(reader.readable()).await.unwrap();
        let mut second = bounded(reader.readable()).await.unwrap();
        let mut buf = [0; 4];
        let read = first.try_io(|fd| fd.get_ref().read(&mut buf));
        assert_eq!(read.unwrap().unwrap(), 1);
        assert!(first.try_io(|fd| fd.get_ref().read(&mut buf)).is_err());
        writer.write_all(b"b").unwrap();
        // Waits for the new byte's event (or answers for a late one of the
        // old byte's: then this test cannot tell, but does not fail).
        drop(bounded(reader.readable()).await.unwrap());
        second.clear_ready();
        let again = poll_once(reader.readable()).await;
        assert!(
            again.is_some(),
            "the new byte's event was cleared by an older guard"
        );
    });
}

/// A `WouldBlock` inside `try_io` clears the readiness on every poller,
/// the portable one included (where a bare `clear_ready` keeps it): with a
/// byte still queued that the caller's own call refuses, the next wait is
/// for a new event, not an answer at once, again and again.
#[test]
#[cfg_attr(miri, ignore)]
fn would_block_in_try_io_clears_on_every_poller() {
    block_on(async {
        // The byte goes in first, so that its readiness comes with the
        // registration's one event (written after, a late second event
        // could stand against a clear), and the first wait answers: the
        // loop below then starts from a WouldBlock, never from a wait that
        // had nothing to wait for.
        let (reader, mut writer) = std::io::pipe().unwrap();
        writer.write_all(b"x").unwrap();
        let reader = AsyncFd::new(reader).unwrap();
        let mut guard = bounded(reader.readable()).await.unwrap();
        let refused = guard.try_io(|_| Err::<(), _>(ErrorKind::WouldBlock.into()));
        assert!(refused.is_err());
        let mut waited = false;
        for _ in 0..3 {
            let Some(guard) = poll_once(reader.readable()).await else {
                waited = true;
                break;
            };
            let refused = guard
                .unwrap()
                .try_io(|_| Err::<(), _>(ErrorKind::WouldBlock.into()));
            assert!(refused.is_err());
        }
        assert!(waited, "readable keeps answering after WouldBlock: a spin");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_peers_close_is_reported_in_the_guard() {
    block_on(async {
        let (reader, writer) = std::io::pipe().unwrap();
        let reader = AsyncFd::new(reader).unwrap();
        drop(writer);
        let guard = bounded(reader.readable()).await.unwrap();
        assert!(guard.ready().is_readable());
        // Only epoll reports a close apart from readability.
        #[cfg(all(target_os = "linux", not(corio_polling)))]
        assert!(guard.ready().is_read_closed());
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_mut_forms_reach_the_object_mutably() {
    block_on(async {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let mut reader = AsyncFd::new(reader).unwrap();
        let fd = reader.get_ref().as_raw_fd();
        assert_eq!(reader.as_raw_fd(), fd);
        writer.write_all(b"mut").unwrap();
        let mut buf = [0; 3];
        let n = bounded(reader.async_io_mut(Interest::READABLE, |r| r.read(&mut buf)))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"mut");
        writer.write_all(b"!").unwrap();
        let mut guard = bounded(reader.readable_mut()).await.unwrap();
        let read = guard.try_io(|fd| fd.get_mut().read(&mut buf));
        assert_eq!(read.unwrap().unwrap(), 1);
        let read = guard.try_io(|fd| fd.get_mut().read(&mut buf));
        assert!(read.is_err(), "the pipe is empty: WouldBlock");
        assert!(guard.ready().is_empty());

        let (_keep, writer) = std::io::pipe().unwrap();
        let mut writer = AsyncFd::new(writer).unwrap();
        let ready = bounded(poll_fn(|cx| {
            writer
                .poll_write_ready_mut(cx)
                .map_ok(|guard| guard.ready())
        }))
        .await
        .unwrap();
        assert!(ready.is_writable(), "an empty pipe has room");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn into_inner_returns_the_object_and_deregisters_it() {
    block_on(async {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let reader = AsyncFd::new(reader).unwrap();
        let fd = reader.as_raw_fd();
        let mut reader = reader.into_inner();
        assert_eq!(reader.as_raw_fd(), fd);
        writer.write_all(b"z").unwrap();
        let mut byte = [0; 1];
        assert_eq!(reader.read(&mut byte).unwrap(), 1);
        let err = reader.read(&mut byte).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock, "still non-blocking");
        // A second registration of the same descriptor works: the first
        // was taken off the reactor.
        let again = AsyncFd::new(reader).unwrap();
        drop(again);
    });
}

/// A negative descriptor is refused with `EBADF`, as tokio's is, not a
/// panic.
#[test]
#[cfg_attr(miri, ignore)]
fn a_negative_descriptor_is_refused() {
    struct Closed;
    impl AsRawFd for Closed {
        fn as_raw_fd(&self) -> std::os::fd::RawFd {
            -1
        }
    }
    block_on(async {
        let err = AsyncFd::new(Closed).map(drop).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF));
    });
}

/// `try_new` gives the object back when the reactor refuses it, open and
/// still blocking, so the caller can take another road with it; and it
/// registers what the reactor takes, as `new` does.
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore)]
fn try_new_gives_a_refused_file_back_open_and_blocking() {
    block_on(async {
        let path = std::env::temp_dir().join(format!("corio-try-new-{}", std::process::id()));
        let mut file = std::fs::File::create(&path).unwrap();
        let fd = file.as_raw_fd();
        let error = AsyncFd::try_new(file).unwrap_err();
        assert!(error.to_string().contains("corio::fs"), "{error}");
        (file, _) = error.into_parts();
        assert_eq!(file.as_raw_fd(), fd, "the same descriptor comes back");
        file.write_all(b"still open").unwrap();
        // SAFETY: F_GETFL on an open descriptor reads its flags only.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        assert_eq!(
            flags & libc::O_NONBLOCK,
            0,
            "a refused file is left blocking"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"still open");
        std::fs::remove_file(&path).unwrap();

        let (reader, mut writer) = std::io::pipe().unwrap();
        let reader = AsyncFd::try_with_interest(reader, Interest::READABLE).unwrap();
        writer.write_all(b"x").unwrap();
        let mut buf = [0; 1];
        let n = bounded(read_some(&reader, &mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"x");
    });
}

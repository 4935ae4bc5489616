//! How a `File`'s writes reach the file: at once, without a flush; the
//! writes made beside a flush on the blocking pool; pipes, one `write(2)`
//! each; a failed write's bytes and those behind it never landing late;
//! and nothing lost to a drop, a panic outside a runtime, or a runtime
//! shutting down. (Which call reports a failed write: `fs_write_errors.rs`;
//! reads, seeks and the path functions are in `fs.rs`.)

#![cfg(feature = "fs")] // needs the `fs` feature (on by default)

mod common;

use std::io::SeekFrom;
use std::time::Instant;

use common::TempDir;
use corio::fs::{self, File};
use futures_lite::{AsyncSeekExt, AsyncWriteExt};

#[test]
fn one_mib_in_one_byte_writes_is_buffered_and_fast() {
    const MIB: usize = 1024 * 1024;
    const TAIL: usize = 100;
    let dir = TempDir::new("small-writes");
    let path = dir.join("big");
    let byte_at = |i: usize| (i % 251) as u8;
    common::block_on(async {
        let mut file = File::create(&path).await.unwrap();
        let (writes, polls) = common::count_polls(async {
            for i in 0..MIB + TAIL {
                file.write_all(&[byte_at(i)]).await.unwrap();
            }
        });
        writes.await;
        // A hop to the blocking pool per byte would take a poll per byte.
        let polls = polls.load(std::sync::atomic::Ordering::SeqCst);
        assert!(polls < 100_000, "{polls} polls for {MIB} one-byte writes");
        file.close().await.unwrap();

        let written = std::fs::read(&path).unwrap();
        assert_eq!(written.len(), MIB + TAIL);
        assert!(written.iter().enumerate().all(|(i, &b)| b == byte_at(i)));
    });
}

/// A write is on its way to the file when it returns, as with tokio: a
/// reader elsewhere sees it without a flush, while the `File` lives on.
#[test]
fn a_write_reaches_the_file_without_a_flush() {
    let dir = TempDir::new("prompt");
    let path = dir.join("log");
    common::block_on(async {
        let mut file = File::create(&path).await.unwrap();
        for line in [&b"one\n"[..], b"two\n"] {
            file.write_all(line).await.unwrap();
        }
        let deadline = Instant::now() + common::LIMIT;
        while std::fs::read(&path).unwrap() != b"one\ntwo\n" {
            assert!(
                Instant::now() < deadline,
                "unflushed writes never reached the file: {:?}",
                std::fs::read(&path).unwrap()
            );
            corio::task::yield_now().await;
        }
        drop(file);
    });
}

#[test]
fn dropping_a_file_writes_its_buffer() {
    let dir = TempDir::new("drop");
    let path = dir.join("unflushed");
    common::block_on(async {
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"not flushed").await.unwrap();
        drop(file);
        // The drop hands the bytes to the blocking pool (as tokio does), so
        // a read right after may run first: wait, bounded, for them.
        let deadline = Instant::now() + common::LIMIT;
        loop {
            let on_disk = fs::read(&path).await.unwrap();
            if on_disk == b"not flushed" {
                break;
            }
            assert!(on_disk.is_empty(), "a partial write: {on_disk:?}");
            assert!(Instant::now() < deadline, "the dropped bytes never arrived");
            corio::task::yield_now().await;
        }
    });
}

/// A `File` used outside a runtime panics, as documented, but keeps the
/// bytes it was given: its drop (outside, on the dropping thread) still
/// writes them.
#[test]
fn a_file_op_panicking_outside_a_runtime_keeps_the_buffered_bytes() {
    let dir = TempDir::new("outside");
    let path = dir.join("buffered");
    let runtime = common::two_workers();
    let mut file = runtime
        .block_on(common::bounded(File::create(&path)))
        .unwrap();
    drop(runtime);
    // Taken into the buffer, then the flush cannot start.
    let hello = vec![b'h'; 64 * 1024];
    let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures_lite::future::block_on(futures_lite::future::poll_once(file.write_all(&hello)))
    }));
    let message = common::panic_message(&*written.unwrap_err());
    assert!(message.contains("outside a corio runtime"), "{message}");
    assert_eq!(std::fs::read(&path).unwrap(), b"", "not written yet");
    // Back in a runtime, the next write flushes them first (the full
    // buffer took nothing more: it said `Ok(0)`, a `WriteZero` error).
    let runtime = common::two_workers();
    runtime
        .block_on(common::bounded(file.write_all(b"!")))
        .unwrap();
    drop(file);
    drop(runtime);
    let mut expected = hello;
    expected.push(b'!');
    assert_eq!(std::fs::read(&path).unwrap(), expected);
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_flush_queued_when_the_runtime_shuts_down_still_writes() {
    let dir = TempDir::new("mandatory-flush");
    let path = dir.join("flushed-at-shutdown");
    let written = path.clone();
    common::within_limit(move || {
        let runtime = corio::runtime::Builder::new_current_thread()
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let handle = runtime.handle().clone();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (started, has_started) = std::sync::mpsc::channel::<()>();
        runtime.block_on(async {
            let mut file = File::create(&written).await.unwrap();
            // The pool's one thread is busy, so the flush below waits in
            // the queue. The job must have started: a job still queued when
            // the shutdown begins is cancelled, and `released` with it.
            let _busy = corio::spawn_blocking(move || {
                started.send(()).unwrap();
                let _ = released.recv_timeout(common::LIMIT);
            });
            has_started.recv_timeout(common::LIMIT).unwrap();
            // The write returns, its flush is queued; the next bytes wait
            // beside it, for that same flush.
            file.write_all(&[7; 64 * 1024]).await.unwrap();
            file.write_all(&[8; 100]).await.unwrap();
            drop(file);
        });
        let dropper = std::thread::spawn(move || drop(runtime));
        // Once shutdown has begun, a new job is cancelled at once.
        common::threads::until("the shutdown never began", || {
            handle.spawn_blocking(|| ()).is_finished()
        });
        release.send(()).unwrap();
        dropper.join().unwrap();
    });
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        bytes.len(),
        64 * 1024 + 100,
        "the queued flush ran at shutdown"
    );
    assert!(bytes[..64 * 1024].iter().all(|&b| b == 7));
    assert!(bytes[64 * 1024..].iter().all(|&b| b == 8), "in order");
}

/// A `File` dropped inside a runtime while its write waits for the
/// blocking pool leaves that write queued there: waited for or written on
/// the dropping thread, a slow disk or a full pipe would stall the worker.
#[test]
#[cfg_attr(miri, ignore)]
fn a_file_dropped_with_a_queued_write_leaves_it_to_the_pool() {
    let dir = TempDir::new("drop-on-pool");
    let path = dir.join("file");
    let runtime = corio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let (release, released) = std::sync::mpsc::channel::<()>();
    runtime.block_on(common::bounded(async {
        let mut file = File::create(&path).await.unwrap();
        // The pool's one thread is busy: a job handed to the pool waits.
        let (started_tx, started) = std::sync::mpsc::channel();
        let _busy = corio::spawn_blocking(move || {
            started_tx.send(()).unwrap();
            let _ = released.recv_timeout(common::LIMIT);
        });
        common::recv(&started); // out of the queue, on the thread
        file.write_all(b"abc").await.unwrap();
        drop(file);
        assert_eq!(
            corio::Handle::current().metrics().blocking_queue_depth,
            1,
            "the write waits in the pool's queue"
        );
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        release.send(()).unwrap();
        let deadline = Instant::now() + common::LIMIT;
        while std::fs::metadata(&path).unwrap().len() < 3 {
            assert!(Instant::now() < deadline, "the dropped bytes never arrived");
            corio::task::yield_now().await;
        }
    }));
    assert_eq!(std::fs::read(&path).unwrap(), b"abc");
}

/// Holds the runtime's one blocking thread (`common::one_blocking_thread`)
/// until `release` is sent: a
/// file's flush started meanwhile waits in the pool's queue.
fn hold_the_pool() -> std::sync::mpsc::Sender<()> {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (started_tx, started) = std::sync::mpsc::channel();
    drop(corio::spawn_blocking(move || {
        started_tx.send(()).unwrap();
        let _ = released.recv_timeout(common::LIMIT);
    }));
    common::recv(&started);
    release
}

/// Writes made while a flush waits for the pool return at once, and that
/// flush writes them too, in order, with no flush called.
#[test]
#[cfg_attr(miri, ignore)]
fn writes_beside_a_queued_flush_return_at_once_and_reach_the_file() {
    let dir = TempDir::new("behind");
    let path = dir.join("file");
    common::one_blocking_thread().block_on(common::bounded(async {
        let mut file = File::create(&path).await.unwrap();
        let release = hold_the_pool();
        for part in [&b"a"[..], b"b", b"c"] {
            let written = futures_lite::future::poll_once(file.write(part)).await;
            assert_eq!(written.map(Result::unwrap), Some(1), "returned at once");
        }
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"",
            "the flush waits in line"
        );
        release.send(()).unwrap();
        let deadline = Instant::now() + common::LIMIT;
        while std::fs::read(&path).unwrap() != b"abc" {
            assert!(Instant::now() < deadline, "the bytes never arrived");
            corio::task::yield_now().await;
        }
    }));
}

/// The most a `File` takes in one write, and keeps beside a running flush
/// (tokio's `max_buf_size`).
const MAX_WRITE: usize = 2 * 1024 * 1024;

/// Beside a queued flush, at most 2 MiB more are taken; the next write
/// waits for the flush, and everything lands in order.
#[test]
#[cfg_attr(miri, ignore)]
fn writes_wait_once_2_mib_wait_beside_a_flush() {
    const CHUNK: usize = MAX_WRITE;
    let dir = TempDir::new("behind-full");
    let path = dir.join("file");
    common::one_blocking_thread().block_on(common::bounded(async {
        let mut file = File::create(&path).await.unwrap();
        let release = hold_the_pool();
        file.write_all(&vec![1; CHUNK]).await.unwrap(); // the queued flush's
        file.write_all(&vec![2; CHUNK]).await.unwrap(); // beside it
        let mut third = Box::pin(file.write_all(&[3; 10]));
        assert!(
            futures_lite::future::poll_once(third.as_mut())
                .await
                .is_none(),
            "2 MiB already wait: this write waits for the flush"
        );
        release.send(()).unwrap();
        third.await.unwrap();
        file.flush().await.unwrap();
    }));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 2 * CHUNK + 10);
    assert!(bytes[..CHUNK].iter().all(|&b| b == 1));
    assert!(bytes[CHUNK..2 * CHUNK].iter().all(|&b| b == 2));
    assert!(bytes[2 * CHUNK..].iter().all(|&b| b == 3));
}

/// A write that does not fit beside a queued flush waits for it whole
/// rather than being cut in two: two `write(2)`s would let another
/// process's record land between the halves of one appended line.
#[test]
#[cfg_attr(miri, ignore)]
fn a_write_beside_a_flush_is_taken_whole_or_waits() {
    const CHUNK: usize = MAX_WRITE;
    let dir = TempDir::new("behind-whole");
    let path = dir.join("log");
    common::one_blocking_thread().block_on(common::bounded(async {
        let mut options = corio::fs::OpenOptions::new();
        let mut file = options.append(true).create(true).open(&path).await.unwrap();
        let release = hold_the_pool();
        file.write_all(&[1; 10]).await.unwrap(); // the queued flush's
        file.write_all(&vec![2; CHUNK - 5]).await.unwrap(); // beside it: 5 bytes of room left
        let mut line = Box::pin(file.write(b"0123456789"));
        let first = futures_lite::future::poll_once(line.as_mut()).await;
        assert!(
            !matches!(first, Some(Ok(n)) if n < 10),
            "the line was cut: {first:?}"
        );
        release.send(()).unwrap();
        let n = match first {
            Some(written) => written.unwrap(),
            None => line.await.unwrap(),
        };
        assert_eq!(n, 10, "whole, once the flush made room");
        file.flush().await.unwrap();
    }));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 10 + CHUNK - 5 + 10);
    assert!(bytes.ends_with(b"0123456789"));
}

/// A write to a pipe waits for the one before it instead of joining it:
/// each is one `write(2)` of its own bytes, so a line written by this
/// process stays whole among other writers' lines.
#[test]
#[cfg_attr(miri, ignore)]
fn a_pipe_write_waits_for_the_one_before() {
    let (mut reader, writer) = std::io::pipe().unwrap();
    let writer = std::fs::File::from(std::os::fd::OwnedFd::from(writer));
    common::one_blocking_thread().block_on(common::bounded(async {
        let mut pipe = File::from_std(writer);
        let release = hold_the_pool();
        let first = futures_lite::future::poll_once(pipe.write(b"one\n")).await;
        assert_eq!(first.map(Result::unwrap), Some(4), "taken at once");
        let mut second = Box::pin(pipe.write_all(b"two\n"));
        assert!(
            futures_lite::future::poll_once(second.as_mut())
                .await
                .is_none(),
            "waits for the first write"
        );
        release.send(()).unwrap();
        second.await.unwrap();
        pipe.flush().await.unwrap();
    }));
    let lines = common::threads::on_thread(move || {
        let mut lines = [0; 8];
        std::io::Read::read_exact(&mut reader, &mut lines).unwrap();
        lines
    });
    assert_eq!(&lines, b"one\ntwo\n");
}

/// A runtime dropped from its own blocking job, on the pool's only thread,
/// still runs a File's queued flush before the drop returns: the job then
/// reads the bytes back. (That thread, inside the job, could run the flush
/// only after it; the shutdown starts another.)
#[test]
#[cfg_attr(miri, ignore)]
fn a_runtime_dropped_in_its_own_blocking_job_flushes_before_returning() {
    let dir = TempDir::new("drop-in-job");
    let path = dir.join("file");
    let runtime = corio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let handle = runtime.handle().clone();
    let (give, take) = std::sync::mpsc::channel::<corio::Runtime>();
    let read_path = path.clone();
    // The pool's one thread waits in this job until it gets the runtime.
    let job = handle.spawn_blocking(move || {
        let runtime = take.recv_timeout(common::LIMIT).expect("the runtime");
        drop(runtime);
        std::fs::read(read_path).unwrap()
    });
    let std_file = std::fs::File::create(&path).unwrap();
    handle.block_on(common::bounded(async {
        let mut file = File::from_std(std_file);
        // Its flush waits in the queue behind the job.
        file.write_all(b"flushed").await.unwrap();
        corio::spawn(async move {
            let _file = file;
            std::future::pending::<()>().await;
        });
    }));
    give.send(runtime).unwrap();
    common::within_limit(move || {
        let read = futures_lite::future::block_on(job).unwrap();
        assert_eq!(read, b"flushed", "the drop returned before the flush ran");
    });
}

/// Bytes whose write returned `Ok` while an earlier write waited to be
/// flushed are dropped when that flush fails, as its own bytes are: the
/// next call that settles the file used to write them, so after a passing
/// error they landed where the failed bytes should have gone. In a child
/// process: the file size limit is the whole process's.
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore)]
fn bytes_queued_behind_a_failed_write_never_land_in_its_place() {
    common::in_child(
        "bytes_queued_behind_a_failed_write_never_land_in_its_place",
        || {
            let dir = TempDir::new("behind-failed");
            let path = dir.join("file");
            // SAFETY: ignoring SIGXFSZ makes a write past the limit fail
            // with EFBIG instead of killing the process.
            unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
            common::one_blocking_thread().block_on(common::bounded(async {
                let mut file = File::create(&path).await.unwrap();
                let limit = file_size_limit(Some(0));
                let release = hold_the_pool();
                // A's flush waits for the pool; B waits behind it.
                file.write_all(b"AAAA").await.unwrap();
                let behind = futures_lite::future::poll_once(file.write(b"BB")).await;
                assert_eq!(behind.map(Result::unwrap), Some(2), "returned at once");
                release.send(()).unwrap();
                // The pool's one thread runs its jobs in order: once this
                // one ran, the flush has failed (EFBIG at the first byte).
                corio::spawn_blocking(|| ()).await.unwrap();
                assert_eq!(std::fs::read(&path).unwrap(), b"");
                // The error passes; the next call that settles the file
                // must not write B where A should have gone.
                file_size_limit(limit);
                file.seek(SeekFrom::Current(0)).await.unwrap();
                let err = file.flush().await.unwrap_err();
                assert_eq!(err.raw_os_error(), Some(libc::EFBIG), "{err}");
                file.flush().await.unwrap();
                drop(file);
                assert_eq!(
                    std::fs::read(&path).unwrap(),
                    b"",
                    "B was written in A's place"
                );
            }));
        },
    );
}

/// Sets this process's soft file size limit to `bytes` (`None`: the hard
/// limit), returning the soft limit it replaced.
fn file_size_limit(bytes: Option<libc::rlim_t>) -> Option<libc::rlim_t> {
    let mut rlimit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid pointers to an `rlimit` for both calls.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut rlimit), 0);
        let old = rlimit.rlim_cur;
        rlimit.rlim_cur = bytes.unwrap_or(rlimit.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit), 0);
        (old != libc::RLIM_INFINITY).then_some(old)
    }
}

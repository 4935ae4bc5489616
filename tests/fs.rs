//! `corio::fs`: std's file operations on the blocking pool, and `File`'s
//! buffering.

mod common;

use std::collections::HashSet;
use std::io::{ErrorKind, SeekFrom};
use std::path::Path;
use std::time::Instant;

use common::TempDir;
use corio::fs::{self, File, OpenOptions};
use futures_lite::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

#[test]
fn write_then_read_round_trips() {
    let dir = TempDir::new("round-trip");
    let path = dir.join("data");
    common::block_on(async {
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &bytes).await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), bytes);

        fs::write(&path, "text, ünïcode").await.unwrap();
        assert_eq!(fs::read_to_string(&path).await.unwrap(), "text, ünïcode");
    });
}

#[test]
fn read_to_string_refuses_invalid_utf8() {
    let dir = TempDir::new("utf8");
    let path = dir.join("binary");
    common::block_on(async {
        fs::write(&path, [0xff, 0xfe]).await.unwrap();
        let err = fs::read_to_string(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
    });
}

#[test]
fn copy_rename_and_remove_file() {
    let dir = TempDir::new("copy-rename");
    let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
    common::block_on(async {
        fs::write(&a, b"contents").await.unwrap();
        assert_eq!(fs::copy(&a, &b).await.unwrap(), 8);
        assert_eq!(fs::read(&b).await.unwrap(), b"contents");

        fs::rename(&b, &c).await.unwrap();
        assert_eq!(fs::read(&c).await.unwrap(), b"contents");
        assert_eq!(fs::read(&b).await.unwrap_err().kind(), ErrorKind::NotFound);

        fs::remove_file(&a).await.unwrap();
        assert_eq!(
            fs::metadata(&a).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert!(fs::metadata(&c).await.is_ok());
    });
}

#[test]
fn metadata_reports_length_and_kind() {
    let dir = TempDir::new("metadata");
    let path = dir.join("five");
    common::block_on(async {
        fs::write(&path, b"12345").await.unwrap();
        let file = fs::metadata(&path).await.unwrap();
        assert!(file.is_file());
        assert_eq!(file.len(), 5);
        assert!(fs::metadata(&dir.0).await.unwrap().is_dir());
    });
}

#[test]
fn create_dir_all_then_remove_dir_all() {
    let dir = TempDir::new("dirs");
    let deep = dir.join("a/b/c");
    common::block_on(async {
        fs::create_dir_all(&deep).await.unwrap();
        fs::write(deep.join("leaf"), b"x").await.unwrap();
        assert!(fs::metadata(&deep).await.unwrap().is_dir());
        // Creating what exists is not an error.
        fs::create_dir_all(&deep).await.unwrap();

        fs::remove_dir_all(dir.join("a")).await.unwrap();
        let err = fs::metadata(dir.join("a")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    });
}

#[test]
fn read_dir_is_a_stream_of_its_entries() {
    use futures_lite::StreamExt;
    let dir = TempDir::new("read-dir-stream");
    for i in 0..10 {
        std::fs::write(dir.join(&format!("file-{i}")), b"").unwrap();
    }
    common::block_on(async {
        let entries = fs::read_dir(&dir.0).await.unwrap();
        let names: HashSet<_> = entries
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect()
            .await;
        let expected: HashSet<_> = (0..10).map(|i| format!("file-{i}")).collect();
        assert_eq!(names, expected, "each entry once, then the stream ends");
    });
}

#[test]
fn read_dir_sees_each_of_1000_files_once() {
    let dir = TempDir::new("read-dir");
    for i in 0..1000 {
        std::fs::write(dir.join(&format!("file-{i}")), b"").unwrap();
    }
    common::block_on(async {
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        let mut seen = HashSet::new();
        while let Some(entry) = entries.next_entry().await.unwrap() {
            assert_eq!(entry.path(), dir.0.join(entry.file_name()));
            let name = entry.file_name().into_string().unwrap();
            assert!(seen.insert(name.clone()), "{name} listed twice");
        }
        let expected: HashSet<_> = (0..1000).map(|i| format!("file-{i}")).collect();
        assert_eq!(seen, expected);
        // Exhausted stays exhausted.
        assert!(entries.next_entry().await.unwrap().is_none());
    });
}

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

/// A background write's error goes to the next write, flush or sync, as
/// tokio's does: a read or a seek in between goes on and does not take it.
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore)]
fn a_failed_write_is_reported_by_the_next_flush_not_a_read() {
    common::block_on(async {
        let mut full = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/full")
            .await
            .unwrap();
        // Taken at once; its flush fails on the pool (no space).
        full.write_all(b"x").await.unwrap();
        let mut zeros = [7u8; 4];
        let read = full.read(&mut zeros).await.unwrap();
        assert!(read > 0 && zeros[..read].iter().all(|&b| b == 0));
        full.seek(SeekFrom::Start(0)).await.unwrap();
        let flushed = full.flush().await.unwrap_err();
        assert_eq!(flushed.kind(), ErrorKind::StorageFull);
        // Reported once.
        full.flush().await.unwrap();
        // sync_all reports one too.
        full.write_all(b"y").await.unwrap();
        let synced = full.sync_all().await.unwrap_err();
        assert_eq!(synced.kind(), ErrorKind::StorageFull);
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

/// A file dropped after a short read gives its read-ahead back: a
/// descriptor sharing the offset goes on where the caller stopped, not
/// 64 KiB further.
#[test]
fn dropping_a_file_after_a_read_leaves_the_offset_at_the_read_position() {
    let dir = TempDir::new("drop-read");
    let path = dir.join("big");
    std::fs::write(&path, vec![7u8; 100 * 1024]).unwrap();
    let std_file = std::fs::File::open(&path).unwrap();
    let mut other = std_file.try_clone().unwrap();
    common::block_on(async move {
        let mut file = File::from_std(std_file);
        let mut four = [0; 4];
        file.read_exact(&mut four).await.unwrap();
        assert_eq!(four, [7; 4]);
        drop(file);
    });
    let position = std::io::Seek::stream_position(&mut other).unwrap();
    assert_eq!(position, 4, "the shared offset after the drop");
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
    // A whole buffer's worth: taken, then the flush cannot start.
    let hello = vec![b'h'; 64 * 1024];
    let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures_lite::future::block_on(file.write_all(&hello))
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
fn seek_then_read() {
    let dir = TempDir::new("seek");
    let path = dir.join("digits");
    common::block_on(async {
        fs::write(&path, b"0123456789").await.unwrap();
        let mut file = File::open(&path).await.unwrap();
        let mut three = [0; 3];

        assert_eq!(file.seek(SeekFrom::Start(3)).await.unwrap(), 3);
        file.read_exact(&mut three).await.unwrap();
        assert_eq!(&three, b"345");
        // The read fetched the whole file ahead; the position is still 6.
        assert_eq!(file.seek(SeekFrom::Current(1)).await.unwrap(), 7);
        file.read_exact(&mut three).await.unwrap();
        assert_eq!(&three, b"789");
        assert_eq!(file.read(&mut three).await.unwrap(), 0, "end of file");

        assert_eq!(file.seek(SeekFrom::End(-4)).await.unwrap(), 6);
        let mut rest = Vec::new();
        file.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"6789");
    });
}

#[test]
fn writes_after_reads_land_at_the_read_position() {
    let dir = TempDir::new("read-write");
    let path = dir.join("mixed");
    common::block_on(async {
        fs::write(&path, b"0123456789").await.unwrap();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        let mut two = [0; 2];
        file.read_exact(&mut two).await.unwrap();
        file.write_all(b"ab").await.unwrap();
        // Reading after writing sees the write, and continues after it.
        file.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"45");
        file.flush().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"01ab456789");
    });
}

#[test]
fn set_len_and_sync_all_flush_first() {
    let dir = TempDir::new("set-len");
    let path = dir.join("sized");
    common::block_on(async {
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"abcdef").await.unwrap();
        file.set_len(3).await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 3);
        file.sync_all().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"abc");
    });
}

#[test]
fn a_missing_file_is_not_found() {
    let dir = TempDir::new("missing");
    let missing = dir.join("nothing-here");
    common::block_on(async {
        let kinds = [
            fs::read(&missing).await.unwrap_err().kind(),
            fs::read_to_string(&missing).await.unwrap_err().kind(),
            fs::metadata(&missing).await.unwrap_err().kind(),
            fs::remove_file(&missing).await.unwrap_err().kind(),
            fs::read_dir(&missing).await.unwrap_err().kind(),
            File::open(&missing).await.unwrap_err().kind(),
            fs::copy(&missing, dir.join("to")).await.unwrap_err().kind(),
        ];
        assert!(
            kinds.iter().all(|&kind| kind == ErrorKind::NotFound),
            "{kinds:?}"
        );
    });
}

#[test]
fn a_directory_used_as_a_file_is_an_error() {
    let dir = TempDir::new("is-a-dir");
    common::block_on(async {
        let read = fs::read(&dir.0).await.unwrap_err();
        assert_eq!(read.kind(), ErrorKind::IsADirectory);
        let write = fs::write(&dir.0, b"x").await.unwrap_err();
        assert_eq!(write.kind(), ErrorKind::IsADirectory);
        let remove = fs::remove_file(&dir.0).await.unwrap_err();
        assert_ne!(remove.kind(), ErrorKind::NotFound);
    });
}

#[test]
fn a_file_without_permission_is_permission_denied() {
    use std::os::unix::fs::PermissionsExt;

    // SAFETY: `geteuid` only reads the process's credentials.
    if unsafe { libc::geteuid() } == 0 {
        // root bypasses permission bits, so there is nothing to deny here;
        // `a_directory_used_as_a_file_is_an_error` still checks std's errors
        // come through.
        eprintln!("skipped: running as root, which ignores file permissions");
        return;
    }
    let dir = TempDir::new("denied");
    let path = dir.join("secret");
    std::fs::write(&path, b"hidden").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    common::block_on(async {
        assert_eq!(
            fs::read(&path).await.unwrap_err().kind(),
            ErrorKind::PermissionDenied
        );
        let err = File::open(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    });
}

#[test]
fn create_new_refuses_an_existing_file() {
    let dir = TempDir::new("create-new");
    let path: &Path = &dir.join("exists");
    common::block_on(async {
        fs::write(path, b"").await.unwrap();
        let err = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    });
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
        runtime.block_on(async {
            let mut file = File::create(&written).await.unwrap();
            // The pool's one thread is busy, so the flush below waits in
            // the queue.
            let _busy = corio::spawn_blocking(move || {
                let _ = released.recv_timeout(common::LIMIT);
            });
            // Exactly one buffer: the write returns, its flush is queued;
            // the next bytes wait beside it, for that same flush.
            file.write_all(&[7; 64 * 1024]).await.unwrap();
            file.write_all(&[8; 100]).await.unwrap();
            drop(file);
        });
        let dropper = std::thread::spawn(move || drop(runtime));
        // Once shutdown has begun, a new job is cancelled at once.
        let deadline = Instant::now() + common::LIMIT;
        while !handle.spawn_blocking(|| ()).is_finished() {
            assert!(Instant::now() < deadline, "the shutdown never began");
            std::thread::yield_now();
        }
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

#[test]
#[cfg_attr(miri, ignore)]
fn a_dropped_set_len_stays_the_files_operation_in_flight() {
    let dir = TempDir::new("dropped-set-len");
    let path = dir.join("read-only");
    std::fs::write(&path, b"abc").unwrap();
    let runtime = corio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    runtime.block_on(common::bounded(async {
        let mut file = File::open(&path).await.unwrap();
        // The pool's one thread is busy: the set_len below waits in line.
        let (release, released) = std::sync::mpsc::channel::<()>();
        let gate = corio::spawn_blocking(move || {
            let _ = released.recv_timeout(common::LIMIT);
        });
        let first = futures_lite::future::poll_once(file.set_len(0)).await;
        assert!(first.is_none(), "queued behind the gate");
        release.send(()).unwrap();
        gate.await.unwrap();
        // It still belongs to the file: the next call waits for it and
        // reports how it went (a read-only file cannot be truncated),
        // instead of running beside it.
        let next = file.seek(SeekFrom::Start(0)).await;
        assert!(next.is_err(), "{next:?}");
        assert_eq!(file.seek(SeekFrom::Start(1)).await.unwrap(), 1);
    }));
    assert_eq!(std::fs::read(&path).unwrap(), b"abc");
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
    runtime.block_on(async {
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
    });
    assert_eq!(std::fs::read(&path).unwrap(), b"abc");
}

/// Back to std, the file is where the caller left it: written bytes are in
/// it and read-ahead is given back.
#[test]
fn into_std_settles_writes_and_read_ahead() {
    let dir = TempDir::new("into-std");
    let written = dir.join("written");
    let read = dir.join("read");
    std::fs::write(&read, vec![7u8; 100 * 1024]).unwrap();
    common::block_on(async {
        let mut file = File::create(&written).await.unwrap();
        file.write_all(b"12345").await.unwrap();
        let mut std = file.into_std().await;
        assert_eq!(std::io::Seek::stream_position(&mut std).unwrap(), 5);
        assert_eq!(std::fs::read(&written).unwrap(), b"12345");

        let mut file = File::open(&read).await.unwrap();
        let mut four = [0; 4];
        file.read_exact(&mut four).await.unwrap();
        let mut std = file.into_std().await;
        assert_eq!(std::io::Seek::stream_position(&mut std).unwrap(), 4);
    });
}

/// `try_into_std` gives the file back while a write is in flight, and the
/// std file once the write is flushed.
#[test]
fn try_into_std_waits_for_nothing_and_refuses_a_busy_file() {
    let dir = TempDir::new("try-into-std");
    let path = dir.join("file");
    common::block_on(async {
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"abc").await.unwrap();
        let mut file = file.try_into_std().expect_err("a write is in flight");
        file.flush().await.unwrap();
        let std = file.try_into_std().expect("flushed and idle");
        assert_eq!(std.metadata().unwrap().len(), 3);
    });
}

/// A runtime with one blocking thread, for `hold_the_pool`.
fn one_blocking_thread() -> corio::Runtime {
    corio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap()
}

/// Holds the runtime's one blocking thread until `release` is sent: a
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
    one_blocking_thread().block_on(common::bounded(async {
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

/// Beside a queued flush, at most 64 KiB more are taken; the next write
/// waits for the flush, and everything lands in order.
#[test]
#[cfg_attr(miri, ignore)]
fn writes_wait_once_64_kib_wait_beside_a_flush() {
    const CHUNK: usize = 64 * 1024;
    let dir = TempDir::new("behind-full");
    let path = dir.join("file");
    one_blocking_thread().block_on(common::bounded(async {
        let mut file = File::create(&path).await.unwrap();
        let release = hold_the_pool();
        file.write_all(&[1; CHUNK]).await.unwrap(); // the queued flush's
        file.write_all(&[2; CHUNK]).await.unwrap(); // beside it
        let mut third = Box::pin(file.write_all(&[3; 10]));
        assert!(
            futures_lite::future::poll_once(third.as_mut())
                .await
                .is_none(),
            "64 KiB already wait: this write waits for the flush"
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

/// A write to a pipe waits for the one before it instead of joining it:
/// each is one `write(2)` of its own bytes, so a line written by this
/// process stays whole among other writers' lines.
#[test]
#[cfg_attr(miri, ignore)]
fn a_pipe_write_waits_for_the_one_before() {
    let (mut reader, writer) = std::io::pipe().unwrap();
    let writer = std::fs::File::from(std::os::fd::OwnedFd::from(writer));
    one_blocking_thread().block_on(common::bounded(async {
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
    let mut lines = [0; 8];
    std::io::Read::read_exact(&mut reader, &mut lines).unwrap();
    assert_eq!(&lines, b"one\ntwo\n");
}

/// `File` lends its read buffer out (`AsyncBufRead`): lines across chunk
/// boundaries come out whole, and what was consumed is where a seek finds
/// the position.
#[test]
fn a_file_reads_lines_through_its_own_buffer() {
    use futures_lite::{AsyncBufReadExt, StreamExt};
    let dir = TempDir::new("lines");
    let path = dir.join("lines");
    let text: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
    assert!(text.len() > 64 * 1024, "more than one chunk");
    std::fs::write(&path, &text).unwrap();
    common::block_on(async {
        let file = File::open(&path).await.unwrap();
        let lines: Vec<String> = file.lines().map(Result::unwrap).collect().await;
        assert_eq!(lines.len(), 10_000);
        assert!(
            lines
                .iter()
                .enumerate()
                .all(|(i, l)| *l == format!("line {i}"))
        );

        let mut file = File::open(&path).await.unwrap();
        let shown = file.fill_buf().await.unwrap().len();
        assert!(shown >= 64 * 1024, "a chunk read ahead: {shown}");
        std::pin::Pin::new(&mut file).consume(5);
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 5);
        let mut rest = String::new();
        file.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, text[5..]);
    });
}

//! `corio::fs`: std's file operations on the blocking pool, and `File`'s
//! reads, seeks and conversions (its writes are in `fs_writes.rs`).

#![cfg(feature = "fs")] // needs the `fs` feature (on by default)

mod common;

use std::collections::HashSet;
use std::io::{ErrorKind, SeekFrom};
use std::path::Path;

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

/// An entry's type comes with the listing (Linux's file systems give it):
/// asking for it needs no blocking-pool hop, so it is answered even
/// outside the runtime (a hop there would panic), and rightly.
#[test]
#[cfg(target_os = "linux")]
fn an_entrys_file_type_comes_with_the_listing() {
    let dir = TempDir::new("read-dir-types");
    std::fs::write(dir.join("file"), b"").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    let mut entries = common::block_on(async {
        let mut listing = fs::read_dir(&dir.0).await.unwrap();
        let mut entries = Vec::new();
        while let Some(entry) = listing.next_entry().await.unwrap() {
            entries.push(entry);
        }
        entries
    });
    entries.sort_by_key(|entry| entry.file_name());
    let types: Vec<_> = entries
        .iter()
        .map(|entry| futures_lite::future::block_on(entry.file_type()).unwrap())
        .map(|t| (t.is_file(), t.is_dir()))
        .collect();
    assert_eq!(types, [(true, false), (false, true)]);
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
        // The read after the seek took 3 bytes; the next reads ahead.
        file.read_exact(&mut three[..1]).await.unwrap();
        assert_eq!(three[0], b'6');
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 7);
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
#[cfg_attr(miri, ignore)]
fn a_file_without_permission_is_permission_denied() {
    // SAFETY: `geteuid` only reads the process's credentials.
    if unsafe { libc::geteuid() } != 0 {
        permission_denied();
        return;
    }
    // root bypasses permission bits (CI containers often run as root): run
    // the test in a child process that first becomes `nobody`.
    common::in_child("a_file_without_permission_is_permission_denied", || {
        // SAFETY: plain system calls on this (child) process's
        // credentials; no memory is involved.
        let dropped = unsafe {
            libc::setgroups(0, std::ptr::null()) == 0
                && libc::setresgid(65534, 65534, 65534) == 0
                && libc::setresuid(65534, 65534, 65534) == 0
        };
        if !dropped {
            // A user namespace without `nobody` mapped, say.
            common::skip("root here cannot become nobody to be denied");
            return;
        }
        permission_denied();
    });
}

fn permission_denied() {
    use std::os::unix::fs::PermissionsExt;

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

/// `into_std` after a cancelled seek that fails: the seek's error belongs
/// to nobody (its future is gone), so it is dropped, as tokio does, instead
/// of making `into_std` panic.
#[test]
#[cfg_attr(miri, ignore)]
fn into_std_drops_the_error_of_a_cancelled_operation() {
    let dir = TempDir::new("into-std-stale");
    let path = dir.join("file");
    std::fs::write(&path, b"abc").unwrap();
    let runtime = corio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let position = runtime.block_on(common::bounded(async {
        let mut file = File::open(&path).await.unwrap();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let gate = corio::spawn_blocking(move || {
            let _ = released.recv_timeout(common::LIMIT);
        });
        // Before the start of the file: the seek fails, once it runs.
        let seek = futures_lite::future::poll_once(file.seek(SeekFrom::Current(-1))).await;
        assert!(seek.is_none(), "queued behind the gate");
        release.send(()).unwrap();
        gate.await.unwrap();
        let mut std = file.into_std().await;
        std::io::Seek::stream_position(&mut std).unwrap()
    }));
    assert_eq!(position, 0, "the failed seek moved nothing");
}

/// A `ReadDir` polled outside a runtime panics there, but keeps its
/// listing: inside a runtime again, every entry still comes.
#[test]
#[cfg_attr(miri, ignore)]
fn a_read_dir_polled_outside_a_runtime_keeps_its_listing() {
    let dir = common::TempDir::new("read-dir-outside");
    for name in ["a", "b", "c"] {
        std::fs::write(dir.join(name), b"").unwrap();
    }
    let runtime = common::two_workers();
    let mut entries = runtime
        .block_on(common::bounded(corio::fs::read_dir(&dir.0)))
        .unwrap();
    let panic = common::panic_of(|| futures_lite::future::block_on(entries.next_entry()));
    assert!(panic.contains("outside a corio runtime"), "{panic}");
    let count = runtime.block_on(common::bounded(async {
        let mut n = 0;
        while entries.next_entry().await.unwrap().is_some() {
            n += 1;
        }
        n
    }));
    assert_eq!(count, 3);
}

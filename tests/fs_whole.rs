//! The builders and whole-file calls a tokio user reaches for besides
//! reads and writes: `DirBuilder`, `OpenOptions` from std's, a `File`
//! from an owned descriptor, and
//! `File::set_times`/`set_modified`, which must not be undone by the bytes
//! written before them.

#![cfg(feature = "fs")] // needs the `fs` feature (on by default)

mod common;

use std::io::ErrorKind;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::time::{Duration, SystemTime};

use common::TempDir;
use corio::fs::{self, DirBuilder, File, FileTimes, OpenOptions};
use futures_lite::AsyncWriteExt;

#[test]
fn dir_builder_creates_parents_only_when_recursive_and_applies_its_mode() {
    let dir = TempDir::new("dir-builder");
    common::block_on(async {
        let deep = dir.join("a/b/c");
        let err = DirBuilder::new().create(&deep).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(
            !dir.join("a").exists(),
            "a failed plain create made nothing"
        );

        let mut builder = DirBuilder::new();
        builder.recursive(true).mode(0o750);
        builder.create(&deep).await.unwrap();
        builder.create(&deep).await.unwrap(); // already there: fine when recursive
        for made in ["a", "a/b", "a/b/c"] {
            let mode = fs::metadata(dir.join(made))
                .await
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o750 & !umask(), "{made}");
        }

        let err = DirBuilder::new().create(&deep).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    });
}

#[test]
fn open_options_from_std_keep_every_flag() {
    let dir = TempDir::new("options-from-std");
    let path = dir.join("log");
    std::fs::write(&path, b"first ").unwrap();
    common::block_on(async {
        let mut std_options = std::fs::OpenOptions::new();
        std_options.append(true).custom_flags(libc::O_NOFOLLOW);
        let mut file = OpenOptions::from(std_options).open(&path).await.unwrap();
        file.write_all(b"second").await.unwrap();
        file.close().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"first second");

        std::os::unix::fs::symlink(&path, dir.join("link")).unwrap();
        let mut nofollow = std::fs::OpenOptions::new();
        nofollow.read(true).custom_flags(libc::O_NOFOLLOW);
        let err = OpenOptions::from(nofollow)
            .open(dir.join("link"))
            .await
            .unwrap_err();
        assert_eq!(
            err.raw_os_error(),
            Some(libc::ELOOP),
            "the custom flag was kept"
        );
    });
}

/// A `File` made from a descriptor reads from that descriptor's offset,
/// as `from_std` of the same file does.
#[test]
fn a_file_from_an_owned_descriptor_goes_on_where_it_stood() {
    use futures_lite::AsyncReadExt;
    use std::io::{Read, Seek, SeekFrom};
    use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
    let dir = TempDir::new("from-fd");
    let path = dir.join("text");
    std::fs::write(&path, b"skip:rest").unwrap();
    common::block_on(async {
        let mut std_file = std::fs::File::open(&path).unwrap();
        std_file.seek(SeekFrom::Start(5)).unwrap();
        let mut file = File::from(OwnedFd::from(std_file));
        let mut rest = String::new();
        file.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "rest");

        let raw = std::fs::File::open(&path).unwrap().into_raw_fd();
        // SAFETY: `raw` was just opened, and nothing else owns it.
        let mut file = unsafe { File::from_raw_fd(raw) };
        let mut all = Vec::new();
        file.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"skip:rest");
        let mut std_again = file.into_std().await;
        assert_eq!(std_again.read(&mut [0; 4]).unwrap(), 0, "at the end");
    });
}

/// A write returns once its bytes are in the buffer, and their flush runs
/// on the pool after it: a time set without waiting for that flush would
/// be moved to "now" when it lands.
#[test]
fn set_times_lands_after_the_writes_made_before_it() {
    let dir = TempDir::new("set-times");
    let path = dir.join("stamped");
    let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let later = then + Duration::from_secs(3600);
    common::block_on(async {
        let mut file = File::create(&path).await.unwrap();
        let chunk = vec![7u8; 64 * 1024];
        for _ in 0..64 {
            file.write_all(&chunk).await.unwrap();
        }
        file.set_times(FileTimes::new().set_accessed(then).set_modified(then))
            .await
            .unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.len(), 64 * 64 * 1024, "every byte was written first");
        assert_eq!(meta.modified().unwrap(), then);
        assert_eq!(meta.accessed().unwrap(), then);

        file.write_all(b"more").await.unwrap();
        file.set_modified(later).await.unwrap();
        let meta = file.metadata().await.unwrap();
        assert_eq!(meta.len(), 64 * 64 * 1024 + 4);
        assert_eq!(meta.modified().unwrap(), later);
        assert_eq!(
            meta.accessed().unwrap(),
            then,
            "set_modified leaves the access time"
        );
        drop(file);
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), later);
    });
}

/// The process's umask, read without changing it (Linux reports it in
/// `/proc/self/status`; elsewhere the usual 022 is assumed).
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("Umask:"))?;
            u32::from_str_radix(line["Umask:".len()..].trim(), 8).ok()
        })
        .unwrap_or(0o022)
}

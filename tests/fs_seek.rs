//! `File::seek` after a read: the read fetched a chunk ahead, so the std
//! file's offset is past the caller's position. The seek gives those bytes
//! back in its own blocking hop (one hop, not a rewind and then the seek),
//! and drops them only if it succeeds.

#![cfg(feature = "fs")] // needs the `fs` feature (on by default)

mod common;

use std::io::{ErrorKind, SeekFrom};

use common::{Gate, TempDir};
use corio::fs::File;
use futures_lite::{AsyncReadExt, AsyncSeekExt};

/// With one blocking thread, a gate queued behind the seek's first hop
/// holds the thread once that hop is done: a second hop would queue
/// behind the gate, so the seek completes only if it needs one hop.
#[test]
#[cfg_attr(miri, ignore)]
fn a_seek_after_a_read_takes_one_hop() {
    let dir = TempDir::new("seek-hop");
    let path = dir.join("digits");
    std::fs::write(&path, b"0123456789abcdef").unwrap();
    common::one_blocking_thread().block_on(common::bounded(async {
        let mut file = File::open(&path).await.unwrap();
        let mut four = [0; 4];
        file.read_exact(&mut four).await.unwrap();
        assert_eq!(&four, b"0123", "and the rest was read ahead");

        for (to, offset, next) in [
            (SeekFrom::Current(4), 8, b"89ab"),
            (SeekFrom::Start(1), 1, b"1234"),
            (SeekFrom::End(-6), 10, b"abcd"),
        ] {
            let first = Gate::queue();
            let mut seek = std::pin::pin!(file.seek(to));
            let polled = futures_lite::future::poll_once(seek.as_mut()).await;
            assert!(polled.is_none(), "its hop waits behind the first gate");
            let mut second = Gate::queue();
            first.open().await;
            (&mut second.started).await.unwrap();
            // The seek's first hop has run and the thread is held again.
            let polled = futures_lite::future::poll_once(seek.as_mut()).await;
            second.open().await;
            let sought = polled.expect("one hop: the seek is done");
            assert_eq!(sought.unwrap(), offset);
            // The read after a seek takes only what it asks for; the one
            // after that reads the rest ahead, for the next seek to fold.
            let (mut first, mut second) = ([0; 2], [0; 2]);
            file.read_exact(&mut first).await.unwrap();
            file.read_exact(&mut second).await.unwrap();
            assert_eq!([first, second].concat(), next);
        }
    }));
}

/// A seek that fails after a read leaves the caller where it was: the
/// bytes read ahead are still there for the next read.
#[test]
#[cfg_attr(miri, ignore)]
fn a_failed_seek_after_a_read_keeps_the_position() {
    let dir = TempDir::new("seek-fails");
    let path = dir.join("digits");
    std::fs::write(&path, b"0123456789").unwrap();
    common::block_on(async {
        let mut file = File::open(&path).await.unwrap();
        let mut four = [0; 4];
        file.read_exact(&mut four).await.unwrap();

        let err = file.seek(SeekFrom::Current(-100)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "before the start");
        file.read_exact(&mut four).await.unwrap();
        assert_eq!(&four, b"4567");

        // As far back as an i64 goes, with bytes still read ahead (the
        // target less them does not fit an i64): before the start as well.
        let err = file.seek(SeekFrom::Current(i64::MIN)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        file.read_exact(&mut [0; 2]).await.unwrap();
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 10);
    });
}

/// A write after a read first rewinds over the read-ahead. If that fails
/// (another descriptor sharing the offset moved it back, so the rewind
/// would go before the start), the write reports it, and the bytes read
/// ahead are still there: the next read goes on where the caller was.
#[test]
#[cfg_attr(miri, ignore)]
fn a_failed_rewind_before_a_write_keeps_the_read_ahead() {
    use futures_lite::AsyncWriteExt;
    let dir = TempDir::new("rewind-fails");
    let path = dir.join("digits");
    std::fs::write(&path, b"0123456789").unwrap();
    let std = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let mut other = std.try_clone().unwrap(); // shares the offset
    common::block_on(async move {
        let mut file = File::from_std(std);
        let mut four = [0; 4];
        file.read_exact(&mut four).await.unwrap();
        assert_eq!(&four, b"0123", "and the rest was read ahead");
        std::io::Seek::rewind(&mut other).unwrap();
        let err = file.write(b"x").await.unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidInput,
            "a rewind before the start"
        );
        file.read_exact(&mut four).await.unwrap();
        assert_eq!(&four, b"4567", "the read-ahead was kept");
    });
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"0123456789",
        "nothing written"
    );
}

/// A seek that fails after a read, whose future and `File` are dropped
/// before it runs: nobody collects its outcome, and the offset another
/// descriptor shares with the file is still where the caller stopped
/// reading, not past the read-ahead.
#[test]
#[cfg_attr(miri, ignore)]
fn a_failed_seek_nobody_collects_leaves_a_shared_offset_right() {
    let dir = TempDir::new("seek-fails-dropped");
    let path = dir.join("digits");
    std::fs::write(&path, b"0123456789").unwrap();
    let std = std::fs::File::open(&path).unwrap();
    let mut other = std.try_clone().unwrap(); // shares the offset
    common::one_blocking_thread().block_on(common::bounded(async {
        let mut file = File::from_std(std);
        let mut four = [0; 4];
        file.read_exact(&mut four).await.unwrap();
        let first = Gate::queue();
        let seek = futures_lite::future::poll_once(file.seek(SeekFrom::Current(-100))).await;
        assert!(seek.is_none(), "queued behind the gate");
        drop(file);
        let mut second = Gate::queue();
        first.open().await;
        (&mut second.started).await.unwrap(); // the seek's job has run
        second.open().await;
    }));
    let offset = std::io::Seek::stream_position(&mut other).unwrap();
    assert_eq!(offset, 4, "where the caller stopped reading");
}

/// A parser's loop: read a record's header in two reads (the read after a
/// seek takes only what it asks; the next reads a chunk ahead, which the
/// seek over the body folds in), then seek over the body. Records cross
/// the read-ahead's chunks; every header comes out in order.
#[test]
#[cfg_attr(miri, ignore)]
fn reads_and_relative_seeks_interleave_across_chunks() {
    let dir = TempDir::new("seek-records");
    let path = dir.join("records");
    const RECORDS: u64 = 3_000;
    let mut bytes = Vec::new();
    for i in 0..RECORDS {
        bytes.extend_from_slice(&i.to_le_bytes());
        bytes.extend_from_slice(&[0xee; 40]); // records straddle chunks
    }
    assert!(bytes.len() > 2 * 64 * 1024, "more than two chunks");
    std::fs::write(&path, &bytes).unwrap();
    common::block_on(async {
        let mut file = File::open(&path).await.unwrap();
        let mut header = [0; 8];
        for i in 0..RECORDS {
            file.read_exact(&mut header[..4]).await.unwrap();
            file.read_exact(&mut header[4..]).await.unwrap();
            assert_eq!(u64::from_le_bytes(header), i);
            let offset = file.seek(SeekFrom::Current(40)).await.unwrap();
            assert_eq!(offset, (i + 1) * 48);
        }
        assert_eq!(file.read(&mut header).await.unwrap(), 0, "end of file");
    });
}

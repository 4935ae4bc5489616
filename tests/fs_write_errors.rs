//! Which call reports a `File`'s failed background write: the next write
//! (an empty one too), flush or sync, as in tokio, once; a read or a seek
//! in between goes on. `/dev/full` fails every write with `ENOSPC`.

#![cfg(all(feature = "fs", target_os = "linux"))] // `fs` is on by default

mod common;

use std::io::{ErrorKind, SeekFrom};

use corio::fs::{File, OpenOptions};
use futures_lite::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// `/dev/full`, open for reading (zeros) and writing (no space).
async fn dev_full() -> File {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/full")
        .await
        .unwrap()
}

/// An empty write is a write too: it reports a background write's error
/// that a read in between met and kept, as tokio's does (it takes the
/// error before it looks at the buffer), and only once.
#[test]
#[cfg_attr(miri, ignore)]
fn an_empty_write_reports_a_failed_background_write() {
    common::block_on(async {
        let mut full = dev_full().await;
        full.write_all(b"x").await.unwrap();
        // The read waits for the failing flush and keeps its error.
        full.read(&mut [0u8; 4]).await.unwrap();
        let empty = full.write(&[]).await.unwrap_err();
        assert_eq!(empty.kind(), ErrorKind::StorageFull);
        assert_eq!(full.write(&[]).await.unwrap(), 0);
        full.flush().await.unwrap();
    });
}

/// A background write's error goes to the next write, flush or sync, as
/// tokio's does: a read or a seek in between goes on and does not take it.
#[test]
#[cfg_attr(miri, ignore)]
fn a_failed_write_is_reported_by_the_next_flush_not_a_read() {
    common::block_on(async {
        let mut full = dev_full().await;
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

//! Reads after a seek take only what they ask for, as tokio's always do: a
//! seek marks random access, where a chunk read ahead would be thrown away
//! at the next seek. Alone in its file: it counts the whole process's bytes
//! read (`rchar` in `/proc/self/io`), which other tests would add to.

#![cfg(feature = "fs")] // needs the `fs` feature (on by default)

use std::io::SeekFrom;

mod common;

use futures_lite::{AsyncReadExt, AsyncSeekExt};

/// The bytes the process has read so far (reading `/proc/self/io` adds a
/// few hundred).
fn bytes_read() -> u64 {
    common::proc_io("rchar")
}

/// A parser's loop over 2,000 records of 64 bytes: `read_exact` of an
/// 8-byte header, then a seek over the body. Each read after a seek read
/// 64 KiB ahead (about 97 MB in all, for 16 KB the parser wanted); now
/// it reads the 8 bytes. The next read without a seek reads ahead again.
#[test]
#[cfg_attr(miri, ignore)]
fn a_read_after_a_seek_takes_only_what_it_asks_for() {
    const RECORDS: u64 = 2_000;
    let path = std::env::temp_dir().join(format!("corio-random-reads-{}", std::process::id()));
    let mut bytes = Vec::new();
    for i in 0..RECORDS {
        bytes.extend_from_slice(&i.to_le_bytes());
        bytes.extend_from_slice(&[0xee; 56]);
    }
    std::fs::write(&path, &bytes).unwrap();
    let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
    let (read, ahead) = runtime.block_on(common::bounded(async {
        let mut file = corio::fs::File::open(&path).await.unwrap();
        let before = bytes_read();
        let mut header = [0; 8];
        for i in 0..RECORDS {
            file.read_exact(&mut header).await.unwrap();
            assert_eq!(u64::from_le_bytes(header), i);
            file.seek(SeekFrom::Current(56)).await.unwrap();
        }
        let read = bytes_read() - before;
        // Sequential reads after the seek's first one read ahead again.
        file.seek(SeekFrom::Start(0)).await.unwrap();
        file.read_exact(&mut header).await.unwrap();
        let before = bytes_read();
        file.read_exact(&mut header).await.unwrap(); // a fill, ahead
        file.read_exact(&mut header).await.unwrap(); // from the buffer
        (read, bytes_read() - before)
    }));
    std::fs::remove_file(&path).unwrap();
    // The first fill, before any seek, reads 64 KiB ahead; the rest 8
    // bytes each (16 KB), plus the reads of /proc/self/io.
    assert!(read < 256 * 1024, "{read} bytes read for {RECORDS} headers");
    assert!(
        ahead >= 64 * 1024,
        "the next fill read ahead: {ahead} bytes"
    );
}

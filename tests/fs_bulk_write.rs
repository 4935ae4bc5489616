//! A bulk `write_all` on a `File` goes to the file in a few large
//! `write(2)` calls, as tokio's does (its buffer takes up to 2 MiB a hop),
//! not one per 64 KiB. Alone in its file: it counts the whole process's
//! write calls (`syscw` in `/proc/self/io`), which other tests would add to.

#![cfg(feature = "fs")] // needs the `fs` feature (on by default)

mod common;

use futures_lite::AsyncWriteExt;

/// The process's write system calls so far.
fn write_calls() -> u64 {
    common::proc_io("syscw")
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_bulk_write_takes_a_few_large_write_calls() {
    const SIZE: usize = 8 << 20;
    let path = std::env::temp_dir().join(format!("corio-bulk-write-{}", std::process::id()));
    let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
    let data = vec![7u8; SIZE];
    let calls = runtime.block_on(common::bounded(async {
        let mut file = corio::fs::File::create(&path).await.unwrap();
        let before = write_calls();
        file.write_all(&data).await.unwrap();
        file.flush().await.unwrap();
        write_calls() - before
    }));
    let written = std::fs::metadata(&path).unwrap().len();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(written, SIZE as u64);
    // 8 MiB at 2 MiB a hop is 4 writes to the file; the rest are the
    // runtime's wake-ups (an eventfd write each, at most a few a hop). At
    // 64 KiB a hop it was 128 writes to the file alone.
    assert!(calls <= 40, "{calls} write calls for 8 MiB");
}

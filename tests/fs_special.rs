//! `fs::File` on files that are not plain files: FIFOs (no seeking, so no
//! read-ahead, and a cancelled read must not lose its bytes) and
//! descriptors that accept `lseek` but ignore it (inotify, `/dev/urandom`).

#![cfg(feature = "fs")] // needs the `fs` feature (on by default)

mod common;

use std::io::SeekFrom;
use std::path::PathBuf;

use common::TempDir;
use corio::fs::{File, OpenOptions};
use futures_lite::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// A FIFO named `fifo` in `dir`.
fn fifo(dir: &TempDir) -> PathBuf {
    let path = dir.join("fifo");
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    path
}

/// Opens the FIFO at `path` for reading and writing both (Linux opens a
/// FIFO so at once, with no peer).
async fn open_both(path: &std::path::Path) -> File {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .await
        .unwrap()
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_fifo_is_read_without_read_ahead_so_writes_still_work() {
    let dir = TempDir::new("fifo");
    let path = fifo(&dir);
    common::block_on(async {
        // Read and write on one descriptor (Linux opens a FIFO so at once).
        let mut fifo = open_both(&path).await;
        fifo.write_all(b"abcdef").await.unwrap();
        fifo.flush().await.unwrap();
        let mut one = [0; 1];
        fifo.read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"a");
        // A read ahead would have taken "bcdef" out of the FIFO, and this
        // write would have failed trying to seek back over it.
        fifo.write_all(b"g").await.unwrap();
        fifo.flush().await.unwrap();
        let mut rest = [0; 6];
        fifo.read_exact(&mut rest).await.unwrap();
        assert_eq!(&rest, b"bcdefg");
    });
}

/// A read of a FIFO cancelled while it waits, then a write: the bytes the
/// abandoned read took cannot go back into the FIFO, so the file keeps them
/// for the next read (they were lost, and the write failed with "illegal
/// seek", trying to seek back over them).
#[test]
#[cfg_attr(miri, ignore)]
fn a_cancelled_read_of_a_fifo_loses_nothing() {
    use std::io::Write;
    let dir = TempDir::new("fifo-cancel");
    let path = fifo(&dir);
    common::block_on(async {
        let mut fifo = open_both(&path).await;
        // A reader exists (ours), so this open does not wait.
        let mut peer = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let mut buf = [0; 8];
        let first = futures_lite::future::poll_once(fifo.read(&mut buf)).await;
        assert!(
            first.is_none(),
            "the FIFO is empty: the read waits on the pool"
        );
        // The abandoned read takes this.
        peer.write_all(b"reply").unwrap();
        fifo.write_all(b"x").await.unwrap();
        fifo.flush().await.unwrap();
        let mut got = [0; 6];
        fifo.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"replyx");
    });
}

/// A write to a FIFO (a file that cannot seek) starts at once, as a peer
/// may be waiting for it: no flush needed for the reader to see it.
#[test]
#[cfg_attr(miri, ignore)]
fn a_write_to_a_fifo_reaches_the_reader_without_a_flush() {
    use std::io::Read;
    let dir = TempDir::new("fifo-write");
    let path = fifo(&dir);
    // Read and write both: opening a FIFO that way never waits for a peer.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let (got_tx, got) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0; 4];
        let _ = got_tx.send(reader.read_exact(&mut buf).map(|()| buf));
    });
    common::block_on(async {
        let mut writer = open_both(&path).await;
        writer.write_all(b"ping").await.unwrap();
        // No flush: the reader must get the bytes while the file is open.
        let received = common::recv(&got).unwrap();
        assert_eq!(&received, b"ping");
        writer.close().await.unwrap();
    });
}

/// A descriptor that accepts `lseek` but ignores it (inotify here, like
/// signalfd or an input device) is not read ahead: a read takes one record,
/// and a later seek, flush or write cannot silently drop the records a
/// read-ahead would have taken out of the kernel's queue.
#[test]
#[cfg_attr(miri, ignore)]
fn a_file_that_ignores_lseek_is_not_read_ahead() {
    use std::os::fd::FromRawFd;
    let dir = TempDir::new("inotify");
    // SAFETY: plain system calls; the descriptor is checked, then owned by
    // the std File below.
    let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC) };
    assert!(fd >= 0);
    let c_dir = std::ffi::CString::new(dir.0.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid descriptor and NUL-terminated path.
    assert!(unsafe { libc::inotify_add_watch(fd, c_dir.as_ptr(), libc::IN_CREATE) } >= 0);
    std::fs::write(dir.join("a"), b"").unwrap();
    std::fs::write(dir.join("b"), b"").unwrap();
    // SAFETY: `fd` is open and owned by nothing else.
    let std = unsafe { std::fs::File::from_raw_fd(fd) };
    common::block_on(async {
        let mut events = File::from_std(std);
        // One event: a 16-byte header and the name "a", padded to 16.
        let mut event = [0; 32];
        assert_eq!(events.read(&mut event).await.unwrap(), 32);
        assert_eq!(event[16], b'a');
        events.seek(SeekFrom::Current(0)).await.unwrap();
        // A third event behind it, so that a lost "b" shows as a "c" (and
        // the read cannot wait for ever).
        std::fs::write(dir.join("c"), b"").unwrap();
        assert_eq!(events.read(&mut event).await.unwrap(), 32);
        assert_eq!(event[16], b'b', "the second event was not dropped");
    });
}

/// A seek whose future was dropped while it ran still gives the bytes set
/// aside back to the file: the next read does not return them (on a
/// device that honours the seek, they would come again from it, twice).
/// `/dev/urandom` accepts `lseek` and is not read ahead; its bytes are
/// never the same twice, so a stale byte shows.
#[test]
#[cfg_attr(miri, ignore)]
fn a_cancelled_seek_still_gives_the_set_aside_bytes_back() {
    use futures_lite::AsyncBufReadExt;
    let runtime = corio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    runtime.block_on(common::bounded(async {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/urandom")
            .await
            .unwrap();
        let shown = file.fill_buf().await.unwrap()[..16].to_vec();
        // Not consumed, and the buffer is needed for a write: set aside.
        file.write_all(b"entropy").await.unwrap();
        file.flush().await.unwrap();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let gate = corio::spawn_blocking(move || {
            let _ = released.recv_timeout(common::LIMIT);
        });
        let seek = futures_lite::future::poll_once(file.seek(SeekFrom::Current(0))).await;
        assert!(seek.is_none(), "queued behind the gate");
        release.send(()).unwrap();
        gate.await.unwrap();
        let mut next = [0; 16];
        file.read_exact(&mut next).await.unwrap();
        assert_ne!(next.to_vec(), shown, "the set-aside bytes came back");
    }));
}

//! `File`: an open file whose reads, writes and seeks hop to the blocking
//! pool, one operation in flight at a time.
//!
//! The design is tokio's. A `File` is either *idle*, holding its [`Buf`], or
//! *busy*, while one blocking operation owns the buffer and a handle to the
//! std file:
//!
//! ```text
//!            poll_read: no unread bytes ─► fill
//!            poll_write                 ─► flush        ┌──────────────┐
//!   ┌──────┐ flush / seek / sync_all    ─► flush/seek   │ Busy(handle) │
//!   │ Idle │ ─────────────────────────────────────────► │ (buf, std)   │
//!   │ (buf)│ ◄───────────────────────────────────────── │ on the pool  │
//!   └──────┘   the next poll of any method collects     └──────────────┘
//!              the outcome and the buffer
//! ```
//!
//! A write returns as soon as its bytes are in the buffer, and starts a
//! flush of them at once (as tokio's does); writes made while that flush
//! is on the pool do not wait for it but leave their bytes beside it, and
//! it writes those too before it ends (`poll.rs`). An error from such a
//! background flush is returned by the next write, `flush`, `close`,
//! `sync_all`, `sync_data`, `set_len` or `set_times` (reads and seeks go
//! on), which is why a careful writer ends with `flush` or `close`. Those
//! whole-file calls are in `meta.rs`.
//!
//! Reads fetch at least a chunk (but the first after a seek), so the std
//! file's offset can be ahead of the caller's position by the unread bytes. Before a write or a flush the
//! file *rewinds* by that many bytes, and a seek counts them in its own
//! move (`poll.rs`), so the caller never notices. A
//! drop rewinds too (unless a read is still in flight then), so that a
//! descriptor sharing the offset goes on where the caller stopped.

use std::fmt;
use std::io::{self, SeekFrom};
use std::mem;
use std::path::Path;
use std::sync::Arc;

use super::OpenOptions;
use super::buf::Buf;
use crate::task::JoinHandle;

mod convert;
mod meta;
mod poll;
mod read_ahead;

use read_ahead::ReadAhead;

/// An open file, for use with the `futures-io` traits ([`AsyncRead`],
/// [`AsyncBufRead`], [`AsyncWrite`], [`AsyncSeek`]; `futures-lite`'s or
/// `futures`' extension traits add `read_to_end`, `lines`, `write_all` and
/// friends).
///
/// Small reads and writes are batched (reads fetch 64 KiB a hop, but the
/// first after a seek; writes to
/// a regular file made while a write is on the blocking pool join it, up to
/// 2 MiB, the most one write takes too, as tokio's `max_buf_size`), so a
/// `File` needs no `BufReader` (it lends its own buffer out as an
/// `AsyncBufRead`, for `read_line` and `lines`); a `BufWriter` still
/// pays for bulk output in tiny pieces (a tight loop of one-byte writes
/// makes a `write(2)` per few dozen bytes). A write returns once its
/// bytes are taken, and they are on their way to the file at once, as with
/// tokio: another process (or a `tail -f`) sees them as soon as a pool
/// thread is free, flush or not (within microseconds on an idle pool; a
/// `shutdown_background` before the process exits may drop a flush still
/// queued). Call [`flush`](futures_io::AsyncWrite::poll_flush) or
/// `close` after writing: it waits until the bytes are in the file and
/// reports a write's error. A `File` dropped with a write in flight still
/// has it finished, on the blocking pool, but any error is lost, and a read
/// right after the drop may not see the bytes yet. Whenever a write in
/// flight fails (the `File` dropped or not), the writes that returned `Ok`
/// while it was in flight (their bytes waiting behind it) are dropped with
/// it, never written where the failed bytes should have gone; on a `File`
/// still in use, the error reported by the next write or flush stands for
/// them too (tokio's later writes wait for the one in flight and return
/// its error instead).
///
/// A read of a regular file fetches a chunk (64 KiB) ahead, and later reads
/// are served from it; the first read after a seek takes only what it asks
/// for, as tokio's do (a seek marks random access, where the chunk would be
/// thrown away at the next seek). Bytes that another descriptor or process
/// writes into that stretch meanwhile are not seen until this `File`
/// writes, seeks or flushes, which drops what it read ahead
/// (`seek(SeekFrom::Current(0))` will do). std's and tokio's files read
/// only what was asked, so they see such writes at once.
///
/// [`AsyncRead`]: futures_io::AsyncRead
/// [`AsyncBufRead`]: futures_io::AsyncBufRead
/// [`AsyncWrite`]: futures_io::AsyncWrite
/// [`AsyncSeek`]: futures_io::AsyncSeek
///
/// # Cancel safety
///
/// Dropping a read, write, seek, `set_len` or `sync_all` future loses
/// nothing: the operation in flight belongs to the `File`, and the next call
/// waits for it and collects its outcome (so a truncation never lands after
/// writes made later). So the error of an abandoned operation comes back
/// from that next call, whatever it is: a write may fail with the error of a
/// read that a `timeout` gave up on (tokio drops such an error instead). A
/// seek abandoned half-way may still have moved the position.
///
/// # Examples
///
/// ```
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let path = std::env::temp_dir().join(format!("corio-doc-file-{}", std::process::id()));
///     let mut file = corio::fs::File::create(&path).await?;
///     file.write_all(b"hello, ").await?;
///     file.write_all(b"file").await?;
///     file.close().await?;
///
///     let mut text = String::new();
///     corio::fs::File::open(&path).await?.read_to_string(&mut text).await?;
///     assert_eq!(text, "hello, file");
///     corio::fs::remove_file(&path).await
/// })
/// # }
/// ```
pub struct File {
    std: Arc<std::fs::File>,
    state: State,
    /// The target of the last seek `poll_seek` started: while `seeking`,
    /// the one in flight; after, until a `poll_seek` takes it as its own
    /// outcome, the one that finished.
    seek: Option<SeekFrom>,
    /// A seek is in flight. `poll_finish` clears it whoever collects the
    /// outcome: a seek whose future was dropped must not stay "in flight"
    /// for later reads (that reordered bytes).
    seeking: bool,
    /// A seek moved the offset since the last fill: the next fill reads
    /// only what the caller asks for, as tokio's reads always do. A seek
    /// marks random access (a parser's `read_exact` of a header, then a
    /// seek over the body), where a chunk read ahead would be thrown away
    /// at the next seek; the fill after that one reads ahead again.
    sought: bool,
    /// Reads fetch a whole chunk ahead: only from a regular file or a block
    /// device that can seek. A pipe, a FIFO or a terminal cannot seek back
    /// over bytes read ahead (a later write or seek would fail and lose
    /// them), and an inotify or signalfd descriptor ignores the seek (the
    /// bytes would vanish without an error), so reads there take only what
    /// the caller asked for (`fill_buf`, which asks for nothing in
    /// particular, takes up to a chunk, as a `BufReader` would). Found out
    /// on the pool (`read_ahead.rs`).
    read_ahead: ReadAhead,
    /// Bytes read from such a file (one that cannot seek) but not taken
    /// when the buffer was needed for a write (a cancelled read's, or what
    /// `fill_buf` showed and was not consumed): the next reads return them
    /// first. They cannot go back to the file, and must not be lost.
    kept: std::collections::VecDeque<u8>,
    /// Bytes written while a flush is on the pool, which that flush writes
    /// too (`poll.rs`).
    behind: Arc<crate::lock::Mutex<poll::Behind>>,
    /// A background flush's error, for the next write, flush, close,
    /// `sync_all` or `set_len`.
    write_error: Option<io::Error>,
}

enum State {
    Idle(Buf),
    Busy(JoinHandle<(Buf, io::Result<Done>)>),
}

/// What a finished blocking operation did.
enum Done {
    /// Read this many bytes ahead (0: end of file).
    Filled(usize),
    /// Wrote the unwritten bytes.
    Flushed,
    /// A flush failed: the error waits for the next write, flush, close,
    /// `sync_all` or `set_len` (a read or a seek goes on), as tokio reports
    /// it.
    WriteFailed(io::Error),
    /// Moved the offset back over discarded read-ahead.
    Rewound,
    /// A caller's seek, to this offset.
    Sought(u64),
    /// A call on the whole file (`set_len`, `sync_all`).
    Settled,
}

impl File {
    /// Opens a file for reading. See [`std::fs::File::open`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let err = corio::fs::File::open("/no/such/file").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Creates a file for writing, truncating it if it exists. See
    /// [`std::fs::File::create`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-create-{}", std::process::id()));
    ///     let file = corio::fs::File::create(&path).await?;
    ///     assert_eq!(file.metadata().await?.len(), 0);
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates a new file for reading and writing, failing with
    /// `AlreadyExists` if the path exists (atomically: no other process
    /// can create it in between). See [`std::fs::File::create_new`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-create-new-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     corio::fs::File::create_new(&path).await?;
    ///     let again = corio::fs::File::create_new(&path).await.unwrap_err();
    ///     assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// A new [`OpenOptions`], for any other way of opening.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let dir = corio::fs::File::options().read(true).open(std::env::temp_dir()).await?;
    ///     assert!(dir.metadata().await?.is_dir());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an already open std file.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let std = std::fs::File::open(std::env::temp_dir())?;
    ///     let dir = corio::fs::File::from_std(std);
    ///     assert!(dir.metadata().await?.is_dir());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn from_std(std: std::fs::File) -> File {
        // No system call here: whether the file can read ahead is asked
        // on the pool, by its first read or flush.
        File::with_read_ahead(std, ReadAhead::unknown())
    }

    /// A file `open` just opened, on the pool: it asks at once whether the
    /// file can read ahead, while the open's own system calls are warm.
    pub(super) fn just_opened(std: std::fs::File) -> File {
        let yes = read_ahead::probe(&std);
        File::with_read_ahead(std, ReadAhead::known(yes))
    }

    fn with_read_ahead(std: std::fs::File, read_ahead: ReadAhead) -> File {
        File {
            std: Arc::new(std),
            state: State::Idle(Buf::default()),
            seek: None,
            seeking: false,
            sought: false,
            read_ahead,
            kept: std::collections::VecDeque::new(),
            behind: Arc::default(),
            write_error: None,
        }
    }
}

impl Drop for File {
    fn drop(&mut self) {
        // An operation in flight finishes on its own; only bytes still in an
        // idle buffer would be lost. Inside a runtime they go to the
        // blocking pool like any flush: written here, a slow disk or a full
        // pipe would stall the worker (and, with one worker, the task that
        // would drain the pipe). Outside, they are written here.
        if let State::Idle(buf) = &mut self.state
            && buf.has_unwritten()
        {
            let mut buf = mem::take(buf);
            let std = self.std.clone();
            let flush = move || {
                let _ = buf.flush(&std);
            };
            if let Err(mut flush) = crate::blocking::try_spawn_mandatory(flush) {
                flush();
            }
        } else if let State::Idle(buf) = &mut self.state
            && self.read_ahead.get()
            && buf.unread() > 0
        {
            // Read-ahead the caller never took: seek back over it, so that
            // a descriptor sharing the offset (a `try_clone`, a child's
            // inherited one) continues where the caller stopped reading.
            // One `lseek`, which never waits on the disk, made right here.
            let ahead = buf.discard_unread();
            let _ = io::Seek::seek(&mut &*self.std, SeekFrom::Current(-ahead));
        }
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let busy = matches!(self.state, State::Busy(_));
        f.debug_struct("File")
            .field("std", &self.std)
            .field("busy", &busy)
            .finish()
    }
}

/// tokio's spelling of [`File::from_std`].
impl From<std::fs::File> for File {
    fn from(std: std::fs::File) -> File {
        File::from_std(std)
    }
}

//! `ReadDir`: a directory's entries, fetched in batches.
//!
//! `std::fs::ReadDir` is an iterator whose `next` may block (it calls
//! `readdir(3)`, which reads the directory from disk a block at a time). One
//! blocking hop per entry would make listing a large directory slow, so each
//! hop fetches up to [`BATCH`] entries and `next_entry` hands them out from
//! memory:
//!
//! ```text
//!   next_entry ─► batch not empty? pop one          (no hop)
//!              └► empty: hop ─► up to 32 × std next() ─► batch
//! ```
//!
//! The std iterator travels to the blocking thread and back with the batch,
//! so it is owned by exactly one side at a time.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::future::{Future, poll_fn};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use super::asyncify;
use crate::task::JoinHandle;

/// Entries fetched per blocking hop (tokio's figure).
const BATCH: usize = 32;

/// Opens a directory for listing. See [`std::fs::read_dir`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let root = std::env::temp_dir().join(format!("corio-doc-ls-{}", std::process::id()));
///     corio::fs::create_dir_all(&root).await?;
///     corio::fs::write(root.join("only"), b"").await?;
///     let mut entries = corio::fs::read_dir(&root).await?;
///     let entry = entries.next_entry().await?.expect("one entry");
///     assert_eq!(entry.file_name(), "only");
///     assert!(entries.next_entry().await?.is_none());
///     corio::fs::remove_dir_all(&root).await
/// })
/// # }
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify("corio::fs::read_dir", move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle(Some(Batch {
            entries: VecDeque::with_capacity(BATCH),
            std,
            more: true,
        })),
    })
}

/// The entries of a directory, made by [`read_dir`]. The order is the
/// file system's, and `.` and `..` are skipped (as in std).
///
/// # Cancel safety
///
/// [`next_entry`](Self::next_entry) is cancel safe: a batch being fetched
/// when its future is dropped is kept for the next call.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let root = std::env::temp_dir().join(format!("corio-doc-readdir-{}", std::process::id()));
///     corio::fs::create_dir_all(root.join("sub")).await?;
///     let mut entries = corio::fs::read_dir(&root).await?;
///     let mut count = 0;
///     while let Some(_entry) = entries.next_entry().await? {
///         count += 1;
///     }
///     assert_eq!(count, 1, "`.` and `..` are skipped");
///     corio::fs::remove_dir_all(&root).await
/// })
/// # }
/// ```
#[derive(Debug)]
pub struct ReadDir {
    state: State,
}

#[derive(Debug)]
enum State {
    /// The batch is here; `None` only after a `next_entry` panicked
    /// handing it to the pool (which could start no thread, and dropped
    /// the job): the listing is lost.
    Idle(Option<Batch>),
    /// The batch and iterator are on a blocking thread being refilled.
    Busy(JoinHandle<Batch>),
    /// A refill was lost (cancelled by a shutting-down pool, or it
    /// panicked), and that was reported once: the listing is over, as
    /// std's iterator ends after an error.
    Over,
}

#[derive(Debug)]
struct Batch {
    /// Each entry with its file type, when the listing gave it for free.
    entries: VecDeque<io::Result<(std::fs::DirEntry, Option<FileType>)>>,
    std: std::fs::ReadDir,
    /// False once `std` has returned `None`.
    more: bool,
}

impl Batch {
    /// Runs on the blocking pool: fills the batch from the std iterator.
    fn refill(mut self) -> Batch {
        while self.entries.len() < BATCH {
            match self.std.next() {
                // The type comes with the listing on most file systems
                // (Linux's `d_type`): asked here, on the pool, so that
                // `DirEntry::file_type` needs no hop of its own (as tokio).
                Some(entry) => self.entries.push_back(entry.map(|entry| {
                    let file_type = entry.file_type().ok();
                    (entry, file_type)
                })),
                None => {
                    self.more = false;
                    break;
                }
            }
        }
        self
    }
}

impl ReadDir {
    /// The next entry, or `None` once the directory is exhausted. Errors are
    /// std's, per entry.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let mut entries = corio::fs::read_dir(std::env::temp_dir()).await?;
    ///     while let Some(entry) = entries.next_entry().await? {
    ///         assert!(entry.path().starts_with(std::env::temp_dir()));
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// The poll form of [`next_entry`](Self::next_entry).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let mut entries = corio::fs::read_dir(std::env::temp_dir()).await?;
    ///     let first = std::future::poll_fn(|cx| entries.poll_next_entry(cx)).await?;
    ///     assert!(first.is_none_or(|entry| entry.path().starts_with(std::env::temp_dir())));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Over => return Poll::Ready(Ok(None)),
                State::Idle(slot) => {
                    let Some(batch) = slot.as_mut() else {
                        // Said once; a loop that skips errors then ends.
                        self.state = State::Over;
                        return Poll::Ready(Err(io::Error::other(
                            "a previous `ReadDir::next_entry` panicked, and the listing was lost with it",
                        )));
                    };
                    if let Some(entry) = batch.entries.pop_front() {
                        let entry = entry.map(|(std, file_type)| DirEntry {
                            std: Arc::new(std),
                            file_type,
                        });
                        return Poll::Ready(entry.map(Some));
                    }
                    if !batch.more {
                        return Poll::Ready(Ok(None));
                    }
                    // The pool first: outside a runtime this panics, and
                    // the listing must not go down with the job.
                    let pool = crate::blocking::current("corio::fs::ReadDir::next_entry");
                    let batch = slot.take().expect("checked above");
                    let refill = pool.spawn(
                        move || batch.refill(),
                        std::panic::Location::caller(),
                        false,
                    );
                    self.state = State::Busy(refill);
                }
                State::Busy(refill) => match ready!(Pin::new(refill).poll(cx)) {
                    Ok(batch) => self.state = State::Idle(Some(batch)),
                    Err(err) => {
                        // The listing went with the job: said once, then
                        // the stream ends.
                        self.state = State::Over;
                        let what = "`corio::fs::ReadDir::next_entry`";
                        return Poll::Ready(Err(crate::blocking::job_failed(what, &err)));
                    }
                },
            }
        }
    }
}

/// Each entry is an item (errors per entry, as from `next_entry`); the
/// stream ends with the directory.
impl futures_core::Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(ready!(self.get_mut().poll_next_entry(cx)).transpose())
    }
}

/// One entry of a [`ReadDir`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let root = std::env::temp_dir().join(format!("corio-doc-entry-{}", std::process::id()));
///     corio::fs::create_dir_all(root.join("sub")).await?;
///     let entry = corio::fs::read_dir(&root).await?.next_entry().await?.unwrap();
///     assert_eq!(entry.path(), root.join("sub"));
///     assert!(entry.file_type().await?.is_dir());
///     corio::fs::remove_dir_all(&root).await
/// })
/// # }
/// ```
#[derive(Debug)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Learnt with the listing, if the file system gave it.
    file_type: Option<FileType>,
}

impl DirEntry {
    /// The entry's full path: the directory given to [`read_dir`] joined
    /// with [`file_name`](Self::file_name).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     if let Some(entry) = corio::fs::read_dir("/").await?.next_entry().await? {
    ///         assert_eq!(entry.path().parent(), Some(std::path::Path::new("/")));
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name within its directory.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     if let Some(entry) = corio::fs::read_dir("/").await?.next_entry().await? {
    ///         assert_eq!(Some(entry.file_name().as_os_str()), entry.path().file_name());
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's inode number, as the directory listing gave it (no
    /// system call).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::MetadataExt;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("corio-doc-ino-{}", std::process::id()));
    ///     let _ = std::fs::remove_dir_all(&dir);
    ///     std::fs::create_dir(&dir)?;
    ///     std::fs::write(dir.join("a"), "x")?;
    ///     let mut entries = corio::fs::read_dir(&dir).await?;
    ///     let entry = entries.next_entry().await?.unwrap();
    ///     assert_eq!(entry.ino(), std::fs::metadata(dir.join("a"))?.ino());
    ///     std::fs::remove_dir_all(&dir)
    /// })
    /// # }
    /// ```
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }

    /// The entry's metadata, not following a symbolic link. See
    /// [`std::fs::DirEntry::metadata`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let root = std::env::temp_dir().join(format!("corio-doc-entry-meta-{}", std::process::id()));
    ///     corio::fs::create_dir_all(&root).await?;
    ///     corio::fs::write(root.join("three"), b"abc").await?;
    ///     let entry = corio::fs::read_dir(&root).await?.next_entry().await?.expect("one entry");
    ///     assert_eq!(entry.metadata().await?.len(), 3);
    ///     corio::fs::remove_dir_all(&root).await
    /// })
    /// # }
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let entry = self.std.clone();
        asyncify("corio::fs::DirEntry::metadata", move || entry.metadata()).await
    }

    /// The entry's file type, not following a symbolic link, as the listing
    /// found it: asked for on the blocking pool while each batch of entries
    /// was read (as tokio does), so this answers at once. Most file systems
    /// give it with the listing; one that does not (`DT_UNKNOWN`) costs an
    /// `lstat` per entry then. Only if that failed (the entry went in
    /// between) is it asked again here, on the blocking pool. See
    /// [`std::fs::DirEntry::file_type`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let root = std::env::temp_dir().join(format!("corio-doc-type-{}", std::process::id()));
    ///     corio::fs::create_dir_all(&root).await?;
    ///     corio::fs::write(root.join("file"), b"").await?;
    ///     let entry = corio::fs::read_dir(&root).await?.next_entry().await?.unwrap();
    ///     assert!(entry.file_type().await?.is_file());
    ///     corio::fs::remove_dir_all(&root).await
    /// })
    /// # }
    /// ```
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        let entry = self.std.clone();
        asyncify("corio::fs::DirEntry::file_type", move || entry.file_type()).await
    }
}

#[cfg(test)]
mod tests {
    use std::task::{Context, Poll, Waker};

    use super::{ReadDir, State};

    /// After a lost refill the listing reports one error, then ends: a
    /// loop that skips errors (`while let Some(entry)`) does not spin.
    #[test]
    fn a_lost_refill_is_one_error_then_the_end() {
        let mut entries = ReadDir {
            state: State::Idle(None),
        };
        let mut cx = Context::from_waker(Waker::noop());
        assert!(matches!(
            entries.poll_next_entry(&mut cx),
            Poll::Ready(Err(_))
        ));
        assert!(matches!(
            entries.poll_next_entry(&mut cx),
            Poll::Ready(Ok(None))
        ));
        assert!(matches!(
            entries.poll_next_entry(&mut cx),
            Poll::Ready(Ok(None))
        ));
    }
}

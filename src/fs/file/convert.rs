//! A `File` and the std file inside it: a second handle on the same open
//! file, the way back to `std::fs::File`, the raw descriptor, and the way
//! in from an owned or raw one.
//!
//! Going back to std has to wait for the operation in flight and settle the
//! file first (write what is buffered, seek back over read-ahead): the std
//! file must be where the caller thinks it is.

use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;

use super::{File, State};
use crate::fs::asyncify;

impl File {
    /// A second `File` on the same open file: it shares the offset, as
    /// `dup(2)` does. See [`std::fs::File::try_clone`].
    ///
    /// Reads of a regular file fetch a chunk ahead, so after a read the
    /// shared offset may be past where this `File` stopped reading (up to
    /// 64 KiB) until it settles: `flush().await` first (it gives the
    /// read-ahead back) when the clone must start where the reads stopped.
    /// The same holds for the descriptor of [`as_fd`](std::os::fd::AsFd::as_fd).
    ///
    /// It does not wait for this `File`'s write in flight (tokio's does):
    /// that write runs on the blocking pool and may land after the clone's
    /// own, so `flush().await` first when the clone's writes must come after
    /// this `File`'s, as in the example.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::{AsyncReadExt, AsyncWriteExt};
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-clone-{}", std::process::id()));
    ///     let mut file = corio::fs::File::create(&path).await?;
    ///     let mut twin = file.try_clone().await?;
    ///     file.write_all(b"one ").await?;
    ///     file.flush().await?;
    ///     twin.write_all(b"two").await?; // after "one ": the offset is shared
    ///     twin.flush().await?;
    ///     assert_eq!(corio::fs::read(&path).await?, b"one two");
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub async fn try_clone(&self) -> io::Result<File> {
        let std = self.std.clone();
        let read_ahead = self.read_ahead.copy();
        let clone = asyncify("corio::fs::File::try_clone", move || std.try_clone()).await?;
        Ok(File::with_read_ahead(clone, read_ahead))
    }

    /// The std file, once the operation in flight has finished and the file
    /// is settled: buffered bytes written, read-ahead given back, so its
    /// offset is where this `File`'s reads and writes left it. A write
    /// error not yet reported is lost then (call `flush` first to see it),
    /// and so are bytes read from a pipe, FIFO or terminal and not yet
    /// taken (a cancelled read's, or what `fill_buf` showed and was not
    /// consumed), as with `BufReader::into_inner`.
    ///
    /// An error met while settling is dropped, as tokio's `into_std` does:
    /// a failed write of the buffered bytes, or the outcome of an operation
    /// whose future was dropped while it ran (a seek, a `set_len`). Call
    /// `flush` first to see a write's.
    ///
    /// The job of a `metadata`, `set_permissions` or `try_clone` future
    /// dropped while it ran may still hold the descriptor; the std file is
    /// then a duplicate of it (a new descriptor number, on the same open
    /// file), where tokio's `into_std` panics.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime, if bytes must still be written or given
    /// back; and if the descriptor must be duplicated (above) and the
    /// process is out of descriptors.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncWriteExt;
    /// use std::io::Seek;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-intostd-{}", std::process::id()));
    ///     let mut file = corio::fs::File::create(&path).await?;
    ///     file.write_all(b"12345").await?;
    ///     let mut std = file.into_std().await;
    ///     assert_eq!(std.stream_position()?, 5);
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub async fn into_std(mut self) -> std::fs::File {
        // An error ends one step of the settling (the outcome of the
        // operation in flight, or a failed flush, which leaves nothing to
        // write): the next round carries on. A failed rewind keeps the
        // read-ahead and is tried again; if it fails every round (another
        // descriptor moved the shared offset back), the `File`'s drop in
        // `take_std` tries once more and drops the bytes either way.
        for _ in 0..3 {
            if poll_fn(|cx| self.poll_settle(cx)).await.is_ok() {
                break;
            }
        }
        self.take_std()
    }

    /// The std file if nothing stands between it and this `File`: no
    /// operation in flight, no bytes buffered either way, no write error
    /// waiting; else the `File` back, unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let file = corio::fs::File::open(std::env::temp_dir()).await?;
    ///     let std = file.try_into_std().expect("nothing in flight");
    ///     assert!(std.metadata()?.is_dir());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[allow(clippy::result_large_err)] // the File comes back whole, as tokio's does
    pub fn try_into_std(self) -> Result<std::fs::File, File> {
        let State::Idle(buf) = &self.state else {
            return Err(self);
        };
        let untouched = buf.unread() == 0
            && !buf.has_unwritten()
            && self.kept.is_empty()
            && self.write_error.is_none()
            && Arc::strong_count(&self.std) == 1;
        if untouched {
            Ok(self.take_std())
        } else {
            Err(self)
        }
    }

    /// The std file of a settled `File`. Another holder of the `Arc` (the
    /// job of a `metadata` future dropped while it ran) gets a second
    /// descriptor instead of waiting.
    fn take_std(self) -> std::fs::File {
        let std = self.std.clone();
        // Settled: its drop has nothing left to write, nor to give back
        // unless every rewind failed (`into_std`).
        drop(self);
        Arc::try_unwrap(std).unwrap_or_else(|shared| {
            shared
                .try_clone()
                .expect("`corio::fs::File::into_std` could not duplicate the descriptor")
        })
    }
}

impl AsRawFd for File {
    fn as_raw_fd(&self) -> RawFd {
        self.std.as_raw_fd()
    }
}

impl AsFd for File {
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsFd;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let file = corio::fs::File::open(std::env::temp_dir()).await?;
    ///     let fd = file.as_fd().try_clone_to_owned()?;
    ///     assert!(std::fs::File::from(fd).metadata()?.is_dir());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.std.as_fd()
    }
}

/// tokio's conversion from an owned descriptor, as `File::from_std` of
/// the std file it makes.
///
/// # Examples
///
/// ```
/// use std::os::fd::OwnedFd;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let fd = OwnedFd::from(std::fs::File::open(std::env::temp_dir())?);
///     let dir = corio::fs::File::from(fd);
///     assert!(dir.metadata().await?.is_dir());
///     Ok(())
/// })
/// # }
/// ```
impl From<OwnedFd> for File {
    fn from(fd: OwnedFd) -> File {
        File::from_std(std::fs::File::from(fd))
    }
}

/// tokio's `FromRawFd`, as `File::from_std` of the std file it makes.
///
/// # Examples
///
/// ```
/// use std::os::fd::{FromRawFd, IntoRawFd};
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let raw = std::fs::File::open(std::env::temp_dir())?.into_raw_fd();
///     // SAFETY: `raw` is an open descriptor nothing else owns.
///     let dir = unsafe { corio::fs::File::from_raw_fd(raw) };
///     assert!(dir.metadata().await?.is_dir());
///     Ok(())
/// })
/// # }
/// ```
impl FromRawFd for File {
    unsafe fn from_raw_fd(fd: RawFd) -> File {
        // SAFETY: the caller promises `fd` is open and owned by nothing
        // else, which is what std's `from_raw_fd` asks.
        File::from_std(unsafe { std::fs::File::from_raw_fd(fd) })
    }
}

//! The calls that act on the file as a whole rather than on its bytes:
//! metadata, permissions, length, times and syncs.
//!
//! Those that change its contents or times, or promise it is on disk,
//! first *settle* it (`set_permissions` does not, as tokio's does not): the write buffer is flushed and any operation in flight finished,
//! so that the call sees every byte written before it and no flush lands
//! after it (a truncation under later writes, a modification time moved
//! by them). Then the call runs on the blocking pool as the file's own
//! operation in flight, so dropping its future midway still leaves the
//! next call waiting for it.

use std::fs::{FileTimes, Metadata};
use std::future::poll_fn;
use std::io;
use std::time::SystemTime;

use super::{Done, File};
use crate::fs::asyncify;

impl File {
    /// The file's metadata. Bytes still in the write buffer are not counted
    /// in its length until a flush, and bytes of a flush still running may
    /// or may not be.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-meta-{}", std::process::id()));
    ///     corio::fs::write(&path, b"1234").await?;
    ///     let file = corio::fs::File::open(&path).await?;
    ///     assert_eq!(file.metadata().await?.len(), 4);
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify("corio::fs::File::metadata", move || std.metadata()).await
    }

    /// Changes the file's permissions. See
    /// [`std::fs::File::set_permissions`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-fchmod-{}", std::process::id()));
    ///     let file = corio::fs::File::create(&path).await?;
    ///     file.set_permissions(std::fs::Permissions::from_mode(0o640)).await?;
    ///     assert_eq!(file.metadata().await?.permissions().mode() & 0o777, 0o640);
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub async fn set_permissions(&self, permissions: std::fs::Permissions) -> io::Result<()> {
        let std = self.std.clone();
        asyncify("corio::fs::File::set_permissions", move || {
            std.set_permissions(permissions)
        })
        .await
    }

    /// Flushes the buffer, then asks the OS to put the file's data (and
    /// only the metadata needed to read it back) on disk: `fdatasync`, one
    /// disk write fewer than [`sync_all`](File::sync_all) when only the
    /// contents changed. See [`std::fs::File::sync_data`].
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncWriteExt;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-datasync-{}", std::process::id()));
    ///     let mut file = corio::fs::File::create(&path).await?;
    ///     file.write_all(b"data").await?;
    ///     file.sync_data().await?;
    ///     assert_eq!(std::fs::read(&path)?, b"data");
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.settled(|std| std.sync_data()).await
    }

    /// Flushes the buffer, then asks the OS to put the file's data and
    /// metadata on disk. See [`std::fs::File::sync_all`].
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncWriteExt;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-sync-{}", std::process::id()));
    ///     let mut file = corio::fs::File::create(&path).await?;
    ///     file.write_all(b"durable").await?;
    ///     file.sync_all().await?;
    ///     assert_eq!(std::fs::read(&path)?, b"durable");
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.settled(|std| std.sync_all()).await
    }

    /// Flushes the buffer, then truncates or extends (with zeros) the file
    /// to `size` bytes. The position does not move. See
    /// [`std::fs::File::set_len`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-len-{}", std::process::id()));
    ///     let mut file = corio::fs::File::create(&path).await?;
    ///     file.set_len(100).await?;
    ///     assert_eq!(file.metadata().await?.len(), 100);
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub async fn set_len(&mut self, size: u64) -> io::Result<()> {
        self.settled(move |std| std.set_len(size)).await
    }

    /// Flushes the buffer, then sets the file's access and modification
    /// times; a time `times` leaves unset stays as it is. The flush comes
    /// first so that the bytes written before the call do not move the
    /// modification time past the one set. See
    /// [`std::fs::File::set_times`].
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::fs::FileTimes;
    /// use futures_lite::AsyncWriteExt;
    /// use std::time::{Duration, SystemTime};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-times-{}", std::process::id()));
    ///     let mut file = corio::fs::File::create(&path).await?;
    ///     file.write_all(b"old news").await?;
    ///     let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    ///     file.set_times(FileTimes::new().set_accessed(then).set_modified(then)).await?;
    ///     assert_eq!(std::fs::metadata(&path)?.modified()?, then);
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub async fn set_times(&mut self, times: FileTimes) -> io::Result<()> {
        self.settled(move |std| std.set_times(times)).await
    }

    /// Flushes the buffer, then sets the file's modification time, as
    /// [`set_times`](File::set_times) with only that time. See
    /// [`std::fs::File::set_modified`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-mtime-{}", std::process::id()));
    ///     let mut file = corio::fs::File::create(&path).await?;
    ///     let then = SystemTime::UNIX_EPOCH + Duration::from_secs(86_400);
    ///     file.set_modified(then).await?;
    ///     assert_eq!(file.metadata().await?.modified()?, then);
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub async fn set_modified(&mut self, time: SystemTime) -> io::Result<()> {
        self.settled(move |std| std.set_modified(time)).await
    }

    /// Brings the std file up to date with the caller's view, then runs `op`
    /// on it on the blocking pool as the file's operation in flight: if this
    /// future is dropped first, the next call still waits for it, so a
    /// truncation never lands after writes made later.
    async fn settled<F>(&mut self, op: F) -> io::Result<()>
    where
        F: FnOnce(&std::fs::File) -> io::Result<()> + Send + 'static,
    {
        poll_fn(|cx| self.poll_settle(cx)).await?;
        self.take_write_error()?;
        self.start(move |_, std| op(std).map(|()| Done::Settled));
        poll_fn(|cx| self.poll_finish(cx)).await.map(drop)
    }
}

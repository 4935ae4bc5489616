//! `OpenOptions`: std's builder for how to open a file, with an async `open`.
//!
//! The builder methods only set flags in memory, so they stay synchronous;
//! only [`OpenOptions::open`], which calls `open(2)`, hops to the blocking
//! pool.

use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::File;
use super::asyncify;

/// Options for opening a [`File`], mirroring [`std::fs::OpenOptions`].
///
/// # Examples
///
/// ```
/// use corio::fs::OpenOptions;
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let path = std::env::temp_dir().join(format!("corio-doc-options-{}", std::process::id()));
///     let _log = OpenOptions::new().append(true).create(true).open(&path).await?;
///     assert!(corio::fs::metadata(&path).await?.is_file());
///     corio::fs::remove_file(&path).await
/// })
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// Options with every flag off; set at least one of `read`, `write` or
    /// `append`.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let none_set = corio::fs::OpenOptions::new().open(std::env::temp_dir()).await;
    ///     assert_eq!(none_set.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// });
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Open for reading.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncReadExt;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-read-opt-{}", std::process::id()));
    ///     corio::fs::write(&path, "text").await?;
    ///     let mut file = corio::fs::OpenOptions::new().read(true).open(&path).await?;
    ///     let mut text = String::new();
    ///     file.read_to_string(&mut text).await?;
    ///     assert_eq!(text, "text");
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Open for writing (from the start, unless `append`).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncWriteExt;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-write-opt-{}", std::process::id()));
    ///     corio::fs::write(&path, "xyz").await?;
    ///     let mut file = corio::fs::OpenOptions::new().write(true).open(&path).await?;
    ///     file.write_all(b"ab").await?;
    ///     file.close().await?;
    ///     assert_eq!(corio::fs::read(&path).await?, b"abz", "written over from the start");
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Every write goes to the end of the file (implies `write`).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncWriteExt;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-append-opt-{}", std::process::id()));
    ///     corio::fs::write(&path, "abc").await?;
    ///     let mut file = corio::fs::OpenOptions::new().append(true).open(&path).await?;
    ///     file.write_all(b"d").await?;
    ///     file.close().await?;
    ///     assert_eq!(corio::fs::read(&path).await?, b"abcd");
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Empty the file when opening it (needs `write`).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-truncate-opt-{}", std::process::id()));
    ///     corio::fs::write(&path, "old").await?;
    ///     let _file = corio::fs::OpenOptions::new().write(true).truncate(true).open(&path).await?;
    ///     assert_eq!(corio::fs::metadata(&path).await?.len(), 0);
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs `write` or `append`).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-create-opt-{}", std::process::id()));
    ///     let _ = corio::fs::remove_file(&path).await;
    ///     let _file = corio::fs::OpenOptions::new().write(true).create(true).open(&path).await?;
    ///     assert!(corio::fs::metadata(&path).await?.is_file());
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Create the file, failing with `AlreadyExists` if it exists.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-create-new-opt-{}", std::process::id()));
    ///     corio::fs::write(&path, "").await?;
    ///     let again = corio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await;
    ///     assert_eq!(again.unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// The permission bits of a file this call creates (before the umask).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-mode-opt-{}", std::process::id()));
    ///     let _ = corio::fs::remove_file(&path).await;
    ///     let mut options = corio::fs::OpenOptions::new();
    ///     let _file = options.write(true).create(true).mode(0o600).open(&path).await?;
    ///     let mode = corio::fs::metadata(&path).await?.permissions().mode();
    ///     assert_eq!(mode & 0o777, 0o600);
    ///     corio::fs::remove_file(&path).await
    /// })
    /// # }
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        self.0.mode(mode);
        self
    }

    /// Extra `open(2)` flags (`libc::O_NOFOLLOW`, `O_NOATIME`, ...), or-ed
    /// with those the other options set; the access mode bits are ignored
    /// (std's `OpenOptionsExt::custom_flags`). `O_DIRECT` does not suit a
    /// [`File`]: its buffer, reads ahead and rewinds are not aligned as
    /// direct I/O needs, so its calls can fail with `EINVAL` (use the std
    /// file on the blocking pool for that).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let dir = std::env::temp_dir();
    ///     let link = dir.join(format!("corio-doc-nofollow-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&link);
    ///     std::os::unix::fs::symlink(&dir, &link)?;
    ///     let mut options = corio::fs::OpenOptions::new();
    ///     options.read(true).custom_flags(libc::O_NOFOLLOW);
    ///     let refused = options.open(&link).await.unwrap_err();
    ///     assert_eq!(refused.raw_os_error(), Some(libc::ELOOP), "a symlink is refused");
    ///     std::fs::remove_file(&link)
    /// })
    /// # }
    /// ```
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        self.0.custom_flags(flags);
        self
    }

    /// Opens `path` with these options. Errors are std's: `NotFound`,
    /// `PermissionDenied`, `AlreadyExists`, `InvalidInput` for a
    /// contradictory set of flags...
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let missing = std::env::temp_dir().join("corio-doc-no-such-file");
    ///     let err = corio::fs::OpenOptions::new().read(true).open(missing).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let (options, path) = (self.0.clone(), path.as_ref().to_owned());
        asyncify("corio::fs::OpenOptions::open", move || {
            Ok(File::just_opened(options.open(path)?))
        })
        .await
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

/// tokio's conversion: keeps every flag set on the std builder, custom
/// flags and mode included.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let mut std_options = std::fs::OpenOptions::new();
///     std_options.read(true);
///     let options = corio::fs::OpenOptions::from(std_options);
///     let dir = options.open(std::env::temp_dir()).await?;
///     assert!(dir.metadata().await?.is_dir());
///     Ok(())
/// })
/// # }
/// ```
impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(options: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(options)
    }
}

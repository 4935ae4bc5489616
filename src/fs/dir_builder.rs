//! `DirBuilder`: std's builder for creating directories, with an async
//! `create`.
//!
//! As with [`OpenOptions`](super::OpenOptions), the settings are plain
//! fields set in memory; only [`DirBuilder::create`], which calls
//! `mkdir(2)` (once per missing parent when recursive), hops to the
//! blocking pool.

use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use super::asyncify;

/// Creates directories with options, mirroring [`std::fs::DirBuilder`]
/// (tokio's `fs::DirBuilder`).
///
/// # Examples
///
/// ```
/// use corio::fs::DirBuilder;
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let root = std::env::temp_dir().join(format!("corio-doc-dirbuilder-{}", std::process::id()));
///     DirBuilder::new().recursive(true).create(root.join("a/b")).await?;
///     assert!(corio::fs::metadata(root.join("a/b")).await?.is_dir());
///     corio::fs::remove_dir_all(&root).await
/// })
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct DirBuilder {
    recursive: bool,
    mode: Option<u32>,
}

impl DirBuilder {
    /// A builder that creates one directory, whose parent must exist,
    /// with the default mode (`0o777`, less the process's umask).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let missing_parent = std::env::temp_dir().join("corio-doc-no-parent/child");
    ///     let err = corio::fs::DirBuilder::new().create(missing_parent).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Whether to create every missing parent too. A recursive create of
    /// a directory that already exists succeeds; a plain one fails with
    /// `AlreadyExists`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("corio-doc-recursive-{}", std::process::id()));
    ///     let mut builder = corio::fs::DirBuilder::new();
    ///     builder.recursive(true);
    ///     builder.create(&dir).await?;
    ///     builder.create(&dir).await?; // already there: fine
    ///     corio::fs::remove_dir(&dir).await
    /// })
    /// # }
    /// ```
    pub fn recursive(&mut self, recursive: bool) -> &mut DirBuilder {
        self.recursive = recursive;
        self
    }

    /// The permission bits of each directory created (less the umask).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("corio-doc-dirmode-{}", std::process::id()));
    ///     corio::fs::DirBuilder::new().mode(0o700).create(&dir).await?;
    ///     let mode = corio::fs::metadata(&dir).await?.permissions().mode();
    ///     assert_eq!(mode & 0o777, 0o700);
    ///     corio::fs::remove_dir(&dir).await
    /// })
    /// # }
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut DirBuilder {
        self.mode = Some(mode);
        self
    }

    /// Creates the directory at `path` with these settings.
    ///
    /// # Errors
    ///
    /// std's: `AlreadyExists` (unless recursive), `NotFound` for a missing
    /// parent (unless recursive), `PermissionDenied`, ...
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("corio-doc-dircreate-{}", std::process::id()));
    ///     corio::fs::DirBuilder::new().create(&dir).await?;
    ///     let again = corio::fs::DirBuilder::new().create(&dir).await.unwrap_err();
    ///     assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
    ///     corio::fs::remove_dir(&dir).await
    /// })
    /// # }
    /// ```
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(self.recursive);
        if let Some(mode) = self.mode {
            builder.mode(mode);
        }
        let path = path.as_ref().to_owned();
        asyncify("corio::fs::DirBuilder::create", move || {
            builder.create(path)
        })
        .await
    }
}

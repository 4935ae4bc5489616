//! Whole-file and path operations: one call to `std::fs`, one blocking hop.
//!
//! Each function copies its arguments into owned values (the closure must be
//! `'static` to move to another thread) and hands `std::fs`'s answer back
//! unchanged.

use std::fs::Metadata;
use std::io;
use std::path::Path;

use super::asyncify;

/// Reads a whole file into a `Vec`. See [`std::fs::read`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let path = std::env::temp_dir().join(format!("corio-doc-read-{}", std::process::id()));
///     corio::fs::write(&path, b"hello").await?;
///     assert_eq!(corio::fs::read(&path).await?, b"hello");
///     corio::fs::remove_file(&path).await
/// })
/// # }
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::read", move || std::fs::read(path)).await
}

/// Reads a whole UTF-8 file into a `String`. See [`std::fs::read_to_string`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let path = std::env::temp_dir().join(format!("corio-doc-string-{}", std::process::id()));
///     corio::fs::write(&path, "héllo").await?;
///     assert_eq!(corio::fs::read_to_string(&path).await?, "héllo");
///     corio::fs::remove_file(&path).await
/// })
/// # }
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::read_to_string", move || {
        std::fs::read_to_string(path)
    })
    .await
}

/// Creates or truncates a file and writes `contents` to it. See
/// [`std::fs::write`]. The contents are copied once, to move them to the
/// blocking pool's thread (tokio moves a `Vec` or `String` without a copy).
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let path = std::env::temp_dir().join(format!("corio-doc-write-{}", std::process::id()));
///     corio::fs::write(&path, vec![7; 10]).await?;
///     assert_eq!(corio::fs::metadata(&path).await?.len(), 10);
///     corio::fs::remove_file(&path).await
/// })
/// # }
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify("corio::fs::write", move || std::fs::write(path, contents)).await
}

/// Copies a file's contents and permissions to another path, returning the
/// number of bytes copied. See [`std::fs::copy`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let dir = std::env::temp_dir();
///     let from = dir.join(format!("corio-doc-copy-a-{}", std::process::id()));
///     let to = dir.join(format!("corio-doc-copy-b-{}", std::process::id()));
///     corio::fs::write(&from, b"twice").await?;
///     assert_eq!(corio::fs::copy(&from, &to).await?, 5);
///     assert_eq!(corio::fs::read(&to).await?, b"twice");
///     corio::fs::remove_file(&from).await?;
///     corio::fs::remove_file(&to).await
/// })
/// # }
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("corio::fs::copy", move || std::fs::copy(from, to)).await
}

/// Renames a file or directory, replacing `to` if it is a file. See
/// [`std::fs::rename`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let dir = std::env::temp_dir();
///     let from = dir.join(format!("corio-doc-rename-a-{}", std::process::id()));
///     let to = dir.join(format!("corio-doc-rename-b-{}", std::process::id()));
///     corio::fs::write(&from, b"moved").await?;
///     corio::fs::rename(&from, &to).await?;
///     assert!(corio::fs::metadata(&from).await.is_err());
///     corio::fs::remove_file(&to).await
/// })
/// # }
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("corio::fs::rename", move || std::fs::rename(from, to)).await
}

/// Removes a file. See [`std::fs::remove_file`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let path = std::env::temp_dir().join(format!("corio-doc-remove-{}", std::process::id()));
///     corio::fs::write(&path, b"").await?;
///     corio::fs::remove_file(&path).await?;
///     let err = corio::fs::remove_file(&path).await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
///     Ok(())
/// })
/// # }
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::remove_file", move || std::fs::remove_file(path)).await
}

/// Creates a directory and any missing parents. See
/// [`std::fs::create_dir_all`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let root = std::env::temp_dir().join(format!("corio-doc-mkdir-{}", std::process::id()));
///     corio::fs::create_dir_all(root.join("a/b/c")).await?;
///     assert!(corio::fs::metadata(root.join("a/b/c")).await?.is_dir());
///     corio::fs::remove_dir_all(&root).await
/// })
/// # }
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::create_dir_all", move || {
        std::fs::create_dir_all(path)
    })
    .await
}

/// Removes a directory and everything in it. See [`std::fs::remove_dir_all`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let root = std::env::temp_dir().join(format!("corio-doc-rmdir-{}", std::process::id()));
///     corio::fs::create_dir_all(&root).await?;
///     corio::fs::write(root.join("file"), b"x").await?;
///     corio::fs::remove_dir_all(&root).await?;
///     assert!(corio::fs::metadata(&root).await.is_err());
///     Ok(())
/// })
/// # }
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::remove_dir_all", move || {
        std::fs::remove_dir_all(path)
    })
    .await
}

/// A path's metadata, following symbolic links. See [`std::fs::metadata`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let meta = corio::fs::metadata(std::env::temp_dir()).await?;
///     assert!(meta.is_dir());
///     Ok(())
/// })
/// # }
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::metadata", move || std::fs::metadata(path)).await
}

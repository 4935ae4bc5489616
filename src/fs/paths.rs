//! Directories, links and permissions: the rest of `std::fs`'s path
//! functions, one blocking hop each, as in `ops.rs`.

use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

use super::asyncify;

/// Creates one directory; its parent must exist. See
/// [`std::fs::create_dir`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let dir = std::env::temp_dir().join(format!("corio-doc-mkdir1-{}", std::process::id()));
///     corio::fs::create_dir(&dir).await?;
///     let again = corio::fs::create_dir(&dir).await.unwrap_err();
///     assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
///     corio::fs::remove_dir(&dir).await
/// })
/// # }
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::create_dir", move || std::fs::create_dir(path)).await
}

/// Removes an empty directory. See [`std::fs::remove_dir`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let dir = std::env::temp_dir().join(format!("corio-doc-rmdir1-{}", std::process::id()));
///     corio::fs::create_dir(&dir).await?;
///     corio::fs::write(dir.join("file"), b"x").await?;
///     assert!(corio::fs::remove_dir(&dir).await.is_err(), "not empty");
///     corio::fs::remove_file(dir.join("file")).await?;
///     corio::fs::remove_dir(&dir).await?;
///     assert!(!corio::fs::try_exists(&dir).await?);
///     Ok(())
/// })
/// # }
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::remove_dir", move || std::fs::remove_dir(path)).await
}

/// The absolute form of a path, with every symbolic link and `..`
/// resolved. See [`std::fs::canonicalize`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let tmp = std::env::temp_dir();
///     let roundabout = tmp.join("..").join(tmp.file_name().unwrap());
///     assert_eq!(
///         corio::fs::canonicalize(&roundabout).await?,
///         std::fs::canonicalize(&tmp)?,
///     );
///     Ok(())
/// })
/// # }
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::canonicalize", move || {
        std::fs::canonicalize(path)
    })
    .await
}

/// Whether a path exists: `Ok(false)` when it does not, an error when that
/// cannot be known (no permission to look). Follows symbolic links. See
/// [`std::fs::exists`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     assert!(corio::fs::try_exists(std::env::temp_dir()).await?);
///     assert!(!corio::fs::try_exists("/no/such/path").await?);
///     Ok(())
/// })
/// # }
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::try_exists", move || std::fs::exists(path)).await
}

/// A path's own metadata: of a symbolic link itself, not what it points
/// to. See [`std::fs::symlink_metadata`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let dir = std::env::temp_dir();
///     let link = dir.join(format!("corio-doc-lmeta-{}", std::process::id()));
///     corio::fs::symlink(&dir, &link).await?;
///     assert!(corio::fs::symlink_metadata(&link).await?.is_symlink());
///     assert!(corio::fs::metadata(&link).await?.is_dir());
///     corio::fs::remove_file(&link).await
/// })
/// # }
/// ```
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::symlink_metadata", move || {
        std::fs::symlink_metadata(path)
    })
    .await
}

/// Creates a symbolic link at `link` that points to `original`. See
/// [`std::os::unix::fs::symlink`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let dir = std::env::temp_dir();
///     let target = dir.join(format!("corio-doc-target-{}", std::process::id()));
///     let link = dir.join(format!("corio-doc-link-{}", std::process::id()));
///     corio::fs::write(&target, b"pointed at").await?;
///     corio::fs::symlink(&target, &link).await?;
///     assert_eq!(corio::fs::read_link(&link).await?, target);
///     assert_eq!(corio::fs::read(&link).await?, b"pointed at");
///     corio::fs::remove_file(&link).await?;
///     corio::fs::remove_file(&target).await
/// })
/// # }
/// ```
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("corio::fs::symlink", move || {
        std::os::unix::fs::symlink(original, link)
    })
    .await
}

/// Where a symbolic link points, as written in the link. See
/// [`std::fs::read_link`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let link = std::env::temp_dir().join(format!("corio-doc-readlink-{}", std::process::id()));
///     corio::fs::symlink("relative/target", &link).await?;
///     let target = corio::fs::read_link(&link).await?;
///     assert_eq!(target, std::path::Path::new("relative/target"));
///     corio::fs::remove_file(&link).await
/// })
/// # }
/// ```
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::read_link", move || std::fs::read_link(path)).await
}

/// Creates a second name, `link`, for the file at `original` (a hard
/// link). See [`std::fs::hard_link`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let dir = std::env::temp_dir();
///     let first = dir.join(format!("corio-doc-hard-a-{}", std::process::id()));
///     let second = dir.join(format!("corio-doc-hard-b-{}", std::process::id()));
///     corio::fs::write(&first, b"one file").await?;
///     corio::fs::hard_link(&first, &second).await?;
///     corio::fs::remove_file(&first).await?;
///     assert_eq!(corio::fs::read(&second).await?, b"one file");
///     corio::fs::remove_file(&second).await
/// })
/// # }
/// ```
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("corio::fs::hard_link", move || {
        std::fs::hard_link(original, link)
    })
    .await
}

/// Changes a file's or directory's permissions. See
/// [`std::fs::set_permissions`].
///
/// # Examples
///
/// ```
/// use std::os::unix::fs::PermissionsExt;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let path = std::env::temp_dir().join(format!("corio-doc-chmod-{}", std::process::id()));
///     corio::fs::write(&path, b"").await?;
///     corio::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).await?;
///     let mode = corio::fs::metadata(&path).await?.permissions().mode();
///     assert_eq!(mode & 0o777, 0o600);
///     corio::fs::remove_file(&path).await
/// })
/// # }
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, permissions: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("corio::fs::set_permissions", move || {
        std::fs::set_permissions(path, permissions)
    })
    .await
}

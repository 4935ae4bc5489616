//! Files and directories, on the blocking pool.
//!
//! The reactor can only wait for descriptors that can be *not ready*: a
//! socket with no data, a pipe with no room. A regular file is never like
//! that: a disk read never returns `WouldBlock`, it simply blocks the thread
//! until the data is in memory. epoll refuses to watch a regular file at all
//! (`EPERM`) and `poll` calls it always readable and writable. So files
//! cannot go through [`crate::io::Async`]; every file operation runs as a
//! closure on the blocking pool instead, exactly as tokio does:
//!
//! ```text
//!   task: fs::read(path).await
//!     └─► blocking pool thread: std::fs::read(path) ─► JoinHandle ─► task wakes
//! ```
//!
//! One operation is one thread hop (a queue push, a wake-up, a context
//! switch each way), which costs microseconds; a [`File`] therefore buffers,
//! so that many small reads or writes share one hop (see `file/` and
//! `buf.rs`).
//!
//! The files:
//!
//! - `ops.rs`: whole-file and path operations ([`read`], [`write()`],
//!   [`copy`], [`rename`]...), each one hop;
//! - `paths.rs`: directories, links and permissions ([`create_dir`],
//!   [`symlink`], [`set_permissions`]...), one hop each too;
//! - `read_dir.rs`: [`ReadDir`], which fetches entries in batches;
//! - `open_options.rs`: [`OpenOptions`], std's builder with an async `open`,
//!   and `dir_builder.rs`: [`DirBuilder`], std's with an async `create`;
//! - `file/mod.rs` and `buf.rs`: [`File`] and the buffer it moves between
//!   the task and the blocking thread; `file/poll.rs`: how each `poll_*`
//!   method moves the file between idle and busy; `file/meta.rs`: the
//!   whole-file calls (metadata, length, times, syncs).
//!
//! **Cancel safety.** Dropping the future of an operation does not stop it:
//! the closure already queued on the pool runs to the end, so a dropped
//! `fs::write` may still write the file. A [`File`] keeps its in-flight
//! operation in itself, not in the future, so dropping a read or write future
//! loses nothing: the next call picks up the result.
//!
//! Errors are `std`'s `io::Error`s unchanged (`NotFound`, `PermissionDenied`,
//! ...). Every function panics outside a corio runtime, when first polled.
//!
//! This module is the `fs` Cargo feature, on by default.
//!
//! The chapter `docs/signals-and-files.md` compares this with the reactor.

mod buf;
mod dir_builder;
mod file;
mod open_options;
mod ops;
mod paths;
mod read_dir;

pub use dir_builder::DirBuilder;
pub use file::File;
pub use open_options::OpenOptions;
pub use ops::{
    copy, create_dir_all, metadata, read, read_to_string, remove_dir_all, remove_file, rename,
    write,
};
pub use paths::{
    canonicalize, create_dir, hard_link, read_link, remove_dir, set_permissions, symlink,
    symlink_metadata, try_exists,
};
pub use read_dir::{DirEntry, ReadDir, read_dir};
/// The timestamps [`File::set_times`] sets: std's type, re-exported
/// (tokio has its own, with the same `new`, `set_accessed` and
/// `set_modified`).
///
/// # Examples
///
/// ```
/// use std::time::{Duration, SystemTime};
///
/// let times = corio::fs::FileTimes::new().set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(60));
/// # let _ = times;
/// ```
pub use std::fs::FileTimes;

use crate::blocking::asyncify;

//! Unix-domain sockets: TCP-like streams and UDP-like datagrams between
//! processes on one machine, addressed by filesystem paths.
//!
//! They ride the same reactor as TCP and UDP. One difference: `connect` to a
//! Unix socket usually completes at once in the kernel (there is no
//! handshake over a network); it is still made non-blocking
//! (`net/socket.rs`), since to a listener whose backlog is full a blocking
//! one would wait with no limit.
//!
//! On Linux a path that starts with a NUL byte names a socket in the
//! *abstract namespace*: no file, gone when its last descriptor closes (as
//! in tokio; X11 and D-Bus use them). Every call that takes a path here
//! accepts one.

use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

mod datagram;
mod datagram_poll;
mod datagram_ready;
mod listener;
mod ready;
mod socket;
mod split;
mod stream;
mod ucred;

pub use crate::net::split::{Reader, Split, Writer};
pub use datagram::UnixDatagram;
pub use listener::{Incoming, UnixListener};
pub use socket::UnixSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::UnixStream;
pub use ucred::UCred;

/// `path` as std's Unix socket address: a path, or on Linux and Android an
/// abstract name when it starts with a NUL byte (std's own `bind(path)`
/// refuses those).
fn std_addr(path: &Path) -> io::Result<SocketAddr> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::ffi::OsStrExt;
        if let Some(name) = path.as_os_str().as_bytes().strip_prefix(&[0]) {
            return SocketAddr::from_abstract_name(name);
        }
    }
    SocketAddr::from_pathname(path)
}

/// `addr` as the path the calls here take: its path, or on Linux and
/// Android its abstract name behind a NUL byte; an unnamed address is the
/// empty path (a connect to it fails, a bind to it picks an abstract name).
fn addr_path(addr: &SocketAddr) -> std::path::PathBuf {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::ffi::OsStrExt;
        if let Some(name) = addr.as_abstract_name() {
            let mut path = vec![0];
            path.extend_from_slice(name);
            return std::ffi::OsStr::from_bytes(&path).into();
        }
    }
    addr.as_pathname().unwrap_or(Path::new("")).into()
}

/// The socket file a `bind` has just made at `addr`, removed on drop unless
/// [`keep`](Self::keep) is called: a bind whose registration with the
/// reactor then fails (a runtime shutting down, a full reactor) or panics
/// (outside a runtime) leaves no file behind to refuse the next bind with
/// `AddrInUse`. Only this call made the file (a bind refuses an existing
/// one), and the drop removes it only if the path still names that very
/// file (its device and inode), not one another server put there since.
/// tokio leaves it.
struct MadeFile<'a>(Option<(&'a Path, (u64, u64))>);

impl<'a> MadeFile<'a> {
    fn new(addr: &'a SocketAddr) -> MadeFile<'a> {
        MadeFile(
            addr.as_pathname()
                .and_then(|path| Some((path, file_id(path)?))),
        )
    }

    /// The bind went through: the file is the socket's.
    fn keep<T>(mut self, bound: T) -> T {
        self.0 = None;
        bound
    }
}

/// The device and inode `path` names, if it names anything.
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    Some((meta.dev(), meta.ino()))
}

impl Drop for MadeFile<'_> {
    fn drop(&mut self) {
        if let Some((path, id)) = self.0
            && file_id(path) == Some(id)
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

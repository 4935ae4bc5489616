//! `UnixSocket`: a Unix socket made before it is bound, connected or made
//! to listen, as tokio's `UnixSocket` (and [`TcpSocket`](crate::net::TcpSocket)
//! for TCP): for a client bound to a path of its own before it connects,
//! or a listener with a backlog of your choosing.
//!
//! One type covers both kinds, as in tokio: a stream socket may `listen` or
//! `connect`, a datagram socket becomes a [`UnixDatagram`]; the wrong one
//! for its kind is an error of kind `Other` (tokio's), not a panic.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::net;
use std::path::Path;

use super::{UnixDatagram, UnixListener, UnixStream};
use crate::net::socket;

/// A Unix socket not yet bound, connected or listening; see the module doc.
///
/// # Examples
///
/// ```
/// use corio::net::UnixSocket;
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let path = std::env::temp_dir().join(format!("corio-doc-socket-{}", std::process::id()));
///     let _ = std::fs::remove_file(&path);
///     let server = UnixSocket::new_stream()?;
///     server.bind(&path)?;
///     let listener = server.listen(16)?;
///     let client = UnixSocket::new_stream()?.connect(&path).await?;
///     let (_stream, _) = listener.accept().await?;
///     assert!(client.peer_addr()?.as_pathname().is_some());
///     std::fs::remove_file(&path)?;
///     Ok(())
/// })
/// # }
/// ```
#[derive(Debug)]
pub struct UnixSocket {
    fd: OwnedFd,
}

impl UnixSocket {
    /// A new Unix stream socket (non-blocking, close-on-exec).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// let socket = corio::net::UnixSocket::new_stream()?;
    /// # drop(socket);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new_stream() -> io::Result<UnixSocket> {
        UnixSocket::new(libc::SOCK_STREAM)
    }

    /// A new Unix datagram socket (non-blocking, close-on-exec).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// let socket = corio::net::UnixSocket::new_datagram()?;
    /// # drop(socket);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new_datagram() -> io::Result<UnixSocket> {
        UnixSocket::new(libc::SOCK_DGRAM)
    }

    fn new(kind: libc::c_int) -> io::Result<UnixSocket> {
        Ok(UnixSocket {
            fd: socket::new_socket(libc::AF_UNIX, kind)?,
        })
    }

    /// Binds the socket to `path` (on Linux, a path that starts with a NUL
    /// byte is an abstract name). A file at `path` makes it fail with
    /// `AddrInUse`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("corio-doc-bind-{}", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// corio::net::UnixSocket::new_datagram()?.bind(&path)?;
    /// assert!(path.exists());
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind(&self, path: impl AsRef<Path>) -> io::Result<()> {
        socket::bind_unix(self, path.as_ref())
    }

    /// Makes a stream socket listen, with up to `backlog` connections
    /// waiting for `accept` (the kernel caps it).
    ///
    /// # Errors
    ///
    /// `Other` for a datagram socket, and from the kernel for one not
    /// bound first (`EINVAL`); what `listen` says otherwise.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::UnixSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let refused = UnixSocket::new_datagram()?.listen(8).unwrap_err();
    ///     assert_eq!(refused.kind(), std::io::ErrorKind::Other);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        self.refuse_datagram("listen")?;
        socket::listen(&self, backlog)?;
        UnixListener::from_std(net::UnixListener::from(self.fd))
    }

    /// Connects a stream socket to the listener at `path`; the socket's
    /// own address, if bound, is what the listener sees.
    ///
    /// # Errors
    ///
    /// `Other` for a datagram socket; what the connect met otherwise
    /// (`NotFound` with no socket at `path`, `ConnectionRefused` with
    /// nobody listening there, `WouldBlock` at once when the listener's
    /// backlog is full, as in tokio: a Unix connect does not wait).
    ///
    /// # Panics
    ///
    /// Outside a corio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::UnixSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-nobody-{}", std::process::id()));
    ///     let err = UnixSocket::new_stream()?.connect(&path).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn connect(self, path: impl AsRef<Path>) -> io::Result<UnixStream> {
        self.refuse_datagram("connect")?;
        socket::connect_unix_started(&self, path.as_ref())?;
        UnixStream::finish_connect(net::UnixStream::from(self.fd)).await
    }

    /// Makes a datagram socket a [`UnixDatagram`] (bound or not).
    ///
    /// # Errors
    ///
    /// `Other` for a stream socket.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::UnixSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-dgram-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let socket = UnixSocket::new_datagram()?;
    ///     socket.bind(&path)?;
    ///     let receiver = socket.datagram()?;
    ///     let sender = corio::net::UnixDatagram::unbound()?;
    ///     sender.send_to(b"hi", &path).await?;
    ///     let mut buf = [0; 2];
    ///     assert_eq!(receiver.recv(&mut buf).await?, 2);
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        if self.kind()? != libc::SOCK_DGRAM {
            return Err(io::Error::other(
                "`datagram` cannot be called on a stream socket",
            ));
        }
        UnixDatagram::from_std(net::UnixDatagram::from(self.fd))
    }

    /// The socket's kind (`SO_TYPE`).
    fn kind(&self) -> io::Result<libc::c_int> {
        socket::get_option::<libc::c_int>(self, libc::SOL_SOCKET, libc::SO_TYPE)
    }

    /// An error of kind `Other` for a datagram socket (tokio's), which
    /// cannot `call` (a `SOCK_SEQPACKET` socket may, as in tokio).
    fn refuse_datagram(&self, call: &str) -> io::Result<()> {
        if self.kind()? == libc::SOCK_DGRAM {
            return Err(io::Error::other(format!(
                "`{call}` cannot be called on a datagram socket"
            )));
        }
        Ok(())
    }
}

impl AsFd for UnixSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for UnixSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl IntoRawFd for UnixSocket {
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl FromRawFd for UnixSocket {
    /// # Safety
    ///
    /// `fd` must be an open Unix socket that nothing else owns; it should
    /// be non-blocking, as `connect` and `listen` expect.
    unsafe fn from_raw_fd(fd: RawFd) -> UnixSocket {
        UnixSocket {
            // SAFETY: the caller hands over ownership of an open socket.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        }
    }
}

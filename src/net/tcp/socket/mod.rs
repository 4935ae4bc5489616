//! [`TcpSocket`]: a TCP socket before it is a stream or a listener, for the
//! options that must be set before `bind`, `connect` or `listen`.
//!
//! `TcpStream::connect` and `TcpListener::bind` make their socket and use it
//! in one step, which is all most programs need. Some options only count if
//! they are set in between:
//!
//! ```text
//!   TcpSocket::new_v4()            socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK)
//!     .set_reuseaddr(true)         setsockopt(SO_REUSEADDR)    before bind
//!     .set_reuseport(true)         setsockopt(SO_REUSEPORT)    before bind
//!     .set_recv_buffer_size(n)     setsockopt(SO_RCVBUF)       before listen/connect
//!     .bind(addr)                  bind()
//!     ├─► .listen(backlog)  ─────► TcpListener
//!     └─► .connect(addr).await ──► TcpStream (the non-blocking connect of `net/socket.rs`)
//! ```
//!
//! `SO_REUSEADDR` lets a server restart at once on a port whose old
//! connections linger in `TIME_WAIT`; `SO_REUSEPORT` lets several listeners
//! (one per thread or process) share a port, the kernel spreading new
//! connections among them; binding before `connect` picks the local address
//! a client speaks from. The type and its methods are tokio's `TcpSocket`.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

use super::{TcpListener, TcpStream};
use crate::net::socket;

mod ip;
mod options;

/// A TCP socket not yet connected or listening: set its options, then
/// [`connect`](TcpSocket::connect) it or make it [`listen`](TcpSocket::listen).
///
/// Made without a runtime (it is only a descriptor); `connect` and `listen`
/// register it with the current one.
///
/// # Examples
///
/// ```
/// use corio::net::TcpSocket;
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let socket = TcpSocket::new_v4()?;
///     socket.set_reuseaddr(true)?;
///     socket.bind("127.0.0.1:0".parse().unwrap())?;
///     let listener = socket.listen(1024)?;
///
///     let client = TcpSocket::new_v4()?;
///     let stream = client.connect(listener.local_addr()?).await?;
///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
///     Ok(())
/// })
/// # }
/// ```
#[derive(Debug)]
pub struct TcpSocket {
    fd: OwnedFd,
}

impl TcpSocket {
    /// A new IPv4 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert!(socket.local_addr()?.is_ipv4());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            fd: socket::new_stream_socket(libc::AF_INET)?,
        })
    }

    /// A new IPv6 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// // Where the machine has IPv6, bound to its loopback.
    /// if let Ok(socket) = TcpSocket::new_v6() {
    ///     if socket.bind("[::1]:0".parse().unwrap()).is_ok() {
    ///         assert!(socket.local_addr()?.is_ipv6());
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            fd: socket::new_stream_socket(libc::AF_INET6)?,
        })
    }

    /// Binds the socket to `addr` (port 0: the kernel picks one).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert_ne!(socket.local_addr()?.port(), 0, "the kernel picked a port");
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        socket::bind(self, addr)
    }

    /// The address the socket is bound to.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert!(socket.local_addr()?.ip().is_loopback());
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        socket::local_addr(self)
    }

    /// The pending error of the socket (`SO_ERROR`), clearing it.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(socket.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        match socket::get_option::<libc::c_int>(self, libc::SOL_SOCKET, libc::SO_ERROR)? {
            0 => Ok(None),
            code => Ok(Some(io::Error::from_raw_os_error(code))),
        }
    }

    /// Connects to `addr` and returns the stream: the socket's options (and
    /// its local address, if bound) carry over.
    ///
    /// # Errors
    ///
    /// What the connection attempt met: `ConnectionRefused` with nobody
    /// listening, a timeout from the kernel, and so on.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpSocket::new_v4()?.connect(listener.local_addr()?).await?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        socket::connect_started(&self, addr)?;
        TcpStream::finish_connect(std::net::TcpStream::from(self.fd)).await
    }

    /// Makes the socket listen, with up to `backlog` connections waiting
    /// for `accept` (the kernel caps it: `net.core.somaxconn` on Linux).
    ///
    /// # Panics
    ///
    /// Outside a corio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = TcpSocket::new_v4()?;
    ///     socket.bind("127.0.0.1:0".parse().unwrap())?;
    ///     let listener = socket.listen(128)?;
    ///     let _client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_stream, peer) = listener.accept().await?;
    ///     assert!(peer.ip().is_loopback());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        socket::listen(&self, backlog)?;
        TcpListener::from_std(std::net::TcpListener::from(self.fd))
    }

    /// Wraps a socket made by std (or another library), making it
    /// non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let socket = TcpSocket::from_std_stream(std_stream)?;
    /// assert!(socket.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_std_stream(stream: std::net::TcpStream) -> io::Result<TcpSocket> {
        stream.set_nonblocking(true)?;
        Ok(TcpSocket {
            fd: OwnedFd::from(stream),
        })
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl FromRawFd for TcpSocket {
    /// # Safety
    ///
    /// `fd` must be an open TCP socket that nothing else owns; it should be
    /// non-blocking, as `connect` and `listen` expect.
    unsafe fn from_raw_fd(fd: RawFd) -> TcpSocket {
        TcpSocket {
            // SAFETY: the caller hands over ownership of an open socket.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        }
    }
}

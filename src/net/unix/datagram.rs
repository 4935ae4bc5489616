//! `UnixDatagram`: Unix-domain datagrams, UDP-like but local and reliable.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use crate::io::Async;

/// A Unix-domain datagram socket. Every method but `into_std` takes `&self`.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (a, b) = corio::net::UnixDatagram::pair()?;
///     a.send(b"one").await?;
///     let mut buf = [0; 8];
///     assert_eq!(b.recv(&mut buf).await?, 3);
///     Ok(())
/// })
/// # }
/// ```
pub struct UnixDatagram {
    pub(super) inner: Async<net::UnixDatagram>,
}

impl UnixDatagram {
    /// A socket bound to `path` (the file must not exist yet; on Linux, a
    /// path starting with a NUL byte binds an abstract name: no file). A
    /// bind that fails after making the file removes it again.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime (leaving no file).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let dir = std::env::temp_dir();
    ///     let path = dir.join(format!("corio-doc-dgram-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = corio::net::UnixDatagram::bind(&path)?;
    ///     let client = corio::net::UnixDatagram::unbound()?;
    ///     client.send_to(b"hello", &path).await?;
    ///     let mut buf = [0; 8];
    ///     let (n, _from) = server.recv_from(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"hello");
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        let addr = super::std_addr(path.as_ref())?;
        let socket = net::UnixDatagram::bind_addr(&addr)?;
        let made = super::MadeFile::new(&addr);
        Ok(made.keep(UnixDatagram::from_std(socket)?))
    }

    /// A socket bound to no address. It can send, but a peer cannot reply:
    /// the peer's `recv_from` sees an unnamed sender, and connecting does
    /// not bind it (Linux binds on connect only with `SO_PASSCRED`). Use
    /// [`bind`](Self::bind) or [`pair`](Self::pair) for replies.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UnixDatagram::unbound()?;
    ///     assert!(socket.local_addr()?.is_unnamed());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(net::UnixDatagram::unbound()?)
    }

    /// Two connected sockets (`socketpair`).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     b.send(b"pong").await?;
    ///     assert_eq!(a.recv(&mut [0; 8]).await?, 4);
    ///     assert_eq!(a.peer_addr()?.as_pathname(), None, "a socketpair has no path");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// Wraps a std socket, making it non-blocking.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
    ///     let a = corio::net::UnixDatagram::from_std(a)?;
    ///     b.send(b"sync")?;
    ///     assert_eq!(a.recv(&mut [0; 8]).await?, 4);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(socket: net::UnixDatagram) -> io::Result<UnixDatagram> {
        // As for `UnixStream::from_std`: std's `socketpair` leaves it off on
        // Apple's systems, where a send after `shutdown(Write)` would raise
        // `SIGPIPE` in a host that keeps the signal at its default.
        #[cfg(target_vendor = "apple")]
        crate::net::socket::no_sigpipe_unless_gone(&socket)?;
        Ok(UnixDatagram {
            inner: Async::new(socket)?,
        })
    }

    /// Sets the default destination for [`send`](Self::send).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-conn-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = corio::net::UnixDatagram::bind(&path)?;
    ///     let client = corio::net::UnixDatagram::unbound()?;
    ///     client.connect(&path)?;
    ///     client.send(b"x").await?;
    ///     assert_eq!(server.recv(&mut [0; 1]).await?, 1);
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.inner
            .get_ref()
            .connect_addr(&super::std_addr(path.as_ref())?)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixDatagram::pair()?;
    ///     assert_eq!(a.send(b"one").await?, 3);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_with(|s| s.send(buf)).await
    }

    /// Receives one datagram. As with every receive of a datagram here
    /// (`recv_from`, the `try_` and `poll_` forms), bytes beyond
    /// `buf.len()` are dropped, silently: a zero-length `buf` takes the
    /// whole datagram and returns 0.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     a.send(b"one").await?;
    ///     a.send(b"two").await?;
    ///     let mut buf = [0; 8];
    ///     let n = b.recv(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"one", "one datagram per call");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|s| s.recv(buf)).await
    }

    /// Sends one datagram to the socket at `path`.
    ///
    /// If that socket's queue is full, Linux wakes a sender that is not
    /// [`connect`](Self::connect)ed to it only loosely (no wake-up list
    /// for unconnected senders), so the send may retry often, or wait for
    /// an unrelated event, until the receiver drains; tokio's is the same.
    /// A socket that sends to one peer only should `connect` to it.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-sendto-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let _server = corio::net::UnixDatagram::bind(&path)?;
    ///     let client = corio::net::UnixDatagram::unbound()?;
    ///     assert_eq!(client.send_to(b"hello", &path).await?, 5);
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let to = super::std_addr(path.as_ref())?;
        self.inner.write_with(|s| s.send_to_addr(buf, &to)).await
    }

    /// Receives one datagram and the sender's address.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     a.send(b"hi").await?;
    ///     let mut buf = [0; 8];
    ///     let (n, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!(n, 2);
    ///     assert!(from.is_unnamed(), "a socketpair has no path");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.read_with(|s| s.recv_from(buf)).await
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixDatagram::pair()?;
    ///     assert!(a.take_error()?.is_none());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }

    /// Shuts down the reading half, the writing half or both. After
    /// `Shutdown::Write` a send fails with `BrokenPipe`; after
    /// `Shutdown::Read` a peer's send does. Do not wait to receive on a
    /// socket whose reading half is shut: Linux reports it readable, yet
    /// answers a receive with `WouldBlock` once the queue is empty, so the
    /// receive never ends (tokio's does the same).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Shutdown;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixDatagram::pair()?;
    ///     a.shutdown(Shutdown::Write)?;
    ///     assert!(a.send(b"late").await.is_err());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.inner.get_ref().shutdown(how)
    }

    /// The std socket inside, taken out of the reactor. It stays
    /// non-blocking: call `set_nonblocking(false)` on it for blocking calls.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     let b = b.into_std()?;
    ///     b.set_nonblocking(false)?;
    ///     a.send(b"std").await?;
    ///     assert_eq!(b.recv(&mut [0; 8])?, 3);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<net::UnixDatagram> {
        Ok(self.inner.into_inner())
    }

    /// The local address.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-dlocal-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let socket = corio::net::UnixDatagram::bind(&path)?;
    ///     assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-dpeer-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let _server = corio::net::UnixDatagram::bind(&path)?;
    ///     let client = corio::net::UnixDatagram::unbound()?;
    ///     client.connect(&path)?;
    ///     assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnixDatagram")
            .field(self.inner.get_ref())
            .finish()
    }
}

/// tokio's spelling of [`UnixDatagram::from_std`].
impl TryFrom<net::UnixDatagram> for UnixDatagram {
    type Error = io::Error;

    fn try_from(socket: net::UnixDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(socket)
    }
}

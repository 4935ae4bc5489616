//! `UnixStream`: a connected Unix-domain byte stream.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::io::Async;

/// A Unix-domain stream socket. Implements [`AsyncRead`] and [`AsyncWrite`].
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (mut a, mut b) = corio::net::UnixStream::pair()?;
///     a.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     Ok(())
/// })
/// # }
/// ```
pub struct UnixStream {
    inner: Async<net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`. The kernel completes a local
    /// connect at once, so this only blocks if the listener's backlog is full.
    ///
    /// See the [`UnixListener` example](crate::net::UnixListener).
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        UnixStream::from_std(net::UnixStream::connect(path)?)
    }

    /// Two connected streams (`socketpair`).
    ///
    /// See the [type-level example](UnixStream).
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a std stream, making it non-blocking.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime.
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            inner: Async::new(stream)?,
        })
    }

    /// Reads some bytes; `Ok(0)` means the peer closed its side.
    ///
    /// See the [type-level example](UnixStream).
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).await
    }

    /// Writes some bytes, returning how many.
    ///
    /// See the [type-level example](UnixStream).
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).await
    }

    /// Writes all of `buf`.
    ///
    /// See the [type-level example](UnixStream).
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf).await
    }

    /// Fills all of `buf`, or fails with `UnexpectedEof`. Returns `buf.len()`.
    ///
    /// See the [type-level example](UnixStream).
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_exact(buf).await
    }

    /// Waits until the stream may be readable (possibly spuriously).
    ///
    /// See [`TcpStream::readable`](crate::net::TcpStream::readable).
    pub async fn readable(&self) -> io::Result<()> {
        self.inner.readable().await
    }

    /// Waits until the stream may be writable (possibly spuriously).
    ///
    /// See [`TcpStream::writable`](crate::net::TcpStream::writable).
    pub async fn writable(&self) -> io::Result<()> {
        self.inner.writable().await
    }

    /// The local address.
    ///
    /// See the [`UnixListener` example](crate::net::UnixListener).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// See the [`UnixListener` example](crate::net::UnixListener).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// Shuts down the read side, the write side, or both; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, mut b) = corio::net::UnixStream::pair()?;
    ///     a.shutdown(std::net::Shutdown::Write)?;
    ///     assert_eq!(b.read(&mut [0; 4]).await?, 0);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get_ref().shutdown(how)
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }

    /// A socket has no user-space buffer to flush.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts the write side down (the peer reads end-of-file).
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown(Shutdown::Write))
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnixStream")
            .field(self.inner.get_ref())
            .finish()
    }
}

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
    pub(super) inner: Async<net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`. A local connect usually completes
    /// at once; if the listener's backlog is full it fails with a
    /// `WouldBlock` error rather than wait (as tokio's does).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-sconnect-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let _listener = corio::net::UnixListener::bind(&path)?;
    ///     let stream = corio::net::UnixStream::connect(&path).await?;
    ///     assert_eq!(stream.peer_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        UnixStream::finish_connect(crate::net::socket::start_connect_unix(path.as_ref())?).await
    }

    /// Connects to the socket at std's address `addr` (a path, or on Linux
    /// an abstract name), as tokio's `connect_addr`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-caddr-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = corio::net::UnixListener::bind(&path)?;
    ///     let stream = corio::net::UnixStream::connect_addr(&listener.local_addr()?).await?;
    ///     assert_eq!(stream.peer_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn connect_addr(addr: &SocketAddr) -> io::Result<UnixStream> {
        UnixStream::connect(super::addr_path(addr)).await
    }

    /// Waits for a connect `started` began, and wraps the stream: its
    /// error, if the connect failed.
    pub(crate) async fn finish_connect(started: net::UnixStream) -> io::Result<UnixStream> {
        let stream = UnixStream::from_std(started)?;
        stream.inner.writable().await?;
        match stream.inner.get_ref().take_error()? {
            Some(error) => Err(error),
            None => Ok(stream),
        }
    }

    /// Two connected streams (`socketpair`).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, mut b) = corio::net::UnixStream::pair()?;
    ///     b.write_all(b"pong").await?;
    ///     let mut buf = [0; 4];
    ///     a.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"pong");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = net::UnixStream::pair()?;
        #[cfg(target_vendor = "apple")]
        {
            crate::net::socket::no_sigpipe(&a)?;
            crate::net::socket::no_sigpipe(&b)?;
        }
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a std stream, making it non-blocking.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    ///     let mut a = corio::net::UnixStream::from_std(a)?;
    ///     b.write_all(b"sync")?;
    ///     let mut buf = [0; 4];
    ///     a.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"sync");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        // As for `TcpStream::from_std`: accepted sockets lack it on Apple.
        #[cfg(target_vendor = "apple")]
        crate::net::socket::no_sigpipe_unless_gone(&stream)?;
        Ok(UnixStream {
            inner: Async::new(stream)?,
        })
    }

    /// Reads some bytes; `Ok(0)` means the peer closed its side.
    ///
    /// Cancel safety: cancel-safe; a dropped read has read nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, mut b) = corio::net::UnixStream::pair()?;
    ///     a.write_all(b"hi").await?;
    ///     drop(a);
    ///     let mut buf = [0; 8];
    ///     let n = b.read(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"hi");
    ///     assert_eq!(b.read(&mut buf).await?, 0, "the peer closed");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).await
    }

    /// Writes some bytes, returning how many.
    ///
    /// Cancel safety: cancel-safe; a dropped write has written nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, _b) = corio::net::UnixStream::pair()?;
    ///     assert_eq!(a.write(b"hi").await?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).await
    }

    /// Writes all of `buf`.
    ///
    /// Cancel safety: not cancel-safe. A dropped `write_all` may have
    /// written part of `buf`, and does not say how much (as in tokio).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, mut b) = corio::net::UnixStream::pair()?;
    ///     a.write_all(&[1; 10_000]).await?;
    ///     let mut buf = vec![0; 10_000];
    ///     b.read_exact(&mut buf).await?;
    ///     assert!(buf.iter().all(|&byte| byte == 1));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf).await
    }

    /// Fills all of `buf`, or fails with `UnexpectedEof`. Returns `buf.len()`.
    ///
    /// Cancel safety: not cancel-safe. A dropped `read_exact` may have
    /// consumed part of the bytes, which are then lost (as in tokio): in a
    /// `select!` loop, read into a buffer the loop keeps instead.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, mut b) = corio::net::UnixStream::pair()?;
    ///     a.write_all(b"abc").await?;
    ///     drop(a);
    ///     let mut buf = [0; 2];
    ///     assert_eq!(b.read_exact(&mut buf).await?, 2);
    ///     let error = b.read_exact(&mut buf).await.unwrap_err();
    ///     assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_exact(buf).await
    }

    /// The std stream inside, taken out of the reactor. It stays
    /// non-blocking: call `set_nonblocking(false)` on it for blocking I/O.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, b) = corio::net::UnixStream::pair()?;
    ///     let mut b = b.into_std()?;
    ///     b.set_nonblocking(false)?;
    ///     a.write_all(b"std").await?;
    ///     let mut buf = [0; 3];
    ///     b.read_exact(&mut buf)?;
    ///     assert_eq!(&buf, b"std");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<net::UnixStream> {
        Ok(self.inner.into_inner())
    }

    /// The local address.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-slocal-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = corio::net::UnixListener::bind(&path)?;
    ///     let _client = corio::net::UnixStream::connect(&path).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     assert_eq!(server.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixStream::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed(), "a socketpair has no path");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// The credentials of the process at the other end, as the kernel
    /// recorded them (the client's at its connect, the server's at its
    /// `listen`, the maker's for a pair): see [`UCred`](super::UCred).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixStream::pair()?;
    ///     // SAFETY: `geteuid` has no preconditions.
    ///     assert_eq!(a.peer_cred()?.uid(), unsafe { libc::geteuid() });
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn peer_cred(&self) -> io::Result<super::UCred> {
        super::ucred::peer_cred(self.inner.get_ref())
    }

    /// Takes the socket's pending error (`SO_ERROR`), clearing it: `None`
    /// if there is none.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixStream::pair()?;
    ///     assert!(a.take_error()?.is_none());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
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

/// The owned stream reads and writes as `&UnixStream` does (below).
impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_read(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_close(cx)
    }
}

/// Reading through a shared reference: with [`AsyncWrite`] for
/// `&UnixStream`, one task may read while another writes the same stream
/// (share it in an `Arc`), without a lock. One reader and one writer at a
/// time: a second concurrent `poll_read` through `&UnixStream` takes the
/// first one's place among the stream's waiters.
impl AsyncRead for &UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, None, buf)
    }
}

/// Writing through a shared reference; see `AsyncRead for &UnixStream`.
impl AsyncWrite for &UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, None, buf)
    }

    /// One gather write (`sendmsg`) of all of `bufs`, not one call per buffer.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_vectored(cx, None, bufs)
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

/// tokio's spelling of [`UnixStream::from_std`].
impl TryFrom<net::UnixStream> for UnixStream {
    type Error = io::Error;

    fn try_from(stream: net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(stream)
    }
}

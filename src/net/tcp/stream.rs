//! `TcpStream`: a TCP connection whose reads and writes await instead of block.
//!
//! A stream is an `Async<std::net::TcpStream>`; every operation is a
//! non-blocking syscall retried when the reactor reports readiness. The only
//! step std cannot do without blocking is the connect itself, which
//! [`crate::net::socket`] starts and this file finishes:
//! wait until the socket is writable, then read `SO_ERROR` to learn whether
//! the handshake succeeded (refused, unreachable and timed-out connects all
//! surface there as an `io::Error`).

use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::net::{self, Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::io::Async;
use crate::net::addr::{self, ToSocketAddrs};
use crate::net::socket;
use crate::net::split::{Reader, Writer};

/// A TCP connection.
///
/// Besides its inherent `async` methods, a `TcpStream` implements
/// [`futures_io::AsyncRead`] and [`futures_io::AsyncWrite`], so the
/// ecosystem's combinators (`futures-lite`, `futures-util`) work on it.
///
/// # Examples
///
/// ```
/// use corio::net::{TcpListener, TcpStream};
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///
///     client.write_all(b"hello").await?;
///     let mut buf = [0; 5];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hello");
///     Ok(())
/// })
/// # }
/// ```
pub struct TcpStream {
    pub(super) inner: Async<net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, trying each resolved address until one accepts.
    ///
    /// A host name is resolved on the blocking pool (see
    /// [`ToSocketAddrs`](crate::net::ToSocketAddrs)); an address is used as
    /// it is. The connect itself never blocks. A refused connection is an
    /// error of kind `ConnectionRefused`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last_error = None;
        for addr in addr::resolve(&addr).await? {
            match TcpStream::connect_addr(addr).await {
                Ok(stream) => return Ok(stream),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(addr::no_address))
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::finish_connect(socket::start_connect(addr)?).await
    }

    /// Waits for the connection `stream` started to be made (writable), and
    /// returns it or the reason it failed (`SO_ERROR`).
    pub(crate) async fn finish_connect(stream: net::TcpStream) -> io::Result<TcpStream> {
        let stream = TcpStream::from_std(stream)?;
        stream.inner.writable().await?;
        match stream.inner.get_ref().take_error()? {
            Some(error) => Err(error),
            None => Ok(stream),
        }
    }

    /// Wraps a connected std stream, making it non-blocking.
    ///
    /// On Linux the socket also gets the `TCP_INQ` option, so that each read
    /// says whether anything is left to read (see `docs/reactor.md`); it
    /// changes nothing for `read` and `write`, only adds a control message
    /// to a `recvmsg` made on the descriptor directly.
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
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    ///     let stream = corio::net::TcpStream::from_std(std_stream)?;
    ///     assert!(stream.peer_addr().is_ok());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        // Accepted sockets too: Apple's `accept` does not pass the
        // listener's `SO_NOSIGPIPE` on, and std sets it only on sockets it
        // makes itself (see `net/socket.rs`).
        #[cfg(target_vendor = "apple")]
        crate::net::socket::no_sigpipe_unless_gone(&stream)?;
        let mut inner = Async::new(stream)?;
        inner.mark_tcp_stream();
        Ok(TcpStream { inner })
    }

    /// Reads some bytes into `buf`; `Ok(0)` means the peer closed its side.
    ///
    /// Cancel safety: cancel-safe; a dropped read has read nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     server.write(b"hi").await?;
    ///     let mut buf = [0; 8];
    ///     let n = client.read(&mut buf).await?;
    ///     assert!(n > 0 && b"hi".starts_with(&buf[..n]));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).await
    }

    /// Polls one read into `buf`, which need not be initialized: for
    /// adapters such as hyper's `rt::Read`, whose buffers are handed out
    /// uninitialized and would otherwise be zeroed before every read.
    ///
    /// `Ready(Ok(n))` means the first `n` bytes of `buf` are now initialized
    /// (`n == 0`: the peer closed its side, or `buf` is empty). A waiting
    /// call remembers `cx`'s waker, like [`AsyncRead::poll_read`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"hi").await?;
    ///     let mut buf = [MaybeUninit::<u8>::uninit(); 64];
    ///     let n = std::future::poll_fn(|cx| server.poll_read_uninit(cx, &mut buf)).await?;
    ///     // SAFETY: `poll_read_uninit` initialized the first `n` bytes.
    ///     let got = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
    ///     assert!(n > 0 && b"hi".starts_with(got));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_read_uninit(cx, buf)
    }

    /// Writes some bytes from `buf`, returning how many.
    ///
    /// Cancel safety: cancel-safe; a dropped write has written nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(client.write(b"hi").await?, 2);
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
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.write_all(&[7; 10_000]).await?;
    ///     let mut buf = vec![0; 10_000];
    ///     server.read_exact(&mut buf).await?;
    ///     assert!(buf.iter().all(|&b| b == 7));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf).await
    }

    /// Fills all of `buf`, or fails with `UnexpectedEof` if the peer closes
    /// first. Returns `buf.len()`.
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
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.write_all(b"abc").await?;
    ///     drop(client);
    ///     let mut buf = [0; 2];
    ///     assert_eq!(server.read_exact(&mut buf).await?, 2);
    ///     let error = server.read_exact(&mut buf).await.unwrap_err();
    ///     assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_exact(buf).await
    }

    /// Reads bytes into `buf` without removing them from the socket's queue.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"x").await?;
    ///     let mut buf = [0; 1];
    ///     assert_eq!(server.peek(&mut buf).await?, 1);
    ///     assert_eq!(server.peek(&mut buf).await?, 1, "still there");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|s| s.peek(buf)).await
    }

    /// Splits the stream into a read half and a write half that borrow it,
    /// so that two futures of one task can read and write at once.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (mut reader, mut writer) = server.split();
    ///     client.write_all(b"echo").await?;
    ///     let mut buf = [0; 4];
    ///     reader.read_exact(&mut buf).await?;
    ///     writer.write_all(&buf).await?;
    ///     client.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"echo");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (Reader::new(self), Writer::new(self, false))
    }

    /// Splits the stream into owned halves that can move to different tasks.
    /// Dropping the write half shuts the write side down.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (_reader, writer) = client.into_split();
    ///     drop(writer);
    ///     assert_eq!(server.read(&mut [0; 8]).await?, 0, "end of file");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = Arc::new(self);
        (Reader::new(stream.clone()), Writer::new(stream, true))
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, None, buf)
    }
}

impl AsyncWrite for TcpStream {
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

    /// TCP has no user-space buffer to flush.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts the write side down (the peer reads end-of-file).
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown(Shutdown::Write))
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TcpStream")
            .field(self.inner.get_ref())
            .finish()
    }
}

impl crate::net::split::sealed::Sealed for TcpStream {
    type Io = net::TcpStream;

    fn io(&self) -> &Async<net::TcpStream> {
        &self.inner
    }

    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }

    fn addr(&self, peer: bool) -> io::Result<<Self as crate::net::split::Split>::Addr> {
        if peer {
            self.peer_addr()
        } else {
            self.local_addr()
        }
    }
}

/// tokio's spelling of [`TcpStream::from_std`].
impl TryFrom<net::TcpStream> for TcpStream {
    type Error = io::Error;

    fn try_from(stream: net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(stream)
    }
}

//! `UdpSocket`'s `poll_*` forms (for hand-written futures and for
//! libraries that poll) and its peeks without waiting. Each is one
//! attempt, as in `mod.rs`: the `poll_*` ones register the caller's waker
//! when the socket would block, and only the latest caller of a direction
//! is woken (tokio's rule for these methods).
//!
//! Where tokio takes a `ReadBuf`, these take `&mut [u8]` and return the
//! length, as the `futures-io` traits corio follows do.

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use super::UdpSocket;

impl UdpSocket {
    /// Waits until the socket may be ready in a direction of `interest`,
    /// and says which (possibly spuriously; tokio's `ready`).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     let ready = b.ready(Interest::READABLE).await?;
    ///     assert!(ready.is_readable() && !ready.is_writable(), "only what was asked");
    ///     assert_eq!(b.try_recv(&mut [0; 8])?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn ready(&self, interest: crate::io::Interest) -> io::Result<crate::io::Ready> {
        self.inner.ready(interest).await
    }
    /// Polls for one datagram from the connected peer into `buf`, and
    /// returns its length (tokio's takes a `ReadBuf` and returns `()`).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     let n = std::future::poll_fn(|cx| b.poll_recv(cx, &mut buf)).await?;
    ///     assert_eq!(&buf[..n], b"hi");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_read_with(cx, None, |s| s.recv(buf))
    }

    /// Polls for one datagram and its sender into `buf`, and returns its
    /// length too (tokio's takes a `ReadBuf` and returns the sender only).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     let (n, from) = std::future::poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    ///     assert_eq!((n, from), (2, a.local_addr()?));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.inner.poll_read_with(cx, None, |s| s.recv_from(buf))
    }

    /// Polls for the next datagram without taking it: copies up to
    /// `buf.len()` bytes of it and returns how many, and its sender
    /// (tokio's takes a `ReadBuf` and returns the sender only).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     let (n, _) = std::future::poll_fn(|cx| b.poll_peek_from(cx, &mut buf)).await?;
    ///     assert_eq!(b.recv(&mut buf).await?, n, "still there");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.inner.poll_read_with(cx, None, |s| s.peek_from(buf))
    }

    /// Polls for the sender of the next datagram, without taking it.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     let from = std::future::poll_fn(|cx| b.poll_peek_sender(cx)).await?;
    ///     assert_eq!(from, a.local_addr()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.inner.poll_read_with(cx, None, peek_sender_of)
    }

    /// Polls to send `buf` to the connected peer.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     assert_eq!(std::future::poll_fn(|cx| b.poll_send(cx, b"hi")).await?, 2);
    ///     assert_eq!(a.recv(&mut [0; 8]).await?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_write_with(cx, None, |s| s.send(buf))
    }

    /// Polls to send `buf` to `target`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let to = a.local_addr()?;
    ///     assert_eq!(std::future::poll_fn(|cx| b.poll_send_to(cx, b"hi", to)).await?, 2);
    ///     assert_eq!(a.recv(&mut [0; 8]).await?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.inner
            .poll_write_with(cx, None, |s| s.send_to(buf, target))
    }

    /// Polls until a datagram may be waiting (possibly spuriously).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     std::future::poll_fn(|cx| b.poll_recv_ready(cx)).await?;
    ///     assert_eq!(b.try_recv(&mut [0; 8])?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_readable(cx)
    }

    /// Polls until a datagram may be sent (possibly spuriously).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     std::future::poll_fn(|cx| socket.poll_send_ready(cx)).await?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_writable(cx)
    }

    /// Receives the next datagram from the connected peer without taking
    /// it, if one is waiting: `Err(WouldBlock)` if none is (or the reactor
    /// has not reported the socket readable yet).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     b.readable().await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.try_peek(&mut buf)?, 2);
    ///     assert_eq!(b.try_recv(&mut buf)?, 2, "still there");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.try_read_with(|s| s.peek(buf))
    }

    /// Like [`try_peek`](Self::try_peek), with the sender.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     b.readable().await?;
    ///     let (n, from) = b.try_peek_from(&mut [0; 8])?;
    ///     assert_eq!((n, from), (2, a.local_addr()?));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.try_read_with(|s| s.peek_from(buf))
    }

    /// The sender of the next datagram, waiting for one; the datagram stays
    /// for the next receive.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     assert_eq!(b.peek_sender().await?, a.local_addr()?);
    ///     assert_eq!(b.recv(&mut [0; 8]).await?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        self.inner.read_with(peek_sender_of).await
    }

    /// Like [`peek_sender`](Self::peek_sender), without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(socket.try_peek_sender().unwrap_err().kind(), ErrorKind::WouldBlock);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.inner.try_read_with(peek_sender_of)
    }
}

/// The sender of the next datagram, left queued. A buffer of a few bytes,
/// not an empty one: macOS fills in no address for a zero-length receive.
fn peek_sender_of(socket: &std::net::UdpSocket) -> io::Result<SocketAddr> {
    let mut scratch = [0u8; 8];
    socket.peek_from(&mut scratch).map(|(_, from)| from)
}

impl UdpSocket {
    /// `f`, your own non-blocking operation on the socket (say a `recvmsg`
    /// that reads ancillary data), if the socket is marked ready for
    /// `interest`; a `WouldBlock` from `f` clears the mark, so the next
    /// [`ready`](Self::ready) waits for a new event (tokio's `try_io`).
    /// `Err(WouldBlock)` without calling `f` if the socket is not marked
    /// ready.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// use corio::io::Interest;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let nothing: std::io::Result<()> = b.try_io(Interest::READABLE, || unreachable!("not ready"));
    ///     assert_eq!(nothing.unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     b.readable().await?;
    ///     let mut buf = [0u8; 8];
    ///     let n = b.try_io(Interest::READABLE, || {
    ///         // SAFETY: `buf` is live and as long as passed.
    ///         let n = unsafe { libc::recv(b.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    ///         if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
    ///     })?;
    ///     assert_eq!(&buf[..n], b"hi");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_io<R>(
        &self,
        interest: crate::io::Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.inner.try_io_for(interest, f)
    }

    /// Waits until the socket is marked ready for `interest` and calls
    /// `f`, again after every `WouldBlock` it returns, until it returns
    /// anything else (tokio's `async_io`). `f` is as for
    /// [`try_io`](Self::try_io).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     let n = b.async_io(Interest::READABLE, || b.try_recv(&mut buf)).await?;
    ///     assert_eq!(&buf[..n], b"hi");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn async_io<R>(
        &self,
        interest: crate::io::Interest,
        f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.inner.async_io_for(interest, f).await
    }
}

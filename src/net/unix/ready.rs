//! A `UnixStream`'s calls for a caller that does its own I/O: wait until
//! the socket may be ready (`readable`, `writable`), then try without
//! waiting (`try_read`, `try_write`), which says `WouldBlock` when the
//! readiness was spurious or used up. The awaiting reads and writes are in
//! `stream.rs`.

use std::io;
use std::task::{Context, Poll};

use super::UnixStream;

impl UnixStream {
    /// Waits until the stream may be readable (possibly spuriously).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, mut b) = corio::net::UnixStream::pair()?;
    ///     a.write_all(b"x").await?;
    ///     b.readable().await?;
    ///     assert_eq!(b.read(&mut [0; 1]).await?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.inner.readable().await
    }

    /// Waits until the stream may be ready in a direction of `interest`,
    /// and says which (possibly spuriously; tokio's `ready`): one wait for
    /// a task that both reads and writes with `try_read` / `try_write`.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut client, server) = corio::net::UnixStream::pair()?;
    ///     client.write_all(b"x").await?;
    ///     let mut buf = [0; 8];
    ///     loop {
    ///         let ready = server.ready(Interest::READABLE).await?;
    ///         if ready.is_readable() {
    ///             match server.try_read(&mut buf) {
    ///                 Ok(n) => break assert_eq!(n, 1),
    ///                 Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///                 Err(e) => return Err(e),
    ///             }
    ///         }
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn ready(&self, interest: crate::io::Interest) -> io::Result<crate::io::Ready> {
        self.inner.ready(interest).await
    }

    /// Waits until the stream may be writable (possibly spuriously).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, _b) = corio::net::UnixStream::pair()?;
    ///     a.writable().await?;
    ///     assert_eq!(a.write(b"x").await?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.inner.writable().await
    }

    /// Reads what has arrived, without waiting: `Err(WouldBlock)` if
    /// nothing has (then [`readable`](Self::readable) waits for more);
    /// `Ok(0)` means the peer closed its side. Takes `&self`, so it also
    /// works while another task writes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, b) = corio::net::UnixStream::pair()?;
    ///     a.write_all(b"hi").await?;
    ///     let mut got = Vec::new();
    ///     while got.len() < 2 {
    ///         b.readable().await?;
    ///         let mut buf = [0; 8];
    ///         match b.try_read(&mut buf) {
    ///             Ok(n) => got.extend_from_slice(&buf[..n]),
    ///             Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
    ///             Err(e) => return Err(e),
    ///         }
    ///     }
    ///     assert_eq!(got, b"hi");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.try_read(buf)
    }

    /// Writes what the send buffer takes now, without waiting:
    /// `Err(WouldBlock)` if it is full (then [`writable`](Self::writable)
    /// waits for room).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, mut b) = corio::net::UnixStream::pair()?;
    ///     a.writable().await?;
    ///     assert_eq!(a.try_write(b"hi")?, 2);
    ///     let mut buf = [0; 2];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"hi");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.try_write(buf)
    }

    /// Like [`TcpStream::try_write_vectored`](crate::net::TcpStream::try_write_vectored):
    /// several buffers, in order, in one system call.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncReadExt;
    /// use std::io::IoSlice;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, mut b) = corio::net::UnixStream::pair()?;
    ///     a.writable().await?;
    ///     assert_eq!(a.try_write_vectored(&[IoSlice::new(b"h"), IoSlice::new(b"i")])?, 2);
    ///     let mut buf = [0; 2];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"hi");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.inner.try_write_vectored(bufs)
    }

    /// Like [`TcpStream::try_read_vectored`](crate::net::TcpStream::try_read_vectored):
    /// a scatter read (`readv`) without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSliceMut;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixStream::pair()?;
    ///     a.writable().await?;
    ///     assert_eq!(a.try_write(b"headbody")?, 8);
    ///     b.readable().await?;
    ///     let (mut head, mut body) = ([0; 4], [0; 4]);
    ///     let n = b.try_read_vectored(&mut [IoSliceMut::new(&mut head), IoSliceMut::new(&mut body)])?;
    ///     assert_eq!((n, &head, &body), (8, b"head", b"body"));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.inner.try_read_vectored(bufs)
    }

    /// Like [`TcpStream::poll_read_ready`](crate::net::TcpStream::poll_read_ready).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixStream::pair()?;
    ///     a.writable().await?;
    ///     a.try_write(b"x")?;
    ///     poll_fn(|cx| b.poll_read_ready(cx)).await?;
    ///     assert_eq!(b.try_read(&mut [0; 4])?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_readable(cx)
    }

    /// Like [`TcpStream::poll_write_ready`](crate::net::TcpStream::poll_write_ready).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixStream::pair()?;
    ///     poll_fn(|cx| a.poll_write_ready(cx)).await?;
    ///     assert_eq!(a.try_write(b"x")?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_writable(cx)
    }

    /// Like [`TcpStream::try_io`](crate::net::TcpStream::try_io): `f`, your
    /// own non-blocking operation, if the stream is marked ready for
    /// `interest`; a `WouldBlock` from it clears the mark, but not a close.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_a, b) = corio::net::UnixStream::pair()?;
    ///     let nothing: std::io::Result<()> = b.try_io(Interest::READABLE, || unreachable!("not ready"));
    ///     assert_eq!(nothing.unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
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

    /// Like [`TcpStream::async_io`](crate::net::TcpStream::async_io): waits
    /// for `interest` and calls `f` until it says anything but `WouldBlock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixStream::pair()?;
    ///     a.writable().await?;
    ///     a.try_write(b"hi")?;
    ///     let mut buf = [0; 2];
    ///     let n = b
    ///         .async_io(Interest::READABLE, || b.try_read(&mut buf))
    ///         .await?;
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

//! A `TcpStream`'s calls for a caller that does its own I/O: wait until
//! the socket may be ready (`readable`, `writable`), then try without
//! waiting (`try_read`, `try_write`), which says `WouldBlock` when the
//! readiness was spurious or used up. The awaiting reads and writes are in
//! `stream.rs`.

use std::io;
use std::task::{Context, Poll};

use super::TcpStream;

impl TcpStream {
    /// Waits until the stream may be readable (possibly spuriously).
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
    ///     server.readable().await?;
    ///     assert_eq!(server.peek(&mut [0; 1]).await?, 1);
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
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     client.writable().await?;
    ///     assert_eq!(client.write(b"x").await?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.inner.writable().await
    }

    /// Reads what has arrived, without waiting: `Err(WouldBlock)` if
    /// nothing has (then [`readable`](Self::readable) waits for more, as
    /// in tokio's `readable` / `try_read` loop); `Ok(0)` means the peer
    /// closed its side. Takes `&self`, so it also works while another task
    /// writes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"hi").await?;
    ///     let mut got = Vec::new();
    ///     while got.len() < 2 {
    ///         server.readable().await?;
    ///         let mut buf = [0; 8];
    ///         match server.try_read(&mut buf) {
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

    /// [`try_read`](Self::try_read) into several buffers at once, filled
    /// in order, with one system call (a scatter read, `readv`): returns
    /// how many bytes were read in all, `Ok(0)` at the end of the stream,
    /// `Err(WouldBlock)` if nothing is queued.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSliceMut;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"headbody").await?;
    ///     let (mut head, mut body) = ([0; 4], [0; 4]);
    ///     let mut got = 0;
    ///     while got < 8 {
    ///         server.readable().await?;
    ///         let mut bufs = [IoSliceMut::new(&mut head[got.min(4)..]), IoSliceMut::new(&mut body[got.saturating_sub(4)..])];
    ///         match server.try_read_vectored(&mut bufs) {
    ///             Ok(n) => got += n,
    ///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
    ///             Err(e) => return Err(e),
    ///         }
    ///     }
    ///     assert_eq!((&head, &body), (b"head", b"body"));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.inner.try_read_vectored(bufs)
    }

    /// The poll form of [`peek`](crate::net::TcpStream::peek): copies what
    /// is queued into `buf` without taking it, or registers the caller's
    /// waker if nothing is (tokio's `poll_peek`, with a slice in place of
    /// its `ReadBuf`). Only the task that polled last is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.write_all(b"x").await?;
    ///     let mut buf = [0; 4];
    ///     assert_eq!(poll_fn(|cx| server.poll_peek(cx, &mut buf)).await?, 1);
    ///     assert_eq!(server.read(&mut buf).await?, 1, "still there");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner
            .poll_read_with(cx, None, |stream| stream.peek(buf))
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
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     client.writable().await?;
    ///     assert_eq!(client.try_write(b"hi")?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.try_write(buf)
    }

    /// [`try_write`](Self::try_write) from several buffers at once, in
    /// order, with one system call (a gather write, `sendmsg`): a header
    /// and a body leave together without being copied into one buffer.
    /// Returns how many bytes were written in all; at most 1,024 buffers
    /// are taken per call.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSlice;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     client.writable().await?;
    ///     let parts = [IoSlice::new(b"head "), IoSlice::new(b"body")];
    ///     assert_eq!(client.try_write_vectored(&parts)?, 9);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.inner.try_write_vectored(bufs)
    }

    /// The poll form of [`readable`](Self::readable), for a hand-written
    /// future or `AsyncRead` (tokio's `poll_read_ready`). Only the task
    /// that polled last is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"x").await?;
    ///     poll_fn(|cx| server.poll_read_ready(cx)).await?;
    ///     assert_eq!(server.try_read(&mut [0; 4])?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_readable(cx)
    }

    /// The poll form of [`writable`](Self::writable) (tokio's
    /// `poll_write_ready`). Only the task that polled last is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     poll_fn(|cx| client.poll_write_ready(cx)).await?;
    ///     assert_eq!(client.try_write(b"x")?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_writable(cx)
    }

    /// Calls `f`, your own operation on the socket (a system call corio
    /// does not wrap), if the stream is marked ready for `interest`:
    /// `Err(WouldBlock)` at once if it is not, without calling `f`, and a
    /// `WouldBlock` from `f` clears the mark, so the next
    /// [`ready`](Self::ready) waits for a new event (tokio's `try_io`). A
    /// close the stream has seen stays marked, as tokio's does: `f`'s
    /// `WouldBlock` says nothing of the end of the stream, and no event
    /// would report it again. `f` must be non-blocking and say
    /// `WouldBlock` when the socket is not ready, or a wait after it may
    /// never end.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// use std::os::fd::AsRawFd;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     let nothing: std::io::Result<()> = server.try_io(Interest::READABLE, || unreachable!("not ready"));
    ///     assert_eq!(nothing.unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    ///     client.write_all(b"hi").await?;
    ///     server.readable().await?;
    ///     let mut buf = [0u8; 8];
    ///     let n = server.try_io(Interest::READABLE, || {
    ///         // SAFETY: `buf` is live and as long as passed.
    ///         let n = unsafe { libc::recv(server.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
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

    /// Waits until the stream is marked ready for `interest` and calls
    /// `f`, again after every `WouldBlock` it returns, until it returns
    /// anything else (tokio's `async_io`). `f` is as for
    /// [`try_io`](Self::try_io).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// use std::os::fd::AsRawFd;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"hi").await?;
    ///     let mut buf = [0u8; 8];
    ///     let n = server
    ///         .async_io(Interest::READABLE, || {
    ///             // SAFETY: `buf` is live and as long as passed.
    ///             let n = unsafe { libc::recv(server.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    ///             if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
    ///         })
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

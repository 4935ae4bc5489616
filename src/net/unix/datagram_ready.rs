//! A `UnixDatagram`'s calls for a caller that does its own I/O: wait until
//! the socket may be ready (`readable`, `writable`, `ready`), then try
//! without waiting (`try_send`, `try_recv` and their `_to` / `_from`
//! forms), which says `WouldBlock` when the readiness was spurious or used
//! up. The awaiting sends and receives are in `datagram.rs`.

use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use super::UnixDatagram;

impl UnixDatagram {
    /// Waits until a datagram may be waiting (possibly spuriously); then
    /// [`try_recv`](Self::try_recv) takes it without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     a.send(b"hi").await?;
    ///     b.readable().await?;
    ///     assert_eq!(b.recv(&mut [0; 8]).await?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.inner.readable().await
    }

    /// Waits until the socket may be ready in a direction of `interest`,
    /// and says which (possibly spuriously; tokio's `ready`).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     a.send(b"hi").await?;
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

    /// Waits until a datagram may be sent (possibly spuriously).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixDatagram::pair()?;
    ///     a.writable().await?;
    ///     assert_eq!(a.try_send(b"hi")?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.inner.writable().await
    }

    /// Sends one datagram to the connected peer if the socket takes it now,
    /// without waiting: `Err(WouldBlock)` if no room is known yet (call
    /// [`writable`](Self::writable) first, as with tokio) or the socket has
    /// none (on Linux, the sender's `SO_SNDBUF` is spent on datagrams the
    /// peer has not read, or the peer's queue is full when it is not
    /// connected back, `max_dgram_qlen`; macOS and the BSDs may say
    /// `ENOBUFS` instead).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixDatagram::pair()?;
    ///     a.writable().await?;
    ///     // Nobody reads: the datagrams pile up until the socket says so.
    ///     let mut sent = 0;
    ///     let full = loop {
    ///         match a.try_send(&[0; 1024]) {
    ///             Ok(_) => sent += 1,
    ///             Err(e) => break e,
    ///         }
    ///     };
    ///     assert!(sent > 0);
    ///     if cfg!(target_os = "linux") {
    ///         assert_eq!(full.kind(), ErrorKind::WouldBlock);
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.try_write_with(|s| s.send(buf))
    }

    /// Receives one datagram if one is waiting, without waiting:
    /// `Err(WouldBlock)` if none is.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.try_recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    ///     a.send(b"hi").await?;
    ///     b.readable().await?;
    ///     assert_eq!(b.try_recv(&mut buf)?, 2, "a local datagram is there at once");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.try_read_with(|s| s.recv(buf))
    }

    /// Sends one datagram to `path` if the socket can take it now, without
    /// waiting: `Err(WouldBlock)` if it cannot.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-trysendto-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = corio::net::UnixDatagram::bind(&path)?;
    ///     let client = corio::net::UnixDatagram::unbound()?;
    ///     client.writable().await?; // until the reactor has seen it, `try_` says WouldBlock
    ///     assert_eq!(client.try_send_to(b"hi", &path)?, 2);
    ///     assert_eq!(server.recv(&mut [0; 8]).await?, 2);
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let to = super::std_addr(path.as_ref())?;
        self.inner.try_write_with(|s| s.send_to_addr(buf, &to))
    }

    /// Receives one datagram and its sender's address if one is waiting,
    /// without waiting: `Err(WouldBlock)` if none is.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     let mut buf = [0; 8];
    ///     a.send(b"hi").await?;
    ///     b.readable().await?;
    ///     let (n, from) = b.try_recv_from(&mut buf)?;
    ///     assert_eq!((n, from.is_unnamed()), (2, true));
    ///     assert_eq!(b.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.try_read_with(|s| s.recv_from(buf))
    }

    /// `f`, your own non-blocking operation on the socket (say a `recvmsg`
    /// that takes descriptors passed with `SCM_RIGHTS`), if the socket is
    /// marked ready for `interest`; a `WouldBlock` from `f` clears the
    /// mark (tokio's `try_io`). `Err(WouldBlock)` without calling `f` if
    /// the socket is not marked ready.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     let nothing: std::io::Result<()> = b.try_io(Interest::READABLE, || unreachable!("not ready"));
    ///     assert_eq!(nothing.unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    ///     a.send(b"hi").await?;
    ///     b.readable().await?;
    ///     let mut buf = [0; 8];
    ///     let n = b.try_io(Interest::READABLE, || b.try_recv(&mut buf))?;
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
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     a.send(b"hi").await?;
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

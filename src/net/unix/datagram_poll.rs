//! `UnixDatagram`'s `poll_*` forms, for hand-written futures and for
//! libraries that poll, as `UdpSocket` has them. Each is one attempt: it
//! registers the caller's waker when the socket would block, and only the
//! latest caller of a direction is woken (tokio's rule for these methods).
//! Where tokio takes a `ReadBuf`, these take `&mut [u8]` and return the
//! length.

use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use super::UnixDatagram;

impl UnixDatagram {
    /// Polls for one datagram from the connected peer into `buf`, and
    /// returns its length.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     a.send(b"hi").await?;
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

    /// Polls for one datagram and its sender's address into `buf`, and
    /// returns its length too.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     a.send(b"hi").await?;
    ///     let mut buf = [0; 8];
    ///     let (n, from) = std::future::poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    ///     assert_eq!((n, from.is_unnamed()), (2, true));
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

    /// Polls to send `buf` to the connected peer.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     let n = std::future::poll_fn(|cx| a.poll_send(cx, b"hi")).await?;
    ///     assert_eq!(n, 2);
    ///     assert_eq!(b.recv(&mut [0; 8]).await?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_write_with(cx, None, |s| s.send(buf))
    }

    /// Polls to send `buf` to the socket bound at `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("corio-doc-poll-send-to-{}", std::process::id()));
    ///     std::fs::create_dir_all(&dir)?;
    ///     let path = dir.join("b.sock");
    ///     let _ = std::fs::remove_file(&path);
    ///     let b = corio::net::UnixDatagram::bind(&path)?;
    ///     let a = corio::net::UnixDatagram::unbound()?;
    ///     let n = std::future::poll_fn(|cx| a.poll_send_to(cx, b"hi", &path)).await?;
    ///     assert_eq!((n, b.recv(&mut [0; 8]).await?), (2, 2));
    ///     std::fs::remove_dir_all(&dir)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        path: impl AsRef<Path>,
    ) -> Poll<io::Result<usize>> {
        // As `send_to` does: a leading NUL names an abstract socket on
        // Linux, which std's path-taking `send_to` refuses.
        let to = match super::std_addr(path.as_ref()) {
            Ok(to) => to,
            Err(error) => return Poll::Ready(Err(error)),
        };
        self.inner
            .poll_write_with(cx, None, |s| s.send_to_addr(buf, &to))
    }

    /// Polls until a datagram may be waiting (possibly spuriously).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixDatagram::pair()?;
    ///     a.send(b"hi").await?;
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
    ///     let (a, _b) = corio::net::UnixDatagram::pair()?;
    ///     std::future::poll_fn(|cx| a.poll_send_ready(cx)).await?;
    ///     assert_eq!(a.try_send(b"hi")?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_writable(cx)
    }
}

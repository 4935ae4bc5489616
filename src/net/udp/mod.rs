//! `UdpSocket`: datagrams without blocking a worker.
//!
//! UDP has no connection and no stream: each `send_to` is one datagram and
//! each `recv_from` returns one. Readiness works as for TCP (a datagram
//! waiting means readable, room in the send buffer means writable), except
//! that a short datagram says nothing of what is still queued (TCP's
//! "a short read drained it" rule is not applied), so the
//! socket is an `Async<std::net::UdpSocket>` and every method is one
//! non-blocking call in the reactor's retry loop. All methods take `&self`:
//! share the socket in an `Arc` to send from one task while another receives.
//!
//! The socket's options (broadcast, TTL, multicast) and addresses, none of
//! which waits, are in `options.rs`.

use std::fmt;
use std::io;
use std::net::{self, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use crate::io::Async;
use crate::net::addr::{self, ToSocketAddrs};

mod options;
mod poll;

/// A UDP socket.
///
/// # Examples
///
/// ```
/// use corio::net::UdpSocket;
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"ping", b.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
///     Ok(())
/// })
/// # }
/// ```
pub struct UdpSocket {
    inner: Async<net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (a name is resolved on the blocking pool,
    /// as `lookup_host` does).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_ne!(socket.local_addr()?.port(), 0, "port 0 picks a free port");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let addrs: Vec<SocketAddr> = addr::resolve(&addr).await?.collect();
        UdpSocket::from_std(net::UdpSocket::bind(&addrs[..])?)
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
    ///     let socket = corio::net::UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    ///     assert!(socket.local_addr().is_ok());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            inner: Async::new(socket)?,
        })
    }

    /// Sets the default destination for [`send`](Self::send), and receives
    /// only from it from now on: datagrams from others queued before the
    /// call are still delivered (the kernel filters what arrives after), as
    /// with std and tokio. Never blocks: UDP has no handshake.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     a.send(b"hi").await?;
    ///     let mut buf = [0; 2];
    ///     assert_eq!(b.recv(&mut buf).await?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let addrs: Vec<SocketAddr> = addr::resolve(&addr).await?.collect();
        self.inner.get_ref().connect(&addrs[..])
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     assert_eq!(a.send(b"hi").await?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_with(|s| s.send(buf)).await
    }

    /// Receives one datagram from the connected peer; bytes beyond
    /// `buf.len()` are dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     a.send(b"hello").await?;
    ///     let mut buf = [0; 2];
    ///     assert_eq!(b.recv(&mut buf).await?, 2);
    ///     assert_eq!(&buf, b"he", "the rest of the datagram is dropped");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|s| s.recv(buf)).await
    }

    /// Receives one datagram from the connected peer without taking it:
    /// the next `recv` or `peek` returns it again.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     a.send(b"twice").await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.peek(&mut buf).await?, 5);
    ///     assert_eq!(b.recv(&mut buf).await?, 5, "still there");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|s| s.peek(buf)).await
    }

    /// Sends one datagram to the connected peer if the send buffer takes it
    /// now, without waiting: `Err(WouldBlock)` if it is full.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(a.local_addr()?).await?; // to itself
    ///     a.writable().await?;
    ///     assert_eq!(a.try_send(b"hi")?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.try_write_with(|s| s.send(buf))
    }

    /// Receives one datagram from the connected peer if one is waiting,
    /// without waiting: `Err(WouldBlock)` if none is.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(a.local_addr()?).await?; // to itself
    ///     let mut buf = [0; 8];
    ///     let nothing = a.try_recv(&mut buf).unwrap_err();
    ///     assert_eq!(nothing.kind(), ErrorKind::WouldBlock);
    ///     a.send(b"hi").await?;
    ///     let n = loop {
    ///         a.readable().await?;
    ///         match a.try_recv(&mut buf) {
    ///             Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
    ///             other => break other?,
    ///         }
    ///     };
    ///     assert_eq!(&buf[..n], b"hi");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.try_read_with(|s| s.recv(buf))
    }

    /// Sends one datagram to `target` (its first resolved address).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(a.send_to(b"ping", b.local_addr()?).await?, 4);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = addr::resolve(&target)
            .await?
            .next()
            .ok_or_else(addr::no_address)?;
        self.inner.write_with(|s| s.send_to(buf, target)).await
    }

    /// Receives one datagram and the address it came from. As with every
    /// receive of a datagram here (the `try_` and `poll_` forms included),
    /// bytes beyond `buf.len()` are dropped, silently: a zero-length `buf`
    /// takes the whole datagram and returns 0.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"ping", b.local_addr()?).await?;
    ///     let mut buf = [0; 16];
    ///     let (n, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.read_with(|s| s.recv_from(buf)).await
    }

    /// Receives one datagram without taking it: the next `recv_from` gets it
    /// again. Returns its length (up to `buf.len()`) and its sender.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"once", b.local_addr()?).await?;
    ///     let mut buf = [0; 16];
    ///     let (n, from) = b.peek_from(&mut buf).await?;
    ///     assert_eq!((&buf[..n], from), (&b"once"[..], a.local_addr()?));
    ///     assert_eq!(b.recv_from(&mut buf).await?.0, 4, "still there");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.read_with(|s| s.peek_from(buf)).await
    }

    /// Waits until a datagram may be waiting (possibly spuriously); then
    /// [`try_recv_from`](Self::try_recv_from) takes it without waiting.
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
    ///     assert_eq!(b.peek_from(&mut [0; 8]).await?.0, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.inner.readable().await
    }

    /// Waits until a datagram may be sent (possibly spuriously).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.writable().await?;
    ///     assert_eq!(a.try_send_to(b"hi", a.local_addr()?)?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.inner.writable().await
    }

    /// Receives one datagram if one is waiting, without waiting:
    /// `Err(WouldBlock)` if none is (then [`readable`](Self::readable)
    /// waits for one).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     let (n, from) = loop {
    ///         b.readable().await?;
    ///         match b.try_recv_from(&mut buf) {
    ///             Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
    ///             other => break other?,
    ///         }
    ///     };
    ///     assert_eq!((&buf[..n], from), (&b"hi"[..], a.local_addr()?));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.try_read_with(|s| s.recv_from(buf))
    }

    /// Sends one datagram to `target` if the send buffer takes it now,
    /// without waiting: `Err(WouldBlock)` if it is full.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let a = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.writable().await?;
    ///     assert_eq!(a.try_send_to(b"hi", a.local_addr()?)?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.inner.try_write_with(|s| s.send_to(buf, target))
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UdpSocket")
            .field(self.inner.get_ref())
            .finish()
    }
}

/// tokio's spelling of [`UdpSocket::from_std`].
impl TryFrom<net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    fn try_from(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(socket)
    }
}

//! `TcpListener`: accepting connections without blocking a worker.
//!
//! `accept` is a read-side operation: a listening socket is "readable" when a
//! finished handshake waits in its backlog. So a listener is an
//! `Async<std::net::TcpListener>`, and `accept` is `read_with(accept)`.
//!
//! Resource exhaustion is an error, not a spin. When the process runs out of
//! descriptors, `accept` fails with `EMFILE` while the connection stays in
//! the backlog, so the listener stays readable. A loop that re-armed and
//! retried would spin at full CPU; corio returns the error to the caller
//! instead, and arms nothing (interest is only armed on `WouldBlock`). The
//! next `accept`, after the program freed descriptors, simply tries again.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{self, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;

use super::TcpStream;
use crate::io::{Async, Slot, Waiting};
use crate::net::addr::{self, ToSocketAddrs};

/// A TCP socket server, listening for connections.
///
/// # Examples
///
/// ```
/// use corio::net::{TcpListener, TcpStream};
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let client = TcpStream::connect(addr).await?;
///     let (server_side, peer) = listener.accept().await?;
///     assert_eq!(peer, client.local_addr()?);
///     assert_eq!(server_side.peer_addr()?, peer);
///     Ok(())
/// })
/// # }
/// ```
pub struct TcpListener {
    inner: Async<net::TcpListener>,
}

impl TcpListener {
    /// Binds a listener to `addr`, trying each resolved address in turn.
    ///
    /// A name (`"localhost:8080"`) is resolved by std's resolver on the
    /// blocking pool, as `lookup_host` does: the task waits, no worker
    /// thread blocks. A numeric address skips that trip.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert!(listener.local_addr()?.port() > 0);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let addrs: Vec<SocketAddr> = addr::resolve(&addr).await?.collect();
        let listener = net::TcpListener::bind(&addrs[..])?;
        crate::net::socket::widen_backlog(&listener)?;
        TcpListener::from_std(listener)
    }

    /// Wraps a listener made by std (or another library), making it
    /// non-blocking.
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
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let listener = corio::net::TcpListener::from_std(std_listener)?;
    ///     assert!(listener.local_addr().is_ok());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            inner: Async::new(listener)?,
        })
    }

    /// The std listener inside, taken out of the reactor. It stays
    /// non-blocking: call `set_nonblocking(false)` on it for a blocking
    /// `accept`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let std_listener = listener.into_std()?;
    ///     assert_eq!(std_listener.local_addr()?, addr);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<net::TcpListener> {
        Ok(self.inner.into_inner())
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// Errors such as `EMFILE` (out of descriptors) are returned, not retried:
    /// free descriptors and call `accept` again.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let _client = std::net::TcpStream::connect(listener.local_addr()?)?;
    ///     let (_stream, peer) = listener.accept().await?;
    ///     assert!(peer.ip().is_loopback());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let mut waiting = self.inner.waiting_to_read();
        poll_fn(|cx| self.poll_accept_in(cx, waiting.slot())).await
    }

    /// The poll form of [`accept`](Self::accept).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = std::net::TcpStream::connect(listener.local_addr()?)?;
    ///     let (_stream, peer) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.poll_accept_in(cx, None)
    }

    /// [`poll_accept`](Self::poll_accept) for a future that keeps its entry
    /// among the waiters (`accept`), or not (`None`).
    fn poll_accept_in(
        &self,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
    ) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, peer) = ready!(self.inner.poll_read_with(cx, slot, |l| l.accept()))?;
        Poll::Ready(TcpStream::from_std(stream).map(|stream| (stream, peer)))
    }

    /// A [`Stream`] of incoming connections; it never ends, and yields the
    /// errors `accept` would return.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::StreamExt;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let _client = std::net::TcpStream::connect(listener.local_addr()?)?;
    ///     let stream = listener.incoming().next().await.unwrap()?;
    ///     assert!(stream.peer_addr().is_ok());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming {
            listener: self,
            waiting: self.inner.waiting_to_read(),
        }
    }

    /// The address this listener is bound to.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert!(listener.local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Sets the time-to-live of the packets of the connections it accepts.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     listener.set_ttl(42)?;
    ///     assert_eq!(listener.ttl()?, 42);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_ttl(ttl)
    }

    /// The time-to-live set by [`set_ttl`](Self::set_ttl).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert!(listener.ttl()? > 0);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }
}

/// tokio's spelling of [`TcpListener::from_std`].
impl TryFrom<net::TcpListener> for TcpListener {
    type Error = io::Error;

    fn try_from(listener: net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TcpListener")
            .field(self.inner.get_ref())
            .finish()
    }
}

/// The stream of connections returned by [`TcpListener::incoming`].
///
/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let _a = std::net::TcpStream::connect(listener.local_addr()?)?;
///     let _b = std::net::TcpStream::connect(listener.local_addr()?)?;
///     let accepted: Vec<_> = listener.incoming().take(2).collect().await;
///     assert_eq!(accepted.len(), 2);
///     assert!(accepted.iter().all(|stream| stream.is_ok()));
///     Ok(())
/// })
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
    /// Its own entry among the listener's waiters, as `accept` keeps one:
    /// several `Incoming`s of one listener (one per acceptor task) are
    /// each woken, where `poll_accept` keeps only its latest caller.
    waiting: Waiting<'a>,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let accepted = ready!(this.listener.poll_accept_in(cx, this.waiting.slot()));
        Poll::Ready(Some(accepted.map(|(stream, _)| stream)))
    }
}

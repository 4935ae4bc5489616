//! `UnixListener`: accepting Unix-domain stream connections.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;

use super::UnixStream;
use crate::io::{Async, Slot, Waiting};

/// A Unix-domain socket server.
///
/// # Examples
///
/// ```
/// use corio::net::{UnixListener, UnixStream};
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let path = std::env::temp_dir().join(format!("corio-doc-{}.sock", std::process::id()));
///     let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path)?;
///     let mut client = UnixStream::connect(&path).await?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     std::fs::remove_file(&path)?;
///     Ok(())
/// })
/// # }
/// ```
pub struct UnixListener {
    inner: Async<net::UnixListener>,
}

impl UnixListener {
    /// Creates a socket file at `path` and listens on it. The file must not
    /// exist yet. (On Linux, a path starting with a NUL byte binds an
    /// abstract name instead: no file.) A bind that fails after making the
    /// file removes it again.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime (leaving no file).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::UnixListener;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-ubind-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let _listener = UnixListener::bind(&path)?;
    ///     assert!(path.exists(), "bind made the socket file");
    ///     assert!(UnixListener::bind(&path).is_err(), "and it must not exist yet");
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::bind_addr(&super::std_addr(path.as_ref())?)
    }

    /// Listens on std's address `addr` (a path, or on Linux an abstract
    /// name), as tokio's `bind_addr`.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime (leaving no file).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-baddr-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let addr = std::os::unix::net::SocketAddr::from_pathname(&path)?;
    ///     let listener = corio::net::UnixListener::bind_addr(&addr)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        let listener = net::UnixListener::bind_addr(addr)?;
        let made = super::MadeFile::new(addr);
        Ok(made.keep(UnixListener::from_std(listener)?))
    }

    /// Wraps a std listener, making it non-blocking.
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
    ///     let path = std::env::temp_dir().join(format!("corio-doc-ufromstd-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    ///     let listener = corio::net::UnixListener::from_std(std_listener)?;
    ///     let _client = std::os::unix::net::UnixStream::connect(&path)?;
    ///     assert!(listener.accept().await.is_ok());
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(listener: net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            inner: Async::new(listener)?,
        })
    }

    /// Waits for a connection. Errors such as `EMFILE` are returned, not
    /// retried.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-uaccept-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = corio::net::UnixListener::bind(&path)?;
    ///     let _client = corio::net::UnixStream::connect(&path).await?;
    ///     let (_stream, peer) = listener.accept().await?;
    ///     assert!(peer.is_unnamed(), "the client bound no path");
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
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
    ///     let path = std::env::temp_dir().join(format!("corio-doc-upoll-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = corio::net::UnixListener::bind(&path)?;
    ///     let _client = corio::net::UnixStream::connect(&path).await?;
    ///     let (stream, _) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     assert_eq!(stream.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.poll_accept_in(cx, None)
    }

    /// [`poll_accept`](Self::poll_accept) for a future that keeps its entry
    /// among the waiters (`accept`), or not (`None`).
    fn poll_accept_in(
        &self,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
    ) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, peer) = ready!(self.inner.poll_read_with(cx, slot, |l| l.accept()))?;
        Poll::Ready(UnixStream::from_std(stream).map(|stream| (stream, peer)))
    }

    /// The connections as a [`Stream`]: each `next()` is an
    /// [`accept`](Self::accept), without the peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::StreamExt;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-uinc-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = corio::net::UnixListener::bind(&path)?;
    ///     let _client = std::os::unix::net::UnixStream::connect(&path)?;
    ///     let stream = listener.incoming().next().await.unwrap()?;
    ///     assert!(stream.peer_addr().is_ok());
    ///     std::fs::remove_file(&path)?;
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

    /// The std listener inside, taken out of the reactor. It stays
    /// non-blocking: call `set_nonblocking(false)` on it for a blocking
    /// `accept`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-into-std-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = corio::net::UnixListener::bind(&path)?;
    ///     let std_listener = listener.into_std()?;
    ///     assert_eq!(std_listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<net::UnixListener> {
        Ok(self.inner.into_inner())
    }

    /// The address (path) this listener is bound to.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-ulocal-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = corio::net::UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Takes the socket's pending error (`SO_ERROR`), clearing it: `None`
    /// if there is none.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("corio-doc-uerr-{}.sock", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = corio::net::UnixListener::bind(&path)?;
    ///     assert!(listener.take_error()?.is_none());
    ///     std::fs::remove_file(&path)?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnixListener")
            .field(self.inner.get_ref())
            .finish()
    }
}

/// The stream of connections returned by [`UnixListener::incoming`].
///
/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let path = std::env::temp_dir().join(format!("corio-doc-uinc2-{}.sock", std::process::id()));
///     let _ = std::fs::remove_file(&path);
///     let listener = corio::net::UnixListener::bind(&path)?;
///     let _a = std::os::unix::net::UnixStream::connect(&path)?;
///     let _b = std::os::unix::net::UnixStream::connect(&path)?;
///     let accepted: Vec<_> = listener.incoming().take(2).collect().await;
///     assert!(accepted.len() == 2 && accepted.iter().all(|stream| stream.is_ok()));
///     std::fs::remove_file(&path)?;
///     Ok(())
/// })
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a UnixListener,
    /// Its own entry among the listener's waiters, as `accept` keeps one:
    /// several `Incoming`s of one listener (one per acceptor task) are
    /// each woken, where `poll_accept` keeps only its latest caller.
    waiting: Waiting<'a>,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let accepted = ready!(this.listener.poll_accept_in(cx, this.waiting.slot()));
        Poll::Ready(Some(accepted.map(|(stream, _)| stream)))
    }
}

impl fmt::Debug for Incoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Incoming").field(self.listener).finish()
    }
}

/// tokio's spelling of [`UnixListener::from_std`].
impl TryFrom<net::UnixListener> for UnixListener {
    type Error = io::Error;

    fn try_from(listener: net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::from_std(listener)
    }
}

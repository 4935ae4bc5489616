//! A `TcpStream`'s socket itself: its addresses, `TCP_NODELAY`,
//! `SO_LINGER`, the TTL and `shutdown`, and the way back to std. None of these touch the reactor: each is one plain call on
//! the std socket inside, which never blocks. The reading and writing that
//! do go through the reactor are in `stream.rs`.

use std::io;
use std::net::{self, Shutdown, SocketAddr};
use std::time::Duration;

use super::TcpStream;

impl TcpStream {
    /// The remote address.
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
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     assert_eq!(client.local_addr()?, server.peer_addr()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY`: send small writes at once instead of batching them
    /// (Nagle's algorithm).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     stream.set_nodelay(true)?;
    ///     assert!(stream.nodelay()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set. See [`set_nodelay`](Self::set_nodelay).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     stream.set_nodelay(false)?;
    ///     assert!(!stream.nodelay()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.get_ref().nodelay()
    }

    /// Sets `SO_LINGER` to zero: dropping the stream discards data not yet
    /// sent and resets the connection (RST), so the peer's next read fails
    /// with `ConnectionReset` and no `TIME_WAIT` is left behind. (By
    /// default a drop returns at once and the kernel sends the rest in the
    /// background.)
    ///
    /// There is no `set_linger(Some(d))` with a non-zero time: on Linux it
    /// makes `close` wait up to `d` for the data to go, even on a
    /// non-blocking socket, and a drop on a worker would stall every task
    /// there. tokio deprecated its `set_linger` for that reason and offers
    /// `set_zero_linger`, as corio does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.set_zero_linger()?;
    ///     assert_eq!(client.linger()?, Some(Duration::ZERO));
    ///     drop(client); // a reset, not a FIN
    ///     let error = server.read(&mut [0; 8]).await.unwrap_err();
    ///     assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        crate::net::socket::set_zero_linger(self.inner.get_ref())
    }

    /// The `SO_LINGER` setting: `None` by default, `Some(ZERO)` after
    /// [`set_zero_linger`](Self::set_zero_linger) (or the time another
    /// library set on the descriptor).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(stream.linger()?, None, "the default");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        crate::net::socket::linger(self.inner.get_ref())
    }

    /// Sets the time-to-live of the packets sent (`IP_TTL`): how many
    /// routers they may cross.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     stream.set_ttl(42)?;
    ///     assert_eq!(stream.ttl()?, 42);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_ttl(ttl)
    }

    /// The time-to-live of the packets sent. See [`set_ttl`](Self::set_ttl).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(stream.ttl()? > 0);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(stream.take_error()?.is_none());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }

    /// The std stream inside, taken out of the reactor. It stays
    /// non-blocking: call `set_nonblocking(false)` on it for blocking I/O.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     let (mut client, mut server) = (client.into_std()?, server.into_std()?);
    ///     server.set_nonblocking(false)?;
    ///     client.write_all(b"plain std")?;
    ///     let mut buf = [0; 9];
    ///     server.read_exact(&mut buf)?;
    ///     assert_eq!(&buf, b"plain std");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<net::TcpStream> {
        Ok(self.inner.into_inner())
    }

    /// Shuts down the read side, the write side, or both. Shutting down the
    /// write side sends FIN: the peer reads end-of-file after the data
    /// already sent. It returns at once; it never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Shutdown;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.shutdown(Shutdown::Write)?;
    ///     assert_eq!(server.read(&mut [0; 8]).await?, 0, "end of file");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get_ref().shutdown(how)
    }
}

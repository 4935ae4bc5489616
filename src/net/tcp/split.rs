//! Splitting a `TcpStream` into a read half and a write half.
//!
//! A socket is full duplex: one task may read while another writes, and the
//! reactor keeps a separate waiter list for each direction, so the two never
//! disturb each other. Splitting only has to hand out two handles that each
//! expose one direction:
//!
//! ```text
//!   split(&mut stream)   ─► ReadHalf<'_>  + WriteHalf<'_>    borrow: same task
//!   stream.into_split()  ─► OwnedReadHalf + OwnedWriteHalf   Arc: any tasks
//! ```
//!
//! Both kinds are one generic pair, [`Reader<S>`] and [`Writer<S>`], over
//! how the stream is held (`&TcpStream` or `Arc<TcpStream>`); the four names
//! tokio users know are aliases. As in tokio, dropping an *owned* write half
//! shuts the write side down, so the peer reads end-of-file.

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::TcpStream;

/// The read half of a [`TcpStream`] borrowed by [`TcpStream::split`].
///
/// # Examples
///
/// ```
/// use corio::net::tcp::ReadHalf;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (mut reader, _writer): (ReadHalf<'_>, _) = server.split();
///     client.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     reader.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     Ok(())
/// })
/// # }
/// ```
pub type ReadHalf<'a> = Reader<&'a TcpStream>;

/// The write half of a [`TcpStream`] borrowed by [`TcpStream::split`].
///
/// # Examples
///
/// ```
/// use corio::net::tcp::WriteHalf;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (_reader, mut writer): (_, WriteHalf<'_>) = server.split();
///     writer.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     client.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     Ok(())
/// })
/// # }
/// ```
pub type WriteHalf<'a> = Writer<&'a TcpStream>;

/// The read half made by [`TcpStream::into_split`].
///
/// # Examples
///
/// ```
/// use corio::net::tcp::OwnedReadHalf;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     let (mut reader, _writer): (OwnedReadHalf, _) = server.into_split();
///     let task = corio::spawn(async move {
///         let mut buf = [0; 2];
///         reader.read_exact(&mut buf).await.map(|_| buf)
///     });
///     client.write_all(b"hi").await?;
///     assert_eq!(&task.await.unwrap()?, b"hi");
///     Ok(())
/// })
/// # }
/// ```
pub type OwnedReadHalf = Reader<Arc<TcpStream>>;

/// The write half made by [`TcpStream::into_split`]; dropping it shuts the
/// write side down.
///
/// # Examples
///
/// ```
/// use corio::net::tcp::OwnedWriteHalf;
/// use futures_lite::AsyncReadExt;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     let (_reader, mut writer): (_, OwnedWriteHalf) = server.into_split();
///     corio::spawn(async move { writer.write_all(b"bye").await }).await.unwrap()?;
///     let mut got = Vec::new();
///     client.read_to_end(&mut got).await?; // the dropped half shut the write side
///     assert_eq!(got, b"bye");
///     Ok(())
/// })
/// # }
/// ```
pub type OwnedWriteHalf = Writer<Arc<TcpStream>>;

/// The read side of a split [`TcpStream`], held as `S`. Implements
/// [`AsyncRead`].
///
/// # Examples
///
/// ```
/// use futures_lite::AsyncReadExt;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (mut reader, _writer) = server.split();
///     client.write_all(b"hi").await?;
///     drop(client);
///     let mut text = String::new();
///     reader.read_to_string(&mut text).await?; // `AsyncRead`
///     assert_eq!(text, "hi");
///     Ok(())
/// })
/// # }
/// ```
#[derive(Debug)]
pub struct Reader<S> {
    stream: S,
}

/// The write side of a split [`TcpStream`], held as `S`. Implements
/// [`AsyncWrite`].
///
/// # Examples
///
/// ```
/// use futures_lite::AsyncWriteExt;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (_reader, mut writer) = server.split();
///     writer.close().await?; // `AsyncWrite`: shuts the write side down
///     assert_eq!(client.read(&mut [0; 8]).await?, 0, "end of file");
///     Ok(())
/// })
/// # }
/// ```
#[derive(Debug)]
pub struct Writer<S: Deref<Target = TcpStream>> {
    stream: S,
    shutdown_on_drop: bool,
}

impl<'a> ReadHalf<'a> {
    pub(super) fn new(stream: &'a TcpStream) -> ReadHalf<'a> {
        Reader { stream }
    }
}

impl<'a> WriteHalf<'a> {
    pub(super) fn new(stream: &'a TcpStream) -> WriteHalf<'a> {
        Writer {
            stream,
            shutdown_on_drop: false,
        }
    }
}

impl OwnedReadHalf {
    pub(super) fn new(stream: Arc<TcpStream>) -> OwnedReadHalf {
        Reader { stream }
    }
}

impl OwnedWriteHalf {
    pub(super) fn new(stream: Arc<TcpStream>) -> OwnedWriteHalf {
        Writer {
            stream,
            shutdown_on_drop: true,
        }
    }
}

impl<S: Deref<Target = TcpStream>> Reader<S> {
    /// Like [`TcpStream::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (mut reader, _writer) = server.split();
    ///     client.write_all(b"hi").await?;
    ///     let mut buf = [0; 8];
    ///     let n = reader.read(&mut buf).await?;
    ///     assert!(n > 0 && b"hi".starts_with(&buf[..n]));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.inner.read(buf).await
    }

    /// Like [`TcpStream::read_exact`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (mut reader, _writer) = server.split();
    ///     client.write_all(b"abc").await?;
    ///     let mut buf = [0; 3];
    ///     assert_eq!(reader.read_exact(&mut buf).await?, 3);
    ///     assert_eq!(&buf, b"abc");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.inner.read_exact(buf).await
    }

    /// Like [`TcpStream::peek`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (mut reader, _writer) = server.split();
    ///     client.write_all(b"x").await?;
    ///     let mut buf = [0; 1];
    ///     assert_eq!(reader.peek(&mut buf).await?, 1);
    ///     assert_eq!(reader.read(&mut buf).await?, 1, "peek left it queued");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.peek(buf).await
    }

    /// Like [`TcpStream::readable`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (reader, _writer) = server.split();
    ///     client.write_all(b"x").await?;
    ///     reader.readable().await?;
    ///     assert_eq!(reader.peek(&mut [0; 1]).await?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.stream.readable().await
    }

    /// Like [`TcpStream::peer_addr`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (reader, _writer) = client.split();
    ///     assert_eq!(reader.peer_addr()?, listener.local_addr()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// Like [`TcpStream::local_addr`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     let (reader, _writer) = client.split();
    ///     assert_eq!(reader.local_addr()?, server.peer_addr()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl<S: Deref<Target = TcpStream>> Writer<S> {
    /// Like [`TcpStream::write`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_reader, mut writer) = client.split();
    ///     assert_eq!(writer.write(b"hi").await?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.inner.write(buf).await
    }

    /// Like [`TcpStream::write_all`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (_reader, mut writer) = server.split();
    ///     writer.write_all(b"hello").await?;
    ///     let mut buf = [0; 5];
    ///     client.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"hello");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.stream.inner.write_all(buf).await
    }

    /// Like [`TcpStream::writable`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_reader, mut writer) = client.split();
    ///     writer.writable().await?;
    ///     assert_eq!(writer.write(b"x").await?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.stream.writable().await
    }

    /// Like [`TcpStream::peer_addr`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_reader, writer) = client.split();
    ///     assert_eq!(writer.peer_addr()?, listener.local_addr()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// Like [`TcpStream::local_addr`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     let (_reader, writer) = client.split();
    ///     assert_eq!(writer.local_addr()?, server.peer_addr()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl<S: Deref<Target = TcpStream> + Unpin> AsyncRead for Reader<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.inner.poll_read(cx, None, buf)
    }
}

impl<S: Deref<Target = TcpStream> + Unpin> AsyncWrite for Writer<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.inner.poll_write(cx, None, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts the write side down (the peer reads end-of-file).
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.stream.shutdown(Shutdown::Write))
    }
}

impl<S: Deref<Target = TcpStream>> Drop for Writer<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may already be gone (`ENOTCONN`); nothing to report then.
            let _ = self.stream.shutdown(Shutdown::Write);
        }
    }
}

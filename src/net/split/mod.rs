//! Splitting a stream into a read half and a write half.
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
//! Both kinds, for both [`TcpStream`] and [`UnixStream`], are one generic
//! pair, [`Reader<S>`] and [`Writer<S>`], over how the stream is held
//! (`&TcpStream`, `Arc<UnixStream>`, ...); the four names tokio users know
//! are aliases in `net::tcp` and `net::unix`, and the methods that differ
//! between the two (addresses, TCP's `peek`) live there. As in tokio,
//! dropping an *owned* write half shuts the write side down, so the peer
//! reads end-of-file (unless it is `forget`-ed), and two owned halves of
//! one stream `reunite` into it (`reunite.rs`).

use std::io;
use std::ops::Deref;

use self::sealed::Sealed as _;
use super::{TcpStream, UnixStream};

/// A stream that splits into a [`Reader`] and a [`Writer`]: [`TcpStream`]
/// and [`UnixStream`]. Sealed: no other type implements it. Write code
/// generic over the halves with it.
///
/// # Examples
///
/// ```
/// use std::ops::Deref;
/// use corio::net::unix::{Reader, Split};
///
/// // Reads one byte from either kind of half, borrowed or owned.
/// async fn first_byte<S: Deref<Target: Split>>(half: &mut Reader<S>) -> std::io::Result<u8> {
///     let mut byte = [0];
///     half.read_exact(&mut byte).await?;
///     Ok(byte[0])
/// }
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (mut a, b) = corio::net::UnixStream::pair()?;
///     let (mut reader, _writer) = b.into_split();
///     a.write_all(b"!").await?;
///     assert_eq!(first_byte(&mut reader).await?, b'!');
///     Ok(())
/// })
/// # }
/// ```
pub trait Split: sealed::Sealed {
    /// The address of one end of the stream: [`std::net::SocketAddr`] for
    /// TCP, [`std::os::unix::net::SocketAddr`] for Unix sockets.
    type Addr;
}

impl Split for TcpStream {
    type Addr = std::net::SocketAddr;
}

impl Split for UnixStream {
    type Addr = std::os::unix::net::SocketAddr;
}

mod io_traits;
mod reunite;
pub(crate) mod sealed;

pub use reunite::ReuniteError;

/// The read side of a split stream ([`TcpStream`] or [`UnixStream`]), held
/// as `S`. Implements [`AsyncRead`](futures_io::AsyncRead).
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
    pub(crate) stream: S,
}

/// The write side of a split stream ([`TcpStream`] or [`UnixStream`]),
/// held as `S`. Implements [`AsyncWrite`](futures_io::AsyncWrite).
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
pub struct Writer<S: Deref<Target: Split>> {
    pub(crate) stream: S,
    pub(super) shutdown_on_drop: bool,
}

impl<S: Deref<Target: Split>> Reader<S> {
    pub(crate) fn new(stream: S) -> Reader<S> {
        Reader { stream }
    }

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
        self.stream.io().read(buf).await
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
        self.stream.io().read_exact(buf).await
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
        self.stream.io().readable().await
    }

    /// Like [`TcpStream::ready`]: waits for the stream to be ready in a
    /// direction of `interest` (a read half usually asks for reading).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (reader, _writer) = server.split();
    ///     client.write_all(b"x").await?;
    ///     assert!(reader.ready(Interest::READABLE).await?.is_readable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn ready(&self, interest: crate::io::Interest) -> io::Result<crate::io::Ready> {
        self.stream.io().ready(interest).await
    }

    /// Like [`TcpStream::try_read`]: what has arrived, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     let (reader, _writer) = server.into_split();
    ///     client.write_all(b"x").await?;
    ///     reader.readable().await?;
    ///     assert_eq!(reader.try_read(&mut [0; 8])?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.io().try_read(buf)
    }

    /// Reads what has arrived into `bufs`, in order, with one system call
    /// (`readv`), without waiting, as the stream's `try_read_vectored`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSliceMut;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, b) = corio::net::UnixStream::pair()?;
    ///     let (reader, _writer) = b.into_split();
    ///     a.write_all(b"abc").await?;
    ///     reader.readable().await?;
    ///     let (mut head, mut tail) = ([0; 1], [0; 8]);
    ///     let n = reader.try_read_vectored(&mut [IoSliceMut::new(&mut head), IoSliceMut::new(&mut tail)])?;
    ///     assert_eq!((n, &head, &tail[..2]), (3, b"a", &b"bc"[..]));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.stream.io().try_read_vectored(bufs)
    }

    /// The address of the stream's other end, as the stream's `peer_addr`.
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
    pub fn peer_addr(&self) -> io::Result<<S::Target as Split>::Addr> {
        self.stream.addr(true)
    }

    /// The address of the stream's own end, as the stream's `local_addr`.
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
    pub fn local_addr(&self) -> io::Result<<S::Target as Split>::Addr> {
        self.stream.addr(false)
    }
}

impl<S: Deref<Target: Split>> Writer<S> {
    /// `shutdown_on_drop`: an owned half shuts the write side down when
    /// dropped, a borrowed one does not.
    pub(crate) fn new(stream: S, shutdown_on_drop: bool) -> Writer<S> {
        Writer {
            stream,
            shutdown_on_drop,
        }
    }

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
        self.stream.io().write(buf).await
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
        self.stream.io().write_all(buf).await
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
        self.stream.io().writable().await
    }

    /// Like [`TcpStream::ready`]: waits for the stream to be ready in a
    /// direction of `interest` (a write half usually asks for writing).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_reader, writer) = client.split();
    ///     assert!(writer.ready(Interest::WRITABLE).await?.is_writable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn ready(&self, interest: crate::io::Interest) -> io::Result<crate::io::Ready> {
        self.stream.io().ready(interest).await
    }

    /// Like [`TcpStream::try_write`]: what the send buffer takes now,
    /// without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_reader, writer) = client.into_split();
    ///     writer.writable().await?;
    ///     assert_eq!(writer.try_write(b"hi")?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.stream.io().try_write(buf)
    }

    /// Like [`TcpStream::try_write_vectored`]: several buffers, in order, in
    /// one system call, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSlice;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = corio::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_reader, writer) = client.into_split();
    ///     writer.writable().await?;
    ///     assert_eq!(writer.try_write_vectored(&[IoSlice::new(b"h"), IoSlice::new(b"i")])?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.stream.io().try_write_vectored(bufs)
    }

    /// The address of the stream's other end, as the stream's `peer_addr`.
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
    pub fn peer_addr(&self) -> io::Result<<S::Target as Split>::Addr> {
        self.stream.addr(true)
    }

    /// The address of the stream's own end, as the stream's `local_addr`.
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
    pub fn local_addr(&self) -> io::Result<<S::Target as Split>::Addr> {
        self.stream.addr(false)
    }
}

impl<S: Deref<Target: Split>> Drop for Writer<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may already be gone (`ENOTCONN`); nothing to report then.
            let _ = self.stream.shutdown_write();
        }
    }
}

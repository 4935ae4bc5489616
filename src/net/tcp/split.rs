//! A split [`TcpStream`]'s halves: the four names tokio users know, and the
//! method only a TCP half has (`peek`). The halves themselves are generic,
//! shared with `UnixStream` (`net/split/`).

use std::io;
use std::ops::Deref;
use std::sync::Arc;

use super::TcpStream;
use crate::net::split::{Reader, Writer};

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

/// The two halves [`OwnedReadHalf::reunite`] was given when they came from
/// different streams: both come back, in the order read half, write half.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let a = corio::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (b, _) = listener.accept().await?;
///     let (reader, _) = a.into_split();
///     let (_, writer) = b.into_split();
///     let error: corio::net::tcp::ReuniteError = reader.reunite(writer).unwrap_err();
///     let (_reader, _writer) = (error.0, error.1);
///     Ok(())
/// })
/// # }
/// ```
pub type ReuniteError = crate::net::split::ReuniteError<TcpStream>;

impl<S: Deref<Target = TcpStream>> Reader<S> {
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

    /// Like [`TcpStream::poll_peek`]: only the task that polled last is
    /// woken.
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
    ///     let (reader, _writer) = server.into_split();
    ///     client.write_all(b"y").await?;
    ///     let mut buf = [0; 4];
    ///     assert_eq!(poll_fn(|cx| reader.poll_peek(cx, &mut buf)).await?, 1);
    ///     assert_eq!(reader.try_read(&mut buf)?, 1, "still queued");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_peek(
        &self,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        self.stream.poll_peek(cx, buf)
    }
}

/// A stream is `AsRef` of itself, as tokio's is, so code generic over
/// `AsRef<TcpStream>` takes a whole stream as it takes one of its halves.
///
/// # Examples
///
/// ```
/// use corio::net::TcpStream;
///
/// fn nodelay(stream: &impl AsRef<TcpStream>) -> std::io::Result<bool> {
///     stream.as_ref().nodelay()
/// }
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let stream = TcpStream::connect(listener.local_addr()?).await?;
///     stream.set_nodelay(true)?;
///     assert!(nodelay(&stream)?);
///     let (reader, _writer) = stream.into_split();
///     assert!(nodelay(&reader)?);
///     Ok(())
/// })
/// # }
/// ```
impl AsRef<TcpStream> for TcpStream {
    fn as_ref(&self) -> &TcpStream {
        self
    }
}

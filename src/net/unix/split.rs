//! Splitting a [`UnixStream`]: `split` and `into_split`, and the four names
//! tokio users know for the halves. The halves themselves are generic,
//! shared with `TcpStream` (`net/split/`); their reads and writes are
//! documented there.

use std::io;
use std::net::Shutdown;
use std::os::unix::net;
use std::sync::Arc;

use super::UnixStream;
use crate::io::Async;
use crate::net::split::{Reader, Writer};

/// The read half of a [`UnixStream`] borrowed by [`UnixStream::split`].
///
/// # Examples
///
/// ```
/// use corio::net::unix::ReadHalf;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (mut a, mut b) = corio::net::UnixStream::pair()?;
///     let (mut reader, _writer): (ReadHalf<'_>, _) = b.split();
///     a.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     reader.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     Ok(())
/// })
/// # }
/// ```
pub type ReadHalf<'a> = Reader<&'a UnixStream>;

/// The write half of a [`UnixStream`] borrowed by [`UnixStream::split`].
///
/// # Examples
///
/// ```
/// use corio::net::unix::WriteHalf;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (mut a, mut b) = corio::net::UnixStream::pair()?;
///     let (_reader, mut writer): (_, WriteHalf<'_>) = b.split();
///     writer.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     a.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     Ok(())
/// })
/// # }
/// ```
pub type WriteHalf<'a> = Writer<&'a UnixStream>;

/// The read half made by [`UnixStream::into_split`].
///
/// # Examples
///
/// ```
/// use corio::net::unix::OwnedReadHalf;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (mut a, b) = corio::net::UnixStream::pair()?;
///     let (mut reader, _writer): (OwnedReadHalf, _) = b.into_split();
///     let task = corio::spawn(async move {
///         let mut buf = [0; 2];
///         reader.read_exact(&mut buf).await.map(|_| buf)
///     });
///     a.write_all(b"hi").await?;
///     assert_eq!(&task.await.unwrap()?, b"hi");
///     Ok(())
/// })
/// # }
/// ```
pub type OwnedReadHalf = Reader<Arc<UnixStream>>;

/// The write half made by [`UnixStream::into_split`]; dropping it shuts the
/// write side down.
///
/// # Examples
///
/// ```
/// use corio::net::unix::OwnedWriteHalf;
/// use futures_lite::AsyncReadExt;
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (mut a, b) = corio::net::UnixStream::pair()?;
///     let (_reader, mut writer): (_, OwnedWriteHalf) = b.into_split();
///     corio::spawn(async move { writer.write_all(b"bye").await }).await.unwrap()?;
///     let mut got = Vec::new();
///     a.read_to_end(&mut got).await?; // the dropped half shut the write side
///     assert_eq!(got, b"bye");
///     Ok(())
/// })
/// # }
/// ```
pub type OwnedWriteHalf = Writer<Arc<UnixStream>>;

/// The two halves [`OwnedReadHalf::reunite`] was given when they came from
/// different streams: both come back, in the order read half, write half.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (a, b) = corio::net::UnixStream::pair()?;
///     let (reader, _) = a.into_split();
///     let (_, writer) = b.into_split();
///     let error: corio::net::unix::ReuniteError = reader.reunite(writer).unwrap_err();
///     let (_reader, _writer) = (error.0, error.1);
///     Ok(())
/// })
/// # }
/// ```
pub type ReuniteError = crate::net::split::ReuniteError<UnixStream>;

impl UnixStream {
    /// Splits the stream into a read half and a write half that borrow it:
    /// one task can read while another part of it writes, as with
    /// [`TcpStream::split`](crate::net::TcpStream::split).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, mut b) = corio::net::UnixStream::pair()?;
    ///     let (mut reader, mut writer) = b.split();
    ///     writer.write_all(b"ping").await?;
    ///     a.write_all(b"pong").await?;
    ///     let mut buf = [0; 4];
    ///     reader.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"pong");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (Reader::new(self), Writer::new(self, false))
    }

    /// Splits the stream into owned halves that can move to different
    /// tasks. Dropping the write half shuts the write side down.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (mut a, b) = corio::net::UnixStream::pair()?;
    ///     let (mut reader, mut writer) = b.into_split();
    ///     let echo = corio::spawn(async move {
    ///         let mut buf = [0; 4];
    ///         reader.read_exact(&mut buf).await?;
    ///         writer.write_all(&buf).await
    ///     });
    ///     a.write_all(b"echo").await?;
    ///     let mut back = [0; 4];
    ///     a.read_exact(&mut back).await?;
    ///     assert_eq!(&back, b"echo");
    ///     echo.await.unwrap()
    /// })
    /// # }
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = Arc::new(self);
        (Reader::new(stream.clone()), Writer::new(stream, true))
    }
}

impl crate::net::split::sealed::Sealed for UnixStream {
    type Io = net::UnixStream;

    fn io(&self) -> &Async<net::UnixStream> {
        &self.inner
    }

    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }

    fn addr(&self, peer: bool) -> io::Result<<Self as crate::net::split::Split>::Addr> {
        if peer {
            self.peer_addr()
        } else {
            self.local_addr()
        }
    }
}

/// A stream is `AsRef` of itself, as tokio's is, so code generic over
/// `AsRef<UnixStream>` takes a whole stream as it takes one of its halves.
///
/// # Examples
///
/// ```
/// use corio::net::UnixStream;
///
/// fn unnamed(stream: &impl AsRef<UnixStream>) -> std::io::Result<bool> {
///     Ok(stream.as_ref().local_addr()?.is_unnamed())
/// }
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (a, _b) = UnixStream::pair()?;
///     assert!(unnamed(&a)?);
///     let (reader, _writer) = a.into_split();
///     assert!(unnamed(&reader)?);
///     Ok(())
/// })
/// # }
/// ```
impl AsRef<UnixStream> for UnixStream {
    fn as_ref(&self) -> &UnixStream {
        self
    }
}

//! `futures-io`'s `AsyncRead` on a read half and `AsyncWrite` on a write
//! half: each forwards to the stream's own byte-stream calls for its one
//! direction (`io/byte_stream.rs`), with no `poll_*` waiter of the other
//! half in the way. And `AsRef` to the stream, on both.

use std::io;
use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::sealed::Sealed as _;
use super::{Reader, Split, Writer};

impl<S: Deref<Target: Split> + Unpin> AsyncRead for Reader<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.io().poll_read(cx, None, buf)
    }
}

impl<S: Deref<Target: Split> + Unpin> AsyncWrite for Writer<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.io().poll_write(cx, None, buf)
    }

    /// One gather write (`sendmsg`) of all of `bufs`, not one call per buffer.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.stream.io().poll_write_vectored(cx, None, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts the write side down (the peer reads end-of-file); an owned
    /// half then has nothing left to shut down when it is dropped.
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = this.stream.shutdown_write();
        if result.is_ok() {
            this.shutdown_on_drop = false;
        }
        Poll::Ready(result)
    }
}

/// The stream a half belongs to, for its options (`set_nodelay`, `ttl`,
/// ...), as tokio's halves give theirs.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let stream = corio::net::TcpStream::connect(listener.local_addr()?).await?;
///     let (reader, writer) = stream.into_split();
///     writer.as_ref().set_nodelay(true)?;
///     assert!(reader.as_ref().nodelay()?);
///     Ok(())
/// })
/// # }
/// ```
impl<S: Deref<Target: Split>> AsRef<S::Target> for Reader<S> {
    fn as_ref(&self) -> &S::Target {
        &self.stream
    }
}

impl<S: Deref<Target: Split>> AsRef<S::Target> for Writer<S> {
    fn as_ref(&self) -> &S::Target {
        &self.stream
    }
}

//! `futures-io`'s `AsyncRead` on a read half and `AsyncWrite` on a write
//! half: each forwards to the stream's own byte-stream calls for its one
//! direction (`io/byte_stream.rs`), with no `poll_*` waiter of the other
//! half in the way.

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

    /// Shuts the write side down (the peer reads end-of-file).
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.stream.shutdown_write())
    }
}

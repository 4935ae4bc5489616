//! hyper on corio: the adapter from `futures-io` streams to hyper's own I/O
//! traits, and an executor that spawns hyper's background tasks on corio.
//!
//! hyper 1.x is runtime-agnostic: it reads and writes through
//! `hyper::rt::{Read, Write}` and spawns through `hyper::rt::Executor`, and
//! leaves it to the user to connect those to a runtime. corio's streams speak
//! `futures_io::{AsyncRead, AsyncWrite}`, so the bridge is a newtype that
//! forwards each poll. Used by `examples/hyper_server.rs` and
//! `tests/hyper.rs` (included with `#[path]`).

use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::ReadBufCursor;

/// The most bytes one read asks for: also the most this adapter zeroes per
/// call (see `poll_read`). hyper's first read buffer is 8 KiB.
const MAX_READ: usize = 64 * 1024;

/// A `futures-io` stream (a corio `TcpStream`, `UnixStream`, ...) seen as a
/// hyper connection.
#[derive(Debug)]
pub struct HyperIo<T>(pub T);

impl<T: AsyncRead + Unpin> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // hyper hands out *uninitialised* spare capacity, but `AsyncRead`
        // takes `&mut [u8]`, which must be initialised: zero it first. (tokio's
        // `ReadBuf` avoids this copy by tracking initialised bytes; a
        // `futures-io` reader cannot.)
        // SAFETY: we only write initialised bytes into the slice and never
        // de-initialise any, as `as_mut` requires.
        let spare = unsafe { buf.as_mut() };
        let len = spare.len().min(MAX_READ);
        let spare = &mut spare[..len];
        spare.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `spare` was just initialised, and
        // `MaybeUninit<u8>` has the layout of `u8`.
        let bytes = unsafe { &mut *(spare as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let n = ready!(Pin::new(&mut self.0).poll_read(cx, bytes))?;
        // SAFETY: the reader initialised (and filled) the first `n` bytes.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for HyperIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    /// hyper's "shutdown" is `futures-io`'s "close": end the write side.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }

    // `is_write_vectored` keeps its default, `false`: corio's streams do not
    // override `futures-io`'s one-buffer-at-a-time `poll_write_vectored`, so
    // hyper flattens head and body into one buffer and writes once.
}

/// Spawns hyper's background futures (an HTTP/2 connection's streams, an
/// HTTP/1 client's connection driver) as corio tasks. HTTP/1 servers need
/// none, so `hyper_server` does not use it.
#[derive(Debug, Clone, Copy, Default)]
pub struct CorioExecutor;

impl<F> hyper::rt::Executor<F> for CorioExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        // The JoinHandle is dropped: the task runs detached, as hyper expects.
        corio::spawn(future);
    }
}

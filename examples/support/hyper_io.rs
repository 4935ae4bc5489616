//! hyper on corio: the adapter from `futures-io` streams to hyper's own I/O
//! traits, and an executor that spawns hyper's background tasks on corio.
//!
//! hyper 1.x is runtime-agnostic: it reads and writes through
//! `hyper::rt::{Read, Write}` and spawns through `hyper::rt::Executor`, and
//! leaves it to the user to connect those to a runtime. The bridge is a
//! newtype around a corio `TcpStream` that forwards each poll: reads go
//! through `TcpStream::poll_read_uninit`, because hyper hands out
//! *uninitialized* buffer space, and writes through `futures-io`'s
//! `AsyncWrite`, gathered (`is_write_vectored`). Used by `examples/hyper_server.rs`,
//! `examples/task_queue/main.rs` and `tests/hyper.rs`
//! (included with `#[path]`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use corio::net::TcpStream;
use futures_io::AsyncWrite;
use hyper::rt::ReadBufCursor;

/// A corio `TcpStream` seen as a hyper connection.
#[derive(Debug)]
pub struct HyperIo<T>(pub T);

impl hyper::rt::Read for HyperIo<TcpStream> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // hyper's spare capacity is uninitialized, which is exactly what
        // `poll_read_uninit` takes: no zeroing before each read. (A generic
        // `futures-io` reader takes `&mut [u8]`, which would have to be
        // zeroed first: 8 KiB per read, 2 % of a hello-world server.)
        // SAFETY: the slice is only written by the kernel's `read`, which
        // never de-initializes a byte, as `as_mut` requires.
        let spare = unsafe { buf.as_mut() };
        let n = ready!(self.0.poll_read_uninit(cx, spare))?;
        // SAFETY: `poll_read_uninit` initialized the first `n` bytes.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl hyper::rt::Write for HyperIo<TcpStream> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    /// A response's head and body leave in one `sendmsg`.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    /// Yes: so hyper queues head and body as they are and hands both to
    /// `poll_write_vectored`, instead of copying the body behind the head.
    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    /// hyper's "shutdown" is `futures-io`'s "close": end the write side.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

/// hyper's clock: its timeouts (a server's `header_read_timeout`, 30 s by
/// default once a timer is set; keep-alive and HTTP/2 pings) sleep on
/// corio's timers. Without a timer hyper enforces none of them, and a
/// client that connects and goes silent holds its connection for good.
#[derive(Debug, Clone, Copy, Default)]
pub struct CorioTimer;

impl hyper::rt::Timer for CorioTimer {
    fn sleep(&self, duration: std::time::Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(corio::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(corio::time::sleep_until(deadline.into())))
    }

    /// corio's clock, so that hyper's deadlines follow a paused one too.
    fn now(&self) -> std::time::Instant {
        corio::time::Instant::now().into()
    }
}

/// A corio `Sleep` as hyper's `Sleep` (a trait of hyper's own, so a
/// wrapper: the orphan rule).
struct HyperSleep(corio::time::Sleep);

impl Future for HyperSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl hyper::rt::Sleep for HyperSleep {}

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

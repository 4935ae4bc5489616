//! `futures_io::AsyncRead` and `AsyncWrite` for `Async<T>`, and for
//! `&Async<T>` when `&T` reads (or writes: sockets do both, a pipe's ends
//! one each), so one task may read while another writes. Each call is one try of the wrapped `Read`/`Write`,
//! and a wait for readiness when it would block (`Registration::poll_io`).
//!
//! Gather writes keep `futures-io`'s default, one `write` of the first
//! buffer: std's sockets pass `MSG_NOSIGNAL` to `write` but not to their
//! `write_vectored` (a plain `writev`), which would kill a process that
//! leaves `SIGPIPE` at its default with a write to a closed peer. corio's
//! own streams gather with `sendmsg` and the flag (`byte_stream.rs`).
//!
//! `poll_close` only flushes: `T` is any `Write`, with no shutdown to call.
//! So closing an `Async<std::net::TcpStream>` sends no FIN (async-io's
//! `Async` is the same; async-net's `TcpStream` shuts down); call
//! `get_ref().shutdown(Shutdown::Write)`, or use `corio::net::TcpStream`,
//! whose `poll_close` shuts the write side down, as tokio's `shutdown` does.
//! Through `&Async<T>`, as for any `poll_*` call, only the most recent
//! reader (or writer) is woken: see [`Async`]'s doc.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::Async;
use crate::io::source::Direction;

impl<T: Read> AsyncRead for Async<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let Async { registration, io } = self.get_mut();
        registration.poll_io(Direction::Read, cx, None, || io.read(buf))
    }
}

impl<T: Write> AsyncWrite for Async<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let Async { registration, io } = self.get_mut();
        // Not the byte streams' "short write means full" rule: `T` may be
        // a buffered writer (std's `Stdout` returns short counts by design)
        // that writes less with room to spare, and no edge would come.
        registration.poll_io(Direction::Write, cx, None, || io.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Async { registration, io } = self.get_mut();
        // Tried before any wait: for a socket or a pipe a flush does
        // nothing, and must not wait for room in a full send buffer.
        match flush_now(|| io.flush()) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                registration.poll_io(Direction::Write, cx, None, || io.flush())
            }
            done => Poll::Ready(done),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl<T> AsyncRead for &Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // Not the byte-stream read: `T` may be a terminal or a datagram
        // socket, where a short read does not mean drained.
        self.poll_read_with(cx, None, |mut io| io.read(buf))
    }
}

impl<T> AsyncWrite for &Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // As for `Async<T>`: only `WouldBlock` means full.
        self.poll_write_with(cx, None, |mut io| io.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // As for `Async<T>`: try first, wait only if it would block.
        match flush_now(|| self.get_ref().flush()) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.poll_write_with(cx, None, |mut io| io.flush())
            }
            done => Poll::Ready(done),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// One flush attempt, retried if a signal interrupted it.
fn flush_now(mut flush: impl FnMut() -> io::Result<()>) -> io::Result<()> {
    loop {
        match flush() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            done => return done,
        }
    }
}

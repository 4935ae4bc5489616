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
pub type ReadHalf<'a> = Reader<&'a TcpStream>;
/// The write half of a [`TcpStream`] borrowed by [`TcpStream::split`].
pub type WriteHalf<'a> = Writer<&'a TcpStream>;
/// The read half made by [`TcpStream::into_split`].
pub type OwnedReadHalf = Reader<Arc<TcpStream>>;
/// The write half made by [`TcpStream::into_split`]; dropping it shuts the
/// write side down.
pub type OwnedWriteHalf = Writer<Arc<TcpStream>>;

/// The read side of a split [`TcpStream`], held as `S`. Implements
/// [`AsyncRead`]. See [`TcpStream::split`] for an example.
#[derive(Debug)]
pub struct Reader<S> {
    stream: S,
}

/// The write side of a split [`TcpStream`], held as `S`. Implements
/// [`AsyncWrite`]. See [`TcpStream::split`] for an example.
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
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.inner.read(buf).await
    }

    /// Like [`TcpStream::read_exact`].
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.inner.read_exact(buf).await
    }

    /// Like [`TcpStream::peek`].
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.peek(buf).await
    }

    /// Like [`TcpStream::readable`].
    pub async fn readable(&self) -> io::Result<()> {
        self.stream.readable().await
    }

    /// Like [`TcpStream::peer_addr`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// Like [`TcpStream::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl<S: Deref<Target = TcpStream>> Writer<S> {
    /// Like [`TcpStream::write`].
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.inner.write(buf).await
    }

    /// Like [`TcpStream::write_all`].
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.stream.inner.write_all(buf).await
    }

    /// Like [`TcpStream::writable`].
    pub async fn writable(&self) -> io::Result<()> {
        self.stream.writable().await
    }

    /// Like [`TcpStream::peer_addr`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// Like [`TcpStream::local_addr`].
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
        self.stream.inner.poll_read(cx, buf)
    }
}

impl<S: Deref<Target = TcpStream> + Unpin> AsyncWrite for Writer<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.inner.poll_write(cx, buf)
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

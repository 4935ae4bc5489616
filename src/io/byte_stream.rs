//! The byte-stream operations every corio stream shares.
//!
//! `TcpStream`, `UnixStream` and the halves of a split stream all read and
//! write the same way: through an `Async` of a `std` socket marked
//! [`ByteStream`]. The loops live here once, and each stream type forwards
//! to them. The system calls themselves are `sys.rs`'s
//! (glibc's wrappers cost more than the calls' own entry).

use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::task::{Context, Poll, ready};

use super::registration::Moved;
use super::source::Direction;
use super::waiters::Slot;
use super::{Async, sys};
use crate::task::budget;

/// A std socket whose descriptor carries a byte stream: the types whose
/// `Async` gets the loops below (`TcpStream`, `UnixStream`). Public in a
/// private module: the split halves' sealed trait names it, and nothing
/// outside corio can.
pub trait ByteStream: AsRawFd {
    /// One scatter read (`readv`), through std, which has it for both.
    fn read_vectored_now(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize>;
}

impl ByteStream for std::net::TcpStream {
    fn read_vectored_now(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        io::Read::read_vectored(&mut &*self, bufs)
    }
}

impl ByteStream for std::os::unix::net::UnixStream {
    fn read_vectored_now(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        io::Read::read_vectored(&mut &*self, bufs)
    }
}

/// An empty read or write: `Ok(0)` at once, spending a unit of coop budget
/// as any socket operation does (a loop of them must still yield).
fn empty(cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
    let spent = ready!(budget::poll_proceed(cx));
    spent.made_progress();
    Poll::Ready(Ok(0))
}

impl<T: ByteStream> Async<T> {
    /// Polls one `read` into `buf`; a short read may mark the stream drained
    /// (see `registration.rs`). `slot`: the calling future's entry among the
    /// waiters (`registration::Waiting`), `None` for a `poll_*` call.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        let ptr = buf.as_mut_ptr();
        // SAFETY: `buf` is a live, exclusively borrowed buffer of `len` bytes.
        unsafe { self.poll_recv(cx, slot, ptr, len) }
    }

    /// Polls one `read(2)` into memory that may be uninitialized (std's
    /// `Read` wants initialized bytes, and zeroing a large buffer before
    /// every read costs more than the read). `Ok(n)`: the first `n` bytes
    /// of `buf` are now initialized.
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        let ptr = buf.as_mut_ptr().cast();
        // SAFETY: the kernel writes at most `len` bytes into `buf`, a live,
        // exclusively borrowed buffer of `len` bytes; writing into
        // uninitialized memory is fine, and it never reads from it.
        unsafe { self.poll_recv(cx, None, ptr, len) }
    }

    /// Polls one `recv` of up to `len` bytes into `buf`.
    ///
    /// # Safety
    ///
    /// `buf` must be valid for writes of `len` bytes until this returns.
    unsafe fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
        buf: *mut u8,
        len: usize,
    ) -> Poll<io::Result<usize>> {
        // Nothing to read into: done at once, not after a wait for bytes
        // it could not take anyway (tokio's waits, and so does a blocking
        // std `read` on Linux, where an empty `recv` waits for data). The
        // `recv` is skipped, and with it any pending socket error, which
        // the next real read reports.
        if len == 0 {
            return empty(cx);
        }
        let registration = self.registration();
        let ask = registration.read_asks_queue();
        self.poll_read_buf(cx, slot, len, |io| {
            let fd = io.as_raw_fd();
            let (n, queue_empty) = if ask {
                // SAFETY: the caller vouches for `buf`.
                unsafe { sys::recv_queued(fd, buf, len) }?
            } else {
                // SAFETY: as above.
                (unsafe { sys::recv(fd, buf, len) }?, false)
            };
            registration.note_read(n == len);
            Ok((
                n,
                Moved {
                    bytes: n,
                    queue_empty,
                },
            ))
        })
        .map(|result| result.map(|(n, _)| n))
    }

    /// Polls one `write` from `buf` (`slot` as for [`poll_read`](Self::poll_read)).
    pub(crate) fn poll_write(
        &self,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // As for an empty read: no wait for room it would not use.
        if buf.is_empty() {
            return empty(cx);
        }
        self.poll_write_buf(cx, slot, buf, |io, buf| {
            // SAFETY: `buf` is a live slice of `buf.len()` initialized bytes.
            unsafe { sys::send(io.as_raw_fd(), buf.as_ptr(), buf.len()) }
        })
    }

    /// Polls one gather write of `bufs` (at most `sys::MAX_IOV` of them).
    /// As for [`poll_write`](Self::poll_write), writing less than all of
    /// them means the send buffer is full.
    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let bufs = &bufs[..bufs.len().min(sys::MAX_IOV)];
        // Saturating: the slices may overlap, so their sum can pass
        // `usize::MAX` (a write that large is short anyway).
        let len = bufs
            .iter()
            .fold(0usize, |sum, buf| sum.saturating_add(buf.len()));
        if len == 0 {
            return empty(cx);
        }
        self.registration()
            .poll_io_sized(Direction::Write, cx, slot, len, || {
                let fd = self.get_ref().as_raw_fd();
                sys::send_vectored(fd, bufs).map(|n| (n, Moved::bytes(n)))
            })
            .map(|result| result.map(|(n, _)| n))
    }

    /// The gather form of [`try_write`](Self::try_write).
    pub(crate) fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.try_write_with(|io| sys::send_vectored(io.as_raw_fd(), bufs))
    }

    /// Scatter-reads what has arrived, without waiting (as `try_read`).
    pub(crate) fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.try_read_with(|io| io.read_vectored_now(bufs))
    }

    /// Reads what has arrived, without waiting: `WouldBlock` if nothing
    /// has (see `Registration::try_io`).
    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.try_read_with(|io| {
            // SAFETY: `buf` is a live, exclusively borrowed buffer of
            // `buf.len()` bytes.
            unsafe { sys::recv(io.as_raw_fd(), buf.as_mut_ptr(), buf.len()) }
        })
    }

    /// Writes what the send buffer takes now, without waiting:
    /// `WouldBlock` if it is full.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.try_write_with(|io| {
            // SAFETY: `buf` is a live slice of `buf.len()` initialized bytes.
            unsafe { sys::send(io.as_raw_fd(), buf.as_ptr(), buf.len()) }
        })
    }

    /// Reads some bytes; `Ok(0)` means the peer closed its write side.
    pub(crate) async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut waiting = self.registration().waiting(Direction::Read);
        poll_fn(|cx| self.poll_read(cx, waiting.slot(), buf)).await
    }

    /// Writes some bytes, returning how many.
    pub(crate) async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let mut waiting = self.registration().waiting(Direction::Write);
        poll_fn(|cx| self.poll_write(cx, waiting.slot(), buf)).await
    }

    /// Fills `buf` completely, or fails with `UnexpectedEof`.
    pub(crate) async fn read_exact(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.read(&mut buf[filled..]).await? {
                0 => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the stream ended before the buffer was filled",
                    ));
                }
                n => filled += n,
            }
        }
        Ok(filled)
    }

    /// Writes all of `buf`, or fails with `WriteZero`.
    pub(crate) async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the stream accepted no more bytes",
                    ));
                }
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }
}

//! `Async<T>`: any file descriptor, made awaitable.
//!
//! A blocking `read` parks the whole thread, and with it every task that
//! worker would have run. `Async<T>` is the bridge: it puts the descriptor in
//! non-blocking mode and registers it with the current reactor, so a `read`
//! that would block returns `WouldBlock` instead, and the task sleeps on the
//! reactor until the kernel says "try again":
//!
//! ```text
//!   read_with(|t| t.read(buf))
//!     ├─ Ok(n) / Err(e)   ─► returned
//!     └─ WouldBlock       ─► wait for "readable" on the reactor, then retry
//! ```
//!
//! Every corio socket is a thin typed wrapper around an `Async` of the
//! matching `std` type; a descriptor from another library (a pipe, a tty, a
//! socket made by `socket2`) can be wrapped the same way.
//!
//! Waiting for readiness (`readable`, `writable`, their `poll_` forms and
//! `clear_`) is in `adapter/ready.rs`; the `futures-io` traits on
//! `Async<T>` and `&Async<T>` are in `adapter/io_traits.rs`. tokio's
//! `AsyncFd`, readiness guards over the same registration, is in
//! `adapter/fd.rs`, `adapter/fd_mut.rs` and `adapter/fd_guard.rs`, and
//! its `try_new` in `adapter/fd_try_new.rs`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use super::registration::{Moved, Registration, Waiting};
use super::source::Direction;
use super::waiters::Slot;

mod fd;
mod fd_guard;
mod fd_mut;
mod fd_try_new;
mod io_traits;
mod ready;

pub use fd::AsyncFd;
pub use fd_guard::{AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};
pub use fd_try_new::AsyncFdTryNewError;

/// A non-blocking I/O object registered with the current reactor.
///
/// `Async::new` sets `O_NONBLOCK` on the descriptor and registers it; drop
/// deregisters it, then closes it (by dropping `T`). The flag is not put
/// back (neither by drop nor by `into_inner`): a descriptor shared with
/// others, such as stdin's, stays non-blocking for them too, and their
/// blocking reads may then fail with `WouldBlock` (async-io does the same;
/// wrap a duplicate, `try_clone`, to keep the original blocking). It implements
/// [`AsyncRead`](futures_io::AsyncRead) and [`AsyncWrite`](futures_io::AsyncWrite) when `T` implements `Read` and `Write`,
/// and so does `&Async<T>` when `&T` implements both (as for sockets), which
/// lets one task read while another writes.
///
/// Several tasks may wait on one direction through the futures
/// ([`readable`](Async::readable), [`read_with`](Async::read_with), ...):
/// each holds its own place, and the next event wakes them all. The
/// `poll_*` forms, and so `AsyncRead`/`AsyncWrite` on `&Async<T>`, keep one
/// place per direction, as tokio's `poll_read_ready` does: only the most
/// recent caller is woken. Two tasks reading one `&Async<T>` through
/// `AsyncRead` can leave one of them asleep; share it through the futures
/// instead.
///
/// `T` must keep the descriptor it had when wrapped until the `Async` is
/// dropped: a `T` that closes or replaces it (a `Read` that reopens its
/// file, say) leaves the reactor watching, and at drop deregistering,
/// whatever descriptor gets that number next, perhaps another socket's.
/// tokio's `AsyncFd` asks the same.
///
/// # Examples
///
/// ```
/// use corio::io::Async;
/// use std::io::{Read, Write};
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (reader, mut writer) = std::io::pipe()?;
///     let reader = Async::new(reader)?;
///     writer.write_all(b"ping")?;
///     let mut buf = [0; 4];
///     let n = reader.read_with(|mut r| r.read(&mut buf)).await?;
///     assert_eq!(&buf[..n], b"ping");
///     Ok(())
/// })
/// # }
/// ```
pub struct Async<T> {
    // Declared first so it drops first: the reactor forgets the descriptor
    // before `io` closes it.
    registration: Registration,
    io: T,
}

// `Async` never pins `T` structurally: no `Pin<&mut T>` is ever handed out.
impl<T> Unpin for Async<T> {}

impl<T: AsFd> Async<T> {
    /// Puts `io` in non-blocking mode and registers it with the current
    /// runtime's reactor.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let listener = corio::io::Async::new(listener)?;
    ///     assert!(listener.get_ref().local_addr()?.port() > 0);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn new(io: T) -> io::Result<Async<T>> {
        Async::try_new(io).map_err(|(error, _io)| error)
    }

    /// As [`new`](Self::new), giving `io` back with the error
    /// (`AsyncFd::try_new` needs it).
    #[track_caller]
    pub(crate) fn try_new(io: T) -> Result<Async<T>, (io::Error, T)> {
        // Registered first: a descriptor the poller refuses is left as it
        // was, not switched to non-blocking under whoever else shares it.
        let registration = match Registration::new(io.as_fd()) {
            Ok(registration) => registration,
            Err(error) => return Err((explain_refusal(error), io)),
        };
        if let Err(error) = set_nonblocking(io.as_fd()) {
            // Deregistered before `io` goes back, so the caller may close
            // it without the reactor holding a stale number.
            drop(registration);
            return Err((error, io));
        }
        Ok(Async { registration, io })
    }
}

impl<T> Async<T> {
    /// The wrapped I/O object.
    ///
    /// Use it for calls that do not block (options, addresses). A blocking
    /// call on it returns `WouldBlock` instead, since the descriptor is
    /// non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::io::Async::new(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    ///     assert!(socket.get_ref().local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.io
    }

    /// Deregisters the descriptor and gives the I/O object back, still in
    /// non-blocking mode. A socket option corio turned on for itself (Linux
    /// TCP's `TCP_INQ`, which adds a control message to each `recvmsg`) is
    /// turned off again.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::io::Async::new(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    ///     let std_socket: std::net::UdpSocket = socket.into_inner();
    ///     assert!(std_socket.local_addr().is_ok());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        let Async { registration, io } = self;
        // As the socket came: its owner's `recvmsg` must not find corio's
        // `TCP_INQ` control messages.
        registration.stop_queue_reports();
        drop(registration);
        io
    }

    /// Runs `op` until it does not fail with `WouldBlock`, waiting for the
    /// descriptor to become readable in between. `op` is any non-blocking
    /// read-side call: `read`, `recv_from`, `accept`, `peek`...
    ///
    /// A `WouldBlock` from `op` is taken to mean the descriptor has nothing
    /// more: the wait is for the kernel's next readiness edge. An `op` that
    /// returns `WouldBlock` for a reason of its own while data is still
    /// queued may so wait for ever (tokio's `AsyncFd::try_io` has the same
    /// rule).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::io::Async::new(std::net::TcpListener::bind("127.0.0.1:0")?)?;
    ///     let addr = listener.get_ref().local_addr()?;
    ///     let _client = std::net::TcpStream::connect(addr)?;
    ///     let (_stream, peer) = listener.read_with(|l| l.accept()).await?;
    ///     assert!(peer.ip().is_loopback());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let mut waiting = self.registration.waiting(Direction::Read);
        poll_fn(|cx| self.poll_read_with(cx, waiting.slot(), &mut op)).await
    }

    /// Runs `op` until it does not fail with `WouldBlock`, waiting for the
    /// descriptor to become writable in between (a `WouldBlock` from `op`
    /// is taken to mean "full", as in [`read_with`](Self::read_with)).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::io::Async::new(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    ///     let to = socket.get_ref().local_addr()?;
    ///     let n = socket.write_with(|s| s.send_to(b"hi", to)).await?;
    ///     assert_eq!(n, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let mut waiting = self.registration.waiting(Direction::Write);
        poll_fn(|cx| self.poll_write_with(cx, waiting.slot(), &mut op)).await
    }

    /// One attempt at `op` without waiting, for the socket types' `try_*`
    /// methods: `WouldBlock` at once if the reactor has no read readiness,
    /// and a `WouldBlock` from `op` clears it (`Registration::try_io`).
    pub(crate) fn try_read_with<R>(&self, op: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        self.registration.try_io(Direction::Read, || op(&self.io))
    }

    /// [`try_read_with`](Self::try_read_with) for writing.
    pub(crate) fn try_write_with<R>(&self, op: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        self.registration.try_io(Direction::Write, || op(&self.io))
    }

    /// One attempt at `op` for `interest`, without waiting (tokio's
    /// `try_io` on the socket types): `op` runs if a direction the
    /// interest names is marked ready, and its `WouldBlock` clears those
    /// directions, keeping a close (`Registration::try_own_io`).
    pub(crate) fn try_io_for<R>(
        &self,
        interest: crate::io::Interest,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.registration
            .try_own_io(interest.is_readable(), interest.is_writable(), op)
    }

    /// [`try_io_for`](Self::try_io_for), with `op` given the object
    /// mutably.
    pub(crate) fn try_io_for_mut<R>(
        &mut self,
        interest: crate::io::Interest,
        op: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let io = &mut self.io;
        self.registration
            .try_own_io(interest.is_readable(), interest.is_writable(), || op(io))
    }

    /// Waits for `interest` and tries `op` until it does not say
    /// `WouldBlock` (tokio's `async_io`): each `WouldBlock` clears the
    /// readiness, so the next wait is for a new event, not a spin.
    pub(crate) async fn async_io_for<R>(
        &self,
        interest: crate::io::Interest,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            self.ready(interest).await?;
            match self.try_io_for(interest, &mut op) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                done => return done,
            }
        }
    }

    /// Whether the descriptor is registered with `reactor`.
    #[cfg(feature = "signal")]
    pub(crate) fn is_registered_with(&self, reactor: &std::sync::Arc<super::Reactor>) -> bool {
        self.registration.is_with(reactor)
    }

    /// The entry a future waiting to read keeps among the waiters (see
    /// [`Waiting`]), for the socket types' own futures (`accept`).
    pub(crate) fn waiting_to_read(&self) -> Waiting<'_> {
        self.registration.waiting(Direction::Read)
    }

    /// The poll form of [`read_with`](Self::read_with), for the socket
    /// types: `slot` is the calling future's entry (see [`Waiting`]), or
    /// `None` for a `poll_*` call (likewise below).
    pub(crate) fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.registration
            .poll_io(Direction::Read, cx, slot, || op(&self.io))
    }

    /// Marks the descriptor a TCP stream: a short read, or one the kernel
    /// says left nothing queued, then counts as drained (see
    /// `registration.rs`).
    pub(crate) fn mark_tcp_stream(&mut self)
    where
        T: AsFd,
    {
        self.registration.mark_tcp_stream(self.io.as_fd());
    }

    /// Whether the reactor has `direction` marked ready (for tests).
    #[cfg(all(test, not(miri)))]
    pub(super) fn marked_ready(&self, direction: Direction) -> bool {
        self.registration.marked_ready(direction)
    }

    /// Whether [`mark_tcp_stream`](Self::mark_tcp_stream) got queue reports.
    #[cfg(all(test, not(miri)))]
    pub(super) fn reports_queue(&self) -> bool {
        self.registration.reports_queue()
    }

    /// Whether a short read counts as drained (for tests).
    #[cfg(all(test, not(miri)))]
    pub(super) fn short_reads_drain(&self) -> bool {
        self.registration.short_reads_drain()
    }

    /// The registration, for the byte-stream reads (`byte_stream.rs`).
    pub(super) fn registration(&self) -> &Registration {
        &self.registration
    }

    /// Polls one read of up to `len` bytes by `read`, which returns
    /// `(result, what moved)`; for byte streams only (see `registration.rs`:
    /// on a TCP stream a short read may mark the source drained).
    pub(crate) fn poll_read_buf<R>(
        &self,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
        len: usize,
        mut read: impl FnMut(&T) -> io::Result<(R, Moved)>,
    ) -> Poll<io::Result<(R, Moved)>> {
        self.registration
            .poll_io_sized(Direction::Read, cx, slot, len, || read(&self.io))
    }

    /// Polls one write of `buf` by `write`; a short write marks the source
    /// full until the next event.
    pub(crate) fn poll_write_buf(
        &self,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
        buf: &[u8],
        mut write: impl FnMut(&T, &[u8]) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.registration
            .poll_io_sized(Direction::Write, cx, slot, len, || {
                write(&self.io, buf).map(|n| (n, Moved::bytes(n)))
            })
            .map(|result| result.map(|(n, _)| n))
    }

    /// The poll form of [`write_with`](Self::write_with).
    pub(crate) fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.registration
            .poll_io(Direction::Write, cx, slot, || op(&self.io))
    }
}

impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl<T: AsRawFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl<T: fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Async").field(&self.io).finish()
    }
}

/// epoll refuses a descriptor that has no readiness to report (a regular
/// file, some devices) with `EPERM`, which alone reads like a permission
/// problem: say what it means and what to use instead.
fn explain_refusal(error: io::Error) -> io::Error {
    if error.raw_os_error() != Some(libc::EPERM) {
        return error;
    }
    io::Error::new(
        error.kind(),
        format!(
            "this descriptor cannot be watched for readiness ({error}): regular files and some \
             devices are always \"ready\" and block anyway; use corio::fs (the `fs` feature) \
             or spawn_blocking"
        ),
    )
}

/// Sets `O_NONBLOCK` (std has no call for an arbitrary descriptor).
fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let fd = fd.as_raw_fd();
    // SAFETY: `fcntl` with F_GETFL/F_SETFL only reads and writes the status
    // flags of `fd`, which is open: it was borrowed from a live `AsFd`.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags == -1 {
            return Err(io::Error::last_os_error());
        }
        if flags & libc::O_NONBLOCK == 0
            && libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) == -1
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

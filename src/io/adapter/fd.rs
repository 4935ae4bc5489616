//! `AsyncFd<T>`: tokio's readiness-guard interface, over the same
//! registration as [`Async`].
//!
//! `Async` answers "wait, then retry my operation"; `AsyncFd` answers
//! "wait, and hand me a guard": the caller does its own non-blocking call
//! through [`AsyncFdReadyGuard::try_io`], and a `WouldBlock` there clears
//! the readiness the guard stood for, so the next wait is for a new event.
//! Crates written for tokio (a serial port, inotify, a netlink socket)
//! implement their `AsyncRead` this way, and port with a path change:
//!
//! ```text
//!   loop:
//!       guard = ready!(fd.poll_read_ready(cx))?     // Pending until an event
//!       match guard.try_io(|fd| fd.get_ref().read(buf)):
//!           Ok(result)  ─► return it
//!           Err(_)      ─► WouldBlock: readiness cleared, wait again
//! ```
//!
//! The `_mut` forms, whose guards reach `T` mutably, are in `fd_mut.rs`,
//! and the guards in `fd_guard.rs`. The differences from tokio: `new`
//! puts the descriptor in non-blocking mode, as [`Async::new`] does (tokio
//! leaves that to the caller, who must do it anyway); `with_interest`
//! registers both directions; a wait answered before with no event since
//! asks the kernel (`poll(2)`) before it answers again; and the
//! `PRIORITY`/`ERROR` interests are missing (`docs/from-tokio.md`).
//! `try_new`, which gives `T` back when the reactor refuses it, is in
//! `fd_try_new.rs`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll, ready};

use super::Async;
use super::fd_guard::AsyncFdReadyGuard;
use crate::io::source::Direction;
use crate::io::{Interest, Ready};

/// A file descriptor registered with the current reactor, waited on
/// through readiness guards (tokio's `AsyncFd`); see the module doc of
/// [`corio::io::unix`](crate::io::unix).
///
/// `T` must keep its descriptor open, and the same, until the `AsyncFd` is
/// dropped or [`into_inner`](Self::into_inner) returns it (as tokio asks).
///
/// # Examples
///
/// ```
/// use corio::io::unix::AsyncFd;
/// use std::io::{Read, Write};
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (reader, mut writer) = std::io::pipe()?;
///     let reader = AsyncFd::new(reader)?;
///     writer.write_all(b"hi")?;
///     let mut buf = [0; 2];
///     let n = loop {
///         let mut guard = reader.readable().await?;
///         match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
///             Ok(result) => break result?,
///             Err(_would_block) => continue,
///         }
///     };
///     assert_eq!(&buf[..n], b"hi");
///     Ok(())
/// })
/// # }
/// ```
pub struct AsyncFd<T: AsRawFd> {
    pub(super) inner: Async<Raw<T>>,
}

/// `T` seen through its raw descriptor, which [`Async`] wants as `AsFd`.
pub(super) struct Raw<T>(pub(super) T);

impl<T: AsRawFd> AsFd for Raw<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // Open by `AsyncFd`'s contract, which the type system cannot check
        // (tokio's `AsFd` for its `AsyncFd` rests on the same); a `T` that
        // breaks it leaves the reactor with a stale number, as the type's
        // doc warns. `AsyncFd::new` refuses a -1, but a `T` that changes
        // its number later (through `get_mut`, or a `Cell`) could report
        // one: std's `borrow_raw` then panics, it makes no invalid borrow.
        // SAFETY: by that contract the number is the descriptor `T` keeps
        // open while wrapped, so the borrow, no longer than `&self`, is
        // valid.
        unsafe { BorrowedFd::borrow_raw(self.0.as_raw_fd()) }
    }
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Puts `inner`'s descriptor in non-blocking mode and registers it with
    /// the current runtime's reactor, for both directions.
    ///
    /// # Errors
    ///
    /// If the reactor refuses the descriptor (a regular file, on epoll),
    /// or `EBADF` for a negative one.
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
    ///     let (reader, _writer) = std::io::pipe()?;
    ///     let reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     assert!(reader.get_ref().try_clone().is_ok());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        if inner.as_raw_fd() < 0 {
            return Err(io::Error::from_raw_os_error(libc::EBADF));
        }
        Ok(AsyncFd {
            inner: Async::new(Raw(inner))?,
        })
    }

    /// As [`new`](Self::new), for tokio code that names its interest.
    /// corio registers both directions at once (with epoll and kqueue; the
    /// oneshot fallback arms one only while a task waits on it), so the
    /// interest changes nothing but what tokio would check: it must not be
    /// empty (it cannot be, as in tokio).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::{Interest, unix::AsyncFd};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, _writer) = std::io::pipe()?;
    ///     let reader = AsyncFd::with_interest(reader, Interest::READABLE)?;
    ///     drop(reader);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        let _ = interest;
        AsyncFd::new(inner)
    }

    /// The wrapped object.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    ///     let socket = corio::io::unix::AsyncFd::new(socket)?;
    ///     assert!(socket.get_ref().local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner.get_ref().0
    }

    /// The wrapped object, mutably (its descriptor must stay the same).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    ///     let mut socket = corio::io::unix::AsyncFd::new(socket)?;
    ///     socket.get_mut().set_ttl(7)?;
    ///     assert_eq!(socket.get_ref().ttl()?, 7);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner.io.0
    }

    /// Deregisters the descriptor and returns the object, still
    /// non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, _writer) = std::io::pipe()?;
    ///     let reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     let reader: std::io::PipeReader = reader.into_inner();
    ///     drop(reader);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        self.inner.into_inner().0
    }

    /// Polls for read readiness: a guard once the descriptor may be
    /// readable. Only the task of the latest call is woken (one place per
    /// direction, as tokio's).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::Write;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, mut writer) = std::io::pipe()?;
    ///     let reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     writer.write_all(b"x")?;
    ///     let ready = poll_fn(|cx| reader.poll_read_ready(cx).map_ok(|g| g.ready())).await?;
    ///     assert!(ready.is_readable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let (ready, seen) = ready!(self.poll_direction(Direction::Read, cx))?;
        Poll::Ready(Ok(AsyncFdReadyGuard::new(self, ready, seen)))
    }

    /// Polls for write readiness (see
    /// [`poll_read_ready`](Self::poll_read_ready)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     let ready = poll_fn(|cx| writer.poll_write_ready(cx).map_ok(|g| g.ready())).await?;
    ///     assert!(ready.is_writable(), "an empty pipe has room");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let (ready, seen) = ready!(self.poll_direction(Direction::Write, cx))?;
        Poll::Ready(Ok(AsyncFdReadyGuard::new(self, ready, seen)))
    }

    /// Waits until the descriptor may be ready for any of `interest`; the
    /// guard says which. Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     let guard = writer.ready(Interest::READABLE | Interest::WRITABLE).await?;
    ///     assert!(guard.ready().is_writable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let (ready, seen) = self.wait(interest).await?;
        Ok(AsyncFdReadyGuard::new(self, ready, seen))
    }

    /// Waits until the descriptor may be readable. Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, mut writer) = std::io::pipe()?;
    ///     let reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     writer.write_all(b"x")?;
    ///     assert!(reader.readable().await?.ready().is_readable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// Waits until the descriptor may be writable. Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     assert!(writer.writable().await?.ready().is_writable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// Waits for `interest` and runs `f` until it does not fail with
    /// `WouldBlock`; each `WouldBlock` clears the readiness, so the next
    /// wait is for a new event.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// use std::io::{Read, Write};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, mut writer) = std::io::pipe()?;
    ///     let reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     writer.write_all(b"ok")?;
    ///     let mut buf = [0; 2];
    ///     let n = reader.async_io(Interest::READABLE, |r| (&*r).read(&mut buf)).await?;
    ///     assert_eq!(&buf[..n], b"ok");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready(interest).await?;
            if let Ok(result) = guard.try_io(|fd| f(fd.get_ref())) {
                return result;
            }
        }
    }

    /// Calls `f`, your own non-blocking operation on the object, if the
    /// descriptor is marked ready for `interest`; a `WouldBlock` from `f`
    /// clears the mark, so the next wait is for a new event. Without the
    /// mark, `Err(WouldBlock)` and `f` is not called. tokio's
    /// `AsyncFd::try_io`: a guard's `try_io` without the guard.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// use std::io::{Read, Write};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, mut writer) = std::io::pipe()?;
    ///     let reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     let mut buf = [0; 2];
    ///     let early = reader.try_io(Interest::READABLE, |_| -> std::io::Result<usize> {
    ///         unreachable!("not marked ready yet")
    ///     });
    ///     assert_eq!(early.unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    ///     writer.write_all(b"ok")?;
    ///     drop(reader.readable().await?); // the guard keeps the mark
    ///     let n = reader.try_io(Interest::READABLE, |r| (&*r).read(&mut buf))?;
    ///     assert_eq!(&buf[..n], b"ok");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.inner.try_io_for(interest, || f(self.get_ref()))
    }

    /// Waits for `interest`: the readiness found, and each direction's
    /// answer, which the guard clears by (`Registration::clear_answer`).
    pub(super) async fn wait(&self, interest: Interest) -> io::Result<(Ready, [usize; 2])> {
        let registration = &self.inner.registration;
        let mut reading = registration.waiting(Direction::Read);
        let mut writing = registration.waiting(Direction::Write);
        poll_fn(|cx| {
            self.inner
                .poll_interest(interest, cx, &mut reading, &mut writing)
        })
        .await
    }

    /// One poll for `direction` with the one place per direction of the
    /// `poll_` forms: the readiness found and the answer.
    pub(super) fn poll_direction(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Ready, [usize; 2])>> {
        let (ready, word) = ready!(self.inner.poll_one(direction, cx, None))?;
        let mut seen = [usize::MAX; 2];
        seen[direction as usize] = word;
        Poll::Ready(Ok((ready, seen)))
    }

    /// Forgets the readiness of the directions in `ready`, as answered by
    /// `seen`, unless an event came since (the guards' `clear_ready`, and
    /// their `try_io` after a `WouldBlock`: see `clear_answer`).
    /// A `WouldBlock` with both directions held may have come from either,
    /// so each is cleared only as `Registration::may_clear_after_either`
    /// allows.
    pub(super) fn clear(&self, ready: Ready, seen: [usize; 2], would_block: bool) {
        let registration = &self.inner.registration;
        let either = would_block && ready.is_readable() && ready.is_writable();
        let sure =
            |direction| would_block && (!either || registration.may_clear_after_either(direction));
        if ready.is_readable() {
            registration.clear_answer(Direction::Read, seen[0], sure(Direction::Read));
        }
        if ready.is_writable() {
            registration.clear_answer(Direction::Write, seen[1], sure(Direction::Write));
        }
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

impl<T: AsRawFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.get_ref().as_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", self.get_ref())
            .finish()
    }
}

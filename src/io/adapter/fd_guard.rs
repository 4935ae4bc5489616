//! The guards an [`AsyncFd`] wait hands back: the readiness it found, and
//! the one place to spend it (`try_io`).
//!
//! A guard says "the descriptor may be ready". Dropping it keeps that
//! readiness, so the next wait answers at once; `clear_ready` (or a
//! `WouldBlock` inside `try_io`) forgets it, so the next wait is for a new
//! event. A clear never forgets an event that came after the guard's
//! answer: the registration keeps the state that answer was about, and
//! clears only if nothing changed since (`Registration::clear_answer`,
//! with the guard's own answer).

use std::fmt;
use std::io;
use std::os::fd::AsRawFd;

use super::fd::AsyncFd;
use crate::io::Ready;

/// The readiness an [`AsyncFd`] wait found (tokio's
/// `AsyncFdReadyGuard`).
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (_reader, writer) = std::io::pipe()?;
///     let writer = corio::io::unix::AsyncFd::new(writer)?;
///     let guard = writer.writable().await?;
///     assert!(guard.ready().is_writable());
///     Ok(())
/// })
/// # }
/// ```
#[must_use = "a guard is how the readiness is spent: try_io, or clear_ready"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    fd: &'a AsyncFd<T>,
    ready: Ready,
    /// The answer this guard stands for, per direction: a clear forgets
    /// that one, never an event that came after it.
    seen: [usize; 2],
}

/// [`AsyncFdReadyGuard`] for a wait made through `&mut AsyncFd`, which can
/// reach `T` mutably.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (_reader, writer) = std::io::pipe()?;
///     let mut writer = corio::io::unix::AsyncFd::new(writer)?;
///     let mut guard = writer.writable_mut().await?;
///     let _pipe: &mut std::io::PipeWriter = guard.get_inner_mut();
///     Ok(())
/// })
/// # }
/// ```
#[must_use = "a guard is how the readiness is spent: try_io, or clear_ready"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    fd: &'a mut AsyncFd<T>,
    ready: Ready,
    seen: [usize; 2],
}

/// What [`AsyncFdReadyGuard::try_io`] returns when the operation said
/// `WouldBlock`: the readiness is cleared, and the caller waits again.
///
/// # Examples
///
/// ```
/// use std::io::ErrorKind;
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (_reader, writer) = std::io::pipe()?;
///     let writer = corio::io::unix::AsyncFd::new(writer)?;
///     let mut guard = writer.writable().await?;
///     let tried = guard.try_io(|_| Err::<(), _>(ErrorKind::WouldBlock.into()));
///     assert!(tried.is_err());
///     assert!(guard.ready().is_empty(), "cleared");
///     Ok(())
/// })
/// # }
/// ```
pub struct TryIoError(());

impl fmt::Debug for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TryIoError")
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    pub(super) fn new(fd: &'a AsyncFd<T>, ready: Ready, seen: [usize; 2]) -> Self {
        AsyncFdReadyGuard { fd, ready, seen }
    }

    /// Forgets the readiness this guard stands for (unless an event came
    /// since): the next wait is for a new event. Call it once a
    /// non-blocking call said `WouldBlock`. Where the poller cannot
    /// report a close apart (the portable one, off Linux), the
    /// registration keeps its readiness, lest it forget a close; the next
    /// wait then asks the kernel whether the descriptor is still ready.
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
    ///     let mut guard = reader.readable().await?;
    ///     guard.clear_ready();
    ///     assert!(guard.ready().is_empty());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn clear_ready(&mut self) {
        self.clear_ready_matching(self.ready);
    }

    /// Forgets only the part of this guard's readiness in `ready` (one
    /// direction of a guard from [`AsyncFd::ready`], say).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::{Interest, Ready};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     let mut guard = writer.ready(Interest::WRITABLE).await?;
    ///     guard.clear_ready_matching(Ready::READABLE);
    ///     assert!(guard.ready().is_writable(), "not in the mask: kept");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        self.ready = clear(self.fd, self.ready, ready, self.seen, false);
    }

    /// Keeps the readiness for the next wait (what dropping the guard
    /// does too).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     writer.writable().await?.retain_ready();
    ///     assert!(writer.writable().await?.ready().is_writable(), "at once");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn retain_ready(&mut self) {}

    /// The readiness this guard stands for: what the wait found, less
    /// what was cleared.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     assert!(!writer.writable().await?.ready().is_readable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn ready(&self) -> Ready {
        self.ready
    }

    /// Runs `f`, the caller's non-blocking call; a `WouldBlock` from it
    /// clears this guard's readiness and comes back as `Err(TryIoError)`,
    /// for the caller to wait again. Any other result is `Ok`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, mut writer) = std::io::pipe()?;
    ///     let reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     writer.write_all(b"ab")?;
    ///     let mut buf = [0; 8];
    ///     let mut guard = reader.readable().await?;
    ///     let n = guard.try_io(|fd| fd.get_ref().read(&mut buf)).unwrap()?;
    ///     assert_eq!(n, 2);
    ///     assert!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).is_err(), "WouldBlock");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.fd);
        spent(result, || {
            self.ready = clear(self.fd, self.ready, self.ready, self.seen, true);
        })
    }

    /// The `AsyncFd` this guard came from.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     let guard = writer.writable().await?;
    ///     assert!(std::ptr::eq(guard.get_ref(), &writer));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }

    /// The object inside the `AsyncFd`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    ///     let socket = corio::io::unix::AsyncFd::new(socket)?;
    ///     let guard = socket.writable().await?;
    ///     assert!(guard.get_inner().local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn get_inner(&self) -> &'a T {
        self.fd.get_ref()
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyMutGuard<'a, T> {
    pub(super) fn new(fd: &'a mut AsyncFd<T>, ready: Ready, seen: [usize; 2]) -> Self {
        AsyncFdReadyMutGuard { fd, ready, seen }
    }

    /// As [`AsyncFdReadyGuard::clear_ready`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let mut writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     let mut guard = writer.writable_mut().await?;
    ///     guard.clear_ready();
    ///     assert!(guard.ready().is_empty());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn clear_ready(&mut self) {
        self.clear_ready_matching(self.ready);
    }

    /// As [`AsyncFdReadyGuard::clear_ready_matching`].
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Ready;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let mut writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     let mut guard = writer.writable_mut().await?;
    ///     guard.clear_ready_matching(Ready::WRITABLE);
    ///     assert!(!guard.ready().is_writable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        self.ready = clear(self.fd, self.ready, ready, self.seen, false);
    }

    /// As [`AsyncFdReadyGuard::retain_ready`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let mut writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     writer.writable_mut().await?.retain_ready();
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn retain_ready(&mut self) {}

    /// As [`AsyncFdReadyGuard::ready`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let mut writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     assert!(writer.writable_mut().await?.ready().is_writable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn ready(&self) -> Ready {
        self.ready
    }

    /// As [`AsyncFdReadyGuard::try_io`], with the `AsyncFd` lent mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, mut writer) = std::io::pipe()?;
    ///     let mut reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     writer.write_all(b"ab")?;
    ///     let mut buf = [0; 8];
    ///     let mut guard = reader.readable_mut().await?;
    ///     assert_eq!(guard.try_io(|fd| fd.get_mut().read(&mut buf)).unwrap()?, 2);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.fd);
        spent(result, || {
            self.ready = clear(self.fd, self.ready, self.ready, self.seen, true);
        })
    }

    /// The `AsyncFd` this guard came from.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let mut writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     let guard = writer.writable_mut().await?;
    ///     let _fd: &corio::io::unix::AsyncFd<_> = guard.get_ref();
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.fd
    }

    /// The `AsyncFd` this guard came from, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    ///     let mut socket = corio::io::unix::AsyncFd::new(socket)?;
    ///     let mut guard = socket.writable_mut().await?;
    ///     guard.get_mut().get_mut().set_ttl(9)?;
    ///     assert_eq!(guard.get_inner().ttl()?, 9);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.fd
    }

    /// The object inside the `AsyncFd`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    ///     let mut socket = corio::io::unix::AsyncFd::new(socket)?;
    ///     let guard = socket.writable_mut().await?;
    ///     assert!(guard.get_inner().local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn get_inner(&self) -> &T {
        self.fd.get_ref()
    }

    /// The object inside the `AsyncFd`, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    ///     let mut socket = corio::io::unix::AsyncFd::new(socket)?;
    ///     let mut guard = socket.writable_mut().await?;
    ///     guard.get_inner_mut().set_ttl(3)?;
    ///     assert_eq!(guard.get_inner().ttl()?, 3);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.fd.get_mut()
    }
}

/// What `try_io` returns for `result`: `Err(TryIoError)` for a
/// `WouldBlock`, after `clear` forgot the guard's readiness.
fn spent<R>(result: io::Result<R>, clear: impl FnOnce()) -> Result<io::Result<R>, TryIoError> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            clear();
            Err(TryIoError(()))
        }
        result => Ok(result),
    }
}

/// Takes exactly what `mask` names out of `held` and returns the rest; the
/// registration forgets each direction whose readiness (not close) `mask`
/// names and `held` had. A close stays in the registration whatever the
/// mask, so naming only `READ_CLOSED` clears nothing there: tokio's guards
/// do the same.
fn clear<T: AsRawFd>(
    fd: &AsyncFd<T>,
    held: Ready,
    mask: Ready,
    seen: [usize; 2],
    would_block: bool,
) -> Ready {
    let named = mask.without(Ready::READ_CLOSED | Ready::WRITE_CLOSED);
    let mut directions = Ready::EMPTY;
    if held.is_readable() && named.is_readable() {
        directions |= Ready::READABLE;
    }
    if held.is_writable() && named.is_writable() {
        directions |= Ready::WRITABLE;
    }
    fd.clear(directions, seen, would_block);
    held.without(mask)
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("ready", &self.ready)
            .finish_non_exhaustive()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("ready", &self.ready)
            .finish_non_exhaustive()
    }
}

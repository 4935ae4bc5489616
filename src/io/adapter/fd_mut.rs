//! The `_mut` forms of [`AsyncFd`]'s waits: the same waits, through
//! `&mut self`, for a guard that lends `T` mutably (a `T` whose reads
//! need `&mut`, as most do outside sockets and pipes).

use std::io;
use std::os::fd::AsRawFd;
use std::task::{Context, Poll, ready};

use super::fd::AsyncFd;
use super::fd_guard::AsyncFdReadyMutGuard;
use crate::io::Interest;
use crate::io::source::Direction;

impl<T: AsRawFd> AsyncFd<T> {
    /// [`poll_read_ready`](Self::poll_read_ready), for a guard that can
    /// reach `T` mutably.
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
    ///     let mut reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     writer.write_all(b"x")?;
    ///     let ready = poll_fn(|cx| reader.poll_read_ready_mut(cx).map_ok(|g| g.ready())).await?;
    ///     assert!(ready.is_readable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let (ready, seen) = ready!(self.poll_direction(Direction::Read, cx))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(self, ready, seen)))
    }

    /// [`poll_write_ready`](Self::poll_write_ready), for a guard that can
    /// reach `T` mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let mut writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     let ready = poll_fn(|cx| writer.poll_write_ready_mut(cx).map_ok(|g| g.ready())).await?;
    ///     assert!(ready.is_writable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let (ready, seen) = ready!(self.poll_direction(Direction::Write, cx))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(self, ready, seen)))
    }

    /// [`ready`](Self::ready), for a guard that can reach `T` mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let mut writer = corio::io::unix::AsyncFd::new(writer)?;
    ///     let guard = writer.ready_mut(Interest::WRITABLE).await?;
    ///     assert!(guard.ready().is_writable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let (ready, seen) = self.wait(interest).await?;
        Ok(AsyncFdReadyMutGuard::new(self, ready, seen))
    }

    /// [`readable`](Self::readable), for a guard that can reach `T`
    /// mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, mut writer) = std::io::pipe()?;
    ///     let mut reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     writer.write_all(b"x")?;
    ///     assert!(reader.readable_mut().await?.ready().is_readable());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// [`writable`](Self::writable), for a guard that can reach `T`
    /// mutably.
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
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// [`try_io`](Self::try_io), with `T` reached mutably.
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
    ///     let mut reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     writer.write_all(b"ok")?;
    ///     drop(reader.readable().await?); // the guard keeps the mark
    ///     let mut buf = [0; 2];
    ///     let n = reader.try_io_mut(Interest::READABLE, |r| r.read(&mut buf))?;
    ///     assert_eq!(&buf[..n], b"ok");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.inner.try_io_for_mut(interest, |raw| f(&mut raw.0))
    }

    /// [`async_io`](Self::async_io), for an `f` that needs `T` mutably.
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
    ///     let mut reader = corio::io::unix::AsyncFd::new(reader)?;
    ///     writer.write_all(b"ok")?;
    ///     let mut buf = [0; 2];
    ///     let n = reader.async_io_mut(Interest::READABLE, |r| r.read(&mut buf)).await?;
    ///     assert_eq!(&buf[..n], b"ok");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready_mut(interest).await?;
            if let Ok(result) = guard.try_io(|fd| f(fd.get_mut())) {
                return result;
            }
        }
    }
}

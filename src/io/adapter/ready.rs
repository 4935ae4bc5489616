//! Waiting for readiness: `readable()` / `writable()` and their `poll_`
//! forms answer once the descriptor may be ready in that direction, after
//! which the caller does its own I/O; `clear_readable()` /
//! `clear_writable()` forget a readiness the caller has used up, so that
//! the next wait is for a new event. `ready(interest)` waits for either
//! direction at once and says which it found.

use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll, ready};

use super::Async;
use crate::io::source::Direction;
use crate::io::{Interest, Ready};
use crate::io::{Slot, Waiting};

impl<T> Async<T> {
    /// Waits until the descriptor may be readable. The wakeup may be
    /// spurious: the next read can still return `WouldBlock`, and then
    /// calling `readable()` again waits for new data (it checks with the
    /// kernel rather than answer Ready again for readiness already used).
    /// A pending error on the descriptor (`POLLERR`: a socket error, or a
    /// non-empty error queue) counts as readable until it is taken, by a
    /// read that reports it or a read of the error queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, mut writer) = std::io::pipe()?;
    ///     let reader = corio::io::Async::new(reader)?;
    ///     writer.write_all(b"x")?;
    ///     reader.readable().await?;
    ///     let mut buf = [0; 1];
    ///     assert_eq!(reader.get_ref().read(&mut buf)?, 1, "no WouldBlock now");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        let mut waiting = self.registration.waiting(Direction::Read);
        poll_fn(|cx| {
            self.registration
                .poll_ready(Direction::Read, cx, waiting.slot())
        })
        .await
    }

    /// Waits until the descriptor may be ready in a direction of
    /// `interest`, and says which (tokio's `ready`): one wait for a task
    /// that both reads and writes with the `try_` calls. Possibly spurious,
    /// as [`readable`](Self::readable) is.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// use std::io::Write;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, mut writer) = std::io::pipe()?;
    ///     let reader = corio::io::Async::new(reader)?;
    ///     writer.write_all(b"x")?;
    ///     let ready = reader.ready(Interest::READABLE | Interest::WRITABLE).await?;
    ///     assert!(ready.is_readable() && !ready.is_writable(), "a pipe's read end");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let mut reading = self.registration.waiting(Direction::Read);
        let mut writing = self.registration.waiting(Direction::Write);
        poll_fn(|cx| {
            self.poll_interest(interest, cx, &mut reading, &mut writing)
                .map_ok(|(ready, _)| ready)
        })
        .await
    }

    /// Waits until the descriptor may be writable (possibly spuriously).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let writer = corio::io::Async::new(writer)?;
    ///     writer.writable().await?;
    ///     assert_eq!(writer.get_ref().write(b"x")?, 1, "no WouldBlock now");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        let mut waiting = self.registration.waiting(Direction::Write);
        poll_fn(|cx| {
            self.registration
                .poll_ready(Direction::Write, cx, waiting.slot())
        })
        .await
    }

    /// Forgets the readiness [`readable`](Self::readable) last reported,
    /// unless an event came since: the next `readable()` waits for a new
    /// event instead of asking the kernel (tokio's `clear_ready`). For a
    /// descriptor the kernel always calls readable, and whose news comes as
    /// an event of its own (a sysfs or procfs file such as
    /// `cgroup.events` or `/proc/self/mounts`, which signal a change with
    /// `POLLPRI` or `POLLERR`), where `readable()` in a loop would answer
    /// at once, every time. An end of stream is not forgotten: no new event
    /// would follow it, so `readable()` keeps answering at once after one
    /// (and `writable()` after a hang-up or a broken pipe), as tokio's
    /// closed bits do.
    ///
    /// The readiness forgotten is the last one reported to *any* task. With
    /// two tasks waiting on one direction of a shared `Async`, one task's
    /// clear may forget what `readable()` just reported to the other, which
    /// then waits for an event that may not come while its bytes sit
    /// unread. Such tasks should not clear: let `read_with` and `write_with`
    /// find out (their own `WouldBlock` clears only what they saw), or use
    /// [`AsyncFd`](crate::io::unix::AsyncFd), whose guards each clear
    /// their own answer.
    ///
    /// This needs a poller that reports a peer's close as its own event
    /// bit, as Linux's epoll does for corio. The portable poller used
    /// elsewhere (kqueue, through `polling`) does not, and there this does
    /// nothing: forgetting readiness could forget an end of stream that
    /// came in the same event, and the next wait would never end.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, mut writer) = std::io::pipe()?;
    ///     let reader = corio::io::Async::new(reader)?;
    ///     writer.write_all(b"news")?;
    ///     reader.readable().await?;
    ///     reader.clear_readable(); // seen: wait for the next event
    ///     // (The write's event may have reached the reactor just after
    ///     // `readable` took its look, and then stands against the clear,
    ///     // once: clear again.)
    ///     if futures_lite::future::poll_once(reader.readable()).await.is_some() {
    ///         reader.clear_readable();
    ///     }
    ///     let next = futures_lite::future::poll_once(reader.readable()).await;
    ///     if cfg!(target_os = "linux") {
    ///         // (Elsewhere the clear does nothing, and it answers again.)
    ///         assert!(next.is_none(), "no event since, though bytes are there");
    ///     }
    ///     writer.write_all(b"more")?;
    ///     reader.readable().await?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn clear_readable(&self) {
        self.registration.clear_answered(Direction::Read);
    }

    /// As [`clear_readable`](Self::clear_readable), for
    /// [`writable`](Self::writable).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = corio::io::Async::new(a)?;
    ///     a.writable().await?;
    ///     a.clear_writable();
    ///     // (As for `clear_readable`: an event that came just after the
    ///     // look stands against the clear, once.)
    ///     if futures_lite::future::poll_once(a.writable()).await.is_some() {
    ///         a.clear_writable();
    ///     }
    ///     let next = futures_lite::future::poll_once(a.writable()).await;
    ///     if cfg!(target_os = "linux") {
    ///         assert!(next.is_none(), "waits for a new event");
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn clear_writable(&self) {
        self.registration.clear_answered(Direction::Write);
    }

    /// The poll form of [`readable`](Self::readable). Only the waker of the
    /// most recent call is woken (tokio's rule for `poll_read_ready`): one
    /// task at a time should poll a direction this way.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::{Read, Write};
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, mut writer) = std::io::pipe()?;
    ///     let reader = corio::io::Async::new(reader)?;
    ///     writer.write_all(b"x")?;
    ///     poll_fn(|cx| reader.poll_readable(cx)).await?;
    ///     let mut buf = [0; 1];
    ///     assert_eq!(reader.get_ref().read(&mut buf)?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.registration.poll_ready(Direction::Read, cx, None)
    }

    /// The poll form of [`writable`](Self::writable).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::Write;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (_reader, writer) = std::io::pipe()?;
    ///     let writer = corio::io::Async::new(writer)?;
    ///     poll_fn(|cx| writer.poll_writable(cx)).await?;
    ///     assert_eq!(writer.get_ref().write(b"x")?, 1);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.registration.poll_ready(Direction::Write, cx, None)
    }

    /// One poll of a wait for `interest`: the readiness found, with each
    /// direction's answer (its snapshot's word, `usize::MAX` for none),
    /// which `AsyncFd`'s guards clear by.
    pub(super) fn poll_interest(
        &self,
        interest: Interest,
        cx: &mut Context<'_>,
        reading: &mut Waiting<'_>,
        writing: &mut Waiting<'_>,
    ) -> Poll<io::Result<(Ready, [usize; 2])>> {
        // One unit of budget for the whole wait, whichever directions
        // answer: a unit each, and the first answer could spend the last
        // one, the second then saying Pending (and waking the task for
        // nothing) while the socket was ready there too.
        let spent = ready!(crate::task::budget::poll_proceed(cx));
        let mut ready = Ready::EMPTY;
        let mut seen = [usize::MAX; 2];
        let directions = [
            (interest.is_readable(), Direction::Read, reading.slot()),
            (interest.is_writable(), Direction::Write, writing.slot()),
        ];
        for (wanted, direction, slot) in directions {
            if wanted && let Poll::Ready(result) = self.poll_one_unbudgeted(direction, cx, slot) {
                let (found, word) = match result {
                    Ok(answer) => answer,
                    Err(error) => {
                        spent.made_progress();
                        return Poll::Ready(Err(error));
                    }
                };
                ready |= found;
                seen[direction as usize] = word;
            }
        }
        if ready.is_empty() {
            Poll::Pending
        } else {
            spent.made_progress();
            Poll::Ready(Ok((ready, seen)))
        }
    }

    /// One poll for `direction` (`slot`: a future's place among the
    /// waiters, `None` for the `poll_` forms): the readiness found, with
    /// the close the reactor saw there, and the answer's word.
    pub(super) fn poll_one(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
    ) -> Poll<io::Result<(Ready, usize)>> {
        let spent = ready!(crate::task::budget::poll_proceed(cx));
        let answer = ready!(self.poll_one_unbudgeted(direction, cx, slot));
        spent.made_progress();
        Poll::Ready(answer)
    }

    /// [`poll_one`](Self::poll_one) without the coop budget, for
    /// `poll_interest`, which spends one unit on both directions.
    fn poll_one_unbudgeted(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
    ) -> Poll<io::Result<(Ready, usize)>> {
        let word = ready!(self.registration.poll_ready_seen(direction, cx, slot))?;
        let found = match direction {
            Direction::Read if self.registration.read_closed() => {
                Ready::READABLE | Ready::READ_CLOSED
            }
            Direction::Read => Ready::READABLE,
            Direction::Write if self.registration.write_closed() => {
                Ready::WRITABLE | Ready::WRITE_CLOSED
            }
            Direction::Write => Ready::WRITABLE,
        };
        Poll::Ready(Ok((found, word)))
    }
}

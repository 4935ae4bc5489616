//! `Registration`: a source's membership in its reactor, and the I/O retry loop.
//!
//! Every corio socket does I/O the same way, so the loop lives here once:
//!
//! ```text
//!   spend a unit of coop budget (yield first if the task has none left)
//!   loop:
//!       not marked ready? ─► poll_ready ─ Pending ─► return Pending (refund)
//!       try the syscall ─ done or error ─► return it
//!          │ WouldBlock ──► clear the mark (unless an event came meanwhile), loop
//!          │ a stream's short write, a TCP read that drained
//!          └──► clear the mark (likewise), return the count
//! ```
//!
//! A socket that just got an event is tried at once; one that said
//! `WouldBlock` is not tried again until the next event. A short *write* of
//! a stream's own `send` counts as "full" too (the kernel's buffer filled
//! up, and draining it produces a new writable edge); a generic `Write` in
//! `Async<T>` does not get that rule, as it may write less with room to
//! spare (std's `Stdout`, a line writer, does).
//!
//! A *full* read of a TCP stream says nothing by itself: the kernel may
//! hold more. On Linux a TCP stream asks for `TCP_INQ`, and a read made with
//! `recvmsg` then comes back with the count of bytes still queued
//! (`sys.rs`); zero counts as drained too. A request/response exchange of
//! fixed-size messages (the `tcp_echo` row reads exactly 64 bytes) then
//! makes one `recv` per message instead of two. tokio does not do this: it
//! always pays the second `recv`. `recvmsg` costs a little more than `recv`,
//! so a stream uses it only while its reads fill their buffers.
//!
//! A short *read* counts as "drained" only on a TCP stream, and only where
//! the poller reports the peer's close on its own (epoll's `EPOLLRDHUP`, see
//! `poller/epoll.rs`). The danger is a FIN that arrives in the same edge as the last
//! bytes: clear the mark after the short read, and the read that would return
//! 0 waits for an edge that never comes. With the close kept as its own bit
//! (`source/`) that read still happens at once. The gain is one `recv`
//! per request that would only say `EAGAIN`: a third of the system calls of
//! a small HTTP exchange. tokio makes the same trade, for the same reason
//! (on every stream, Unix ones included, and on kqueue too).
//!
//! Not on a Unix stream: there a read stops early with bytes still queued
//! after a message that carried descriptors (`SCM_RIGHTS`), and, on a
//! reader that set `SO_PASSCRED` or `SO_PASSPIDFD`, where the sender
//! changes (two processes writing to one socket); no new edge would come
//! for the rest. Not on a terminal or a pipe wrapped in `Async` either (a
//! terminal returns one line a read).
//!
//! Dropping a `Registration` deregisters its source. Types that own a
//! descriptor (like [`super::Async`]) declare their registration field
//! *before* the descriptor, so Rust drops it first: the reactor always lets
//! go of a descriptor before it is closed.

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};

use super::reactor::Reactor;
use super::source::{Direction, Source};
use super::waiters::Slot;
use crate::task::budget;

pub(crate) struct Registration {
    reactor: Arc<Reactor>,
    source: Arc<Source>,
    /// A TCP stream where the poller reports a close apart: a short read
    /// means the receive buffer is drained.
    short_reads_drain: bool,
    /// Reads of this descriptor can report what stays queued (`TCP_INQ`).
    reports_queue: bool,
    /// The last read filled its buffer, so the next one asks what is left
    /// (a hint: a race between two readers costs at most one system call's
    /// worth of precision).
    last_read_full: AtomicBool,
    /// Per direction, the readiness word `poll_ready` last answered Ready
    /// to (see [`poll_ready`](Self::poll_ready)).
    answered: [AtomicUsize; 2],
    /// Per direction, a `try_io` has done I/O since that answer without a
    /// `WouldBlock` (which would have cleared the mark): the mark is
    /// honest, and the next answer needs no `poll(2)` to check it.
    vouched: [AtomicBool; 2],
}

/// What one byte-stream transfer did, for the readiness bookkeeping.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Moved {
    /// How many bytes moved.
    pub(crate) bytes: usize,
    /// A read that the kernel says left nothing queued (see `sys.rs`).
    pub(crate) queue_empty: bool,
}

impl Moved {
    /// `n` bytes, and no word on what is left.
    pub(crate) fn bytes(n: usize) -> Moved {
        Moved {
            bytes: n,
            queue_empty: false,
        }
    }
}

impl Registration {
    /// Whether this registration is with `reactor` (the signal listeners
    /// share one per runtime).
    #[cfg(feature = "signal")]
    pub(crate) fn is_with(&self, reactor: &Arc<Reactor>) -> bool {
        Arc::ptr_eq(&self.reactor, reactor)
    }

    /// Registers `fd` with the current thread's reactor.
    ///
    /// The caller must keep `fd` open until this `Registration` is dropped.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime (see [`Reactor::current`]).
    #[track_caller]
    pub(crate) fn new(fd: BorrowedFd<'_>) -> io::Result<Registration> {
        let reactor = Reactor::current();
        let source = reactor.register(fd)?;
        Ok(Registration {
            reactor,
            source,
            short_reads_drain: false,
            reports_queue: false,
            last_read_full: AtomicBool::new(true),
            answered: [AtomicUsize::new(usize::MAX), AtomicUsize::new(usize::MAX)],
            vouched: [AtomicBool::new(false), AtomicBool::new(false)],
        })
    }

    /// Says the descriptor is a TCP stream: a short read then counts as
    /// drained where the poller reports a close apart, and the kernel is
    /// asked to report, with each read, how many bytes stay queued
    /// (`TCP_INQ`), so that a full read can count as drained too.
    pub(crate) fn mark_tcp_stream(&mut self, fd: BorrowedFd<'_>) {
        // Checked, not trusted from the type: a `TcpStream::from_std` of a
        // descriptor that is really a Unix stream (a mistyped inherited
        // socket) has reads that stop short with more queued, at a message
        // carrying descriptors or credentials.
        self.short_reads_drain = self.reactor.short_reads_drain() && super::sys::is_tcp(fd);
        self.reports_queue = self.short_reads_drain && super::sys::ask_queue_reports(fd);
    }

    /// Whether the source has a close of its read side marked (the peer
    /// shut its writing side, or hung up), for `Async::ready`.
    pub(crate) fn read_closed(&self) -> bool {
        self.source.readiness().word() & super::readiness::READ_CLOSED != 0
    }

    /// Whether the source has a close of its write side marked (a hang-up,
    /// or an error such as a pipe's reader gone), for `Async::ready`.
    pub(crate) fn write_closed(&self) -> bool {
        self.source.readiness().word() & super::readiness::WRITE_CLOSED != 0
    }

    /// Whether the source is marked ready for `direction`.
    #[cfg(all(test, not(miri)))]
    pub(crate) fn marked_ready(&self, direction: Direction) -> bool {
        self.source.readiness().is_ready(direction)
    }

    /// Turns off the queue reports [`mark_tcp_stream`](Self::mark_tcp_stream)
    /// asked for, for a socket leaving the reactor (`Async::into_inner`,
    /// which still owns the descriptor while this runs).
    pub(crate) fn stop_queue_reports(&self) {
        if self.reports_queue {
            // SAFETY: the `Async` that owns this registration owns the
            // descriptor too, and gives it up only after this returns.
            let fd = unsafe { BorrowedFd::borrow_raw(self.source.fd()) };
            super::sys::stop_queue_reports(fd);
        }
    }

    /// Whether [`mark_tcp_stream`](Self::mark_tcp_stream) got queue reports.
    #[cfg(all(test, not(miri)))]
    pub(crate) fn reports_queue(&self) -> bool {
        self.reports_queue
    }

    /// Whether a short read counts as drained (for tests).
    #[cfg(all(test, not(miri)))]
    pub(crate) fn short_reads_drain(&self) -> bool {
        self.short_reads_drain
    }

    /// Whether the next read should ask what stays queued
    /// ([`super::sys::recv_queued`]): only if the last one filled its
    /// buffer. A short read says "drained" by itself, and a stream whose
    /// reads come back short (HTTP requests into an 8 KiB buffer) is
    /// cheaper to read with a plain `recv`; a stream of fixed-size messages
    /// fills every buffer and asks every time.
    pub(crate) fn read_asks_queue(&self) -> bool {
        self.reports_queue && self.last_read_full.load(Ordering::Relaxed)
    }

    /// Records whether a read filled its buffer (see
    /// [`read_asks_queue`](Self::read_asks_queue)).
    pub(crate) fn note_read(&self, filled: bool) {
        if self.reports_queue && self.last_read_full.load(Ordering::Relaxed) != filled {
            self.last_read_full.store(filled, Ordering::Relaxed);
        }
    }

    /// Ready once the descriptor may be ready in `direction` (possibly
    /// spuriously), spending a unit of coop budget when it is. This is
    /// `readable()` / `writable()`, after which the caller does its own I/O.
    ///
    /// Only corio's own I/O clears a direction's bit (a `WouldBlock`, a
    /// drained read, a short write, `try_io`, a guard's `clear_ready`), and
    /// I/O done on the descriptor directly never reaches it. So a caller that loops
    /// `readable().await` then `read()` until `WouldBlock` would find the
    /// bit still set and spin. When asked again with no event for this
    /// direction since the last Ready answer (one for the other direction
    /// says nothing about this one), this asks the kernel (`poll(2)`, no
    /// wait) and clears the bit if the descriptor is not ready after all.
    ///
    /// `slot` is the caller's [`Waiting`] entry if it is a future, `None`
    /// for a `poll_*` call (likewise for the other `poll_` functions here).
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
    ) -> Poll<io::Result<()>> {
        let spent = ready!(budget::poll_proceed(cx));
        let answer = ready!(self.poll_ready_seen(direction, cx, slot));
        spent.made_progress();
        Poll::Ready(answer.map(drop))
    }

    /// [`poll_ready`](Self::poll_ready) without the coop budget, which the
    /// caller spends (`Async::ready` one unit for both directions, as
    /// tokio's), answering with the state its answer was about (a
    /// snapshot's word), for a caller that clears that readiness itself
    /// later ([`clear_answer`](Self::clear_answer)): `AsyncFd`'s guards,
    /// each of which must clear its own answer, not whichever came last.
    pub(crate) fn poll_ready_seen(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
    ) -> Poll<io::Result<usize>> {
        let answered = &self.answered[direction as usize];
        let vouched = self.vouched[direction as usize].swap(false, Ordering::Relaxed);
        let seen = self.source.readiness();
        if seen.is_ready(direction)
            && seen.same_for(direction, answered.load(Ordering::Relaxed))
            && !vouched
            && !super::sys::ready_now(self.source.fd(), direction)?
        {
            self.source.clear_readiness(direction, seen);
        }
        let mut slot = slot;
        // The state the answer is about, taken *before* the reactor looks:
        // one read after it could include an event that landed in between,
        // which `clear_answered` would then clear unseen. A snapshot older
        // than the answer only makes that clear a no-op (its event count no
        // longer matches): a spurious wake-up later, never a lost one.
        let before = self.source.readiness();
        let result =
            ready!(
                self.reactor
                    .poll_ready(&self.source, direction, cx, slot.as_deref_mut())
            );
        if result.is_ok() {
            answered.store(before.word(), Ordering::Relaxed);
            // As in `poll_io_sized`: the event took the entry.
            if let Some(slot) = slot {
                *slot = Slot::default();
            }
        }
        Poll::Ready(result.map(|()| before.word()))
    }

    /// Forgets the readiness `poll_ready` last answered Ready in
    /// `direction`, unless an event for it came since: the next
    /// `poll_ready` waits for a new event instead of asking the kernel
    /// (tokio's `clear_ready`). A close stays (`Source::clear_seen`). A
    /// poller that cannot report a close (the portable one) leaves nothing
    /// to keep it by: an end of stream that came in the answered event
    /// would be forgotten, and the next wait would sleep for good, so there
    /// this does nothing.
    pub(crate) fn clear_answered(&self, direction: Direction) {
        let word = self.answered[direction as usize].load(Ordering::Relaxed);
        self.clear_answer(direction, word, false);
    }

    /// Forgets the readiness of the answer `word` (from
    /// [`poll_ready_seen`](Self::poll_ready_seen)), unless an event came
    /// since, keeping a close. `would_block`: the caller's own I/O just
    /// said `WouldBlock`, which no unread end of stream does, so the clear
    /// is safe on the portable poller too (as in [`try_io`](Self::try_io));
    /// without it, that poller keeps the readiness (see `clear_answered`).
    pub(crate) fn clear_answer(&self, direction: Direction, word: usize, would_block: bool) {
        // A clear the poller may skip (the portable one) leaves the next
        // answer to `poll(2)`, whatever a `try_io` said before.
        self.vouched[direction as usize].store(false, Ordering::Relaxed);
        if word != usize::MAX && (would_block || self.reactor.reports_close()) {
            self.source
                .clear_seen(direction, super::source::ReadinessSnapshot::from_word(word));
        }
    }

    /// Whether a `WouldBlock` from I/O that may have gone either way (a
    /// guard or a `try_io` holding both directions: a write into a full
    /// buffer, or a read with nothing queued) lets `direction` be cleared.
    /// Where the poller reports closes, yes: a close stays in its own bit.
    /// The portable poller marks an end of stream only as readable, and a
    /// write's `WouldBlock` says nothing of it, so there the read mark
    /// stays if the stream has ended (a peek reads nothing), lest
    /// `readable()` wait for an event that has already come. Anything else
    /// is cleared, as tokio clears it: kept because `poll(2)` still says
    /// "ready", a mark the operation does not use (writable, while it only
    /// reads) would answer every wait at once, and its loop would spin.
    pub(crate) fn may_clear_after_either(&self, direction: Direction) -> bool {
        self.reactor.reports_close()
            || matches!(direction, Direction::Write)
            || !super::sys::at_end_of_stream(self.source.fd())
    }

    /// One attempt without waiting, for `try_read` / `try_write` (tokio's
    /// `try_io`): `WouldBlock` at once, with no system call, if `direction`
    /// is not marked ready; else `op`, and a `WouldBlock` from it clears the
    /// mark, so that the next `readable()` / `writable()` waits for an event
    /// instead of answering at once.
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let seen = self.source.readiness();
        if !seen.is_ready(direction) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let result = op();
        match &result {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.source.clear_readiness(direction, seen);
            }
            // The mark stays honest: a `WouldBlock` would clear it. The
            // `readable()` / `try_read` loop then reads a backlog with one
            // system call a chunk, as tokio's, not a `poll(2)` beside each.
            Ok(_) => self.vouched[direction as usize].store(true, Ordering::Relaxed),
            Err(_) => {}
        }
        result
    }

    /// One attempt at a caller's own `op` for the directions `read` and
    /// `write` name (tokio's `try_io` on the socket types): `WouldBlock` at
    /// once if none is marked ready; else `op`, and a `WouldBlock` from it
    /// clears each of them that was marked. The closes stay, as tokio's
    /// closed bits do: the caller's `WouldBlock` may come from a write, or a
    /// read of something else, and says nothing of an end of stream, which
    /// no later event would report again. (A poller that cannot report a
    /// close, the portable one, has none to keep: there, both being asked,
    /// the read mark of an ended stream stays; see `may_clear_after_either`.)
    pub(crate) fn try_own_io<R>(
        &self,
        read: bool,
        write: bool,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let seen = self.source.readiness();
        let marked = [(read, Direction::Read), (write, Direction::Write)]
            .map(|(asked, direction)| (asked && seen.is_ready(direction), direction));
        if !marked.iter().any(|&(ready, _)| ready) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let result = op();
        if let Err(e) = &result
            && e.kind() == io::ErrorKind::WouldBlock
        {
            let either = read && write;
            for (ready, direction) in marked {
                if ready && (!either || self.may_clear_after_either(direction)) {
                    self.source.clear_seen(direction, seen);
                }
            }
        }
        result
    }

    /// The entry a future waiting for `direction` keeps (see [`Waiting`]).
    pub(crate) fn waiting(&self, direction: Direction) -> Waiting<'_> {
        Waiting {
            registration: self,
            direction,
            slot: Slot::default(),
        }
    }

    /// Runs the non-blocking `op` until it does not return `WouldBlock`,
    /// waiting for `direction` in between. See the module documentation.
    pub(crate) fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_sized(direction, cx, slot, usize::MAX, || {
            op().map(|r| (r, Moved::bytes(0)))
        })
        .map(|result| result.map(|(r, _)| r))
    }

    /// As [`poll_io`](Self::poll_io), for a transfer of `len` bytes that
    /// returns `(result, what moved)`. Writing fewer bytes than asked means
    /// the kernel's send buffer is full, so the next call waits for a
    /// writable event instead of trying first; reading fewer, or a read the
    /// kernel says left nothing queued, means the receive buffer is drained,
    /// on a TCP stream whose close the reactor tells apart. Only byte
    /// streams may pass a `len`: a short datagram says nothing.
    pub(crate) fn poll_io_sized<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut slot: Option<&mut Slot>,
        len: usize,
        mut op: impl FnMut() -> io::Result<(R, Moved)>,
    ) -> Poll<io::Result<(R, Moved)>> {
        let spent = ready!(budget::poll_proceed(cx));
        loop {
            let seen = self.source.readiness();
            if !seen.is_ready(direction) {
                ready!(
                    self.reactor
                        .poll_ready(&self.source, direction, cx, slot.as_deref_mut())
                )?;
                continue;
            }
            // Ready: the event that set the bit took this future's entry (if
            // it had one) in the same step, so its drop has nothing to do.
            if let Some(slot) = slot.as_deref_mut() {
                *slot = Slot::default();
            }
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.source.clear_readiness(direction, seen);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => {
                    if let Ok((_, moved)) = &result
                        && moved.bytes > 0
                        && match direction {
                            Direction::Write => moved.bytes < len,
                            Direction::Read => {
                                (moved.bytes < len || moved.queue_empty) && self.short_reads_drain
                            }
                        }
                    {
                        self.source.clear_drained(direction, seen);
                    }
                    spent.made_progress();
                    return Poll::Ready(result);
                }
            }
        }
    }
}

/// A waiting future's entry in its source's list of waiters, taken out when
/// the future is dropped, so a cancelled wait leaves no waker behind (see
/// `waiters.rs`). The future makes one with [`Registration::waiting`]
/// before its first poll and passes [`slot`](Waiting::slot) to each poll.
pub(crate) struct Waiting<'a> {
    registration: &'a Registration,
    direction: Direction,
    slot: Slot,
}

impl Waiting<'_> {
    pub(crate) fn slot(&mut self) -> Option<&mut Slot> {
        Some(&mut self.slot)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.registration.source.forget(self.direction, &self.slot);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.reactor.deregister(&self.source);
    }
}

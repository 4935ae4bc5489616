//! A `Source`: the reactor's record of one file descriptor.
//!
//! Every registered descriptor has one `Source`. It remembers, for each
//! [`Direction`], whether the descriptor may be ready, and which tasks wait
//! for it to become so:
//!
//! ```text
//!   Source { fd, key, readiness: Word, state: Mutex<State> }
//!                       │                          │
//!   ticks | WRITE_CLOSED | URGENT | READ_CLOSED | WRITE | READ   waiters, armed, closed
//! ```
//!
//! The protocol, the same for reads and writes:
//!
//! 1. While the direction's readiness bit is set, a task just tries the
//!    operation. A `WouldBlock` (or a short write, which means the kernel
//!    buffer filled up, or, where the poller reports the peer's close, a
//!    short read) *clears* the bit, but only if no event arrived since the
//!    task looked (that direction's `tick` says so), so an event is never wiped out by a
//!    stale observation.
//! 2. With the bit clear, a task calls [`Source::poll_ready`], which stores
//!    its waker (and, in oneshot mode, arms the poller) under the lock.
//! 3. When the kernel reports the descriptor, the reactor calls
//!    [`Source::dispatch`], which sets the bit, bumps the tick (see
//!    `readiness.rs`) and hands back
//!    the wakers, under the same lock: a waker is either stored before the
//!    event (and woken) or sees the bit set (and retries). No lost wake-ups.
//!
//! `loom_tests.rs` checks the three steps together in every interleaving
//! with up to three preemptions: a
//! task reading and writing this way, a peer writing and making room, and
//! a reactor thread dispatching a pretend kernel's events, edge-triggered
//! and oneshot.
//!
//! Two poller modes (see `docs/reactor.md`): **edge-triggered** where the
//! platform has it (epoll, kqueue): the descriptor is registered once for
//! both directions and the kernel reports each new edge, so waiting costs no
//! system call at all. **Oneshot** elsewhere: interest is armed (one
//! `modify` call) only when a task waits, and the kernel disarms it with each
//! event. Either way a descriptor that stays ready while nobody reads it (a
//! listener out of descriptors under `EMFILE`) costs the reactor nothing.
//!
//! `READ_CLOSED` outlives a short read: once the poller says the peer
//! closed its side (epoll's `EPOLLRDHUP`/`EPOLLHUP`), a reader that took a
//! short read as "drained" still finds the end of the stream without an edge
//! that would never come (see `registration.rs`). Only a read that would
//! block clears it, or the kernel's own answer, asked by `readable()`, that
//! the descriptor is not readable (`poll(2)` reports an end as readable):
//! either is evidently not at the end (a FIFO whose writer came back), and
//! a real end keeps answering 0. tokio keeps its closed bits for good.
//!
//! `URGENT` guards the same shortcut from the other side: while the poller
//! reports TCP urgent data (`EPOLLPRI`, a peer's `MSG_OOB`), a read stops
//! short at the urgent mark with bytes still queued behind it and no edge
//! to come, so a short read does not count as drained until a read that
//! would block clears the bit.
//!
//! The `closed` flag is the other half of safety: once a source is
//! deregistered (or the reactor shuts down) it is never armed again, so the
//! reactor never touches a descriptor number that may already belong to
//! another file.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::task::{Context, Poll, Waker};

use super::key::Key;
use super::poller::Poller;
pub(crate) use super::readiness::ReadinessSnapshot;
use super::readiness::{READ, READ_CLOSED, URGENT, WRITE, WRITE_CLOSED, Word};
use super::waiters::{Slot, Waiters};
use crate::loom::Mutex;

/// Which half of a descriptor a task waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Waiting until a read (or accept) would not block.
    Read,
    /// Waiting until a write (or a connect's completion) would not block.
    Write,
}

/// What the poller reported for one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IoEvent {
    /// The source's key, as registered.
    pub(crate) key: usize,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
    /// The peer closed its side; only pollers that can tell set it.
    pub(crate) read_closed: bool,
    /// Writes can no longer succeed (a hang-up, an error); only pollers
    /// that can tell set it.
    pub(crate) write_closed: bool,
    /// TCP urgent data is pending (`EPOLLPRI`); only pollers that report
    /// the peer's close, and so let a short read drain, need to say it.
    pub(crate) urgent: bool,
}

#[cfg(test)]
impl IoEvent {
    /// A plain readable edge for `key`, as a test's driver would deliver.
    pub(crate) fn readable(key: usize) -> IoEvent {
        IoEvent {
            key,
            readable: true,
            writable: false,
            read_closed: false,
            write_closed: false,
            urgent: false,
        }
    }
}

/// What a source needs from its poller: to arm a oneshot registration for
/// the directions tasks wait on. The reactor's [`Poller`] is the only
/// implementation at run time; the loom models (`loom_tests.rs`) pass a
/// pretend kernel, so that they check this file's protocol as it is.
pub(crate) trait Arm {
    fn modify(&self, fd: BorrowedFd<'_>, key: usize, read: bool, write: bool) -> io::Result<()>;
}

impl Arm for Poller {
    fn modify(&self, fd: BorrowedFd<'_>, key: usize, read: bool, write: bool) -> io::Result<()> {
        Poller::modify(self, fd, key, read, write)
    }
}

impl Direction {
    fn bit(self) -> usize {
        match self {
            Direction::Read => READ,
            Direction::Write => WRITE,
        }
    }
}

/// One registered file descriptor.
pub(crate) struct Source {
    fd: RawFd,
    key: Key,
    /// `write tick | read tick | WRITE_CLOSED | URGENT | READ_CLOSED | WRITE |
    /// READ`: which directions
    /// may be ready, and how many events arrived (so a stale "not ready"
    /// never clears a new one).
    readiness: Word,
    /// Registered edge-triggered for both directions: never armed again.
    edge: bool,
    state: Mutex<State>,
}

/// Everything about a source that changes, under one lock.
#[derive(Default)]
struct State {
    read: Readiness,
    write: Readiness,
    /// What the poller is armed for right now (oneshot: cleared by each event).
    armed_read: bool,
    armed_write: bool,
    /// Why this source may no longer wait, once it may not.
    closed: Option<Closed>,
}

/// One direction's waiting tasks.
#[derive(Default)]
struct Readiness {
    /// The tasks to wake when the next event arrives.
    waiters: Waiters,
}

/// Why a source stopped taking waiters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Closed {
    /// The source was removed from its reactor.
    Deregistered,
    /// The whole reactor was shut down.
    ShutDown,
}

impl Closed {
    fn error(self) -> io::Error {
        match self {
            Closed::Deregistered => {
                io::Error::other("the I/O source was deregistered while a task waited on it")
            }
            Closed::ShutDown => crate::io::shut_down_error(
                "the corio runtime shut down while a task waited for I/O",
            ),
        }
    }
}

impl State {
    fn direction(&mut self, direction: Direction) -> &mut Readiness {
        match direction {
            Direction::Read => &mut self.read,
            Direction::Write => &mut self.write,
        }
    }
}

impl Source {
    pub(crate) fn new(fd: RawFd, key: Key, edge: bool) -> Source {
        Source {
            fd,
            key,
            readiness: Word::new(),
            edge,
            state: Mutex::new(State::default()),
        }
    }

    /// The readiness word now; pass it back to `clear_readiness`.
    pub(crate) fn readiness(&self) -> ReadinessSnapshot {
        self.readiness.snapshot()
    }

    /// The operation said `WouldBlock`: marks `direction` not ready, unless
    /// an event for it arrived after `seen` was taken (then the new event
    /// stands, and the caller tries again). A read that would block is not at the
    /// end of its stream, so a close seen earlier is cleared too (a FIFO
    /// whose writer came back, say); a real end keeps reporting itself.
    pub(crate) fn clear_readiness(&self, direction: Direction, seen: ReadinessSnapshot) {
        let bits = match direction {
            Direction::Read => READ | READ_CLOSED | URGENT,
            // Nor is a write that would block on a closed descriptor.
            Direction::Write => WRITE | WRITE_CLOSED,
        };
        self.readiness.clear(direction, bits, seen);
    }

    /// The user saw the readiness (`clear_readable` / `clear_writable`) and
    /// asks to wait for a new event: marks `direction` not ready, unless an
    /// event came after `seen`. A close is kept, as tokio keeps its closed
    /// bits: no event follows an end of stream, so clearing it would make
    /// the next wait sleep for good. The same holds for `WRITE_CLOSED` (a
    /// pipe whose reader is gone reports `EPOLLERR` once); a peer's
    /// half-close (`READ_CLOSED`) says nothing of the write side, which is
    /// cleared as usual.
    pub(crate) fn clear_seen(&self, direction: Direction, seen: ReadinessSnapshot) {
        let bits = match direction {
            Direction::Read => READ | URGENT,
            Direction::Write => WRITE,
        };
        self.readiness.clear(direction, bits, seen);
    }

    /// A short transfer drained (or filled) the kernel buffer: marks
    /// `direction` not ready as `clear_readiness` does, but keeps a close,
    /// which may have come in the same edge as the last bytes.
    /// Pending urgent data keeps the read side ready: the read stopped at
    /// the urgent mark, not at the end of the queue.
    pub(crate) fn clear_drained(&self, direction: Direction, seen: ReadinessSnapshot) {
        if direction == Direction::Read && seen.word() & URGENT != 0 {
            return;
        }
        self.readiness.clear(direction, direction.bit(), seen);
    }

    pub(crate) fn key(&self) -> Key {
        self.key
    }

    pub(crate) fn fd(&self) -> RawFd {
        self.fd
    }

    /// Ready if `direction` may be ready; otherwise remembers the task (and
    /// arms the poller, in oneshot mode) and returns `Pending`.
    ///
    /// A future passes its [`Slot`], so that its entry can be taken out if
    /// it is dropped while waiting ([`forget`](Self::forget)); a `poll_*`
    /// caller passes `None`.
    pub(crate) fn poll_ready(
        &self,
        poller: &impl Arm,
        direction: Direction,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
    ) -> Poll<io::Result<()>> {
        let mut state = self.state.lock();
        if let Some(closed) = state.closed {
            return Poll::Ready(Err(closed.error()));
        }
        // Checked under the lock `dispatch` sets it under: no lost wake-up.
        if self.readiness().is_ready(direction) {
            return Poll::Ready(Ok(()));
        }
        let waiters = &mut state.direction(direction).waiters;
        let replaced = match slot {
            Some(slot) => waiters.register_slot(cx.waker(), slot),
            None => waiters.register(cx.waker()),
        };
        // On failure the waker stays registered: at worst it is woken once
        // for nothing, and the caller sees the error now.
        let armed = self.arm(poller, &mut state);
        drop(state);
        // Dropped outside the lock: a foreign waker's drop may run code.
        drop(replaced);
        match armed {
            Ok(()) => Poll::Pending,
            Err(error) => Poll::Ready(Err(error)),
        }
    }

    /// Takes out the entry of a future dropped while it waited for
    /// `direction` (see `waiters.rs`).
    pub(crate) fn forget(&self, direction: Direction, slot: &Slot) {
        if slot.0 != 0 {
            let removed = self
                .state
                .lock()
                .direction(direction)
                .waiters
                .remove(slot.0);
            // Dropped outside the lock, as in `poll_ready`.
            drop(removed);
        }
    }

    /// Records an event from the poller and returns the wakers to call.
    ///
    /// The caller wakes them after releasing every lock, so a waker that runs
    /// code of its own can never deadlock against the reactor.
    pub(crate) fn dispatch(&self, poller: &impl Arm, event: IoEvent, wake: &mut Vec<Waker>) {
        let mut state = self.state.lock();
        // Oneshot: the kernel disarmed the whole registration when it fired.
        state.armed_read = false;
        state.armed_write = false;
        let bits = if event.readable { READ } else { 0 }
            | if event.writable { WRITE } else { 0 }
            | if event.read_closed { READ_CLOSED } else { 0 }
            | if event.write_closed { WRITE_CLOSED } else { 0 }
            | if event.urgent { URGENT } else { 0 };
        // Set the bits and count the event in one step.
        self.readiness.record(bits);
        // Anything a reader waits for wakes the readers (a close reported
        // without `readable` too; urgent data comes with `readable` from the
        // decoder, and wakes them on its own all the same).
        if event.readable || event.read_closed || event.urgent {
            state.read.waiters.drain_into(wake);
        }
        if event.writable || event.write_closed {
            state.write.waiters.drain_into(wake);
        }
        // A task may still wait on the other direction: arm it again. On
        // failure that task is woken, and its next try reports the error.
        if self.arm(poller, &mut state).is_err() {
            state.read.waiters.drain_into(wake);
            state.write.waiters.drain_into(wake);
        }
    }

    /// Stops the source for good and returns every waiting task's waker, so
    /// that none of them hangs: their next poll returns the error of the first
    /// reason the source was closed for.
    pub(crate) fn close(&self, closed: Closed, wake: &mut Vec<Waker>) {
        let mut state = self.state.lock();
        state.closed.get_or_insert(closed);
        state.read.waiters.drain_into(wake);
        state.write.waiters.drain_into(wake);
    }

    /// Arms the poller for every direction that has a waiter and is not
    /// armed yet. Called with the state locked, which is what keeps `closed`
    /// and the descriptor's lifetime in step.
    fn arm(&self, poller: &impl Arm, state: &mut State) -> io::Result<()> {
        if self.edge {
            // Registered once for both directions; the kernel reports edges.
            return Ok(());
        }
        let read = !state.read.waiters.is_empty();
        let write = !state.write.waiters.is_empty();
        let already_armed = (!read || state.armed_read) && (!write || state.armed_write);
        if already_armed || state.closed.is_some() {
            return Ok(());
        }
        // (As long as the `T` of an `Async` keeps the contract `Async::new`
        // documents: it does not close its descriptor itself.)
        // SAFETY: `closed` is unset under the state lock, and an owner sets
        // it (taking this lock) before closing the fd: it stays open here.
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        poller.modify(fd, self.key.into(), read, write)?;
        state.armed_read = read;
        state.armed_write = write;
        Ok(())
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;

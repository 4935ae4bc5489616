//! A `Source`: the reactor's record of one file descriptor.
//!
//! Every registered descriptor has one `Source`. It remembers, for each
//! [`Direction`], whether the poller said "ready" since a task last looked, and
//! which tasks wait for that to happen:
//!
//! ```text
//!   Source { fd, key, state: Mutex<State> }
//!                         │
//!          ┌──────────────┼─────────────────┐
//!        read:          write:            armed / closed
//!   { ready, wakers } { ready, wakers }
//! ```
//!
//! The protocol is the same for reads and writes, and it is *oneshot*:
//!
//! 1. A task tries the operation. If the kernel says `WouldBlock`, the task
//!    calls [`Source::poll_ready`].
//! 2. `poll_ready` consumes a pending `ready` flag if there is one (an event
//!    arrived since the last try: go and try again). Otherwise it stores the
//!    task's waker and *arms* the poller for that direction.
//! 3. When the kernel reports the descriptor ready, the poller disarms it (that
//!    is what oneshot means) and the reactor calls [`Source::dispatch`], which
//!    sets `ready` and hands back the wakers to wake.
//!
//! No wakeup can be lost between step 1 and step 2: arming a oneshot
//! registration makes the kernel check the descriptor at once, so data that
//! arrived after the failed try is reported straight away. And nothing is armed
//! while no task waits, so a descriptor that stays ready (a listener out of
//! descriptors under `EMFILE`, a socket nobody reads) costs the reactor nothing.
//!
//! The `closed` flag is the other half of safety: once a source is deregistered
//! (or the reactor shuts down) it is never armed again, so the reactor never
//! touches a descriptor number that may already belong to another file.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;
use polling::{Event, Poller};

use super::key::Key;
use super::waiters::Waiters;

/// Which half of a descriptor a task waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Waiting until a read (or accept) would not block.
    Read,
    /// Waiting until a write (or a connect's completion) would not block.
    Write,
}

/// One registered file descriptor.
pub(crate) struct Source {
    fd: RawFd,
    key: Key,
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

/// One direction's readiness.
#[derive(Default)]
struct Readiness {
    /// An event arrived that no task has consumed yet.
    ready: bool,
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
        let message = match self {
            Closed::Deregistered => "the I/O source was deregistered while a task waited on it",
            Closed::ShutDown => "the corio runtime shut down while a task waited for I/O",
        };
        io::Error::other(message)
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
    pub(crate) fn new(fd: RawFd, key: Key) -> Source {
        Source {
            fd,
            key,
            state: Mutex::new(State::default()),
        }
    }

    pub(crate) fn key(&self) -> Key {
        self.key
    }

    pub(crate) fn fd(&self) -> RawFd {
        self.fd
    }

    /// Ready if an event for `direction` arrived since the last call;
    /// otherwise remembers the task and arms the poller, and returns `Pending`.
    pub(crate) fn poll_ready(
        &self,
        poller: &Poller,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let mut state = self.state.lock();
        if let Some(closed) = state.closed {
            return Poll::Ready(Err(closed.error()));
        }
        let readiness = state.direction(direction);
        if std::mem::take(&mut readiness.ready) {
            return Poll::Ready(Ok(()));
        }
        readiness.waiters.register(cx.waker());
        // On failure the waker stays registered: at worst it is woken once
        // for nothing, and the caller sees the error now.
        match self.arm(poller, &mut state) {
            Ok(()) => Poll::Pending,
            Err(error) => Poll::Ready(Err(error)),
        }
    }

    /// Records an event from the poller and returns the wakers to call.
    ///
    /// The caller wakes them after releasing every lock, so a waker that runs
    /// code of its own can never deadlock against the reactor.
    pub(crate) fn dispatch(&self, poller: &Poller, event: Event, wake: &mut Vec<Waker>) {
        let mut state = self.state.lock();
        // Oneshot: the kernel disarmed the whole registration when it fired.
        state.armed_read = false;
        state.armed_write = false;
        if event.readable {
            state.read.ready = true;
            state.read.waiters.drain_into(wake);
        }
        if event.writable {
            state.write.ready = true;
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
    fn arm(&self, poller: &Poller, state: &mut State) -> io::Result<()> {
        let read = !state.read.waiters.is_empty();
        let write = !state.write.waiters.is_empty();
        let already_armed = (!read || state.armed_read) && (!write || state.armed_write);
        if already_armed || state.closed.is_some() {
            return Ok(());
        }
        // SAFETY: `closed` is unset and we hold the state lock, so the owner
        // of the descriptor has not yet deregistered it; an owner deregisters
        // (which takes this lock to set `closed`) before it closes the fd, so
        // the fd is open for as long as this borrow lasts.
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        poller.modify(fd, Event::new(self.key.into(), read, write))?;
        state.armed_read = read;
        state.armed_write = write;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct CountingWaker(AtomicUsize);
    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "a real poller (epoll): Miri cannot run it")]
    fn closing_wakes_waiters_and_fails_their_next_poll() {
        let source = Source::new(-1, Key::new(0, 0));
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        source.state.lock().read.waiters.register(&waker);
        let mut wake = Vec::new();
        source.close(Closed::ShutDown, &mut wake);
        source.close(Closed::Deregistered, &mut wake);
        wake.drain(..).for_each(Waker::wake);
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);

        let poller = Poller::new().unwrap();
        let mut cx = Context::from_waker(&waker);
        match source.poll_ready(&poller, Direction::Read, &mut cx) {
            Poll::Ready(Err(e)) => assert!(e.to_string().contains("shut down")),
            other => panic!("expected an error, got {other:?}"),
        }
    }
}

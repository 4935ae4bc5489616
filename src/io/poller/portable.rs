//! The poller everywhere but Linux: `polling`, which speaks kqueue on macOS
//! and the BSDs (and epoll, event ports, IOCP elsewhere) behind one API.
//!
//! It offers what the reactor needs with two differences from Linux's
//! `epoll.rs`: a backend without edge-triggered mode is driven oneshot
//! (interest armed by [`Poller::modify`] each time a task waits), and no
//! event says that the peer closed, so a short read is never taken as
//! "drained" (see `registration.rs`).
//!
//! Built on Linux too with `RUSTFLAGS="--cfg corio_polling"`, so that this
//! path is tested where the project is developed.

use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use polling::{Event, PollMode};

use crate::io::source::IoEvent;

/// `polling`'s poller, as the reactor uses it.
pub(crate) struct Poller {
    poller: polling::Poller,
    /// Set by `notify`, cleared after each wait (`polling` does not say
    /// whether a notify ended the wait).
    notified: AtomicBool,
}

impl Poller {
    pub(crate) fn new() -> io::Result<Poller> {
        Ok(Poller {
            poller: polling::Poller::new()?,
            notified: AtomicBool::new(false),
        })
    }

    /// Whether registrations report each new edge (kqueue, epoll) rather
    /// than needing to be armed again after each event.
    pub(crate) fn edge(&self) -> bool {
        self.poller.supports_edge()
    }

    /// `polling`'s wait takes several system calls even with a zero
    /// timeout (five on Linux): the reactor asks with one `poll(2)` first
    /// whether anything is there to take.
    pub(crate) fn zero_wait_is_one_call(&self) -> bool {
        false
    }

    /// Events never say that the peer closed.
    pub(crate) fn reports_close(&self) -> bool {
        false
    }

    /// Adds `fd` under `key`: edge-triggered for both directions, or
    /// oneshot with no interest yet.
    ///
    /// # Safety
    ///
    /// `fd` must be [`delete`](Self::delete)d before it is closed.
    pub(crate) unsafe fn add(&self, fd: BorrowedFd<'_>, key: usize) -> io::Result<()> {
        // SAFETY: the caller deletes `fd` before closing it, as `polling`
        // requires.
        unsafe {
            if self.edge() {
                self.poller
                    .add_with_mode(&fd, Event::all(key), PollMode::Edge)
            } else {
                self.poller.add(&fd, Event::none(key))
            }
        }
    }

    /// Arms a oneshot registration for the directions tasks wait on.
    pub(crate) fn modify(
        &self,
        fd: BorrowedFd<'_>,
        key: usize,
        read: bool,
        write: bool,
    ) -> io::Result<()> {
        self.poller.modify(fd, Event::new(key, read, write))
    }

    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.poller.delete(fd)
    }

    /// Waits for at most `timeout` (`None`: until an event or a notify) and
    /// fills `events`. An interrupted wait returns no events. `Ok(true)`: a
    /// [`notify`](Self::notify) came since the last wait.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<bool> {
        events.events.clear();
        let result = self.poller.wait(&mut events.events, timeout);
        let notified = self.notified.swap(false, Ordering::SeqCst);
        match result {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => Err(e),
            _ => Ok(notified),
        }
    }

    pub(crate) fn notify(&self) {
        // Set before the notify: a wait that the notify ends then sees it.
        self.notified.store(true, Ordering::SeqCst);
        // Fails only if the notification pipe or eventfd is full, and then
        // the poller is notified already.
        let _ = self.poller.notify();
    }

    /// Whether a `notify` came since the last wait.
    pub(crate) fn notify_pending(&self) -> bool {
        self.notified.load(Ordering::SeqCst)
    }
}

impl AsRawFd for Poller {
    fn as_raw_fd(&self) -> RawFd {
        self.poller.as_raw_fd()
    }
}

/// The events of one wait.
pub(crate) struct Events {
    events: polling::Events,
}

impl Events {
    /// Room for `n` events (at least 1).
    pub(crate) fn with_capacity(n: usize) -> Events {
        Events {
            events: polling::Events::with_capacity(
                NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN),
            ),
        }
    }

    /// Whether the last wait filled every slot: the kernel may hold more.
    /// `len` leaves out `polling`'s own notification, which may have taken
    /// a slot: one short of the capacity counts as full (at worst one look
    /// more).
    pub(crate) fn is_full(&self) -> bool {
        self.events.len() + 1 >= self.events.capacity().get()
    }

    /// The events for sources; `polling` keeps its own notifications out.
    pub(crate) fn iter(&self) -> impl Iterator<Item = IoEvent> + '_ {
        self.events.iter().map(|event| IoEvent {
            key: event.key,
            readable: event.readable,
            writable: event.writable,
            read_closed: false,
            write_closed: false,
            urgent: false,
        })
    }
}

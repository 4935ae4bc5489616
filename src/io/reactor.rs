//! The `Reactor`: one poller and the sources registered with it.
//!
//! The reactor turns "the kernel says descriptor 7 is readable" into "wake the
//! task that waits to read from descriptor 7". It owns three things:
//!
//! ```text
//!   Reactor
//!   ├── poller:  Poller                epoll on Linux, kqueue (via `polling`) elsewhere
//!   ├── sources: Mutex<Slab<Arc<Source>>>   key (index + generation) → Source
//!   └── harvest: Mutex<Harvest>        the event buffer; held by the driver only
//! ```
//!
//! **Who calls what.** Exactly one thread at a time, the worker that holds the
//! runtime's driver, calls [`Reactor::wait`]; it blocks in the poller until an
//! event, a [`Reactor::notify`] from any thread, or the timeout (the earliest
//! timer deadline). Any thread registers and deregisters sources, since any
//! worker may create or drop a socket. A second thread that calls `wait`
//! while the driver is inside it returns at once with no events. (A busy
//! worker's "non-blocking check" never gets that far: it try-locks the
//! scheduler's driver lock first and skips its turn if it is taken.)
//!
//! **One dispatch.** `wait` collects the events, then `dispatch` looks each
//! key up in the slab *under the slab lock*, keeping only events whose key
//! matches the slot's current source exactly (see [`super::key`]), releases the
//! slab lock and lets each source record its readiness under its own lock.
//! Wakers are called last, with no slab or source lock held. The slab lock
//! is therefore only ever held for lookups and inserts, never across a
//! syscall or a wake, and the only nesting (slab, then source) is in
//! [`Reactor::shutdown`]. The event buffer (`harvest`) and the scheduler's
//! driver lock are still held while the wakers run; both are only ever
//! taken with `try_lock`, so a waker that reaches the driver again (a
//! nested `wait`, a worker's driver check) returns at once instead of
//! deadlocking.
//!
//! **Edge or oneshot.** Where the poller has edge-triggered mode (epoll,
//! kqueue) a source is added once for both directions and the kernel reports
//! each new edge. Elsewhere a source is added with no interest, and a task
//! that gets `WouldBlock` arms it (oneshot; see [`super::source`]). Which
//! poller runs is [`super::poller`]'s business; this file does not know.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::lock::Mutex;
use slab::Slab;

use super::key::{Key, MAX_SOURCES};
use super::poller::{Events, Poller};
use super::source::{Closed, Direction, IoEvent, Source};
use super::waiters::Slot;

/// The I/O driver of one runtime. See the module documentation.
pub(crate) struct Reactor {
    poller: Poller,
    sources: Mutex<Sources>,
    /// `sources.slab.len()`, readable without the lock (metrics, fast path).
    registered: AtomicUsize,
    /// How many events one look takes at most (the buffer's size).
    events_a_look: usize,
    harvest: Mutex<Harvest>,
}

struct Sources {
    slab: Slab<Arc<Source>>,
    /// The generation the next registration gets; wraps.
    next_generation: usize,
    /// Set by `shutdown`: no registration succeeds afterwards.
    shut_down: bool,
}

/// What one wait did.
#[derive(Default)]
struct Turn {
    /// Events for current sources.
    dispatched: usize,
    /// Whether those events woke a task.
    woke_tasks: bool,
    /// Whether a `notify` came since the last wait.
    notified: bool,
    /// Whether the wait filled the event buffer (more may be waiting).
    full: bool,
}

/// Buffers reused by every `wait`, so that dispatch does not allocate.
struct Harvest {
    events: Events,
    ready: Vec<(Arc<Source>, IoEvent)>,
    wake: Vec<Waker>,
}

impl Reactor {
    /// `events`: how many events one wait takes at most (at least 1).
    pub(crate) fn new(events: usize) -> io::Result<Reactor> {
        Ok(Reactor {
            poller: Poller::new()?,
            sources: Mutex::new(Sources {
                slab: Slab::new(),
                next_generation: 0,
                shut_down: false,
            }),
            registered: AtomicUsize::new(0),
            events_a_look: events.max(1),
            harvest: Mutex::new(Harvest {
                events: Events::with_capacity(events),
                ready: Vec::new(),
                wake: Vec::new(),
            }),
        })
    }

    /// Blocks until an I/O event, [`notify`](Self::notify), or the timeout
    /// (`None`: no timeout), then wakes the tasks whose sources became ready.
    /// Returns how many events were dispatched.
    ///
    /// If another thread is inside `wait` already, returns `Ok(0)` at once.
    pub(crate) fn wait(&self, timeout: Option<Duration>) -> io::Result<usize> {
        self.wait_reporting(timeout, false)
            .map(|turn| turn.dispatched)
    }

    /// Looks for I/O events without blocking and dispatches them. True if
    /// anything happened that the caller should look at before it decides
    /// that nothing will: a task woken by an event, or a `notify` taken
    /// (which this look may have consumed, so a wait after it would not see
    /// it). An event no task waited for (a new socket's first writable edge,
    /// bytes for a socket nobody reads) is not a wake.
    ///
    /// A paused clock asks this before it jumps to the next timer, as
    /// tokio's does (its `did_wake`): time only jumps when nothing else can
    /// happen. So a look that filled the buffer with events no task waited
    /// for (the first writable edges of 32 new sockets, at the default
    /// size) looks again: the event that would wake a task may be next in
    /// the kernel's list. Each look takes its events off that list (the
    /// pollers register edge-triggered, or one-shot and armed only for a
    /// waiting task), so enough looks for every registered source's event
    /// have seen all that was ready; an edge that comes after those is new,
    /// as it would be after a single look, and the count keeps a descriptor
    /// fed by another thread from holding the clock forever.
    pub(crate) fn poll_woke(&self) -> io::Result<bool> {
        let sources = self.registered.load(Ordering::Relaxed);
        for _ in 0..=sources.div_ceil(self.events_a_look) {
            let turn = self.wait_reporting(Some(Duration::ZERO), true)?;
            if turn.woke_tasks || turn.notified {
                return Ok(true);
            }
            if !turn.full {
                return Ok(false);
            }
        }
        Ok(false)
    }

    /// [`wait`](Self::wait), also saying whether a `notify` came since the
    /// last wait. `take_notify`: a zero-timeout wait polls even with no
    /// source registered if a notify is pending, to take it (so that it is
    /// reported once, not at every look).
    fn wait_reporting(&self, timeout: Option<Duration>, take_notify: bool) -> io::Result<Turn> {
        let Some(mut harvest) = self.harvest.try_lock() else {
            return Ok(Turn::default());
        };
        if timeout == Some(Duration::ZERO)
            && !(take_notify && self.poller.notify_pending())
            && !self.may_have_events()?
        {
            return Ok(Turn::default());
        }
        let Harvest {
            events,
            ready,
            wake,
        } = &mut *harvest;
        let notified = self.poller.wait(events, timeout)?;
        let (dispatched, woke_tasks) = self.dispatch(events.iter(), ready, wake);
        Ok(Turn {
            dispatched,
            woke_tasks,
            notified,
            full: events.is_full(),
        })
    }

    /// Delivers `events` to their sources and wakes the tasks that waited.
    /// `ready` and `wake` are empty scratch buffers, left empty. Returns how
    /// many events were for a current source, and whether they woke a task.
    pub(super) fn dispatch(
        &self,
        events: impl Iterator<Item = IoEvent>,
        ready: &mut Vec<(Arc<Source>, IoEvent)>,
        wake: &mut Vec<Waker>,
    ) -> (usize, bool) {
        // A quick check that found nothing takes no lock.
        let mut events = events.peekable();
        if events.peek().is_none() {
            return (0, false);
        }
        // Look every key up under one short lock, keeping only the events
        // whose key is the slot's current one: a stale event for a
        // deregistered source whose slot was reused is dropped here.
        {
            let sources = self.sources.lock();
            for event in events {
                let key = Key::from(event.key);
                if let Some(source) = sources.slab.get(key.index())
                    && source.key() == key
                {
                    ready.push((source.clone(), event));
                }
            }
        }
        let dispatched = ready.len();
        for (source, event) in ready.drain(..) {
            source.dispatch(&self.poller, event, wake);
        }
        let woke_tasks = !wake.is_empty();
        wake.drain(..).for_each(crate::task::wake_catching_panics);
        (dispatched, woke_tasks)
    }

    /// The cheap part of a zero-timeout `wait`, where the wait itself is
    /// not cheap.
    ///
    /// Busy workers make that check every few dozen tasks, and most of the
    /// time nothing happened. With no source registered it costs no system
    /// call. Through `polling` a zero-timeout wait costs five even when
    /// nothing happened, so one `poll(2)` on the poller's own descriptor
    /// (readable exactly when some registered descriptor has an event, or a
    /// notification, waiting) comes first. On Linux's epoll the wait is one
    /// call, as that `poll(2)` is, and it goes straight ahead: asking first
    /// made two calls of nearly every check, since most found events
    /// (73,909 `poll`s for 73,813 quick waits in eight runs of two-worker
    /// echo). Such a wait also takes a pending notification, where the
    /// `poll(2)` that found nothing left it: a notify caught between its
    /// flag and its `write` then ends a later blocking wait early, and is
    /// not reported to `poll_woke`; a notify is a hint to look again, which
    /// this look is.
    fn may_have_events(&self) -> io::Result<bool> {
        if self.registered.load(Ordering::Relaxed) == 0 {
            return Ok(false);
        }
        if self.poller.zero_wait_is_one_call() {
            return Ok(true);
        }
        super::sys::ready_now(self.poller.as_raw_fd(), Direction::Read)
    }

    /// Wakes the thread blocked in [`wait`](Self::wait), or makes the next
    /// `wait` return at once. Any thread may call it.
    pub(crate) fn notify(&self) {
        self.poller.notify();
    }

    /// Whether a short read means the socket's receive buffer is drained.
    ///
    /// True where the poller reports a peer's close as its own bit (epoll
    /// with `EPOLLRDHUP`): a close that arrived with the last bytes is then
    /// kept, and the read that returns 0 needs no new edge.
    pub(crate) fn short_reads_drain(&self) -> bool {
        self.poller.reports_close()
    }

    /// Whether events carry a peer's close as its own bit, so that a
    /// cleared readiness keeps it (`Source::clear_seen`).
    pub(crate) fn reports_close(&self) -> bool {
        self.poller.reports_close()
    }

    /// How many sources are registered right now (for metrics).
    pub(crate) fn sources_registered(&self) -> usize {
        self.registered.load(Ordering::Relaxed)
    }

    /// Called at runtime shutdown: wakes every task waiting on any source
    /// (its next poll returns an error instead of hanging) and makes later
    /// registrations fail.
    pub(crate) fn shutdown(&self) {
        let mut wake = Vec::new();
        {
            let mut sources = self.sources.lock();
            sources.shut_down = true;
            for (_, source) in sources.slab.iter() {
                source.close(Closed::ShutDown, &mut wake);
            }
        }
        // One waker that panics (a foreign executor's) must not leave the
        // others unwoken, nor unwind out of the runtime's drop.
        wake.into_iter().for_each(crate::task::wake_catching_panics);
        self.notify();
    }

    /// The error [`register`](Self::register) would give once the runtime
    /// has shut down, for a caller that shares a registration made before
    /// (the signal listeners).
    #[cfg(feature = "signal")]
    pub(crate) fn check_open(&self) -> io::Result<()> {
        match self.sources.lock().shut_down {
            true => Err(shut_down_error()),
            false => Ok(()),
        }
    }

    /// Adds `fd` to the poller (edge-triggered for both directions, or
    /// oneshot with no interest yet).
    ///
    /// The caller must call [`deregister`](Self::deregister) before it closes
    /// `fd` ([`super::Registration`] does so on drop).
    pub(crate) fn register(&self, fd: BorrowedFd<'_>) -> io::Result<Arc<Source>> {
        let source = {
            let mut guard = self.sources.lock();
            let sources = &mut *guard;
            if sources.shut_down {
                return Err(shut_down_error());
            }
            let entry = sources.slab.vacant_entry();
            if entry.key() >= MAX_SOURCES {
                return Err(io::Error::other("too many I/O sources in one reactor"));
            }
            let key = Key::new(entry.key(), sources.next_generation);
            sources.next_generation = sources.next_generation.wrapping_add(1);
            entry
                .insert(Arc::new(Source::new(
                    fd.as_raw_fd(),
                    key,
                    self.poller.edge(),
                )))
                .clone()
        };
        self.registered.fetch_add(1, Ordering::Relaxed);
        // The syscall runs outside the slab lock. Until it returns, the
        // source can get no event, so being in the slab already is harmless.
        // SAFETY: `register`'s caller deregisters before closing `fd`, and
        // `deregister` deletes it from the poller.
        match unsafe { self.poller.add(fd, source.key().into()) } {
            Ok(()) => Ok(source),
            Err(error) => {
                self.remove(&source);
                Err(error)
            }
        }
    }

    /// Ready if `source` got an event for `direction` since the last call;
    /// otherwise arms the poller for it and returns `Pending`.
    pub(crate) fn poll_ready(
        &self,
        source: &Source,
        direction: Direction,
        cx: &mut Context<'_>,
        slot: Option<&mut Slot>,
    ) -> Poll<io::Result<()>> {
        source.poll_ready(&self.poller, direction, cx, slot)
    }

    /// Removes a source from the poller and the slab, waking any task still
    /// waiting on it. Must run while the descriptor is still open.
    pub(crate) fn deregister(&self, source: &Source) {
        let mut wake = Vec::new();
        // Closing first, under the source's lock, guarantees no other thread
        // re-arms the descriptor after this point.
        source.close(Closed::Deregistered, &mut wake);
        // That `T` does not close or replace its descriptor before then is
        // the contract `Async::new` documents and cannot check (as tokio's
        // `AsyncFd`); a `T` that breaks it makes this call on a stale number.
        // SAFETY: the caller deregisters before closing the descriptor:
        // `Async` drops its registration before its `T` (see above).
        let fd = unsafe { BorrowedFd::borrow_raw(source.fd()) };
        // A failure means the fd was never added or is gone: nothing to undo.
        let _ = self.poller.delete(fd);
        self.remove(source);
        // As in `shutdown`; this runs in `Registration::drop`, where a
        // panic during an unwind would abort.
        wake.into_iter().for_each(crate::task::wake_catching_panics);
    }

    fn remove(&self, source: &Source) {
        let mut sources = self.sources.lock();
        let index = source.key().index();
        if sources
            .slab
            .get(index)
            .is_some_and(|s| s.key() == source.key())
        {
            sources.slab.remove(index);
            self.registered.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// A registration refused by a runtime that has shut down.
fn shut_down_error() -> io::Error {
    super::shut_down_error("cannot register an I/O source: the corio runtime has shut down")
}

//! `Registration`: a source's membership in its reactor, and the I/O retry loop.
//!
//! Every corio socket does I/O the same way, so the loop lives here once:
//!
//! ```text
//!   spend a unit of coop budget (yield first if the task has none left)
//!   loop:
//!       try the syscall ─ done or error ─► return it
//!          │ WouldBlock
//!          ▼
//!       poll_ready(direction) ─ Pending ─► return Pending (budget refunded)
//!          │ Ready: an event arrived since the last try
//!          └──► try again
//! ```
//!
//! Dropping a `Registration` deregisters its source. Types that own a
//! descriptor (like [`super::Async`]) declare their registration field
//! *before* the descriptor, so Rust drops it first: the reactor always lets
//! go of a descriptor before it is closed.

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use super::reactor::Reactor;
use super::source::{Direction, Source};
use crate::task::budget;

pub(crate) struct Registration {
    reactor: Arc<Reactor>,
    source: Arc<Source>,
}

impl Registration {
    /// Registers `fd` with the current thread's reactor.
    ///
    /// The caller must keep `fd` open until this `Registration` is dropped.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime (see [`Reactor::current`]).
    pub(crate) fn new(fd: BorrowedFd<'_>) -> io::Result<Registration> {
        let reactor = Reactor::current();
        let source = reactor.register(fd)?;
        Ok(Registration { reactor, source })
    }

    /// Ready once the descriptor may be ready in `direction` (possibly
    /// spuriously), spending a unit of coop budget when it is.
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let spent = ready!(budget::poll_proceed(cx));
        let result = ready!(self.reactor.poll_ready(&self.source, direction, cx));
        spent.made_progress();
        Poll::Ready(result)
    }

    /// Runs the non-blocking `op` until it does not return `WouldBlock`,
    /// waiting for `direction` in between. See the module documentation.
    pub(crate) fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let spent = ready!(budget::poll_proceed(cx));
        loop {
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready!(self.reactor.poll_ready(&self.source, direction, cx))?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => {
                    spent.made_progress();
                    return Poll::Ready(result);
                }
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.reactor.deregister(&self.source);
    }
}

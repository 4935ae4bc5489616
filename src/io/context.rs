//! Which reactor a task's sockets register with: a thread-local set by the runtime.
//!
//! A socket is created deep inside user code (`TcpStream::connect(addr)`), far
//! from any runtime handle, yet it must register with the reactor of the
//! runtime that polls it. Like tokio, corio answers with a thread-local: each
//! worker, and `block_on`, *enters* its runtime's reactor before polling
//! tasks, and `Async::new` asks for [`Reactor::current`].
//!
//! ```text
//!   worker thread:  let _io = Reactor::enter(&reactor);   // CURRENT = Some(reactor)
//!                   poll tasks ─► TcpStream::connect ─► Reactor::current()
//!                   guard drops                          // CURRENT = previous
//! ```
//!
//! Entering nests: the guard restores whatever was current before, so a
//! runtime driven from inside another one's task leaves the outer one intact.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::Arc;

use super::reactor::Reactor;

thread_local! {
    static CURRENT: RefCell<Option<Arc<Reactor>>> = const { RefCell::new(None) };
}

/// Restores the previously current reactor when dropped. Not `Send`: it must
/// drop on the thread that entered.
#[must_use = "the reactor stays current only while the guard lives"]
pub(crate) struct EnterGuard {
    previous: Option<Arc<Reactor>>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // (Gone only if the thread's thread-locals are being destroyed.)
        // What it held is dropped after the borrow (it may be the last
        // reference, and its drop may run user code that looks it up).
        let ours =
            CURRENT.try_with(|current| std::mem::replace(&mut *current.borrow_mut(), previous));
        drop(ours);
    }
}

impl Reactor {
    /// Makes `reactor` the current one on this thread until the guard drops.
    #[cfg(test)]
    pub(crate) fn enter(reactor: &Arc<Reactor>) -> EnterGuard {
        Self::try_enter(reactor).expect("entered while thread-locals are destroyed")
    }

    /// As `enter`, but `None` once this thread's thread-locals are being destroyed.
    pub(crate) fn try_enter(reactor: &Arc<Reactor>) -> Option<EnterGuard> {
        let previous = CURRENT
            .try_with(|current| current.borrow_mut().replace(reactor.clone()))
            .ok()?;
        Some(EnterGuard {
            previous,
            _not_send: PhantomData,
        })
    }

    /// The current thread's reactor.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime, with a message that names the fix.
    #[track_caller]
    pub(crate) fn current() -> Arc<Reactor> {
        // A `match`: a closure's panic would point into corio, not the caller.
        match CURRENT.try_with(|current| current.borrow().clone()) {
            Ok(Some(reactor)) => reactor,
            Ok(None) => panic!(
                "corio I/O (a socket or `io::Async`) must be used inside a corio runtime: \
                 call it inside `corio::block_on` or a spawned task, or under `Runtime::enter()`"
            ),
            Err(_) => crate::teardown::locals_gone("corio I/O (a socket or `io::Async`) was used"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore = "a real poller (epoll): Miri cannot run it")]
    fn entering_nests_and_restores() {
        let outer = Arc::new(Reactor::new(1024).unwrap());
        let inner = Arc::new(Reactor::new(1024).unwrap());
        let _outer_guard = Reactor::enter(&outer);
        {
            let _inner_guard = Reactor::enter(&inner);
            assert!(Arc::ptr_eq(&Reactor::current(), &inner));
        }
        assert!(Arc::ptr_eq(&Reactor::current(), &outer));
    }

    #[test]
    #[should_panic(expected = "inside `corio::block_on` or a spawned task")]
    fn current_outside_a_runtime_panics_with_the_fix() {
        let _ = Reactor::current();
    }
}

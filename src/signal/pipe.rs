//! One registration of the self-pipe per runtime, shared by its listeners.
//!
//! A server that races each connection against `ctrl_c()` makes one
//! listener per connection. If each held a descriptor of its own, ten
//! thousand connections would hold ten thousand duplicates of the pipe, and
//! `accept` would run out of descriptors long before the sockets did. So a
//! runtime registers *one* duplicate of the pipe's read end with its
//! reactor, and every listener made in that runtime shares it (tokio too
//! keeps one per runtime, in its signal driver):
//!
//! ```text
//!   runtime A's reactor ── pipe (dup 1) ──┬── Signal (SIGINT), task 1
//!                                         ├── Signal (SIGINT), task 2
//!                                         └── Signal (SIGTERM), task 3
//!   runtime B's reactor ── pipe (dup 2) ──── Signal (SIGHUP)
//! ```
//!
//! A registration keeps one waker for a `poll_*` caller, and the listeners
//! sharing it come and go: the last one to poll may be gone when the byte
//! arrives. So none of their wakers goes in. The registration holds the
//! *fan-out* waker (`listeners::fan_out`), which wakes every waiting
//! listener; each then compares the delivery counters, as after a drain.
//!
//! The list below holds each registration weakly: it lives as long as a
//! listener of its runtime does, so a runtime whose listeners are all gone
//! holds no descriptor, and the next `signal()` there registers afresh.

use std::io;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Weak};

use super::handler;
use crate::io::{Async, Reactor};
use crate::lock::Mutex;

/// The self-pipe's read end, registered with one runtime's reactor.
pub(super) type SharedPipe = Async<UnixStream>;

/// Each runtime's registration, while one of its listeners lives.
static SHARED: Mutex<Vec<Weak<SharedPipe>>> = Mutex::new(Vec::new());

/// The current runtime's registration of the self-pipe, made if it has none
/// (the pipe itself exists: `handler::open` made it).
///
/// # Panics
///
/// Outside a corio runtime.
#[track_caller]
pub(super) fn current() -> io::Result<Arc<SharedPipe>> {
    let reactor = Reactor::current();
    // A runtime that has shut down refuses new listeners, as it refuses
    // sockets, even while it still has a registration from before.
    reactor.check_open()?;
    let mut found = None;
    // Upgraded under the lock, dropped after it: one of them may be the
    // last reference (its listener dropped meanwhile), and its drop
    // deregisters from a reactor.
    let mut seen = Vec::new();
    let mut shared = SHARED.lock();
    shared.retain(|weak| match weak.upgrade() {
        Some(pipe) => {
            if pipe.is_registered_with(&reactor) {
                found = Some(pipe.clone());
            }
            seen.push(pipe);
            true
        }
        None => false,
    });
    if found.is_none() {
        // Made under the lock, so two listeners made at once in one
        // runtime cannot each register a duplicate.
        let pipe = Arc::new(Async::new(handler::reader()?)?);
        shared.push(Arc::downgrade(&pipe));
        found = Some(pipe);
    }
    drop(shared);
    drop(seen);
    Ok(found.expect("found or made above"))
}

/// How many runtimes hold a registration now (for tests).
#[cfg(test)]
pub(super) fn registrations() -> usize {
    SHARED
        .lock()
        .iter()
        .filter(|weak| weak.strong_count() > 0)
        .count()
}

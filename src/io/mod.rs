//! Asynchronous I/O: the reactor and the `Async<T>` adapter.
//!
//! A task that reads from a socket must not block its worker thread, so the
//! socket is non-blocking and a read that finds no data returns `WouldBlock`.
//! The task then needs someone to wake it when data arrives: that is the
//! *reactor*. It watches every registered descriptor through one
//! poller (epoll on Linux, kqueue on macOS and the BSDs) and turns
//! each readiness event into a `Waker::wake` for the task that waits.
//!
//! ```text
//!   task ── read ──► WouldBlock ──► Source: store waker, arm the poller
//!                                                   │
//!   driver thread: Reactor::wait ◄── kernel event ──┘
//!                       └──► Source: mark ready, wake the task ──► task retries the read
//! ```
//!
//! The pieces, from the bottom up:
//!
//! - `key.rs`: the event key, a slab index plus a generation, so an event
//!   for a closed descriptor never reaches the one that reused its slot;
//! - `waiters.rs`: the wakers of the tasks waiting on one direction;
//! - `source/`: one descriptor's readiness bits and waiters, and the
//!   edge-triggered (or oneshot) protocol, with its loom models;
//! - `poller/`: the kernel's readiness interface behind one small API
//!   (`epoll.rs` on Linux, `polling` elsewhere);
//! - `reactor.rs`: the poller, the slab of sources, and `wait`, the dispatch
//!   loop the runtime's driver runs;
//! - `context.rs`: the thread-local "current reactor" that sockets register
//!   with;
//! - `registration.rs`: a source's membership in the reactor, and the retry
//!   loop every socket operation shares (including the coop budget);
//! - `shut_down.rs`: the error a runtime's shutdown causes, and
//!   `runtime::is_rt_shutdown_err`, which recognizes it;
//! - [`Async`]: the public adapter for any file descriptor, and
//!   `byte_stream.rs`: the read/write loops every stream type shares;
//! - `adapter/fd*.rs`: tokio's `AsyncFd` and its readiness guards, over the
//!   same registration as `Async`.
//!
//! The runtime imports this module and never the reverse: `io` knows nothing
//! of workers or timers, only that some thread calls `Reactor::wait`.

mod adapter;
pub(crate) mod byte_stream;
mod context;
mod interest;
mod key;
mod poller;
mod reactor;
mod readiness;
mod registration;
pub(crate) mod shut_down;
mod source;
mod sys;
mod waiters;

// These tests drive a real poller (epoll), which Miri cannot run.
#[cfg(all(test, not(miri)))]
mod event_tests;
#[cfg(all(test, not(miri)))]
mod tests;

pub use adapter::Async;

/// tokio's `AsyncFd` and its readiness guards, for code ported from
/// `tokio::io::unix`: wait for readiness, then make your own non-blocking
/// call through
/// [`AsyncFdReadyGuard::try_io`](unix::AsyncFdReadyGuard::try_io), which
/// clears the readiness when the call says `WouldBlock`. [`Async`] is the
/// shorter road for new code (`read_with`, `write_with`); both share one
/// registration.
///
/// # Examples
///
/// ```
/// use corio::io::unix::AsyncFd;
/// use std::io::{Read, Write};
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (reader, mut writer) = std::io::pipe()?;
///     let reader = AsyncFd::new(reader)?;
///     writer.write_all(b"tick")?;
///     let mut buf = [0; 4];
///     let mut guard = reader.readable().await?;
///     let n = guard.try_io(|fd| fd.get_ref().read(&mut buf)).unwrap()?;
///     assert_eq!(&buf[..n], b"tick");
///     Ok(())
/// })
/// # }
/// ```
pub mod unix {
    pub use super::adapter::{
        AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdTryNewError, TryIoError,
    };
}
/// std's I/O names, under `corio::io` as under `tokio::io`, so a port's
/// `io::Result`, `io::Error`, `io::ErrorKind` and `io::SeekFrom` still name
/// them.
pub use std::io::{Error, ErrorKind, Result, SeekFrom};

pub(crate) use context::EnterGuard;
pub use interest::{Interest, Ready};
pub(crate) use reactor::Reactor;
pub(crate) use registration::Waiting;
pub(crate) use shut_down::shut_down_error;
pub(crate) use waiters::Slot;

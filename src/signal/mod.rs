//! Signals, delivered through the reactor.
//!
//! A signal interrupts a thread at an arbitrary instruction to run a handler,
//! and a handler may do almost nothing: no allocation, no lock, no `Waker`
//! (any of them could deadlock against the code it interrupted). The classic
//! answer is the **self-pipe trick**: the handler writes one byte into a pipe
//! the process made for itself, and the event loop, which was watching the
//! pipe's read end anyway, wakes up and does the real work in ordinary code.
//!
//! ```text
//!   kernel ─ SIGTERM ─► handler: DELIVERIES[SIGTERM] += 1; write(pipe, 1 byte)
//!                                                              │ readable
//!   task: signal.recv().await ◄── wake ── reactor (epoll/kqueue)┘
//!         drains the pipe, wakes the other listeners, compares counters
//! ```
//!
//! The pieces:
//!
//! - `handler`: the handler, the per-signal delivery counters and the pipe:
//!   everything that must be async-signal-safe, installed once per signal
//!   and kept for the life of the process;
//! - `listeners`: the wakers of every waiting listener, so that whoever
//!   drains the pipe wakes the rest;
//! - `pipe`: each runtime's one registration of the pipe, shared by its
//!   listeners;
//! - [`unix`]: the public [`signal`](unix::signal) / [`Signal`](unix::Signal)
//!   API, with the coalescing rule.
//!
//! **Which runtime reads the pipe?** Each runtime that listens registers
//! one duplicate of the pipe's read end with its reactor, like a socket,
//! and every [`Signal`](unix::Signal) made in it shares that registration
//! (`pipe`), so a listener per connection costs no descriptor. There is no
//! signal driver task: the listeners themselves drain the pipe, so several
//! runtimes (or none but one) can listen at once, and a runtime that shuts
//! down only takes its own listeners with it.
//!
//! **After `fork`.** A child that forks without `exec` shares the pipe with
//! its parent, but not the list of listeners: a byte one process's signal
//! wrote may be drained by the other, which wakes only its own listeners.
//! A process that forks and listens for signals on both sides may so miss
//! a signal (tokio's single pipe has the same flaw); listen in one of them,
//! or `exec`.
//!
//! **Closing every descriptor.** The pipe's write end stays open for the
//! life of the process, and the handler writes a byte to it at each signal
//! it watches. Code that closes descriptors it does not own (a daemonizing
//! routine that closes them all, say) and then opens a file or a socket
//! that gets the same number has those bytes written into it. Close the
//! descriptors before the first listener is made, as tokio also needs.
//!
//! This module is the `signal` Cargo feature, on by default.
//!
//! The chapter `docs/signals-and-files.md` tells the whole story.

mod handler;
mod listeners;
mod pipe;
pub mod unix;

use std::io;

/// Completes at the next ctrl-c (SIGINT) after it is first polled.
///
/// The first poll installs corio's SIGINT handler for good, so from then on
/// ctrl-c no longer kills the process: the program decides what to do (see
/// [`unix::signal`]). To be sure not to miss a ctrl-c that arrives early,
/// poll it once before starting work, or keep a
/// [`Signal`](unix::Signal) instead.
///
/// # Errors
///
/// If the handler cannot be installed, or the runtime shuts down before a
/// ctrl-c arrives.
///
/// # Panics
///
/// Outside a corio runtime.
///
/// # Cancel safety
///
/// Dropping the future stops listening; a ctrl-c that arrives after that,
/// and before another `ctrl_c()` is polled, is seen by nobody.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let mut ctrl_c = std::pin::pin!(corio::signal::ctrl_c());
///     // One poll installs the handler, so the ctrl-c below is not missed.
///     assert!(futures_lite::future::poll_once(&mut ctrl_c).await.is_none());
///     // SAFETY: a SIGINT to ourselves, now caught by corio's handler.
///     unsafe { libc::raise(libc::SIGINT) };
///     ctrl_c.await?;
///     println!("shutting down");
///     Ok(())
/// })
/// # }
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut interrupts = unix::signal(unix::SignalKind::interrupt())?;
    interrupts.recv().await.ok_or_else(|| {
        crate::io::shut_down_error("the corio runtime shut down before a ctrl-c arrived")
    })
}

//! The poller: the kernel's readiness interface, behind one small API.
//!
//! The reactor needs six things from the kernel, whatever the platform:
//!
//! ```text
//!   Poller::new()                    an epoll / kqueue instance
//!   add(fd, key) / delete(fd)        watch a descriptor under a key, stop
//!   modify(fd, key, read, write)     arm a oneshot registration (if not edge)
//!   wait(&mut events, timeout)       block until events, a notify, or timeout
//!   notify()                         end a wait from any thread
//!   events.iter() -> IoEvent         key + readable / writable / read closed / write closed / urgent
//! ```
//!
//! Two backends provide it. On Linux corio speaks epoll itself
//! ([`epoll.rs`](epoll)): one system call per wait with a nanosecond
//! timeout, one `write` per wake-up, and `EPOLLRDHUP`, which lets a short
//! read count as drained. Everywhere else `polling` does it
//! (`portable.rs`: kqueue on macOS and the BSDs, and the rest), driven
//! edge-triggered where the platform has it and oneshot otherwise. The
//! reactor (`reactor.rs`) and the sources (`source/`) are written once
//! against this API and do not know which backend runs.
//!
//! Building with `RUSTFLAGS="--cfg corio_polling"` selects `polling` on
//! Linux too; `.ci/run` runs the I/O tests that way, so the portable path
//! is tested where corio is developed.

#[cfg(all(target_os = "linux", not(corio_polling)))]
mod epoll;
#[cfg(all(target_os = "linux", not(corio_polling)))]
pub(crate) use epoll::{Events, Poller};

#[cfg(any(not(target_os = "linux"), corio_polling))]
mod portable;
#[cfg(any(not(target_os = "linux"), corio_polling))]
pub(crate) use portable::{Events, Poller};

//! `watch`: one value that changes, and any number of receivers that want
//! the latest of it (a config reload, a "shutting down" flag, a progress
//! figure). tokio's `watch`, built here from three simple parts:
//!
//! ```text
//!   Sender ──send(v)──► RwLock<T>   version: 0, 2, 4, ...  (bit 0: closed)
//!                          │              │
//!   Receiver { seen: 4 } ◄─┘ borrow       └─► changed(): wait until version != seen
//! ```
//!
//! * The value sits behind a read-write lock: `borrow` reads it in place,
//!   `send` replaces it. No queue: a receiver that looks twice between
//!   sends sees one change, and a slow receiver skips to the newest value
//!   instead of lagging behind (use a channel when every message counts).
//! * Each send adds 2 to `version`, under the write lock, so the version a
//!   reader reads under the read lock is the version of the value it sees.
//!   Each receiver remembers the version it last saw; `changed` waits until
//!   they differ. The last sender's drop sets bit 0: closed.
//! * Waiting is a [`Notify`]: a send calls `notify_waiters`. A `Notified`
//!   remembers the count of such calls when it was made, so `changed` makes
//!   one *before* it compares versions: a send between the comparison and
//!   the wait still completes the wait (the lost-wake-up race of every
//!   condition variable, closed the same way).
//!
//! Like the rest of `sync`, it knows nothing of the scheduler: it works from
//! plain threads (`futures_lite::future::block_on`) as well as from tasks.
//!
//! **The lock is the value's only.** Only what reads or writes the value
//! takes it: `borrow`, `borrow_and_update`, `wait_for`'s look, and the
//! sends. A drop, `subscribe`, `mark_unchanged` and `Debug` never wait for
//! it, so none of them can deadlock against a [`Ref`] this thread holds
//! (or inside `send_modify`'s closure). A version is a `usize`: a receiver
//! that misses exactly 2^63 sends (2^31 on a 32-bit target) sees no change.
//!
//! The files: `sender.rs` and `receiver.rs` hold the two halves, `error.rs`
//! their errors; this one the shared state and the [`Ref`] a read holds.

pub mod error;
mod receiver;
mod sender;

use crate::loom::atomic::AtomicUsize;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::lock::{RwLock, RwLockReadGuard};

pub use self::error::{RecvError, SendError};
pub use self::receiver::Receiver;
pub use self::sender::Sender;
use super::Notify;

/// Bit 0 of the version word: the last sender is gone.
pub(super) const CLOSED: usize = 1;
/// What one send adds to the version word.
pub(super) const STEP: usize = 2;

/// Creates a watch channel holding `init`; the receiver has seen it.
///
/// # Examples
///
/// ```
/// use corio::sync::watch;
///
/// let (tx, mut rx) = watch::channel("v1");
/// corio::block_on(async move {
///     let reader = corio::spawn(async move {
///         rx.changed().await.unwrap();
///         *rx.borrow_and_update()
///     });
///     tx.send("v2").unwrap();
///     assert_eq!(reader.await.unwrap(), "v2");
/// });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        version: AtomicUsize::new(0),
        changed: Notify::new(),
        receivers_gone: Notify::new(),
        senders: AtomicUsize::new(1),
        receivers: AtomicUsize::new(1),
    });
    let receiver = Receiver {
        shared: shared.clone(),
        seen: 0,
    };
    (Sender { shared }, receiver)
}

pub(super) struct Shared<T> {
    pub(super) value: RwLock<T>,
    /// Sends times `STEP`, plus `CLOSED`; written under `value`'s write lock.
    pub(super) version: AtomicUsize,
    /// Receivers waiting for a send (or the close).
    pub(super) changed: Notify,
    /// Senders waiting in `closed()` for the last receiver to go.
    pub(super) receivers_gone: Notify,
    pub(super) senders: AtomicUsize,
    pub(super) receivers: AtomicUsize,
}

/// `Debug` of the value without waiting for its lock (`<locked>` if a send
/// holds it, or this very thread is inside `send_modify`).
struct Peek<'a, T>(&'a RwLock<T>);

impl<T: fmt::Debug> fmt::Debug for Peek<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.try_read() {
            Some(value) => fmt::Debug::fmt(&*value, f),
            None => f.write_str("<locked>"),
        }
    }
}

/// A read of the value, holding the read lock: keep it short, and never
/// across an `.await` (a send would wait for it; it is not `Send`).
///
/// # Examples
///
/// ```
/// let (_tx, rx) = corio::sync::watch::channel(String::from("hi"));
/// let value = rx.borrow();
/// assert_eq!(value.len(), 2);
/// drop(value); // before the next send, or the send waits for it
/// ```
pub struct Ref<'a, T> {
    pub(super) guard: RwLockReadGuard<'a, T>,
    pub(super) changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value was unseen by the receiver when it was read
    /// (always `false` for a sender's `borrow`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow_and_update().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

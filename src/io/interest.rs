//! `Interest` and `Ready`: which directions a task waits on, and which it
//! found ready: tokio's `io::Interest` and `io::Ready`, for the sockets'
//! `ready()`, which waits for either direction at once (a task that both
//! reads and writes one socket, with `try_read` / `try_write`).
//!
//! corio's readiness word (see `readiness.rs`) keeps a read side, a write
//! side and a close of each; `Ready` reports those. The closes are
//! reported by Linux's epoll; the portable poller (kqueue and others,
//! through `polling`) cannot tell them apart, and there a close shows as
//! plain readiness, the read or write then saying what happened.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// The directions to wait for: [`READABLE`](Self::READABLE),
/// [`WRITABLE`](Self::WRITABLE), or both (`|`).
///
/// # Examples
///
/// ```
/// use corio::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert!(!Interest::READABLE.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Interest(u8);

impl Interest {
    /// Wait until a read may not block.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(corio::io::Interest::READABLE.is_readable());
    /// ```
    pub const READABLE: Interest = Interest(1);

    /// Wait until a write may not block.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(corio::io::Interest::WRITABLE.is_writable());
    /// ```
    pub const WRITABLE: Interest = Interest(2);

    /// Whether reads are of interest.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// assert!(Interest::READABLE.add(Interest::WRITABLE).is_readable());
    /// ```
    pub const fn is_readable(self) -> bool {
        self.0 & Interest::READABLE.0 != 0
    }

    /// Whether writes are of interest.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    /// assert!(!Interest::READABLE.is_writable());
    /// ```
    pub const fn is_writable(self) -> bool {
        self.0 & Interest::WRITABLE.0 != 0
    }

    /// Both interests: `self | other`, in a `const` context.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::Interest;
    ///
    /// const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert_eq!(BOTH, Interest::READABLE | Interest::WRITABLE);
    /// ```
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }
}

impl BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            (false, true) => f.write_str("WRITABLE"),
            (false, false) => f.write_str("(none)"),
        }
    }
}

/// What a `ready()` call found: some of [`READABLE`](Self::READABLE),
/// [`WRITABLE`](Self::WRITABLE), [`READ_CLOSED`](Self::READ_CLOSED) and
/// [`WRITE_CLOSED`](Self::WRITE_CLOSED).
///
/// # Examples
///
/// ```
/// use corio::io::Ready;
///
/// let found = Ready::READABLE | Ready::READ_CLOSED;
/// assert!(found.is_readable() && found.is_read_closed() && !found.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ready(u8);

impl Ready {
    /// Nothing is ready.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(corio::io::Ready::EMPTY.is_empty());
    /// ```
    pub const EMPTY: Ready = Ready(0);

    /// A read may not block.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(corio::io::Ready::READABLE.is_readable());
    /// ```
    pub const READABLE: Ready = Ready(1);

    /// A write may not block.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(corio::io::Ready::WRITABLE.is_writable());
    /// ```
    pub const WRITABLE: Ready = Ready(2);

    /// The peer shut its writing side (or hung up): reads end, at once.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(corio::io::Ready::READ_CLOSED.is_read_closed());
    /// ```
    pub const READ_CLOSED: Ready = Ready(4);

    /// Writes can no longer succeed (a hang-up, or an error such as a
    /// pipe whose reader is gone): a write fails, at once.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(corio::io::Ready::WRITE_CLOSED.is_write_closed());
    /// ```
    pub const WRITE_CLOSED: Ready = Ready(8);

    /// `self` less every readiness in `other`.
    pub(crate) const fn without(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }

    /// Whether nothing is ready.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!corio::io::Ready::WRITABLE.is_empty());
    /// ```
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether a read may not block (a closed read side counts: the read
    /// returns the end at once).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(corio::io::Ready::READ_CLOSED.is_readable());
    /// ```
    pub const fn is_readable(self) -> bool {
        self.0 & (Ready::READABLE.0 | Ready::READ_CLOSED.0) != 0
    }

    /// Whether a write may not block.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!corio::io::Ready::READABLE.is_writable());
    /// ```
    pub const fn is_writable(self) -> bool {
        self.0 & (Ready::WRITABLE.0 | Ready::WRITE_CLOSED.0) != 0
    }

    /// Whether the peer shut its writing side: a read returns the end.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!corio::io::Ready::READABLE.is_read_closed());
    /// ```
    pub const fn is_read_closed(self) -> bool {
        self.0 & Ready::READ_CLOSED.0 != 0
    }

    /// Whether writes can no longer succeed: a write returns the error.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!corio::io::Ready::WRITABLE.is_write_closed());
    /// ```
    pub const fn is_write_closed(self) -> bool {
        self.0 & Ready::WRITE_CLOSED.0 != 0
    }
}

impl BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .finish()
    }
}

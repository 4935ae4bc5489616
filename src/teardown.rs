//! What corio says when it is used from a thread-local's `Drop` as the
//! thread exits.
//!
//! A thread's thread-locals are destroyed one by one when it ends, in no
//! order a program can rely on. A user's thread-local whose `Drop` makes a
//! timer, a socket or a blocking job may run after corio's own are gone:
//! then no runtime can be found, and std's `with` would panic with its own
//! `AccessError`, pointing inside corio. The lookups use `try_with`
//! instead and panic with this message, which says what happened and, for
//! the calls that look up at the call (a timer, a socket), names the
//! caller's line; an `async fn` (`lookup_host`, a `corio::fs` call) looks
//! up at its first poll, inside corio. (Such a panic inside a
//! thread-local's `Drop` still aborts the process: std allows no
//! unwinding there.)

/// Panics: `what` (for example "a corio timer was created") happened while
/// this thread's thread-locals were being destroyed.
#[track_caller]
pub(crate) fn locals_gone(what: impl std::fmt::Display) -> ! {
    panic!(
        "{what} while this thread's thread-locals were being destroyed (from a thread-local's \
         `Drop` as the thread exits): no corio runtime can be found then"
    )
}

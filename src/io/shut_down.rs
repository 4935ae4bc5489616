//! The error corio's I/O gives once its runtime has shut down, and the
//! test that tells it from the others (tokio's
//! `runtime::is_rt_shutdown_err`).
//!
//! The error's kind is `Other`, as tokio's. So that a caller need not
//! compare messages, its payload is a type of its own, [`ShutDown`], which
//! `is_rt_shutdown_err` looks for (tokio's compares the message with its
//! own: an `io::Error` built by hand with corio's words is not one).

use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::io;

/// The payload of a shut-down error: the message says what was refused.
#[derive(Debug)]
struct ShutDown(Cow<'static, str>);

impl fmt::Display for ShutDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for ShutDown {}

/// An I/O error saying, in `message`, what the runtime's shutdown refused.
pub(crate) fn shut_down_error(message: impl Into<Cow<'static, str>>) -> io::Error {
    io::Error::other(ShutDown(message.into()))
}

/// Whether `err` is corio's "the runtime has shut down": a registration of
/// a socket (or a signal listener) refused by a runtime that has shut down,
/// a wait for I/O that the shutdown ended, a `ctrl_c` the shutdown ended,
/// or a call on the blocking pool (the `fs` calls, `net::lookup_host`)
/// that the shutdown cancelled. Errors from the kernel, and every other
/// error, give `false`.
///
/// # Examples
///
/// ```
/// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
/// let handle = runtime.handle().clone();
/// drop(runtime);
/// let _inside = handle.enter();
/// let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let refused = corio::net::TcpListener::from_std(std_listener).unwrap_err();
/// assert!(corio::runtime::is_rt_shutdown_err(&refused));
///
/// let other = std::io::Error::other("the runtime has shut down");
/// assert!(!corio::runtime::is_rt_shutdown_err(&other), "not by its words");
/// ```
pub fn is_rt_shutdown_err(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|inner| inner.is::<ShutDown>())
}

//! `AsyncFd::try_new`: registering a descriptor without losing it.
//!
//! [`AsyncFd::new`] takes `T` by value, so when the reactor refuses the
//! descriptor (a regular file under epoll, a closed number) `T` is dropped
//! with the error, and with it whatever `T` owned. `try_new` hands `T`
//! back inside the error instead, so the caller can fall back to another
//! road (the blocking pool, say) with the same object, as tokio's does.

use std::error::Error;
use std::fmt;
use std::io;
use std::os::fd::AsRawFd;

use super::Async;
use super::fd::{AsyncFd, Raw};
use crate::io::Interest;

impl<T: AsRawFd> AsyncFd<T> {
    /// As [`new`](Self::new), but on failure gives `inner` back with the
    /// error, in an [`AsyncFdTryNewError`].
    ///
    /// # Errors
    ///
    /// As `new`'s: the reactor refuses the descriptor, or `EBADF` for a
    /// negative one.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::unix::AsyncFd;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     // epoll cannot watch a regular file: the file comes back.
    ///     let path = std::env::temp_dir().join(format!("corio-doc-try-new-{}", std::process::id()));
    ///     let file = std::fs::File::create(&path)?;
    ///     match AsyncFd::try_new(file) {
    ///         Err(error) => {
    ///             let (file, error) = error.into_parts();
    ///             assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
    ///             assert!(file.metadata()?.is_file());
    ///         }
    ///         Ok(_registered) => assert!(!cfg!(target_os = "linux")), // kqueue takes files
    ///     }
    ///     std::fs::remove_file(&path)
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        if inner.as_raw_fd() < 0 {
            return Err(AsyncFdTryNewError {
                inner,
                cause: io::Error::from_raw_os_error(libc::EBADF),
            });
        }
        match Async::try_new(Raw(inner)) {
            Ok(inner) => Ok(AsyncFd { inner }),
            Err((cause, Raw(inner))) => Err(AsyncFdTryNewError { inner, cause }),
        }
    }

    /// As [`try_new`](Self::try_new), for tokio code that names its
    /// interest; the interest changes nothing, as for
    /// [`with_interest`](Self::with_interest).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::io::{Interest, unix::AsyncFd};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (reader, _writer) = std::io::pipe()?;
    ///     let reader = AsyncFd::try_with_interest(reader, Interest::READABLE)?;
    ///     assert!(reader.get_ref().try_clone().is_ok());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[track_caller]
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        let _ = interest;
        AsyncFd::try_new(inner)
    }
}

/// The error of [`AsyncFd::try_new`]: why the descriptor could not be
/// registered, and the object that owns it, given back.
///
/// It displays as its cause, and converts into that `io::Error` (so `?`
/// works in a function returning `io::Result`, dropping the object).
///
/// # Examples
///
/// ```
/// use corio::io::unix::AsyncFd;
/// use std::error::Error;
/// use std::os::fd::{AsRawFd, RawFd};
///
/// #[derive(Debug)]
/// struct Closed; // owns no descriptor
/// impl AsRawFd for Closed {
///     fn as_raw_fd(&self) -> RawFd {
///         -1
///     }
/// }
///
/// corio::block_on(async {
///     let error = AsyncFd::try_new(Closed).unwrap_err();
///     assert!(error.source().is_some());
///     let error: std::io::Error = error.into();
///     assert_eq!(error.raw_os_error(), Some(libc::EBADF));
/// })
/// ```
pub struct AsyncFdTryNewError<T> {
    inner: T,
    cause: io::Error,
}

impl<T> AsyncFdTryNewError<T> {
    /// The object given back and the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::{AsRawFd, RawFd};
    ///
    /// #[derive(Debug)]
    /// struct Closed(&'static str);
    /// impl AsRawFd for Closed {
    ///     fn as_raw_fd(&self) -> RawFd {
    ///         -1
    ///     }
    /// }
    ///
    /// corio::block_on(async {
    ///     let error = corio::io::unix::AsyncFd::try_new(Closed("mine")).unwrap_err();
    ///     let (given_back, cause) = error.into_parts();
    ///     assert_eq!(given_back.0, "mine");
    ///     assert_eq!(cause.raw_os_error(), Some(libc::EBADF));
    /// })
    /// ```
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> fmt::Display for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.cause, f)
    }
}

impl<T> Error for AsyncFdTryNewError<T> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdTryNewError<T>> for io::Error {
    fn from(error: AsyncFdTryNewError<T>) -> io::Error {
        error.cause
    }
}

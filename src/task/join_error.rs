//! Why a task gave no output: it was cancelled, or it panicked.

use std::any::Any;
use std::fmt;

use super::id::Id;

/// The error a [`JoinHandle`](crate::task::JoinHandle) returns when its task
/// did not run to completion.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let err = corio::spawn(async { panic!("boom") }).await.unwrap_err();
///     assert!(err.is_panic());
///     let payload = err.into_panic();
///     assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
/// });
/// ```
pub struct JoinError {
    id: Id,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Payload),
}

/// A panic payload that a shared `&JoinError` never hands out, so the error
/// is `Sync` even when the payload is not: `anyhow::Error` and
/// `Box<dyn Error + Send + Sync>` need that of the errors `?` turns into
/// them (tokio's `JoinError` is `Sync` for the same reason).
struct Payload(Box<dyn Any + Send + 'static>);

// SAFETY: through a `&Payload` only `message` reads the payload, and all it
// hands out is a `&str` inside a `&'static str` or a `String` (both `Sync`),
// found by `downcast_ref`, whose type check calls `type_id`, which reads no
// data. The payload itself leaves only by value (`into_panic`), which needs
// the `JoinError` owned: no two threads ever reach it at once.
unsafe impl Sync for Payload {}

impl Payload {
    /// The message, if the payload is the usual `&str` or `String`.
    fn message(&self) -> Option<&str> {
        let p = &*self.0;
        p.downcast_ref::<&str>()
            .copied()
            .or_else(|| p.downcast_ref::<String>().map(String::as_str))
    }
}

impl JoinError {
    pub(crate) fn cancelled(id: Id) -> JoinError {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            id,
            repr: Repr::Panic(Payload(payload)),
        }
    }

    /// The task was aborted, or its runtime shut down before it finished.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let task = corio::spawn(std::future::pending::<()>());
    ///     task.abort();
    ///     let err = task.await.unwrap_err();
    ///     assert!(err.is_cancelled() && !err.is_panic());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let err = corio::spawn(async { panic!("boom") }).await.unwrap_err();
    ///     assert!(err.is_panic() && !err.is_cancelled());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload, to resume it with `std::panic::resume_unwind`.
    ///
    /// # Panics
    /// If the task was cancelled rather than panicking.
    ///
    /// # Examples
    ///
    /// ```
    /// let payload = corio::block_on(async {
    ///     corio::spawn(async { panic!("boom") }).await.unwrap_err().into_panic()
    /// });
    /// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    /// // `std::panic::resume_unwind(payload)` would carry the panic on from here.
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("`JoinError::into_panic` called on a cancelled task; check `is_panic` first")
    }

    /// The panic payload, or the error back if the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let task = corio::spawn(std::future::pending::<()>());
    ///     task.abort();
    ///     let err = task.await.unwrap_err();
    ///     let err = err.try_into_panic().unwrap_err(); // no payload: the error comes back
    ///     assert!(err.is_cancelled());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload.0),
            Repr::Cancelled => Err(self),
        }
    }

    /// The id of the task that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let task = corio::spawn(async { panic!("boom") });
    ///     let id = task.id();
    ///     assert_eq!(task.await.unwrap_err().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }

    fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            Repr::Panic(p) => p.message(),
            Repr::Cancelled => None,
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "task {} was cancelled", self.id),
            (Repr::Panic(_), Some(msg)) => {
                write!(f, "task {} panicked with message {msg:?}", self.id)
            }
            (Repr::Panic(_), None) => write!(f, "task {} panicked", self.id),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "JoinError::Cancelled({:?})", self.id),
            (Repr::Panic(_), Some(msg)) => {
                write!(f, "JoinError::Panic({:?}, {msg:?}, ...)", self.id)
            }
            (Repr::Panic(_), None) => write!(f, "JoinError::Panic({:?}, ...)", self.id),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(err: JoinError) -> std::io::Error {
        std::io::Error::other(err.to_string())
    }
}

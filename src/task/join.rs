//! `JoinHandle` and `AbortHandle`: the user's references to a task.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::budget;
use super::id::Id;
use super::raw::RawTask;

pub use super::join_error::JoinError;

/// An owned permission to await a task's output.
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] if the task panicked or
/// was aborted. Dropping it *detaches* the task: it keeps running and its
/// output is dropped.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let handle = corio::spawn(async { 6 * 7 });
///     assert_eq!(handle.await.unwrap(), 42);
/// });
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves a `T` out of the cell, so it is Send when T is.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads the atomic state and the id.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

// A panic cannot leave the task half-updated behind a handle: every change
// goes through the atomic state word (tokio's handles are unwind-safe too).
impl<T> std::panic::UnwindSafe for JoinHandle<T> {}
impl<T> std::panic::RefUnwindSafe for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// Takes ownership of the JoinHandle's reference.
    pub(super) fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _output: PhantomData,
        }
    }

    /// Registers `waker` to be woken when the task completes, as a poll
    /// that finds it running does, without taking the output or spending
    /// budget; true if it is complete already (then nothing is kept).
    pub(crate) fn set_join_waker(&mut self, waker: &std::task::Waker) -> bool {
        self.raw.set_join_waker(waker)
    }

    /// Cancels the task: it will be dropped at its next `.await` (or before
    /// it is first polled), and this handle will return a cancelled
    /// `JoinError`. A task that finishes in the poll running as it is
    /// aborted, or had finished before, keeps its output. So does a
    /// [`spawn_blocking`](crate::spawn_blocking) closure that has started:
    /// a thread cannot be interrupted, so it runs to its end and the handle
    /// returns its result (one not yet started is cancelled), as in tokio.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let handle = corio::spawn(std::future::pending::<()>());
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// Whether the task has finished (completed, panicked or been cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let (tx, rx) = corio::sync::oneshot::channel::<()>();
    ///     let mut handle = corio::spawn(async move { rx.await.is_ok() });
    ///     assert!(!handle.is_finished(), "it waits for `tx`");
    ///     tx.send(()).unwrap();
    ///     assert!((&mut handle).await.unwrap());
    ///     assert!(handle.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.header().state().is_complete()
    }

    /// A handle that can abort the task but not await it.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let handle = corio::spawn(std::future::pending::<()>());
    ///     let abort = handle.abort_handle();
    ///     std::thread::spawn(move || abort.abort()).join().unwrap();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.header().state.ref_inc();
        AbortHandle { raw: self.raw }
    }

    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let handle = corio::spawn(async { corio::task::id() });
    ///     let id = handle.id();
    ///     assert_eq!(handle.await.unwrap(), id, "the task sees the same id");
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.raw.header().id()
    }
}

impl<T> Unpin for JoinHandle<T> {}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let spent = ready!(budget::poll_proceed(cx));
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        self.raw.try_read_output(
            &mut out as *mut Poll<Result<T, JoinError>> as *mut (),
            cx.waker(),
        );
        if out.is_ready() {
            spent.made_progress();
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.raw.header().state.drop_join_handle_fast() {
            return;
        }
        self.raw.drop_join_handle_slow();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .finish()
    }
}

/// Aborts a task without owning its output.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let handle = corio::spawn(std::future::pending::<()>());
///     let abort = handle.abort_handle();
///     abort.abort();
///     assert!(handle.await.unwrap_err().is_cancelled());
///     assert!(abort.is_finished());
/// });
/// ```
pub struct AbortHandle {
    raw: RawTask,
}

// SAFETY: an AbortHandle only touches the atomic state word, and its drop
// may free the cell from any thread: by then the future and output are gone
// or owned by another party (the stage is settled through the state word),
// and the scheduler `S` a cell holds is `Send + Sync`.
unsafe impl Send for AbortHandle {}
// SAFETY: as above.
unsafe impl Sync for AbortHandle {}

// As for `JoinHandle`: everything goes through the atomic state word.
impl std::panic::UnwindSafe for AbortHandle {}
impl std::panic::RefUnwindSafe for AbortHandle {}

impl AbortHandle {
    /// Cancels the task, as [`JoinHandle::abort`].
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let handle = corio::spawn(std::future::pending::<()>());
    ///     let abort = handle.abort_handle();
    ///     corio::spawn(async move { abort.abort() });
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// Whether the task has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let handle = corio::spawn(async { 1 });
    ///     let abort = handle.abort_handle();
    ///     assert_eq!(handle.await.unwrap(), 1);
    ///     assert!(abort.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.header().state().is_complete()
    }

    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let handle = corio::spawn(async {});
    ///     assert_eq!(handle.abort_handle().id(), handle.id());
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.raw.header().id()
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.raw.header().state.ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}

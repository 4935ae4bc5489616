//! Task-local values: [`task_local!`](crate::task_local) (tokio's, and
//! Python's `contextvars` in asyncio: a request id that every log line of
//! one request can read, without passing it down each call).
//!
//! A thread-local will not do: a task hops between threads, and many tasks
//! share one thread. So the value lives *in the future*, and is lent to a
//! thread-local only while that future is being polled:
//!
//! ```text
//!   REQUEST_ID.scope(7, handler()) ── polled ──► swap 7 into the thread-local
//!                                                poll handler()   (REQUEST_ID.get() == 7)
//!                                                swap it back out
//! ```
//!
//! The swap happens around every poll (and around the inner future's drop),
//! on whichever thread polls, and a guard swaps back even if the poll
//! panics. Scopes nest: an inner `scope` of the same key saves the outer
//! value in its own future while it runs.
//!
//! A task spawned inside a scope does not inherit the value, as in tokio:
//! the scope belongs to the future it wraps, and the new task is another
//! future. (asyncio's `create_task` copies the current context into the
//! task; here, read the value and `scope` the spawned future with it.)

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys: `static NAME: Type;`, as many as you like.
/// Each is a [`LocalKey`]: give it a value for the length of a future with
/// [`scope`](LocalKey::scope), read it inside with
/// [`with`](LocalKey::with) or [`get`](LocalKey::get).
///
/// # Examples
///
/// ```
/// corio::task_local! {
///     static REQUEST_ID: u64;
/// }
///
/// async fn log(line: &str) -> String {
///     format!("[{}] {line}", REQUEST_ID.get())
/// }
///
/// corio::block_on(async {
///     let line = REQUEST_ID.scope(7, async { log("served").await }).await;
///     assert_eq!(line, "[7] served");
///     assert!(REQUEST_ID.try_with(|_| ()).is_err(), "no value outside the scope");
/// });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::task_local!(@key $(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::task_local!(@key $(#[$attr])* $vis $name, $t);
    };
    // One key: a `static` holding std's thread-local key.
    (@key $(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __CORIO_KEY: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey { inner: __CORIO_KEY }
        };
    };
}

/// A task-local key, made by [`task_local!`](crate::task_local).
///
/// # Examples
///
/// ```
/// corio::task_local! {
///     static USER: String;
/// }
///
/// let name = corio::block_on(USER.scope("ada".to_string(), async {
///     USER.with(|user| user.len())
/// }));
/// assert_eq!(name, 3);
/// ```
pub struct LocalKey<T: 'static> {
    /// The thread-local the value is lent to while its future is polled.
    #[doc(hidden)]
    pub inner: std::thread::LocalKey<RefCell<Option<T>>>,
}

impl<T: 'static> LocalKey<T> {
    /// Runs `future` with the key set to `value` while it is polled (and
    /// dropped): a future that completes with `future`'s output.
    ///
    /// The drop is inside the scope unless the key cannot be lent then: a
    /// scope dropped from inside a [`with`](Self::with) of the same key, or
    /// while the thread is being torn down, drops `future` outside it, so
    /// `future`'s `Drop` sees what the key holds there (as in tokio).
    /// The value is the thread's while `future` is polled, so tasks that
    /// `future` polls in its own poll (a [`LocalSet::run_until`]'s, or a
    /// current-thread `block_on` inside a [`sync_scope`](Self::sync_scope))
    /// see it too, as in tokio.
    ///
    /// [`LocalSet::run_until`]: crate::task::LocalSet::run_until
    ///
    /// # Panics
    ///
    /// When polled from inside a [`with`](Self::with) of the same key (the
    /// value is borrowed then), or while the thread is being torn down.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::task_local! {
    ///     static DEPTH: u32;
    /// }
    ///
    /// corio::block_on(async {
    ///     DEPTH
    ///         .scope(1, async {
    ///             assert_eq!(DEPTH.get(), 1);
    ///             DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await;
    ///             assert_eq!(DEPTH.get(), 1, "the outer value is back");
    ///         })
    ///         .await;
    /// });
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            slot: Some(value),
            future: Some(future),
        }
    }

    /// Runs the closure `f` with the key set to `value`.
    ///
    /// # Panics
    ///
    /// As [`scope`](Self::scope).
    ///
    /// # Examples
    ///
    /// ```
    /// corio::task_local! {
    ///     static LIMIT: usize;
    /// }
    ///
    /// assert_eq!(LIMIT.sync_scope(3, || LIMIT.get() * 2), 6);
    /// ```
    #[track_caller]
    pub fn sync_scope<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R {
        let mut slot = Some(value);
        self.lend(&mut slot, f)
    }

    /// Calls `f` with the value.
    ///
    /// # Panics
    ///
    /// Outside a [`scope`](Self::scope) of this key.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::task_local! {
    ///     static NAME: &'static str;
    /// }
    ///
    /// let len = NAME.sync_scope("corio", || NAME.with(|name| name.len()));
    /// assert_eq!(len, 5);
    /// ```
    #[track_caller]
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        match self.try_with(f) {
            Ok(r) => r,
            Err(_) => panic!(
                "a task-local value was read outside its `scope` (or while the thread is being \
                 torn down): wrap the future in `KEY.scope(value, future)`"
            ),
        }
    }

    /// Calls `f` with the value, or returns [`AccessError`] outside a
    /// [`scope`](Self::scope) of this key.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::task_local! {
    ///     static TRACE: u32;
    /// }
    ///
    /// assert!(TRACE.try_with(|t| *t).is_err());
    /// assert_eq!(TRACE.sync_scope(9, || TRACE.try_with(|t| *t)), Ok(9));
    /// ```
    pub fn try_with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, AccessError> {
        self.inner
            .try_with(|cell| cell.try_borrow().ok()?.as_ref().map(f))
            .ok()
            .flatten()
            .ok_or(AccessError(()))
    }

    /// Swaps `slot` into the thread-local for the length of `f`, and back
    /// out afterwards, even if `f` panics.
    #[track_caller]
    fn lend<R>(&'static self, slot: &mut Option<T>, f: impl FnOnce() -> R) -> R {
        struct Back<'a, T: 'static> {
            key: &'static LocalKey<T>,
            slot: &'a mut Option<T>,
        }
        impl<T: 'static> Drop for Back<'_, T> {
            fn drop(&mut self) {
                // The lend below succeeded, and whoever borrowed the cell
                // since has let go (a borrow cannot outlive `f`).
                self.key
                    .inner
                    .with(|cell| std::mem::swap(self.slot, &mut *cell.borrow_mut()));
            }
        }
        let lent = self.inner.try_with(|cell| {
            cell.try_borrow_mut()
                .map(|mut value| std::mem::swap(slot, &mut *value))
                .is_ok()
        });
        match lent {
            Ok(true) => {}
            Ok(false) => panic!(
                "a task-local scope was entered inside `with` of the same key (the value is \
                 borrowed there)"
            ),
            Err(_) => panic!("a task-local scope was entered while the thread is being torn down"),
        }
        let _back = Back { key: self, slot };
        f()
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the value.
    ///
    /// # Panics
    ///
    /// Outside a [`scope`](Self::scope) of this key.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::task_local! {
    ///     static ID: u8;
    /// }
    ///
    /// assert_eq!(ID.sync_scope(4, || ID.get()), 4);
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }

    /// A clone of the value, or [`AccessError`] outside a
    /// [`scope`](Self::scope) of this key.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::task_local! {
    ///     static ID: u8;
    /// }
    ///
    /// assert!(ID.try_get().is_err());
    /// assert_eq!(ID.sync_scope(4, || ID.try_get()), Ok(4));
    /// ```
    pub fn try_get(&'static self) -> Result<T, AccessError> {
        self.try_with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalKey { .. }")
    }
}

/// No value: read outside a [`scope`](LocalKey::scope) of the key.
///
/// # Examples
///
/// ```
/// corio::task_local! {
///     static KEY: u8;
/// }
///
/// let error = KEY.try_with(|_| ()).unwrap_err();
/// assert_eq!(error.to_string(), "task-local value not set");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessError(());

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl std::error::Error for AccessError {}

/// The future of [`LocalKey::scope`].
///
/// # Examples
///
/// ```
/// corio::task_local! {
///     static KEY: u8;
/// }
///
/// let future: corio::task::futures::TaskLocalFuture<u8, _> = KEY.scope(1, async { KEY.get() });
/// assert_eq!(corio::block_on(future), 1);
/// ```
///
/// It is `Send` only if the value is, as a spawned task must be:
///
/// ```compile_fail
/// corio::task_local! {
///     static SHARED: std::rc::Rc<u8>;
/// }
///
/// fn needs_send<T: Send>(_: T) {}
/// needs_send(SHARED.scope(std::rc::Rc::new(1), async {}));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct TaskLocalFuture<T: 'static, F> {
    key: &'static LocalKey<T>,
    /// The value while the future is not being polled.
    slot: Option<T>,
    /// `None` once it completed or is being dropped (either way dropped
    /// inside the scope, unless the key cannot be lent then: see
    /// [`LocalKey::scope`]).
    future: Option<F>,
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is pinned with `self` and never moved: it is only
        // polled through this projection and dropped in place (`Pin::set`
        // in `Drop`); `key` and `slot` are not pinned, and nothing pins them.
        let this = unsafe { self.get_unchecked_mut() };
        let key = this.key;
        let future = &mut this.future;
        key.lend(&mut this.slot, || {
            // SAFETY: as above: a projection of the pinned field.
            let mut future = unsafe { Pin::new_unchecked(future) };
            let Some(inner) = future.as_mut().as_pin_mut() else {
                panic!("a task-local future was polled after it completed");
            };
            let output = inner.poll(cx);
            if output.is_ready() {
                // Done: dropped now, inside the scope (as tokio does), not
                // when the wrapper goes, with whatever it still holds.
                future.set(None);
            }
            output
        })
    }
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out of the scope, leaving the key unset for the
    /// rest of it: `None` if it was taken already. Between polls the value
    /// sits in this future, so this is how to get it back (after the
    /// inner future completed, say).
    ///
    /// # Examples
    ///
    /// ```
    /// corio::task_local! {
    ///     static KEY: String;
    /// }
    ///
    /// let mut future = Box::pin(KEY.scope("kept".to_string(), async { KEY.get().len() }));
    /// assert_eq!(corio::block_on(future.as_mut()), 4);
    /// assert_eq!(future.as_mut().take_value().as_deref(), Some("kept"));
    /// assert_eq!(future.as_mut().take_value(), None);
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        // SAFETY: `slot` is not structurally pinned (see `poll`).
        unsafe { self.get_unchecked_mut() }.slot.take()
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    fn drop(&mut self) {
        if self.future.is_none() {
            return;
        }
        // The inner future's `Drop` may read the key too: drop it inside the
        // scope, unless the key cannot be lent now (a thread being torn
        // down, or a `with` of the key running this drop), where it is
        // dropped outside.
        let key = self.key;
        let future = &mut self.future;
        let lendable = key
            .inner
            .try_with(|cell| cell.try_borrow_mut().is_ok())
            .unwrap_or(false);
        // SAFETY: dropped in place through the pinning projection; `self` is
        // being dropped, so the field is never used again.
        let drop_it = || unsafe { Pin::new_unchecked(future) }.set(None);
        if lendable {
            key.lend(&mut self.slot, drop_it);
        } else {
            drop_it();
        }
    }
}

impl<T: fmt::Debug + 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("value", &self.slot)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    crate::task_local! {
        static VALUE: String;
    }

    /// The pinned projection under Miri: a self-referential inner future
    /// (an `async` block holding a borrow across an await) polled through
    /// the scope twice, then dropped inside it before it completes.
    #[test]
    fn a_pinned_inner_future_is_polled_and_dropped_in_place() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut future = Box::pin(VALUE.scope("outer".to_string(), async {
            let local = VALUE.get();
            let borrowed = &local;
            crate::task::yield_now().await;
            assert_eq!(borrowed, "outer");
            std::future::pending::<()>().await;
        }));
        assert!(future.as_mut().poll(&mut cx).is_pending());
        assert!(future.as_mut().poll(&mut cx).is_pending());
        drop(future);
        let done = pin!(VALUE.scope("x".to_string(), async { VALUE.get().len() }));
        assert_eq!(done.poll(&mut cx), Poll::Ready(1));
    }
}

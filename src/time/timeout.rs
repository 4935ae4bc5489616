//! `Timeout`: a future with a deadline.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::error::Elapsed;
use super::{Instant, Sleep};
use crate::task::budget;

/// Runs `future` for at most `duration`, like Python's `asyncio.wait_for`.
/// If the deadline passes first, [`Elapsed`] is returned, and the future is
/// dropped (cancelled) with the `Timeout` (or kept, if you poll a pinned
/// `Timeout` by reference and take it back with `into_inner`). Anything `.await` takes will do
/// (`IntoFuture`, as in tokio: a request builder, say). A `duration` whose
/// deadline is past what an [`Instant`] can hold (`Duration::MAX`) sets no
/// deadline at all, as in tokio.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// corio::block_on(async {
///     let quick = corio::time::timeout(Duration::from_secs(1), async { 5 }).await;
///     assert_eq!(quick, Ok(5));
///     let slow = corio::time::timeout(Duration::from_millis(5), std::future::pending::<()>()).await;
///     assert!(slow.is_err());
/// });
/// ```
///
/// # Panics
/// Outside a corio runtime.
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        value: future.into_future(),
        delay: super::sleep::sleep_for(duration, true),
    }
}

/// Runs `future` until `deadline` at the latest.
///
/// # Examples
///
/// ```
/// use corio::runtime::Builder;
/// use corio::time::Instant;
/// use std::time::Duration;
///
/// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
/// runtime.block_on(async {
///     let deadline = Instant::now() + Duration::from_secs(30);
///     let late = corio::time::timeout_at(deadline, std::future::pending::<()>()).await;
///     assert!(late.is_err());
///     assert_eq!(Instant::now(), deadline, "given up right at the deadline");
/// });
/// ```
///
/// # Panics
/// Outside a corio runtime.
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        value: future.into_future(),
        delay: Some(super::sleep_until(deadline)),
    }
}

/// The future of [`timeout`] and [`timeout_at`].
///
/// # Examples
///
/// ```
/// use corio::runtime::Builder;
/// use std::time::Duration;
///
/// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
/// runtime.block_on(async {
///     let slow = corio::time::sleep(Duration::from_secs(10));
///     let timeout: corio::time::Timeout<_> = corio::time::timeout(Duration::from_secs(1), slow);
///     assert!(timeout.await.is_err(), "the deadline came first");
/// });
/// ```
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Timeout<F> {
    value: F,
    /// `None`: no deadline (one past what an `Instant` can hold).
    delay: Option<Sleep>,
}

impl<F> Timeout<F> {
    /// The inner future.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// corio::block_on(async {
    ///     let sleep = corio::time::sleep(Duration::from_secs(5));
    ///     let timeout = corio::time::timeout(Duration::from_secs(1), sleep);
    ///     assert!(!timeout.get_ref().is_elapsed());
    /// });
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.value
    }

    /// The inner future, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use std::pin::Pin;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let sleep = corio::time::sleep(Duration::from_secs(60));
    ///     let mut timeout = corio::time::timeout(Duration::from_secs(10), sleep);
    ///     let soon = corio::time::Instant::now() + Duration::from_secs(1);
    ///     Pin::new(timeout.get_mut()).reset(soon); // the inner sleep now ends first
    ///     assert_eq!(timeout.await, Ok(()));
    /// });
    /// ```
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.value
    }

    /// The inner future, giving up the deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let (tx, rx) = corio::sync::oneshot::channel();
    ///     let mut timeout = corio::time::timeout(Duration::from_secs(1), rx);
    ///     assert!((&mut timeout).await.is_err(), "nothing within a second");
    ///     let rx = timeout.into_inner(); // keep waiting, with no deadline now
    ///     tx.send(3).unwrap();
    ///     assert_eq!(rx.await, Ok(3));
    /// });
    /// ```
    pub fn into_inner(self) -> F {
        self.value
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `value` is structurally pinned (never moved out while
        // pinned; `into_inner` takes `self` by value, which needs Unpin or an
        // unpinned Timeout); `delay` is Unpin and not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let value = unsafe { Pin::new_unchecked(&mut this.value) };
        let had_budget = budget::has_remaining();
        if let Poll::Ready(output) = value.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let Some(delay) = &mut this.delay else {
            return Poll::Pending;
        };
        let mut poll_delay = || match delay.poll_elapsed(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        };
        if had_budget && !budget::has_remaining() {
            // The inner future spent the last unit: the deadline must still
            // be checked, or a future that always spends the whole budget
            // would never time out (tokio does the same).
            budget::unconstrained_sync(poll_delay)
        } else {
            poll_delay()
        }
    }
}

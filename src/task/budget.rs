//! The cooperative budget: how a task that never really waits still yields.
//!
//! Rust futures are cooperative. A task that loops over a channel which always
//! has a message, or a socket that always has bytes, never returns `Pending`,
//! so its worker never gets to run anything else. Go solves this with
//! preemption; corio, like tokio, solves it with a *budget*.
//!
//! ```text
//!   worker polls a task ──► budget = 128
//!        leaf future ready?  ──► spend 1 ──► budget 127 ... 1 ... 0
//!        budget is 0         ──► wake own task, return Pending
//!                                 (the task goes to the back of the queue)
//! ```
//!
//! The budget is a thread-local. Outside a corio task and a corio
//! `block_on` future it is `None` ("unconstrained") and every call here is
//! a no-op, which is why `sync/` may spend it without knowing which
//! executor polls it.
//!
//! A leaf future calls [`poll_proceed`] before it does its work. If the work
//! then turns out to be `Pending` anyway, the unit is refunded when the
//! returned [`Spent`] is dropped; a leaf that completes calls
//! [`Spent::made_progress`] to keep the unit spent.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Units a task gets each time a worker polls it (tokio uses the same figure).
pub(crate) const BUDGET: u8 = 128;

thread_local! {
    /// `None` outside a corio task or inside `unconstrained`; `Some(units)` otherwise.
    static CURRENT: Cell<Option<u8>> = const { Cell::new(None) };
}

/// Runs `f` with a fresh budget, restoring the previous one afterwards (a
/// task polled inside `block_on` inside a task keeps the outer budget intact).
#[inline]
pub(crate) fn with_budget<R>(f: impl FnOnce() -> R) -> R {
    with_value(Some(BUDGET), f)
}

#[inline]
fn with_value<R>(value: Option<u8>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<u8>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let previous = CURRENT.with(|c| c.replace(value));
    let _restore = Restore(previous);
    f()
}

/// A unit of budget taken by [`poll_proceed`]; refunded on drop unless
/// [`Spent::made_progress`] was called.
#[must_use = "call `made_progress` when the leaf future completes"]
pub(crate) struct Spent {
    refund: bool,
}

impl Spent {
    /// The leaf future is returning `Ready`: keep the unit spent.
    #[inline]
    pub(crate) fn made_progress(mut self) {
        self.refund = false;
    }
}

impl Drop for Spent {
    #[inline]
    fn drop(&mut self) {
        if self.refund {
            CURRENT.with(|c| {
                // Never past a full budget: a unit kept across an `.await`
                // and dropped in a later poll (a misuse, but safe code can
                // do it) lands in that poll's fresh budget.
                if let Some(units) = c.get() {
                    c.set(Some(units.saturating_add(1).min(BUDGET)));
                }
            });
        }
    }
}

/// Takes one unit of budget. At zero, wakes the task and returns `Pending`
/// so that the worker can run something else first.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<Spent> {
    match try_proceed() {
        Some(spent) => Poll::Ready(spent),
        None => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Takes one unit of budget if one is left; `None`, without waking, when
/// the budget is spent. For a leaf that would rather wait than yield when
/// it has nothing to do (a receive on an empty channel): it decides what a
/// spent budget means itself, and every other poll reads the budget once.
#[inline]
pub(crate) fn try_proceed() -> Option<Spent> {
    CURRENT.with(|c| match c.get() {
        None => Some(Spent { refund: false }),
        Some(0) => None,
        Some(units) => {
            c.set(Some(units - 1));
            Some(Spent { refund: true })
        }
    })
}

/// Whether the current task still has budget left (`true` outside a task).
pub(crate) fn has_remaining() -> bool {
    CURRENT.with(|c| c.get() != Some(0))
}

/// Spends one unit without yielding: for a leaf whose result came at once
/// after [`has_remaining`] said a unit is left, with no `.await` between,
/// and which cannot `.await` now (it returns a lock guard that is not
/// `Send`, as `watch`'s `wait_for` does).
pub(crate) fn spend_left() {
    CURRENT.with(|c| {
        if let Some(units) = c.get() {
            c.set(Some(units.saturating_sub(1)));
        }
    });
}

/// Spends one unit of budget, yielding to the scheduler if it runs out.
///
/// Call it in a loop that does CPU work between awaits that are always ready,
/// so the loop gives other tasks a turn now and then.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let mut sum = 0u64;
///     for i in 0..1_000u64 {
///         sum += i;
///         corio::task::consume_budget().await;
///     }
///     assert_eq!(sum, 499_500);
/// });
/// ```
pub async fn consume_budget() {
    std::future::poll_fn(|cx| poll_proceed(cx).map(Spent::made_progress)).await
}

/// Runs `fut` with no budget: the leaves inside never force a yield.
///
/// Use it for a future that must not be interrupted by the scheduler, at the
/// price of fairness.
///
/// # Examples
///
/// ```
/// let n = corio::block_on(corio::task::unconstrained(async { 1 + 1 }));
/// assert_eq!(n, 2);
/// ```
pub fn unconstrained<F: Future>(fut: F) -> Unconstrained<F> {
    Unconstrained { inner: fut }
}

/// Runs the closure `f` with no budget (for blocking-pool jobs).
pub(crate) fn unconstrained_sync<R>(f: impl FnOnce() -> R) -> R {
    with_value(None, f)
}

/// The future returned by [`unconstrained`].
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     let ran = Rc::new(Cell::new(false));
///     let flag = ran.clone();
///     corio::task::spawn_local(async move { flag.set(true) });
///     let busy: corio::task::Unconstrained<_> = corio::task::unconstrained(async {
///         for _ in 0..1_000 {
///             corio::task::consume_budget().await; // never yields in here
///         }
///     });
///     busy.await;
///     assert!(!ran.get(), "the other task never got a turn");
/// });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Unconstrained<F> {
    inner: F,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of
        // `self`, and `Unconstrained` has no `Drop` impl or `Unpin` opt-in.
        let inner = unsafe { self.map_unchecked_mut(|u| &mut u.inner) };
        with_value(None, || inner.poll(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn outside_a_task_everything_proceeds() {
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1_000 {
            assert!(poll_proceed(&mut cx).is_ready());
        }
    }

    #[test]
    fn budget_runs_out_after_128_units() {
        let mut cx = Context::from_waker(Waker::noop());
        with_budget(|| {
            for _ in 0..BUDGET {
                match poll_proceed(&mut cx) {
                    Poll::Ready(spent) => spent.made_progress(),
                    Poll::Pending => panic!("budget ran out early"),
                }
            }
            assert!(poll_proceed(&mut cx).is_pending());
        });
        assert!(
            poll_proceed(&mut cx).is_ready(),
            "outside the poll the budget is gone"
        );
    }

    #[test]
    fn try_proceed_reports_a_spent_budget_without_waking() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        struct Count(AtomicUsize);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        with_budget(|| {
            for _ in 0..BUDGET {
                try_proceed().expect("a unit is left").made_progress();
            }
            assert!(try_proceed().is_none(), "the budget is spent");
            assert_eq!(count.0.load(Ordering::SeqCst), 0, "no wake");
            assert!(poll_proceed(&mut cx).is_pending());
            assert_eq!(count.0.load(Ordering::SeqCst), 1, "yielding wakes");
        });
        assert!(try_proceed().is_some(), "outside a task all proceeds");
    }

    #[test]
    fn an_unused_unit_is_refunded() {
        let mut cx = Context::from_waker(Waker::noop());
        with_budget(|| {
            for _ in 0..1_000 {
                let Poll::Ready(spent) = poll_proceed(&mut cx) else {
                    panic!("refunded units must never run out");
                };
                drop(spent);
            }
        });
    }

    /// A unit taken in one poll and dropped in the next, whose budget is
    /// fresh, is not added on top of it.
    #[test]
    fn a_unit_dropped_in_a_later_poll_does_not_overfill_its_budget() {
        let spent = with_budget(|| try_proceed().expect("a fresh budget"));
        with_budget(|| {
            drop(spent);
            let mut taken = 0;
            while let Some(unit) = try_proceed() {
                unit.made_progress();
                taken += 1;
            }
            assert_eq!(taken, BUDGET);
        });
    }
}

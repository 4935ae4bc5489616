//! The cooperative budget under tokio's path, `task::coop` (see `budget.rs`
//! for how it works): the items at `task`'s root, a look at what is left,
//! and the two ways a future of your own joins in.
//!
//! corio's leaves (channels, sockets, timers, locks) spend the budget
//! themselves. A leaf from elsewhere, say another crate's channel, does not:
//! a loop over it that is always ready never yields. Two tools fix that:
//!
//! - [`poll_proceed`], for the author of a leaf: call it first in `poll`,
//!   return its `Pending` (the budget is gone, the task was woken to go
//!   round again), and when the leaf completes, mark the unit spent with
//!   [`RestoreOnPending::made_progress`]. A poll that ends `Pending` for
//!   its own reason drops the guard, which gives the unit back.
//! - [`cooperative`], for a user of someone else's future: it wraps the
//!   future in the same protocol, one unit per completed await.
//!
//! ```text
//!   poll_proceed ──► budget 0?  ──► wake own task, Pending (a yield)
//!                └─► take a unit ──► leaf Ready   ──► made_progress: kept
//!                                └─► leaf Pending ──► guard dropped: given back
//! ```

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::budget::{self, Spent};
pub use super::budget::{Unconstrained, consume_budget, unconstrained};

/// Whether the current task still has budget left: if not, its next
/// ready-to-go leaf future (a receive with a message waiting, a read with
/// bytes waiting) yields first. Always `true` outside a corio task and
/// inside [`unconstrained`].
///
/// # Examples
///
/// ```
/// use corio::task::coop::{consume_budget, has_budget_remaining};
///
/// assert!(has_budget_remaining(), "outside a task: no budget to spend");
/// corio::block_on(async {
///     assert!(has_budget_remaining());
///     let mut spent = 0;
///     while has_budget_remaining() {
///         consume_budget().await;
///         spent += 1;
///     }
///     assert_eq!(spent, 128, "a task's budget per poll");
/// });
/// ```
pub fn has_budget_remaining() -> bool {
    budget::has_remaining()
}

/// Takes one unit of the current task's budget, for a leaf future of your
/// own: `Pending` when none is left (the task has been woken, so returning
/// that `Pending` is a yield), else a guard that gives the unit back when
/// dropped, unless [`made_progress`](RestoreOnPending::made_progress) was
/// called on it. Outside a corio task it is always `Ready`, and costs
/// nothing.
///
/// # Examples
///
/// A counter that is always ready, made to yield like corio's own leaves:
///
/// ```
/// use std::future::{Future, poll_fn};
/// use std::task::{Poll, ready};
/// use corio::task::coop;
///
/// struct Ticks(u32);
///
/// impl Ticks {
///     fn poll_tick(&mut self, cx: &mut std::task::Context<'_>) -> Poll<u32> {
///         let unit = ready!(coop::poll_proceed(cx));
///         self.0 += 1;
///         unit.made_progress();
///         Poll::Ready(self.0)
///     }
/// }
///
/// corio::block_on(async {
///     let mut ticks = Ticks(0);
///     for _ in 0..200 {
///         poll_fn(|cx| ticks.poll_tick(cx)).await;
///     }
///     assert_eq!(ticks.0, 200);
///     // 200 units are more than one poll's 128: the task yielded once,
///     // and has 128 - 72 left.
///     let mut left = 0;
///     while coop::has_budget_remaining() {
///         coop::consume_budget().await;
///         left += 1;
///     }
///     assert_eq!(left, 56);
/// });
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    budget::poll_proceed(cx).map(|spent| RestoreOnPending {
        spent: Cell::new(Some(spent)),
        _this_thread: PhantomData,
    })
}

/// The unit of budget [`poll_proceed`] took: given back when this is
/// dropped, unless [`made_progress`](Self::made_progress) says the leaf
/// completed.
///
/// It gives back that one unit, where tokio's restores the budget to what
/// it was at the `poll_proceed` (undoing, too, what futures inside spent
/// and kept). It is neither `Send` nor `Sync`: the budget is the polling
/// thread's, and a drop elsewhere would refund the wrong task. Drop it in
/// the poll that took it: kept across an `.await`, it gives its unit to
/// whichever budget is current when it drops (never past the full 128).
///
/// # Examples
///
/// ```
/// use std::future::poll_fn;
/// use std::task::Poll;
/// use corio::task::coop;
///
/// corio::block_on(async {
///     for _ in 0..1_000 {
///         // Taken and given back: as a leaf that ends up `Pending` would.
///         let unit = poll_fn(|cx| coop::poll_proceed(cx)).await;
///         drop(unit);
///     }
///     assert!(coop::has_budget_remaining(), "no unit was kept");
///     let unit = poll_fn(|cx| coop::poll_proceed(cx)).await;
///     unit.made_progress();
///     println!("{unit:?}");
/// });
/// ```
#[must_use = "call `made_progress` when the leaf completes, or the unit is given back"]
pub struct RestoreOnPending {
    /// `None` once `made_progress` kept the unit.
    spent: Cell<Option<Spent>>,
    _this_thread: PhantomData<*const ()>,
}

impl RestoreOnPending {
    /// The leaf completed: keep the unit spent. Calling it again does
    /// nothing more.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use corio::task::coop;
    ///
    /// corio::block_on(async {
    ///     for _ in 0..128 {
    ///         poll_fn(|cx| coop::poll_proceed(cx)).await.made_progress();
    ///     }
    ///     assert!(!coop::has_budget_remaining(), "128 units kept");
    /// });
    /// ```
    pub fn made_progress(&self) {
        if let Some(spent) = self.spent.take() {
            spent.made_progress();
        }
    }
}

impl fmt::Debug for RestoreOnPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spent = self.spent.take();
        let kept = spent.is_none();
        self.spent.set(spent);
        f.debug_struct("RestoreOnPending")
            .field("made_progress", &kept)
            .finish()
    }
}

/// Wraps `fut` so that it spends the task's budget as corio's own leaves
/// do: each poll first takes a unit (yielding if none is left), and keeps
/// it when `fut` completes. For a future from a crate that knows nothing of
/// corio, awaited in a loop that may always find it ready.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use std::cell::Cell;
/// use corio::task::coop::cooperative;
///
/// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     let ran = Rc::new(Cell::new(false));
///     let flag = ran.clone();
///     corio::task::spawn_local(async move { flag.set(true) });
///     // `ready` never waits: alone, this loop would keep the thread.
///     for _ in 0..1_000 {
///         cooperative(std::future::ready(())).await;
///     }
///     assert!(ran.get(), "the loop yielded, and the other task ran");
/// });
/// ```
pub fn cooperative<F: Future>(fut: F) -> Coop<F> {
    Coop { inner: fut }
}

/// The future returned by [`cooperative`].
///
/// # Examples
///
/// ```
/// let coop: corio::task::coop::Coop<_> = corio::task::coop::cooperative(async { 7 });
/// assert_eq!(corio::block_on(coop), 7);
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Coop<F> {
    inner: F,
}

impl<F: Future> Future for Coop<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let unit = ready!(budget::poll_proceed(cx));
        // SAFETY: `inner` is structurally pinned: it is never moved out of
        // `self`, and `Coop` has no `Drop` impl or `Unpin` opt-in.
        let inner = unsafe { self.map_unchecked_mut(|coop| &mut coop.inner) };
        let output = ready!(inner.poll(cx));
        unit.made_progress();
        Poll::Ready(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::budget::{BUDGET, with_budget};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    /// Counts its wakes.
    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Units left now, counted by spending them all.
    fn units_left() -> usize {
        let mut cx = Context::from_waker(Waker::noop());
        let mut left = 0;
        while budget::has_remaining() {
            let Poll::Ready(spent) = budget::poll_proceed(&mut cx) else {
                unreachable!("a unit is left");
            };
            spent.made_progress();
            left += 1;
        }
        left
    }

    #[test]
    fn a_unit_is_given_back_unless_progress_was_made() {
        let mut cx = Context::from_waker(Waker::noop());
        with_budget(|| {
            let Poll::Ready(dropped) = poll_proceed(&mut cx) else {
                panic!("a fresh budget");
            };
            drop(dropped);
            let Poll::Ready(kept) = poll_proceed(&mut cx) else {
                panic!("a fresh budget");
            };
            kept.made_progress();
            kept.made_progress();
            drop(kept);
            assert_eq!(units_left(), usize::from(BUDGET) - 1);
        });
    }

    #[test]
    fn a_spent_budget_wakes_the_task_and_polls_nothing() {
        let wakes = Arc::new(Wakes(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        with_budget(|| {
            units_left();
            assert!(poll_proceed(&mut cx).is_pending());
            let polled = Cell::new(false);
            let mut coop = std::pin::pin!(cooperative(std::future::poll_fn(|_| {
                polled.set(true);
                Poll::Ready(())
            })));
            assert!(coop.as_mut().poll(&mut cx).is_pending());
            assert_eq!(wakes.0.load(Ordering::SeqCst), 2, "two yields, two wakes");
            assert!(!polled.get(), "the inner future waits for a budget");
        });
    }

    #[test]
    fn cooperative_keeps_a_unit_only_when_the_future_completes() {
        let mut cx = Context::from_waker(Waker::noop());
        with_budget(|| {
            let mut pending = std::pin::pin!(cooperative(std::future::pending::<()>()));
            for _ in 0..1_000 {
                assert!(pending.as_mut().poll(&mut cx).is_pending());
            }
            let mut ready = std::pin::pin!(cooperative(async { 5 }));
            assert_eq!(ready.as_mut().poll(&mut cx), Poll::Ready(5));
            assert_eq!(units_left(), usize::from(BUDGET) - 1);
        });
    }

    #[test]
    fn outside_a_task_everything_proceeds_for_free() {
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1_000 {
            let Poll::Ready(unit) = poll_proceed(&mut cx) else {
                panic!("no budget outside a task");
            };
            unit.made_progress();
        }
        assert!(has_budget_remaining());
    }
}

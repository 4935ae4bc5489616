//! What the macros expand to: `MaybeDone`, `join!`'s fair `Turns`, a cheap
//! random start, and re-exports, reachable as `$crate::__private` from user
//! code.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use std::future::poll_fn;
pub use std::pin::Pin as PinType;
pub use std::task::Poll as PollType;

/// A future, then its output: lets `join!` poll every branch to completion
/// and collect the outputs at the end.
pub enum MaybeDone<F: Future> {
    /// Still running.
    Future(F),
    /// Finished; the output waits to be taken.
    Done(F::Output),
    /// The output was taken.
    Gone,
}

impl<F: Future> MaybeDone<F> {
    /// Wraps a future (or anything that turns into one, as `.await` takes).
    pub fn new<I: std::future::IntoFuture<IntoFuture = F>>(future: I) -> MaybeDone<F> {
        MaybeDone::Future(future.into_future())
    }

    /// Polls the inner future if it is still running; `Ready` once it has
    /// an output (taken or not).
    pub fn poll_done(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the future is structurally pinned: it is only ever
        // replaced in place (never moved out) once it completes.
        let this = unsafe { self.get_unchecked_mut() };
        if let MaybeDone::Future(future) = this {
            // SAFETY: as above.
            let output = match unsafe { Pin::new_unchecked(future) }.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return Poll::Pending,
            };
            *this = MaybeDone::Done(output);
        }
        Poll::Ready(())
    }

    /// The output, if finished and not taken.
    pub fn output(self: Pin<&mut Self>) -> Option<&F::Output> {
        // SAFETY: we only read; nothing is moved.
        match unsafe { self.get_unchecked_mut() } {
            MaybeDone::Done(output) => Some(output),
            _ => None,
        }
    }

    /// Takes the output out.
    pub fn take_output(self: Pin<&mut Self>) -> Option<F::Output> {
        // SAFETY: only a `Done` value (no longer pinned data) is moved out;
        // a future still running is left where it is, never moved.
        let this = unsafe { self.get_unchecked_mut() };
        if !matches!(this, MaybeDone::Done(_)) {
            return None;
        }
        match std::mem::replace(this, MaybeDone::Gone) {
            MaybeDone::Done(output) => Some(output),
            _ => unreachable!("checked to be Done just above"),
        }
    }
}

/// Whether `select!` may poll its branches now. Once the task's coop
/// budget is spent it yields instead (woken to run again at once), as
/// tokio's does: a branch that ignores the budget (an always-ready future)
/// would otherwise win every time, and a loop around the `select!` would
/// never let the worker run anything else.
pub fn budget_allows(cx: &mut Context<'_>) -> bool {
    if crate::task::budget::has_remaining() {
        return true;
    }
    cx.waker().wake_by_ref();
    false
}

thread_local! {
    /// 0 until the thread's first `select!` seeds it (xorshift never
    /// reaches 0 from anything else).
    static RNG: Cell<u32> = const { Cell::new(0) };
}

/// A seed of its own for each thread, from std's randomly keyed hasher: a
/// fixed one made every thread start from the same branch, in lock-step
/// (tokio seeds at random too).
fn seed() -> u32 {
    use std::hash::BuildHasher;
    let bits = std::hash::RandomState::new().hash_one(std::thread::current().id());
    // Fold to 32 bits; never 0, the one state xorshift cannot leave.
    ((bits ^ (bits >> 32)) as u32).max(1)
}

/// A number in `0..n` (xorshift32), for `select!`'s random start.
pub fn random_below(n: u32) -> u32 {
    RNG.with(|rng| {
        let mut x = rng.get();
        if x == 0 {
            x = seed();
        }
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        rng.set(x);
        x % n.max(1)
    })
}

/// The order `join!` and `try_join!` poll their branches in: 0, 1, 2...,
/// except that a poll in which the coop budget ran out starts the next one
/// at the first branch it starved. A branch that always has work would
/// otherwise spend the whole budget before the others were polled, every
/// time, and they would never finish.
pub struct Turns {
    branches: u32,
    next_start: u32,
    /// False for `biased;`: always 0, 1, 2..., starved or not.
    rotate: bool,
}

impl Turns {
    pub fn new(branches: u32, rotate: bool) -> Turns {
        Turns {
            branches,
            next_start: 0,
            rotate,
        }
    }

    /// This poll's branches, in order. The budget is checked as each one is
    /// reached (outside a task there is none: never spent).
    pub fn this_poll(&mut self) -> impl Iterator<Item = u32> + '_ {
        let branches = self.branches;
        let start = std::mem::take(&mut self.next_start);
        let next_start = &mut self.next_start;
        let mut starved = !self.rotate;
        (0..branches).map(move |i| {
            let branch = (start + i) % branches;
            if !starved && !crate::task::budget::has_remaining() {
                starved = true;
                *next_start = branch;
            }
            branch
        })
    }
}

/// A result's error, for `try_join!`.
pub fn is_err<T, E>(result: &Result<T, E>) -> bool {
    result.is_err()
}

/// Counts one token group (macros add these up to number their branches).
pub const fn one(_token: &str) -> u32 {
    1
}

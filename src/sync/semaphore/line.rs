//! The line: how permits are granted and waiters woken.
//!
//! A waiter joins the line (a [`WaitQueue`] node) only when the pool cannot
//! cover it or others already wait; joining sets the pool's `WAITING` flag
//! (`pool.rs`), which sends every release through the lock. A release
//! then adds to the pool and grants the head of the line while the pool
//! covers it, moving the permits to the waiter before waking it, so nobody
//! can take them in between. A waiter that gives up hands granted permits
//! back, and the grant goes on to the next in line. The last to leave the
//! line clears the flag.
//!
//! A grant also frees the waiter's node and raises a flag in the waiting
//! future itself, which the node points to, so the woken future learns of
//! its permits without the lock: under contention every acquire would
//! otherwise take the lock a third time only to find out. (tokio's waiter,
//! too, reads its grant from an atomic in its own node.) The pointer is
//! why `Acquire` is `!Unpin`: pinned, the future stays where the node
//! points until its `Drop`, which unlinks the node under the same lock
//! the grants take.

use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker, ready};

use super::pool::Pool;
use super::{AcquireError, Semaphore, TryAcquireError};
use crate::loom::MutexGuard;
use crate::loom::atomic::{AtomicBool, Ordering};
use crate::sync::wait_queue::{Recheck, WaitQueue};
use crate::task::budget::poll_proceed;

/// Waiters woken per hold of the lock by one release.
const WAKE_BATCH: usize = 8;

/// The line, behind the semaphore's lock.
pub(super) struct State {
    pub(super) waiters: WaitQueue<Waiter>,
}

pub(super) struct Waiter {
    needed: usize,
    /// The waiting future's `granted`, raised when the permits were moved
    /// to it (its node is then freed); still clear if it was popped by
    /// `close`.
    granted: NonNull<AtomicBool>,
}

// SAFETY: `granted` points into an `Acquire` that may live on another
// thread; it is only used to store to an atomic, under the semaphore's
// lock, while the node is queued (see `grant_front`), and atomics may be
// shared between threads.
unsafe impl Send for Waiter {}

impl State {
    /// Grants the head of the line if the pool covers it; returns its waker.
    fn grant_front(&mut self, pool: &Pool) -> Option<Waker> {
        let needed = self.waiters.front()?.needed;
        if !pool.take_for_line(needed) {
            return None;
        }
        let (waker, waiter) = self.waiters.take_front()?;
        if self.waiters.is_empty() {
            pool.clear_waiting();
        }
        // The node was queued until just now, under the lock we hold; the
        // future it points to is pinned (`!Unpin`, the pointer taken in a
        // pinned poll), and `Acquire::drop` unlinks a queued node under
        // this lock before the future's memory goes.
        // SAFETY: so the future has neither moved nor been dropped.
        let granted = unsafe { waiter.granted.as_ref() };
        // Release: pairs with the future's Acquire load; the permits left
        // the pool before.
        granted.store(true, Ordering::Release);
        Some(waker)
    }
}

impl Semaphore {
    /// Waits in line for `needed` permits; the caller must `release` them.
    pub(crate) fn acquire_permits(&self, needed: usize) -> Acquire<'_> {
        // Only reachable where `usize` is 32 bits: a request no pool can
        // ever hold would block the line for good.
        assert!(
            needed <= Semaphore::MAX_PERMITS,
            "cannot acquire more than Semaphore::MAX_PERMITS permits"
        );
        Acquire {
            semaphore: self,
            needed,
            waiter: None,
            granted: AtomicBool::new(false),
            _pinned: PhantomPinned,
        }
    }

    /// Takes `needed` permits without waiting; the caller must `release` them.
    pub(crate) fn try_acquire_permits(&self, needed: usize) -> Result<(), TryAcquireError> {
        self.pool.try_take(needed)
    }

    /// Returns `permits` to the pool and grants the waiters they satisfy:
    /// without the lock while nobody waits.
    ///
    /// # Panics
    ///
    /// If the pool would exceed [`Semaphore::MAX_PERMITS`].
    pub(crate) fn release(&self, permits: usize) {
        if self.pool.try_give(permits) {
            return;
        }
        let state = self.state.lock();
        self.pool.give(permits);
        self.grant(state);
    }

    /// Grants waiters from the head of the line while the pool covers them,
    /// waking them outside the lock: up to [`WAKE_BATCH`] per lock hold, so
    /// the common release (one permit, one waiter granted) takes the lock
    /// once, not a second time only to find the pool empty.
    fn grant<'a>(&'a self, mut state: MutexGuard<'a, State>) {
        loop {
            let mut wakers: [Option<Waker>; WAKE_BATCH] = Default::default();
            let mut granted = 0;
            while granted < WAKE_BATCH
                && let Some(waker) = state.grant_front(&self.pool)
            {
                wakers[granted] = Some(waker);
                granted += 1;
            }
            drop(state);
            wakers
                .into_iter()
                .flatten()
                .for_each(crate::task::wake_catching_panics);
            if granted < WAKE_BATCH {
                return;
            }
            state = self.state.lock();
        }
    }
}

/// The future behind every wait on a semaphore.
pub(crate) struct Acquire<'a> {
    semaphore: &'a Semaphore,
    needed: usize,
    /// Our node in the line, once we joined it (until a grant frees it).
    waiter: Option<usize>,
    /// Raised by the grant that moves our permits to us; our node points
    /// here, so the future must not move once queued.
    granted: AtomicBool,
    _pinned: PhantomPinned,
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: nothing is moved out of the future; its fields are used
        // in place, and `granted`'s address is what the node keeps.
        let this = unsafe { self.get_unchecked_mut() };
        let spent = ready!(poll_proceed(cx));
        if let Some(outcome) = this.granted() {
            spent.made_progress();
            return Poll::Ready(outcome);
        }
        // Not in line yet: the fast path, without the lock.
        if this.waiter.is_none() {
            match this.semaphore.pool.try_take(this.needed) {
                Ok(()) => {
                    spent.made_progress();
                    return Poll::Ready(Ok(()));
                }
                Err(TryAcquireError::Closed) => {
                    spent.made_progress();
                    return Poll::Ready(Err(AcquireError::new()));
                }
                Err(TryAcquireError::NoPermits) => {}
            }
        }
        // Declared before the guard, so dropped after it (wait_queue.rs).
        let mut displaced = None;
        let mut state = this.semaphore.state.lock();
        // Granted since the look above: the grant is made under the lock.
        let acquired = if let Some(outcome) = this.granted() {
            outcome
        } else {
            match state
                .waiters
                .recheck(&mut this.waiter, cx.waker(), &mut displaced)
            {
                Recheck::Waiting => return Poll::Pending,
                // Popped, not granted: by `close`.
                Recheck::Woken(_) => Err(AcquireError::new()),
                Recheck::Absent if this.semaphore.pool.is_closed() => Err(AcquireError::new()),
                // Zero permits never get here: the fast path above gave
                // them (as in tokio, they need no place in the line).
                Recheck::Absent => {
                    // Cloned before `WAITING` may be set: the clone is the
                    // waker's own code, and a panic in it must not leave
                    // the flag set with nobody in line (`pool.rs`), which
                    // would shut the fast paths out for good.
                    let waker = cx.waker().clone();
                    if state.waiters.is_empty() && this.semaphore.pool.take_or_wait(this.needed) {
                        // Unused; dropped after the lock (wait_queue.rs).
                        let _ = displaced.replace(waker);
                        Ok(())
                    } else {
                        // `WAITING` is set now (by `take_or_wait`, or by
                        // whoever queued first), so no release gets past
                        // us. Lowered, in case this future was granted
                        // before and is polled again (a fresh acquire): a
                        // queued node must point at a clear flag. Nothing
                        // points at it now.
                        this.granted.store(false, Ordering::Relaxed);
                        let waiter = Waiter {
                            needed: this.needed,
                            granted: NonNull::from(&this.granted),
                        };
                        this.waiter = Some(state.waiters.push_back_owned(waiter, waker));
                        return Poll::Pending;
                    }
                }
            }
        };
        spent.made_progress();
        Poll::Ready(acquired)
    }
}

impl Acquire<'_> {
    /// `Some` once a grant gave us our permits (and freed our node): `Ok`,
    /// and we leave the line holding them; or `Err` if the semaphore has
    /// closed since, as tokio's answers, and `waiter` stays set so that
    /// our drop gives the permits back.
    fn granted(&mut self) -> Option<Result<(), AcquireError>> {
        if self.waiter.is_none() || !self.granted.load(Ordering::Acquire) {
            return None;
        }
        if self.semaphore.pool.is_closed() {
            return Some(Err(AcquireError::new()));
        }
        self.waiter = None;
        Some(Ok(()))
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return;
        };
        let mut state = self.semaphore.state.lock();
        // Read under the lock, where grants are made: either the grant
        // freed our node and the permits are ours to give back, or the node
        // is still ours to remove (and no grant can reach `granted` after
        // that, before our memory goes).
        let ours = if self.granted.load(Ordering::Acquire) {
            self.semaphore.pool.give(self.needed);
            None
        } else {
            let (waker, _) = state.waiters.remove(key);
            if state.waiters.is_empty() {
                self.semaphore.pool.clear_waiting();
            }
            waker
        };
        // Permits came back, or a head that did not fit left: either way the
        // waiters behind may fit now.
        self.semaphore.grant(state);
        // Our waker, if still queued, after the lock, which `grant` took and
        // released (wait_queue.rs); maybe during an unwind, so a panic in
        // its drop is caught.
        crate::task::drop_waker_catching_panics(ours);
    }
}

//! The pool: the free permits and two flags, in one atomic word.
//!
//! ```text
//!   word = permits << 2 | WAITING | CLOSED
//! ```
//!
//! While nobody waits in line (`WAITING` clear), an acquire takes permits
//! with one compare-and-swap and a release puts them back with another,
//! without the semaphore's lock: an uncontended `Mutex::lock` and its
//! unlock are one atomic operation each, and `try_acquire` never locks.
//!
//! Once a waiter is in line, a release must hand its permits to the head
//! of the line, so every change goes under the lock. That is what the
//! `WAITING` flag says. Only a holder of the lock sets or clears it, and
//! it is set exactly while the line is not empty. A fast path that finds
//! it set takes the lock instead, and a compare-and-swap that raced with
//! its setting fails and looks again. So a permit released while someone
//! waits always reaches the line, and an acquire never overtakes a waiter.
//!
//! Under the lock the word can still change under us while `WAITING` is
//! clear, so a change there is a compare-and-swap too. While `WAITING` is
//! set, though, only a holder of the lock changes the word: the fast paths
//! decline, and a compare-and-swap they began before the flag was set
//! fails. A grant then reads and writes the word plainly
//! (`update_locked`), which keeps a contended release as cheap as it was
//! with the count behind the lock.
//! (tokio's batch semaphore keeps its permits in an atomic word the same
//! way, beside a lock for its waiters.)

use super::{Semaphore, TryAcquireError};
use crate::loom::atomic::{AtomicUsize, Ordering};

const CLOSED: usize = 1;
const WAITING: usize = 2;
/// One permit, in the word.
const ONE: usize = 4;

pub(super) struct Pool {
    word: AtomicUsize,
}

fn permits(word: usize) -> usize {
    word / ONE
}

impl Pool {
    #[cfg(not(loom))]
    pub(super) const fn new(permits: usize, closed: bool) -> Pool {
        assert!(
            permits <= Semaphore::MAX_PERMITS,
            "a semaphore cannot hold more than Semaphore::MAX_PERMITS permits"
        );
        Pool {
            word: AtomicUsize::new((permits * ONE) | if closed { CLOSED } else { 0 }),
        }
    }

    #[cfg(loom)]
    pub(super) fn new(permits: usize, closed: bool) -> Pool {
        assert!(permits <= Semaphore::MAX_PERMITS);
        Pool {
            word: AtomicUsize::new((permits * ONE) | if closed { CLOSED } else { 0 }),
        }
    }

    /// Applies `change` to the word until it sticks, or until `change`
    /// declines; returns the word it saw last. Acquire and Release: the
    /// permits guard what the semaphore protects (a `Mutex`'s value).
    fn update(&self, mut change: impl FnMut(usize) -> Option<usize>) -> Result<usize, usize> {
        let mut word = self.word.load(Ordering::Acquire);
        loop {
            let new = change(word).ok_or(word)?;
            match self
                .word
                .compare_exchange_weak(word, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(word),
                Err(seen) => word = seen,
            }
        }
    }

    /// As [`update`](Self::update), for a holder of the semaphore's lock:
    /// with `WAITING` set nobody else changes the word (see the module
    /// doc), so a load and a store do.
    fn update_locked(&self, change: impl FnMut(usize) -> Option<usize>) -> Result<usize, usize> {
        let word = self.word.load(Ordering::Acquire);
        if word & WAITING == 0 {
            return self.update(change);
        }
        let mut change = change;
        let new = change(word).ok_or(word)?;
        // Release: the permits guard what the semaphore protects; the next
        // to take them loads the word with Acquire.
        self.word.store(new, Ordering::Release);
        Ok(word)
    }

    /// Takes `needed` permits if nobody waits and the pool covers them (the
    /// fast path of every acquire). Zero permits are always there unless
    /// the semaphore is closed (as in tokio), waiters or not.
    pub(super) fn try_take(&self, needed: usize) -> Result<(), TryAcquireError> {
        match self.update(|word| {
            let free = word & (WAITING | CLOSED) == 0 && permits(word) >= needed;
            (free && needed > 0).then(|| word - needed * ONE)
        }) {
            Ok(_) => Ok(()),
            Err(word) if word & CLOSED != 0 => Err(TryAcquireError::Closed),
            Err(_) if needed == 0 => Ok(()),
            Err(_) => Err(TryAcquireError::NoPermits),
        }
    }

    /// Puts `permits` back if nobody waits (the fast path of a release);
    /// `false` if somebody does, and the caller must go under the lock.
    ///
    /// # Panics
    ///
    /// If the pool would exceed [`Semaphore::MAX_PERMITS`].
    pub(super) fn try_give(&self, permits: usize) -> bool {
        self.update(|word| (word & WAITING == 0).then(|| added(word, permits)))
            .is_ok()
    }

    /// Puts `permits` back, waiters or not (under the lock).
    ///
    /// # Panics
    ///
    /// As [`try_give`](Self::try_give).
    pub(super) fn give(&self, permits: usize) {
        let _ = self.update_locked(|word| Some(added(word, permits)));
    }

    /// Takes `needed` permits for the head of the line if the pool covers
    /// them (under the lock, with `WAITING` set).
    pub(super) fn take_for_line(&self, needed: usize) -> bool {
        self.update_locked(|word| {
            (word & CLOSED == 0 && permits(word) >= needed).then(|| word - needed * ONE)
        })
        .is_ok()
    }

    /// For an acquire that found the line empty, under the lock: takes
    /// `needed` permits if the pool covers them (`true`), or else sets
    /// `WAITING` in the same step (`false`), so no release can slip past
    /// before the caller joins the line.
    pub(super) fn take_or_wait(&self, needed: usize) -> bool {
        let seen = self
            .update(|word| {
                Some(if permits(word) >= needed {
                    word - needed * ONE
                } else {
                    word | WAITING
                })
            })
            .unwrap_or_else(|word| word);
        permits(seen) >= needed
    }

    /// The line is empty now (under the lock): lets the fast paths back in.
    pub(super) fn clear_waiting(&self) {
        let _ = self.update_locked(|word| Some(word & !WAITING));
    }

    /// Sets `CLOSED` (under the lock, which the caller then empties).
    pub(super) fn close(&self) {
        self.word.fetch_or(CLOSED, Ordering::AcqRel);
    }

    pub(super) fn is_closed(&self) -> bool {
        self.word.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Permits a new request could take now: none while a waiter is in
    /// line, as the pool is set aside for it.
    pub(super) fn available(&self) -> usize {
        let word = self.word.load(Ordering::Acquire);
        if word & WAITING != 0 {
            0
        } else {
            permits(word)
        }
    }

    /// Takes up to `n` of the [`available`](Self::available) permits for
    /// good; returns how many.
    pub(super) fn forget(&self, n: usize) -> usize {
        match self.update(|word| {
            let taken = n.min(permits(word));
            (word & WAITING == 0 && taken > 0).then(|| word - taken * ONE)
        }) {
            Ok(word) => n.min(permits(word)),
            Err(_) => 0,
        }
    }

    /// The permits in the pool, waiters or not (for `Debug`).
    pub(super) fn held(&self) -> usize {
        permits(self.word.load(Ordering::Acquire))
    }
}

/// `word` with `permits` more.
///
/// # Panics
///
/// If the pool would exceed [`Semaphore::MAX_PERMITS`].
fn added(word: usize, permits: usize) -> usize {
    let total = self::permits(word)
        .checked_add(permits)
        .filter(|&total| total <= Semaphore::MAX_PERMITS)
        .expect("a semaphore cannot hold more than Semaphore::MAX_PERMITS permits");
    (total * ONE) | (word & (WAITING | CLOSED))
}

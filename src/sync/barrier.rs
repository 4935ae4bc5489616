//! `Barrier`: `n` tasks wait for each other, then all go on together
//! (asyncio's `Barrier`, tokio's `Barrier`; Go spells it with a
//! `WaitGroup` per round).
//!
//! ```text
//!   generation 0: arrived 1 ─► 2 ─► n  ── the n-th releases them all,
//!   generation 1: arrived 0 ─► ...        and is the round's leader
//! ```
//!
//! A count of arrivals and a generation number sit under one lock. The
//! n-th arrival resets the count, moves the generation on and calls
//! [`Notify::notify_waiters`]; the others wait until the generation moves.
//! Each makes its `Notified` under the lock, before the release can
//! happen, so the release always reaches it (a `Notified` completes on any
//! `notify_waiters` after it was made). The barrier is then ready for the
//! next round: the same `n` tasks may `wait` again in a loop.
//!
//! **Cancel safety.** A `wait` dropped before its round is released takes
//! its arrival back, so a cancelled task does not let the round go one
//! short (asyncio does the same; tokio's `wait` keeps the arrival).

use std::fmt;

use super::Notify;
use crate::loom::Mutex;

/// A reusable meeting point for `n` tasks; see the module doc.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// corio::block_on(async {
///     let barrier = Arc::new(corio::sync::Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let barrier = barrier.clone();
///             corio::spawn(async move { barrier.wait().await.is_leader() })
///         })
///         .collect();
///     let mut leaders = 0;
///     for task in tasks {
///         leaders += task.await.unwrap() as usize;
///     }
///     assert_eq!(leaders, 1, "one leader a round");
/// });
/// ```
pub struct Barrier {
    parties: usize,
    state: Mutex<Round>,
    released: Notify,
}

struct Round {
    arrived: usize,
    generation: u64,
}

/// What `wait` returns: whether this task was the round's leader.
///
/// # Examples
///
/// ```
/// let barrier = corio::sync::Barrier::new(1);
/// let result = futures_lite::future::block_on(barrier.wait());
/// assert!(result.is_leader(), "alone, every task leads");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl Barrier {
    /// A barrier for `parties` tasks (0 counts as 1, as tokio's does).
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = corio::sync::Barrier::new(0);
    /// futures_lite::future::block_on(barrier.wait()); // does not wait
    /// ```
    pub fn new(parties: usize) -> Barrier {
        Barrier {
            parties: parties.max(1),
            state: Mutex::new(Round {
                arrived: 0,
                generation: 0,
            }),
            released: Notify::new(),
        }
    }

    /// Waits until `parties` tasks have called `wait` in this round. One of
    /// them, the last to arrive, gets a result whose
    /// [`is_leader`](BarrierWaitResult::is_leader) is `true`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// corio::block_on(async {
    ///     let barrier = Arc::new(corio::sync::Barrier::new(2));
    ///     let other = barrier.clone();
    ///     let peer = corio::spawn(async move {
    ///         for _round in 0..3 {
    ///             other.wait().await;
    ///         }
    ///     });
    ///     for _round in 0..3 {
    ///         barrier.wait().await; // reusable: the same two, round after round
    ///     }
    ///     peer.await.unwrap();
    /// });
    /// ```
    pub async fn wait(&self) -> BarrierWaitResult {
        // One unit of coop budget: a waiter pays it when its `Notified`
        // completes, the leader, which does not wait, here. With the
        // budget spent this yields before arriving, so a future dropped
        // while it yields has not arrived; that yield pays the unit, and
        // the wait after it is free.
        let mut paid = false;
        if !crate::task::budget::has_remaining() {
            crate::task::consume_budget().await;
            paid = true;
        }
        let (generation, notified) = {
            let mut round = self.state.lock();
            round.arrived += 1;
            if round.arrived < self.parties {
                // Made under the lock: the release, which takes it too,
                // comes after, and so reaches this `Notified`.
                (round.generation, self.released.notified())
            } else {
                round.arrived = 0;
                round.generation += 1;
                drop(round);
                self.released.notify_waiters();
                if !paid {
                    crate::task::budget::spend_left();
                }
                return BarrierWaitResult { leader: true };
            }
        };
        // Takes the arrival back if this future is dropped before the
        // round is released (module doc).
        let arrival = Arrival {
            barrier: self,
            generation,
        };
        let mut notified = notified;
        loop {
            if std::mem::take(&mut paid) {
                crate::task::unconstrained(notified).await;
            } else {
                notified.await;
            }
            // Only a release calls `notify_waiters`; the check makes that
            // an invariant rather than an assumption.
            let round = self.state.lock();
            if round.generation != generation {
                // Released: the arrival stays counted in its round.
                std::mem::forget(arrival);
                return BarrierWaitResult { leader: false };
            }
            notified = self.released.notified();
        }
    }
}

/// A waiter's arrival, taken back if its `wait` is dropped in its round.
struct Arrival<'a> {
    barrier: &'a Barrier,
    generation: u64,
}

impl Drop for Arrival<'_> {
    fn drop(&mut self) {
        let mut round = self.barrier.state.lock();
        if round.generation == self.generation {
            round.arrived -= 1;
        }
    }
}

impl BarrierWaitResult {
    /// Whether this task was the last to arrive in its round: exactly one
    /// task a round is, for the work that must be done once.
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = corio::sync::Barrier::new(1);
    /// assert!(futures_lite::future::block_on(barrier.wait()).is_leader());
    /// ```
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let round = self.state.lock();
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("arrived", &round.arrived)
            .field("generation", &round.generation)
            .finish()
    }
}

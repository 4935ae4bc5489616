//! One side's parked futures, and the lock-free check that skips waking them.
//!
//! The hot path of a channel is "a message goes in, a message comes out,
//! nobody waits". Taking the waiter lock on every operation just to find the
//! queue empty would cost as much as the message itself, so each side keeps a
//! `queued` count readable without the lock, and a notifier only locks when
//! it is non-zero.
//!
//! Reading a counter without the lock invites a lost wake-up: the receiver
//! finds the channel empty, the sender pushes and sees `queued == 0`, the
//! receiver queues itself and sleeps forever. The protocol that prevents it
//! is Dekker's, with a `SeqCst` fence on each side:
//!
//! ```text
//!   waiting side                      notifying side
//!   queue waiter, queued += 1         push the message (or free a slot)
//!   fence(SeqCst)                     fence(SeqCst)
//!   retry the operation               if queued > 0: wake the head
//! ```
//!
//! The fences are totally ordered, so either the retry sees the message, or
//! the notifier sees the count: never neither.

use std::task::Waker;

use crate::loom::Mutex;
use crate::loom::atomic::{AtomicUsize, Ordering, fence};
use crate::sync::wait_queue::WaitQueue;

/// The futures parked on one side of a channel (senders or receivers).
pub(super) struct Waiters {
    /// Queued waiters; written under `queue`'s lock, read without it.
    queued: AtomicUsize,
    queue: Mutex<WaitQueue<()>>,
}

impl Waiters {
    pub(super) fn new() -> Self {
        Waiters {
            queued: AtomicUsize::new(0),
            queue: Mutex::new(WaitQueue::new()),
        }
    }

    /// Queues the waiter whose key lives in `slot` (or refreshes its waker if
    /// it is still queued). The caller must retry its operation afterwards.
    pub(super) fn register(&self, slot: &mut Option<usize>, waker: &Waker) {
        let mut queue = self.queue.lock();
        match *slot {
            Some(key) if queue.is_queued(key) => queue.set_waker(key, waker),
            stale => {
                if let Some(key) = stale {
                    // Woken before, but the operation lost the race: requeue.
                    queue.remove(key);
                }
                *slot = Some(queue.push_back((), waker));
                self.queued.fetch_add(1, Ordering::Relaxed);
            }
        }
        drop(queue);
        fence(Ordering::SeqCst);
    }

    /// The waiter's operation completed: forget it (a wake it held is used).
    pub(super) fn complete(&self, slot: &mut Option<usize>) {
        if let Some(key) = slot.take() {
            let (queued, ()) = self.queue.lock().remove(key);
            if queued {
                self.queued.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// The waiter's future is dropped before completing: forget it, and if it
    /// had been woken, wake the next one in its place so the wake is not lost.
    pub(super) fn cancel(&self, slot: &mut Option<usize>) {
        if let Some(key) = slot.take() {
            let mut queue = self.queue.lock();
            let (queued, ()) = queue.remove(key);
            if queued {
                self.queued.fetch_sub(1, Ordering::Relaxed);
            } else {
                let next = self.pop(&mut queue);
                drop(queue);
                if let Some(waker) = next {
                    waker.wake();
                }
            }
        }
    }

    /// Wakes the longest-waiting future, if any; lock-free when none waits.
    pub(super) fn notify_one(&self) {
        fence(Ordering::SeqCst);
        if self.queued.load(Ordering::Relaxed) == 0 {
            return;
        }
        let next = self.pop(&mut self.queue.lock());
        if let Some(waker) = next {
            waker.wake();
        }
    }

    /// Wakes every queued future (the channel has closed).
    pub(super) fn notify_all(&self) {
        let mut wakers = Vec::new();
        {
            let mut queue = self.queue.lock();
            while let Some(waker) = self.pop(&mut queue) {
                wakers.push(waker);
            }
        }
        wakers.into_iter().for_each(Waker::wake);
    }

    fn pop(&self, queue: &mut WaitQueue<()>) -> Option<Waker> {
        let (waker, _) = queue.pop_front()?;
        self.queued.fetch_sub(1, Ordering::Relaxed);
        Some(waker)
    }
}

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
//!
//! A future that is polled again while it waits (a `select!` or `or` loop
//! over a `done` channel re-polls it on every wake of its task) would take
//! the lock just to find itself still queued with the same waker. So each
//! waiter's [`Slot`] remembers the waker it queued and the queue's `pops`
//! count at that moment: if the waker is the same and nobody has been taken
//! off the queue since, it is still queued, and the re-poll skips the lock.
//! Were it taken off just after the check, the notifier that took it also
//! wakes that very waker: the task is polled again.

use std::task::Waker;

use crate::loom::Mutex;
use crate::loom::atomic::{AtomicUsize, Ordering, fence};
use crate::sync::wait_queue::WaitQueue;

/// The futures parked on one side of a channel (senders or receivers).
pub(super) struct Waiters {
    /// Queued waiters; written under `queue`'s lock, read without it.
    queued: AtomicUsize,
    /// Waiters ever taken off the queue by a notifier, or put back at its
    /// front; written under the lock, read without it (see the module
    /// documentation): while it stands still, a queued waiter knows it is
    /// still queued, and whether it is first.
    pops: AtomicUsize,
    /// Waiters taken off the queue (woken) whose futures have not yet
    /// completed or gone: on the senders' side, each holds the promise of a
    /// slot (see `chan.rs`). Raised under the lock (before `queued` falls,
    /// see `pop`), lowered under it or by [`redeem`](Self::redeem), read
    /// without it.
    woken: AtomicUsize,
    queue: Mutex<WaitQueue<()>>,
}

/// One waiting future's place in the queue; the future owns it.
#[derive(Default)]
pub(super) struct Slot {
    /// The key in the queue, while queued or woken.
    key: Option<usize>,
    /// The waker queued with it.
    waker: Option<Waker>,
    /// `Waiters::pops` when it was queued or its waker replaced.
    pops: usize,
    /// Whether it was first in line when it was queued or last refreshed.
    front: bool,
    /// Woken, and its wake already taken off `woken` by [`Waiters::redeem`]
    /// (a sender about to use its promised slot).
    redeemed: bool,
}

/// Where a waiting future stands, as [`Waiters::place`] tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Place {
    /// It holds no place: it never waited, or its wait completed.
    None,
    /// In line, not yet woken.
    Queued,
    /// A notifier took it off the line and woke it.
    Woken,
}

impl Waiters {
    pub(super) fn new() -> Self {
        Waiters {
            queued: AtomicUsize::new(0),
            pops: AtomicUsize::new(0),
            woken: AtomicUsize::new(0),
            queue: Mutex::new(WaitQueue::new()),
        }
    }

    /// Whether `slot` holds a place in the queue (waiting, or woken and not
    /// yet completed).
    pub(super) fn holds_place(slot: &Slot) -> bool {
        slot.key.is_some()
    }

    /// Where the waiter whose key lives in `slot` stands; lock-free unless
    /// a notifier has taken someone off the line since it was queued.
    pub(super) fn place(&self, slot: &Slot) -> Place {
        let Some(key) = slot.key else {
            return Place::None;
        };
        if self.pops.load(Ordering::Acquire) == slot.pops {
            // Nobody was taken off the line since: still in it.
            return Place::Queued;
        }
        if self.queue.lock().is_queued(key) {
            Place::Queued
        } else {
            Place::Woken
        }
    }

    /// Queued waiters (a snapshot, without the lock or a fence).
    pub(super) fn queued(&self) -> usize {
        // Acquire: pairs with `pop`'s Release, so a waiter seen gone from
        // the queue is seen in `woken`.
        self.queued.load(Ordering::Acquire)
    }

    /// Woken waiters not yet completed (a snapshot, as `queued`).
    pub(super) fn woken(&self) -> usize {
        self.woken.load(Ordering::Relaxed)
    }

    /// Queues the waiter whose key lives in `slot` (or refreshes its waker if
    /// it is still queued). Returns whether the waiter is first in line:
    /// nobody queued ahead of it. The caller must then retry its operation
    /// (a sender behind others only looks whether the channel closed: see
    /// `chan.rs`). A waiter that keeps its place and its waker answers as it
    /// did when queued: one that was not first may have become first since,
    /// by a cancel ahead of it, and then waits for a wake that is owed to
    /// the head anyway; one that was first stays first, as nobody can be
    /// put in front of it without moving `pops`.
    pub(super) fn register(&self, slot: &mut Slot, waker: &Waker) -> bool {
        if slot.key.is_some()
            && slot.waker.as_ref().is_some_and(|w| w.will_wake(waker))
            && self.pops.load(Ordering::Acquire) == slot.pops
        {
            // Still queued with this waker: nothing to change. Its count
            // has been up since it was queued (and fenced) then.
            return slot.front;
        }
        // A waker the queue lets go of is dropped after the lock
        // (wait_queue.rs).
        let mut displaced = None;
        let mut queue = self.queue.lock();
        slot.front = match slot.key {
            Some(key) if queue.is_queued(key) => {
                displaced = queue.set_waker(key, waker);
                queue.is_front(key)
            }
            Some(stale) => {
                // Woken before, but a newcomer took the message (or slot)
                // first: back to the head, the place it was woken from, so
                // newcomers cannot push it to the back again and again.
                // (Popped, it holds no waker.) The waker is cloned first:
                // a clone that panics leaves the slot's key in the queue
                // for the future's drop to remove, not a freed key that a
                // later waiter may take.
                let waker = waker.clone();
                let _ = queue.remove(stale);
                self.unwake(slot);
                slot.key = Some(queue.push_front((), waker));
                self.queued.fetch_add(1, Ordering::Relaxed);
                // The waiter that was first is first no more: its fast
                // path must look again.
                self.pops.fetch_add(1, Ordering::Release);
                true
            }
            None => {
                let first = queue.is_empty();
                slot.key = Some(queue.push_back((), waker));
                self.queued.fetch_add(1, Ordering::Relaxed);
                first
            }
        };
        slot.pops = self.pops.load(Ordering::Relaxed);
        drop(queue);
        drop(displaced);
        slot.waker = Some(waker.clone());
        fence(Ordering::SeqCst);
        slot.front
    }

    /// A woken waiter is about to use what its wake promised (a sender, its
    /// slot): the promise stops counting now, before the slot is filled,
    /// or for a moment the slot would count twice, as promised and as
    /// taken, and a `try_send` beside it could find a free slot full. If
    /// the use fails after all (a newcomer took the slot in between),
    /// [`register`](Self::register) puts the waiter back at the head of the
    /// line, whose next wake promises a slot again. Only for a waiter the
    /// line woke (`Place::Woken`, checked under the lock): one still queued
    /// would take a promise that is not its own off the count. A no-op for
    /// one redeemed already.
    pub(super) fn redeem(&self, slot: &mut Slot) {
        if slot.key.is_some() && !slot.redeemed {
            self.woken.fetch_sub(1, Ordering::Relaxed);
            slot.redeemed = true;
        }
    }

    /// A woken waiter leaves the woken count (unless `redeem` took it off
    /// already). Its slot holds no key any more, or a new one.
    fn unwake(&self, slot: &mut Slot) {
        if !std::mem::take(&mut slot.redeemed) {
            self.woken.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// The waiter's operation completed: forget it. Returns whether others
    /// are queued, to whom it may owe a wake:
    /// - if a notifier had taken it off the queue meanwhile, it holds a wake
    ///   that may not be what let it complete: it may have succeeded on its
    ///   own retry just after queueing, and the wake came for a later
    ///   message (or slot);
    /// - if it completed while still queued (on its own retry as the head of
    ///   the line, or on a close), a sender queued behind it did not retry
    ///   (see `chan.rs`), and waits for a wake that the room left over is
    ///   owed.
    ///
    /// The caller then passes a wake on if the channel still has what its
    /// side waits for. The counts change under the lock, and the count of
    /// queued waiters is read after a `SeqCst` fence (as is the channel, by
    /// the caller): a waiter queued before is counted, and one queued after
    /// retries (or, behind another, is woken by whoever leaves the head)
    /// after its own fence, and sees this one gone. Without the fence, a
    /// weakly ordered CPU may let both miss each other.
    #[inline]
    pub(super) fn complete(&self, slot: &mut Slot) -> bool {
        // The common case, an operation that never waited, costs a branch
        // (a slot holds a waker only while it holds a key).
        if slot.key.is_none() {
            return false;
        }
        self.complete_queued(slot)
    }

    fn complete_queued(&self, slot: &mut Slot) -> bool {
        slot.waker = None;
        let Some(key) = slot.key.take() else {
            return false;
        };
        // Declared before the guard: our waker, if still queued, is
        // dropped after the lock.
        let ours;
        {
            let mut queue = self.queue.lock();
            (ours, ()) = queue.remove(key);
            if ours.is_some() {
                self.queued.fetch_sub(1, Ordering::Relaxed);
            } else {
                self.unwake(slot);
            }
        }
        fence(Ordering::SeqCst);
        let others = self.queued.load(Ordering::Relaxed) > 0;
        drop(ours);
        others
    }

    /// The waiter's future is dropped before completing: forget it, and if it
    /// had been woken, wake the next one in its place so the wake is not lost.
    #[inline]
    pub(super) fn cancel(&self, slot: &mut Slot) {
        // Every completed future is dropped through here: one branch for
        // them (a slot holds a waker only while it holds a key).
        if slot.key.is_none() {
            return;
        }
        self.cancel_queued(slot);
    }

    fn cancel_queued(&self, slot: &mut Slot) {
        crate::task::drop_waker_catching_panics(slot.waker.take());
        if let Some(key) = slot.key.take() {
            let mut queue = self.queue.lock();
            let (ours, ()) = queue.remove(key);
            if ours.is_some() {
                self.queued.fetch_sub(1, Ordering::Relaxed);
                drop(queue);
                // Our waker goes after the lock (wait_queue.rs); from a
                // `Drop`, maybe during an unwind, so a panic is caught.
                crate::task::drop_waker_catching_panics(ours);
            } else {
                // Its wake (on the senders' side, its promised slot) goes
                // to the next in line.
                self.unwake(slot);
                let next = self.pop(&mut queue);
                drop(queue);
                // From a `Drop`, maybe during an unwind: a panicking waker
                // must not become a second panic, which would abort.
                if let Some(waker) = next {
                    crate::task::wake_catching_panics(waker);
                }
            }
        }
    }

    /// How many futures are parked here or woken and not yet completed (a
    /// snapshot): on a rendezvous channel's receiving side, the receivers
    /// an offer can still go to. `queued` first, with Acquire: a waiter
    /// that has left it is then seen in `woken` (`pop` raises that first).
    pub(super) fn waiting_or_woken(&self) -> usize {
        fence(Ordering::SeqCst);
        let queued = self.queued.load(Ordering::Acquire);
        queued + self.woken.load(Ordering::Relaxed)
    }

    /// Wakes the longest-waiting future, if any; lock-free when none waits.
    #[inline]
    pub(super) fn notify_one(&self) {
        fence(Ordering::SeqCst);
        if self.queued.load(Ordering::Relaxed) != 0 {
            self.wake_head();
        }
    }

    /// A waker that panics is caught here: the caller has just moved a
    /// value in or out (a receive that freed a slot), which the unwind
    /// would otherwise drop, or report as failed though it landed.
    fn wake_head(&self) {
        let next = self.pop(&mut self.queue.lock());
        if let Some(waker) = next {
            crate::task::wake_catching_panics(waker);
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
        wakers
            .into_iter()
            .for_each(crate::task::wake_catching_panics);
    }

    fn pop(&self, queue: &mut WaitQueue<()>) -> Option<Waker> {
        let (waker, _) = queue.pop_front()?;
        // The promise counts before the waiter leaves the queue, and the
        // count of queued waiters falls with Release, read with Acquire
        // (`queued`): a `try_send` that no longer sees the waiter queued
        // sees it woken, and the slot promised to it. In the other order,
        // for a moment it saw neither and took that slot (and the
        // woken sender then went back to the head of the line).
        self.woken.fetch_add(1, Ordering::Relaxed);
        self.queued.fetch_sub(1, Ordering::Release);
        // Release: a waiter that reads the new count also sees the queue
        // without itself (it then takes the lock anyway).
        self.pops.fetch_add(1, Ordering::Release);
        Some(waker)
    }
}

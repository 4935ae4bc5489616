//! `Waiters`: the tasks waiting for one direction of one source.
//!
//! Almost always a single task waits for a descriptor to become readable (and
//! at most one other for writable), so the first waker lives inline and costs
//! no allocation. Several tasks may still wait on the same direction (two
//! tasks calling `readable()` on a shared socket); they go to an overflow
//! vector that is only allocated the first time that happens.
//!
//! A waiter comes in one of two kinds:
//!
//! - A **future** (`readable()`, `read_with`, `recv_from`, `accept`...)
//!   holds the id of its entry in a [`Slot`]. Polled again, it refreshes
//!   that entry; dropped before the event came (a `timeout` or `select!`
//!   gave up on it), it takes the entry out (`Waiting` in `registration.rs`). So a
//!   shared socket with many short-lived, cancelled waits keeps no wakers of
//!   dead tasks, and the list stays as long as the tasks really waiting.
//! - A **`poll_*` call** (`AsyncRead::poll_read`, `poll_readable`) keeps no
//!   state between polls, so its entry has no id (0), and a direction keeps
//!   one such entry: each call replaces its waker, so only the most recent
//!   `poll_*` caller is woken (tokio's rule for its `poll_*` methods). A
//!   caller that polls with a new waker each time (a sub-future of a
//!   `FuturesUnordered`, made and dropped) leaves no trail of dead wakers.
//!
//! Two futures of one task (both branches of a `join!`) share a waker but
//! hold entries of their own: dropping one cannot take the other's wake-up.

use std::task::Waker;

/// A waiting future's claim on its entry: the entry's id, or 0 for none
/// (not registered yet, or known to be taken by its wake-up: the caller
/// sets it back to 0 when it finds the direction ready, since an event
/// that marks a direction ready drains its waiters in the same step).
#[derive(Debug, Default)]
pub(crate) struct Slot(pub(crate) u64);

struct Waiter {
    /// The [`Slot`] id of the future that waits, 0 for a `poll_*` call.
    id: u64,
    waker: Waker,
}

#[derive(Default)]
pub(crate) struct Waiters {
    first: Option<Waiter>,
    rest: Vec<Waiter>,
    /// The last id handed out: ids are never reused, so a stale [`Slot`]
    /// can never name another future's entry.
    last_id: u64,
}

impl Waiters {
    /// Makes `waker` the one `poll_*` caller's waker: it replaces the last
    /// such caller's, which is returned, for the caller to drop once it let
    /// go of the lock.
    #[must_use]
    pub(crate) fn register(&mut self, waker: &Waker) -> Option<Waker> {
        if let Some(entry) = self.iter_mut().find(|w| w.id == 0) {
            return (!entry.waker.will_wake(waker))
                .then(|| std::mem::replace(&mut entry.waker, waker.clone()));
        }
        self.push(Waiter {
            id: 0,
            waker: waker.clone(),
        });
        None
    }

    /// Refreshes the entry `slot` names, or adds one (and names it in
    /// `slot`) if it has none or its wake-up took it. Returns the waker it
    /// replaced, for the caller to drop once it let go of the lock (a
    /// foreign waker's drop may run code that takes it again).
    #[must_use]
    pub(crate) fn register_slot(&mut self, waker: &Waker, slot: &mut Slot) -> Option<Waker> {
        if slot.0 != 0
            && let Some(entry) = self.iter_mut().find(|w| w.id == slot.0)
        {
            return (!entry.waker.will_wake(waker))
                .then(|| std::mem::replace(&mut entry.waker, waker.clone()));
        }
        self.last_id += 1;
        slot.0 = self.last_id;
        self.push(Waiter {
            id: slot.0,
            waker: waker.clone(),
        });
        None
    }

    /// Takes out the entry with `id`, if it is still there: the future that
    /// owns it is gone. Returns its waker, to be dropped outside the lock.
    #[must_use]
    pub(crate) fn remove(&mut self, id: u64) -> Option<Waker> {
        if self.first.as_ref().is_some_and(|w| w.id == id) {
            let first = std::mem::replace(&mut self.first, self.rest.pop());
            first.map(|w| w.waker)
        } else {
            let at = self.rest.iter().position(|w| w.id == id)?;
            Some(self.rest.swap_remove(at).waker)
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// Moves every waker into `wake`, leaving the list empty.
    pub(crate) fn drain_into(&mut self, wake: &mut Vec<Waker>) {
        if let Some(first) = self.first.take() {
            wake.push(first.waker);
            wake.extend(self.rest.drain(..).map(|w| w.waker));
        }
    }

    fn push(&mut self, waiter: Waiter) {
        if self.first.is_none() {
            self.first = Some(waiter);
        } else {
            self.rest.push(waiter);
        }
    }

    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = &Waiter> {
        self.first.iter().chain(&self.rest)
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut Waiter> {
        self.first.iter_mut().chain(&mut self.rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::Arc;
    use std::task::Wake;

    struct Task;
    impl Wake for Task {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "Waker::will_wake is best effort, and Miri makes vtable pointers differ"
    )]
    fn poll_callers_keep_one_entry_the_latest_waker() {
        let first = Arc::new(Task);
        let second = Arc::new(Task);
        let mut waiters = Waiters::default();
        for _ in 0..10 {
            drop(waiters.register(&Waker::from(first.clone())));
            drop(waiters.register(&Waker::from(second.clone())));
        }
        // Only `second`'s latest waker is held: `first`'s were handed back.
        assert_eq!(Arc::strong_count(&first), 1);
        assert_eq!(Arc::strong_count(&second), 2);
        // An equivalent waker replaces nothing.
        let kept = Waker::from(second.clone());
        assert!(waiters.register(&kept).is_none());
        let mut wake = Vec::new();
        waiters.drain_into(&mut wake);
        assert_eq!(wake.len(), 1);
        assert!(wake[0].will_wake(&kept));
        assert!(waiters.is_empty());
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "Waker::will_wake is best effort, and Miri makes vtable pointers differ"
    )]
    fn a_future_keeps_one_entry_and_takes_it_out_when_dropped() {
        let task = Waker::from(Arc::new(Task));
        let mut waiters = Waiters::default();
        // Two futures of one task (a `join!`): one entry each.
        let (mut a, mut b) = (Slot::default(), Slot::default());
        for _ in 0..10 {
            assert!(waiters.register_slot(&task, &mut a).is_none());
            assert!(waiters.register_slot(&task, &mut b).is_none());
        }
        assert_eq!(waiters.iter().count(), 2);
        // `a` is cancelled: `b` still gets the wake-up.
        assert!(waiters.remove(a.0).is_some());
        let mut wake = Vec::new();
        waiters.drain_into(&mut wake);
        assert_eq!(wake.len(), 1);
        // After the wake-up took its entry, `b` polls again: a new entry,
        // which the stale id `a` cannot remove.
        let old_b = b.0;
        assert!(waiters.register_slot(&task, &mut b).is_none());
        assert_ne!(b.0, old_b);
        assert!(waiters.remove(a.0).is_none());
        assert!(waiters.remove(old_b).is_none());
        assert_eq!(waiters.iter().count(), 1);
        assert!(waiters.remove(b.0).is_some());
        assert!(waiters.is_empty());
    }

    #[test]
    fn removing_the_first_entry_keeps_the_rest() {
        let mut waiters = Waiters::default();
        let mut slots: Vec<Slot> = (0..3).map(|_| Slot::default()).collect();
        for slot in &mut slots {
            assert!(waiters.register_slot(Waker::noop(), slot).is_none());
        }
        assert!(waiters.register(Waker::noop()).is_none());
        assert!(waiters.remove(slots[0].0).is_some());
        assert_eq!(waiters.iter().count(), 3);
        assert!(waiters.iter().any(|w| w.id == 0), "the poll_* entry stays");
        assert!(waiters.remove(slots[2].0).is_some());
        assert!(waiters.remove(slots[1].0).is_some());
        assert_eq!(waiters.iter().map(|w| w.id).collect::<Vec<_>>(), [0]);
    }
}

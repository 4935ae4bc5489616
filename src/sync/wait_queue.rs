//! The waiter queue: a FIFO of parked futures that a cancelled one leaves in O(1).
//!
//! Every primitive in `sync/` that can make a future wait keeps its waiters
//! here, behind the primitive's own lock. A waiter is a node in a
//! doubly-linked list whose nodes live in a [`Slab`]; the future keeps the
//! node's key, so when it is dropped it unlinks itself without a search.
//!
//! ```text
//!   head ─► [key 3] ◄─► [key 0] ◄─► [key 5] ◄─ tail      (queued, FIFO)
//!           [key 1]  (popped: woken, still owned by its future)
//! ```
//!
//! A node has two lives:
//!
//! 1. **queued**: linked into the list, holding the waker of its future;
//! 2. **popped**: unlinked by [`WaitQueue::pop_front`], which hands its waker
//!    to the notifier. The node stays in the slab until its future removes it
//!    with [`WaitQueue::remove`], so the key is never reused while a future
//!    still holds it, and the future can tell "I was woken" (the wake or the
//!    permit is mine) from "I am still waiting".
//!
//! One primitive frees a node as it pops it: the semaphore's grant
//! ([`WaitQueue::take_front`]), whose future learns of it from a flag the
//! grant raises under the same lock, and reads that flag, under the lock,
//! before it uses its key again (a freed key may be reused by then).
//!
//! Each node carries a value `T` the primitive chooses: the permits a
//! semaphore waiter needs, why a `Notify` waiter was woken, or nothing.
//!
//! The queue never drops a waker itself. A waker is foreign code: its
//! `Drop` may run anything, even a call back into the same primitive,
//! whose lock is held while the queue is used (corio's locks, std's, are not
//! re-entrant: that call would deadlock). So the calls that let go of a
//! waker ([`WaitQueue::set_waker`], [`WaitQueue::remove`],
//! [`WaitQueue::recheck`]) hand it back, and the caller drops it once the
//! lock is released. The habit that makes this hold on every path, early
//! returns included: declare the variable that receives it *before* the
//! lock guard, since Rust drops locals in the reverse order of their
//! declaration.
//!
//! A waker's `clone`, on the other hand, does run under the lock (a waiter
//! is queued with a clone of its waker). Every executor's clone only bumps
//! a count; one that called back into the primitive would deadlock, in
//! corio as in any lock-based queue that stores wakers. tokio clones before
//! it locks, at the price of a clone on every poll; corio keeps the clone
//! for the rare poll whose waker changed.

use std::task::Waker;

use slab::Slab;

/// The "no node" link.
const NIL: usize = usize::MAX;

/// What became of a future's waiter since the future's last poll.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Recheck<T> {
    /// The future holds no node: it never queued (or its wake was used).
    Absent,
    /// Still queued; its waker is now the one just passed.
    Waiting,
    /// Popped by a notifier: the node is freed, and its value is returned.
    Woken(T),
}

/// A FIFO of waiters, each with a value `T`; see the module doc.
#[derive(Debug)]
pub(crate) struct WaitQueue<T> {
    nodes: Slab<Node<T>>,
    head: usize,
    tail: usize,
    /// Queued (linked) nodes; popped ones are not counted.
    len: usize,
}

#[derive(Debug)]
struct Node<T> {
    value: T,
    /// `Some` while queued, taken by `pop_front`.
    waker: Option<Waker>,
    prev: usize,
    next: usize,
}

impl<T> WaitQueue<T> {
    pub(crate) const fn new() -> Self {
        WaitQueue {
            nodes: Slab::new(),
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }

    /// No waiter is queued (popped nodes do not count).
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Queues a waiter at the back; the key is its future's to keep.
    pub(crate) fn push_back(&mut self, value: T, waker: &Waker) -> usize {
        self.push_back_owned(value, waker.clone())
    }

    /// [`push_back`](Self::push_back) with a waker the caller cloned
    /// already: before a step that a panicking clone must not interrupt
    /// (the semaphore's `WAITING` flag).
    pub(crate) fn push_back_owned(&mut self, value: T, waker: Waker) -> usize {
        let key = self.nodes.insert(Node {
            value,
            waker: Some(waker),
            prev: self.tail,
            next: NIL,
        });
        match self.tail {
            NIL => self.head = key,
            tail => self.nodes[tail].next = key,
        }
        self.tail = key;
        self.len += 1;
        key
    }

    /// Queues a waiter at the front: one that was woken and lost its prize
    /// to a newcomer goes back where it was, not behind everyone else. The
    /// waker comes cloned, as with [`push_back_owned`](Self::push_back_owned).
    pub(crate) fn push_front(&mut self, value: T, waker: Waker) -> usize {
        let key = self.nodes.insert(Node {
            value,
            waker: Some(waker),
            prev: NIL,
            next: self.head,
        });
        match self.head {
            NIL => self.tail = key,
            head => self.nodes[head].prev = key,
        }
        self.head = key;
        self.len += 1;
        key
    }

    /// The value of the waiter at the head, if any is queued.
    pub(crate) fn front(&self) -> Option<&T> {
        (self.head != NIL).then(|| &self.nodes[self.head].value)
    }

    /// Unlinks the head and returns its waker (for the caller to wake, best
    /// after releasing its lock) and its value (to record why it was woken).
    pub(crate) fn pop_front(&mut self) -> Option<(Waker, &mut T)> {
        self.pop(self.head)
    }

    /// Unlinks the first waiter and frees its node, returning its waker and
    /// value: for a primitive whose future learns of its wake-up another
    /// way (a flag shared with the node, as the semaphore's grant) and
    /// never asks the queue about its key again.
    pub(crate) fn take_front(&mut self) -> Option<(Waker, T)> {
        let key = self.head;
        if key == NIL {
            return None;
        }
        self.unlink(key);
        let node = self.nodes.remove(key);
        let waker = node.waker.expect("a queued waiter holds a waker");
        Some((waker, node.value))
    }

    /// As [`pop_front`](Self::pop_front), for the newest waiter (the tail).
    pub(crate) fn pop_back(&mut self) -> Option<(Waker, &mut T)> {
        self.pop(self.tail)
    }

    fn pop(&mut self, key: usize) -> Option<(Waker, &mut T)> {
        if key == NIL {
            return None;
        }
        self.unlink(key);
        let node = &mut self.nodes[key];
        let waker = node.waker.take().expect("a queued waiter holds a waker");
        Some((waker, &mut node.value))
    }

    /// Whether the waiter is still queued (`false`: it was popped).
    pub(crate) fn is_queued(&self, key: usize) -> bool {
        self.nodes[key].waker.is_some()
    }

    /// Whether the waiter is the first in line.
    pub(crate) fn is_front(&self, key: usize) -> bool {
        self.head == key
    }

    /// Replaces a queued waiter's waker, unless it would wake the same task.
    /// Returns the waker it replaced, for the caller to drop after its lock
    /// (see the module doc).
    #[must_use = "drop the replaced waker after releasing the lock"]
    pub(crate) fn set_waker(&mut self, key: usize, waker: &Waker) -> Option<Waker> {
        match &mut self.nodes[key].waker {
            Some(old) if !old.will_wake(waker) => Some(std::mem::replace(old, waker.clone())),
            _ => None,
        }
    }

    /// The first step of every waiting future's poll: given the key it
    /// holds (if any), refreshes its waker while it is queued, or frees its
    /// node and clears the key once a notifier popped it. A waker it
    /// replaces goes to `displaced`, which the caller declares before its
    /// lock guard so that it is dropped after the lock is released.
    pub(crate) fn recheck(
        &mut self,
        key: &mut Option<usize>,
        waker: &Waker,
        displaced: &mut Option<Waker>,
    ) -> Recheck<T> {
        match *key {
            None => Recheck::Absent,
            Some(k) if self.is_queued(k) => {
                *displaced = self.set_waker(k, waker);
                Recheck::Waiting
            }
            Some(k) => {
                *key = None;
                // Popped, so it holds no waker.
                Recheck::Woken(self.remove(k).1)
            }
        }
    }

    /// Frees the node, unlinking it first if it is still queued. Returns
    /// its waker if it was still queued (`None`: it had been popped), for
    /// the caller to drop after its lock, and its value.
    #[must_use = "drop the waker after releasing the lock"]
    pub(crate) fn remove(&mut self, key: usize) -> (Option<Waker>, T) {
        if self.is_queued(key) {
            self.unlink(key);
        }
        let node = self.nodes.remove(key);
        (node.waker, node.value)
    }

    fn unlink(&mut self, key: usize) {
        let Node { prev, next, .. } = self.nodes[key];
        match prev {
            NIL => self.head = next,
            prev => self.nodes[prev].next = next,
        }
        match next {
            NIL => self.tail = prev,
            next => self.nodes[next].prev = prev,
        }
        self.len -= 1;
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// `remove`'s answer as "was it still queued" and the value.
    fn removed<T>(queue: &mut WaitQueue<T>, key: usize) -> (bool, T) {
        let (waker, value) = queue.remove(key);
        (waker.is_some(), value)
    }

    #[test]
    fn pops_in_fifo_order() {
        let mut queue = WaitQueue::new();
        let keys: Vec<usize> = (0..4).map(|i| queue.push_back(i, Waker::noop())).collect();
        assert_eq!(queue.front(), Some(&0));
        for i in 0..4 {
            let (_, value) = queue.pop_front().expect("queued");
            assert_eq!(*value, i);
        }
        assert!(queue.pop_front().is_none());
        assert!(queue.is_empty());
        for key in keys {
            assert!(!queue.is_queued(key), "popped nodes stay until removed");
            assert!(queue.remove(key).0.is_none(), "a popped node has no waker");
        }
    }

    #[test]
    fn a_removed_waiter_leaves_its_neighbours_linked() {
        let mut queue = WaitQueue::new();
        let a = queue.push_back('a', Waker::noop());
        let b = queue.push_back('b', Waker::noop());
        let c = queue.push_back('c', Waker::noop());
        assert_eq!(removed(&mut queue, b), (true, 'b'));
        assert_eq!(removed(&mut queue, c), (true, 'c'));
        let d = queue.push_back('d', Waker::noop());
        assert_eq!(removed(&mut queue, a), (true, 'a'));
        assert_eq!(queue.front(), Some(&'d'));
        assert_eq!(*queue.pop_front().expect("d is queued").1, 'd');
        assert!(queue.is_empty());
        assert_eq!(removed(&mut queue, d), (false, 'd'));
    }

    #[test]
    fn push_front_goes_ahead_of_every_queued_waiter() {
        let mut queue = WaitQueue::new();
        queue.push_back('b', Waker::noop());
        queue.push_back('c', Waker::noop());
        let a = queue.push_front('a', Waker::noop().clone());
        assert_eq!(queue.front(), Some(&'a'));
        let order: Vec<char> = std::iter::from_fn(|| queue.pop_front().map(|(_, v)| *v)).collect();
        assert_eq!(order, ['a', 'b', 'c']);
        // Into an empty queue, it is both ends.
        let _ = queue.remove(a);
        let only = queue.push_front('z', Waker::noop().clone());
        let later = queue.push_back('y', Waker::noop());
        assert_eq!(*queue.pop_front().unwrap().1, 'z');
        assert_eq!(*queue.pop_front().unwrap().1, 'y');
        assert!(queue.is_empty());
        let _ = queue.remove(only);
        let _ = queue.remove(later);
    }

    #[test]
    fn a_key_is_not_reused_until_its_node_is_removed() {
        let mut queue = WaitQueue::new();
        let a = queue.push_back((), Waker::noop());
        queue.pop_front();
        let b = queue.push_back((), Waker::noop());
        assert_ne!(a, b);
        let _ = queue.remove(a);
        assert!(queue.is_queued(b));
    }

    /// A waker of its own task, counted, for the tests that need two wakers
    /// told apart (`Waker::noop()`'s `will_wake` is not reliable: its vtable
    /// may have several addresses).
    fn counted() -> (std::sync::Arc<Counted>, Waker) {
        let task = std::sync::Arc::new(Counted);
        (task.clone(), Waker::from(task))
    }

    struct Counted;

    impl std::task::Wake for Counted {
        fn wake(self: std::sync::Arc<Self>) {}
    }

    fn is_of(waker: &Waker, task: &std::sync::Arc<Counted>) -> bool {
        waker.data() == std::sync::Arc::as_ptr(task).cast()
    }

    #[test]
    fn a_waker_let_go_of_is_handed_back_to_the_caller() {
        let (first_task, first) = counted();
        let (other_task, other) = counted();
        let mut queue = WaitQueue::new();
        let mut key = Some(queue.push_back((), &first));
        drop(first);
        let mut displaced = None;
        assert_eq!(
            queue.recheck(&mut key, &other, &mut displaced),
            Recheck::Waiting
        );
        assert!(
            displaced
                .as_ref()
                .is_some_and(|old| is_of(old, &first_task)),
            "the replaced waker comes back"
        );
        assert_eq!(
            std::sync::Arc::strong_count(&first_task),
            2,
            "ours and `displaced`"
        );
        drop(displaced);
        assert_eq!(
            std::sync::Arc::strong_count(&first_task),
            1,
            "dropped by us, not the queue"
        );
        // Same task: kept, or handed back where `will_wake` cannot tell
        // (it is best-effort: Miri gives each use of a vtable its own address).
        let again = queue.set_waker(key.unwrap(), &other);
        assert!(again.as_ref().is_none_or(|w| is_of(w, &other_task)));
        drop(again);
        let (held, ()) = queue.remove(key.unwrap());
        assert!(
            held.as_ref().is_some_and(|w| is_of(w, &other_task)),
            "remove hands it back too"
        );
        assert_eq!(
            std::sync::Arc::strong_count(&other_task),
            3,
            "ours, `other`, `held`"
        );
    }

    #[test]
    fn recheck_tells_absent_waiting_and_woken_apart() {
        let mut queue = WaitQueue::new();
        let mut none = None;
        assert_eq!(
            queue.recheck(&mut none, Waker::noop(), &mut None),
            Recheck::Absent
        );
        let (task, waker) = counted();
        let mut key = Some(queue.push_back('x', &waker));
        let mut displaced = None;
        assert_eq!(
            queue.recheck(&mut key, &waker, &mut displaced),
            Recheck::Waiting
        );
        assert!(
            displaced.as_ref().is_none_or(|w| is_of(w, &task)),
            "the same task's waker is kept (or handed back, see above)"
        );
        assert!(key.is_some(), "a queued waiter keeps its key");
        queue.pop_front().unwrap();
        assert_eq!(
            queue.recheck(&mut key, Waker::noop(), &mut None),
            Recheck::Woken('x')
        );
        assert_eq!(key, None, "the woken node is freed and its key cleared");
        assert!(queue.nodes.is_empty());
    }
}

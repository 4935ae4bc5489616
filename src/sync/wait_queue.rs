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
//! Each node carries a value `T` the primitive chooses: the permits a
//! semaphore waiter needs, why a `Notify` waiter was woken, or nothing.

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
        let key = self.nodes.insert(Node {
            value,
            waker: Some(waker.clone()),
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
    /// to a newcomer goes back where it was, not behind everyone else.
    pub(crate) fn push_front(&mut self, value: T, waker: &Waker) -> usize {
        let key = self.nodes.insert(Node {
            value,
            waker: Some(waker.clone()),
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
        let key = self.head;
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

    /// Replaces a queued waiter's waker, unless it would wake the same task.
    pub(crate) fn set_waker(&mut self, key: usize, waker: &Waker) {
        if let Some(old) = &mut self.nodes[key].waker {
            old.clone_from(waker);
        }
    }

    /// The first step of every waiting future's poll: given the key it
    /// holds (if any), refreshes its waker while it is queued, or frees its
    /// node and clears the key once a notifier popped it.
    pub(crate) fn recheck(&mut self, key: &mut Option<usize>, waker: &Waker) -> Recheck<T> {
        match *key {
            None => Recheck::Absent,
            Some(k) if self.is_queued(k) => {
                self.set_waker(k, waker);
                Recheck::Waiting
            }
            Some(k) => {
                *key = None;
                Recheck::Woken(self.remove(k).1)
            }
        }
    }

    /// Frees the node, unlinking it first if it is still queued. Returns
    /// whether it was still queued, and its value.
    pub(crate) fn remove(&mut self, key: usize) -> (bool, T) {
        let queued = self.is_queued(key);
        if queued {
            self.unlink(key);
        }
        (queued, self.nodes.remove(key).value)
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
            assert!(!queue.remove(key).0);
        }
    }

    #[test]
    fn a_removed_waiter_leaves_its_neighbours_linked() {
        let mut queue = WaitQueue::new();
        let a = queue.push_back('a', Waker::noop());
        let b = queue.push_back('b', Waker::noop());
        let c = queue.push_back('c', Waker::noop());
        assert_eq!(queue.remove(b), (true, 'b'));
        assert_eq!(queue.remove(c), (true, 'c'));
        let d = queue.push_back('d', Waker::noop());
        assert_eq!(queue.remove(a), (true, 'a'));
        assert_eq!(queue.front(), Some(&'d'));
        assert_eq!(*queue.pop_front().expect("d is queued").1, 'd');
        assert!(queue.is_empty());
        assert_eq!(queue.remove(d), (false, 'd'));
    }

    #[test]
    fn push_front_goes_ahead_of_every_queued_waiter() {
        let mut queue = WaitQueue::new();
        queue.push_back('b', Waker::noop());
        queue.push_back('c', Waker::noop());
        let a = queue.push_front('a', Waker::noop());
        assert_eq!(queue.front(), Some(&'a'));
        let order: Vec<char> = std::iter::from_fn(|| queue.pop_front().map(|(_, v)| *v)).collect();
        assert_eq!(order, ['a', 'b', 'c']);
        // Into an empty queue, it is both ends.
        queue.remove(a);
        let only = queue.push_front('z', Waker::noop());
        let later = queue.push_back('y', Waker::noop());
        assert_eq!(*queue.pop_front().unwrap().1, 'z');
        assert_eq!(*queue.pop_front().unwrap().1, 'y');
        assert!(queue.is_empty());
        queue.remove(only);
        queue.remove(later);
    }

    #[test]
    fn a_key_is_not_reused_until_its_node_is_removed() {
        let mut queue = WaitQueue::new();
        let a = queue.push_back((), Waker::noop());
        queue.pop_front();
        let b = queue.push_back((), Waker::noop());
        assert_ne!(a, b);
        queue.remove(a);
        assert!(queue.is_queued(b));
    }

    #[test]
    fn recheck_tells_absent_waiting_and_woken_apart() {
        let mut queue = WaitQueue::new();
        let mut none = None;
        assert_eq!(queue.recheck(&mut none, Waker::noop()), Recheck::Absent);
        let mut key = Some(queue.push_back('x', Waker::noop()));
        assert_eq!(queue.recheck(&mut key, Waker::noop()), Recheck::Waiting);
        assert!(key.is_some(), "a queued waiter keeps its key");
        queue.pop_front().unwrap();
        assert_eq!(queue.recheck(&mut key, Waker::noop()), Recheck::Woken('x'));
        assert_eq!(key, None, "the woken node is freed and its key cleared");
        assert!(queue.nodes.is_empty());
    }
}

//! A worker's local deque, whose operations must not unwind.
//!
//! crossbeam-deque runs code that is not its own inside its operations. A
//! push into a full deque grows it, and a pop from one three quarters empty
//! shrinks it; either retires the old buffer through crossbeam-epoch. And
//! pinning the epoch, which that and every steal do, now and then collects
//! the process's garbage: it runs destructors that *any* crate deferred
//! through crossbeam-epoch's global collector.
//!
//! If one of those destructors panics, the unwind leaves the push or pop
//! with the task it was holding and drops it. That task is marked queued, so
//! no later wake queues it again: it is never polled, and whoever awaits it
//! waits for ever, without a word. So a panic out of a queue operation
//! aborts the process instead, with a message that names the cause, as std
//! aborts on a panic where unwinding cannot be allowed. On the path that
//! does not panic this costs nothing: the guard is forgotten, never checked.
//!
//! (A *wake* from such a destructor is a different matter, and handled:
//! `worker::schedule` sends it to the injector, see tests/epoch_reentry.rs.)

use std::io::Write;

use crossbeam_deque::{Injector, Steal, Stealer, Worker};

use super::Handle;
use crate::task::Notified;

type Queued = Notified<Handle>;

/// A worker's deque of tasks: FIFO for its owner, stealable by the others.
pub(crate) struct LocalQueue(Worker<Queued>);

impl LocalQueue {
    pub(super) fn new() -> LocalQueue {
        LocalQueue(Worker::new_fifo())
    }

    pub(super) fn push(&self, task: Queued) {
        must_not_unwind("a push into a worker's queue", || self.0.push(task));
    }

    pub(super) fn pop(&self) -> Option<Queued> {
        must_not_unwind("a pop from a worker's queue", || self.0.pop())
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn stealer(&self) -> Stealer<Queued> {
        self.0.stealer()
    }

    /// Steals about half of `victim`'s queue into this one, returning one
    /// of the tasks.
    pub(super) fn steal_half(&self, victim: &Stealer<Queued>) -> Steal<Queued> {
        must_not_unwind("a steal between workers' queues", || {
            victim.steal_batch_and_pop(&self.0)
        })
    }

    /// Takes a batch of the injector's tasks into this queue, returning one
    /// of them.
    pub(super) fn take_injected(&self, injector: &Injector<Queued>) -> Steal<Queued> {
        must_not_unwind("a steal from the injector", || {
            injector.steal_batch_and_pop(&self.0)
        })
    }
}

/// Runs `op`, a queue operation called `what`, aborting the process if it
/// panics (see the module's doc).
fn must_not_unwind<R>(what: &'static str, op: impl FnOnce() -> R) -> R {
    struct Abort(&'static str);
    impl Drop for Abort {
        fn drop(&mut self) {
            // Written, not `eprintln!`ed: that panics if stderr is closed,
            // and a panic here, during the unwind, would abort without it.
            let _ = writeln!(
                std::io::stderr(),
                "corio: a panic unwound out of {}. The only other code \
                 crossbeam-deque runs there is destructors deferred through \
                 crossbeam-epoch's global collector (by any crate), and one of \
                 them panicked. A task the operation held may be lost, and whatever \
                 awaits it would hang: aborting",
                self.0
            );
            std::process::abort();
        }
    }
    let armed = Abort(what);
    let out = op();
    std::mem::forget(armed);
    out
}

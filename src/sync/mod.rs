//! Synchronisation between tasks: channels, locks, semaphores, signals.
//!
//! # Executor-independent
//!
//! Nothing here knows about corio's scheduler, reactor or timers. A
//! primitive that must wait stores the [`Waker`](std::task::Waker) of the
//! task polling it and returns `Pending`; whoever makes progress possible
//! (a send, an unlock, a `done`) calls `wake`. That is the whole contract of
//! `std::future`, so these types work the same under corio, under tokio,
//! under `futures_lite::future::block_on` on a plain thread, or between all
//! three at once: a `std::thread` can send to a task, a task to a thread.
//!
//! A plain thread can also just block: `blocking_lock`, `blocking_read`
//! and `blocking_write`, the channel's `blocking_send` and `blocking_recv`,
//! and the oneshot's `blocking_recv` park the calling thread until the
//! future completes (as tokio's do), and panic on a worker thread or inside
//! `block_on`, where parking would stall the tasks it waits for.
//!
//! The ties to corio are three, all executor-independent (the third only
//! reads which runtime, if any, the thread belongs to):
//! `task::wake_catching_panics` (a panicking waker in a batch or a `Drop`
//! does not unwind through the primitive) and the cooperative budget
//! (`task::budget`). An operation about to return `Ready` spends a unit of
//! that budget, so a task that always
//! finds its channel full of messages still yields now and then. Outside a
//! corio task the budget is unlimited and the check costs a thread-local read.
//! The `blocking_*` methods ask `runtime::assert_may_block` before parking.
//!
//! # The waiter queue
//!
//! Every primitive that parks tasks, except `oneshot` (one waiter a side)
//! and the rendezvous channel's offers, keeps them in a FIFO `WaitQueue`
//! (`wait_queue.rs`): a linked list in a slab, so that
//!
//! * wake-ups go in arrival order (fairness among the waiters; a channel
//!   waiter that was woken but found a newcomer had taken the message or
//!   the slot goes back to the head, not the tail);
//! * a future dropped while waiting removes its own node in O(1) by key;
//! * a woken node stays until its future has seen it, so the future can tell
//!   "I was given the lock/permit/signal" from "I am still waiting", and pass
//!   a gift it will never use to the next waiter (the semaphore's grants
//!   are the exception: a grant frees the node as it pops it, and marks
//!   the future granted instead).
//!
//! # Cancel safety
//!
//! Dropping a future is how async Rust cancels it (`select!` drops the
//! losers, a timeout drops what it wraps). An operation is *cancel-safe* if
//! dropping it before completion loses nothing: no message, no permit, no
//! wake-up meant for someone else.
//!
//! | operation | cancel-safe | when dropped while waiting |
//! | --- | --- | --- |
//! | [`channel::Receiver::recv`] | yes | no message is lost; a wake it held passes to the next receiver |
//! | [`channel::Receiver`] as a `Stream` (`next()`) | yes | no message is lost; the handle keeps its place until it polls again, calls `recv` or is dropped (see [`channel::Receiver`]) |
//! | [`channel::Sender::send`] | yes, but the value is dropped; on `bounded(0)`, no | nothing is sent, and a wake it held passes to the next sender; on `bounded(0)` a receiver may already have taken the value |
//! | [`oneshot::Receiver`] awaited as `&mut rx` | yes | nothing is lost: the receiver still holds the channel |
//! | [`oneshot::Receiver`] awaited by value | no, once sent | dropping it closes the channel: a `send` after that returns the value, but a value sent before is dropped with it |
//! | [`oneshot::Sender::closed`] | yes | it only waits |
//! | [`Mutex::lock`], [`RwLock::read`], [`RwLock::write`] | yes | leaves the line; a lock handed to it passes on |
//! | [`Semaphore::acquire`] and friends | yes | leaves the line; permits granted to it go back and on |
//! | [`Notify::notified`] | yes | a `notify_one` that picked it passes on (or is stored) |
//! | [`WaitGroup::wait`] | yes | it only waits |
//! | [`OnceCell::get_or_init`] and `get_or_try_init` | yes | an `init` it was running is dropped, and the next waiter runs its own |
//! | [`SetOnce::wait`] | yes | it only waits |
//! | [`Barrier::wait`] | yes | before its round is released, it takes its arrival back |
//! | [`broadcast::Receiver::recv`] | yes | no message is lost: the receiver's position moves only when it returns one |
//! | [`watch::Receiver::changed`], [`watch::Sender::closed`] | yes | it only waits; nothing is marked seen |

mod barrier;
pub mod broadcast;
pub mod channel;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
pub mod oneshot;
mod rwlock;
mod semaphore;
mod set_once;
mod wait_group;
mod wait_queue;
pub mod watch;

#[cfg(all(test, not(loom)))]
mod tests;

pub use self::barrier::{Barrier, BarrierWaitResult};
pub use self::mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use self::notify::{Notified, Notify, OwnedNotified};
pub use self::once_cell::{OnceCell, SetError};
pub use self::rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use self::semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
pub use self::set_once::{SetOnce, SetOnceError};
pub use self::wait_group::WaitGroup;

/// The futures of [`Notify`] under tokio's path, `sync::futures::Notified`
/// (also re-exported from `sync` itself).
///
/// # Examples
///
/// ```
/// let notify = corio::sync::Notify::new();
/// let _waiting: corio::sync::futures::Notified<'_> = notify.notified();
/// ```
pub mod futures {
    pub use super::notify::{Notified, OwnedNotified};
}

/// `Debug` and `Display` for a lock guard: those of the value it points at
/// (`T`, or the part `U` a map picked), as tokio's guards print.
macro_rules! fmt_as_target {
    (impl<$($generic:ident),+> $guard:ty => $target:ident) => {
        impl<$($generic: ?Sized),+> std::fmt::Debug for $guard
        where
            $target: std::fmt::Debug,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($generic: ?Sized),+> std::fmt::Display for $guard
        where
            $target: std::fmt::Display,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    };
}
use fmt_as_target;

/// What a guard's `map` makes of its `try_map` with a closure that always
/// picks a part: every guard's `map` is its `try_map` that cannot fail.
fn picked<M, G>(mapped: Result<M, G>) -> M {
    match mapped {
        Ok(mapped) => mapped,
        Err(_) => unreachable!("the closure always picks a part"),
    }
}

/// Runs `future` on this thread, parking it between polls: the `blocking_*`
/// methods, for synchronous code (a plain thread, a `spawn_blocking`
/// closure) that shares a primitive with tasks. On a worker thread or
/// inside `block_on` it panics instead: parking there would stall the
/// tasks that are to make the future ready.
///
/// A blocking-pool job that waits here waits on its runtime: it does not
/// hold a paused clock back, as `Handle::block_on` there does not.
#[track_caller]
fn block_here<F: std::future::Future>(what: &str, future: F) -> F::Output {
    crate::runtime::assert_may_block(what);
    let job = crate::runtime::Handle::try_current()
        .ok()
        .and_then(|handle| handle.waiting_job());
    crate::runtime::block_on_this_thread(future, job)
}

/// The Send and Sync bounds of the guards, held by the compiler: a guard
/// that hands out `&U` (or `&mut U`) may only cross threads when `U` may be
/// shared (or sent) there. Each `compile_fail` below sends a guard over a
/// `Cell` or an `Rc`; the first block, which compiles, shows that the same
/// names and paths are fine with a `u8`.
///
/// ```
/// fn send<T: Send>() {}
/// fn sync<T: Sync>() {}
/// use corio::sync::*;
/// send::<RwLockReadGuard<'static, u8>>();
/// sync::<RwLockReadGuard<'static, u8>>();
/// send::<RwLockMappedWriteGuard<'static, u8>>();
/// send::<OwnedRwLockReadGuard<(), u8>>();
/// send::<OwnedRwLockMappedWriteGuard<(), u8>>();
/// send::<MappedMutexGuard<'static, u8>>();
/// send::<OwnedMappedMutexGuard<(), u8>>();
/// ```
///
/// A read guard shares its `&U` with whichever thread holds it:
/// ```compile_fail
/// fn send<T: Send>() {}
/// send::<corio::sync::RwLockReadGuard<'static, std::cell::Cell<u8>>>();
/// ```
/// ```compile_fail
/// fn send<T: Send>() {}
/// send::<corio::sync::OwnedRwLockReadGuard<(), std::cell::Cell<u8>>>();
/// ```
/// A mapped write guard asks `U: Send + Sync` to move, as tokio's does:
/// ```compile_fail
/// fn send<T: Send>() {}
/// send::<corio::sync::RwLockMappedWriteGuard<'static, std::cell::Cell<u8>>>();
/// ```
/// ```compile_fail
/// fn send<T: Send>() {}
/// send::<corio::sync::OwnedRwLockMappedWriteGuard<(), std::cell::Cell<u8>>>();
/// ```
/// A mapped mutex guard moves `&mut U` to another thread:
/// ```compile_fail
/// fn send<T: Send>() {}
/// send::<corio::sync::MappedMutexGuard<'static, std::rc::Rc<u8>>>();
/// ```
/// ```compile_fail
/// fn send<T: Send>() {}
/// send::<corio::sync::OwnedMappedMutexGuard<(), std::rc::Rc<u8>>>();
/// ```
///
/// And a mapped write guard cannot be downgraded: its part was picked
/// through `&mut T` (here `Cell::get_mut`), and readers sharing it could
/// then change it under one another's `&U`:
/// ```compile_fail
/// use corio::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
/// let lock = RwLock::new(std::cell::Cell::new(1u8));
/// let part = RwLockWriteGuard::map(lock.try_write().unwrap(), std::cell::Cell::get_mut);
/// let _shared = RwLockMappedWriteGuard::downgrade(part);
/// ```
#[cfg(doctest)]
struct GuardBounds;

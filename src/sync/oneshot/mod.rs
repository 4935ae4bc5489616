//! A oneshot channel: one value, sent once, from one task to another.
//!
//! It is the channel a task uses to answer a request ("here is your
//! result"), so it is built to be cheap: one allocation, no lock, and one
//! atomic state word that both halves update with single atomic
//! instructions.
//!
//! ```text
//!   Inner { state: AtomicUsize, value, rx_waker, tx_waker }
//!
//!   state bits:  TX_WAKER  CLOSED  COMPLETE  RX_WAKER
//!                   8         4        2         1
//! ```
//!
//! Each non-atomic field has one owner at a time, and the bits say who:
//!
//! * `value` is the sender's until it sets `COMPLETE`, then the receiver's.
//!   If the receiver set `CLOSED` first, `COMPLETE` is never set and the
//!   sender takes its value back.
//! * `rx_waker` is the receiver's to write while `RX_WAKER` is clear. Once the
//!   receiver sets `RX_WAKER`, the sender may read it (to wake) if it sets
//!   `COMPLETE`; to replace it, the receiver first clears `RX_WAKER`, and only
//!   writes if `COMPLETE` was still clear at that moment.
//! * `tx_waker` mirrors `rx_waker` for the sender's [`Sender::closed`],
//!   with `TX_WAKER` and `CLOSED` in the roles of `RX_WAKER` and `COMPLETE`.
//!
//! `COMPLETE` and `CLOSED` are each set once and never cleared. Both wakers
//! are simply dropped with `Inner`, when the last half goes.
//!
//! **Cancel safety.** The future *is* the receiver. Awaited as `&mut rx`
//! (in a `select!` loop, say), dropping the await loses nothing: `rx` still
//! holds the channel and a later await gets the value. Awaited by value,
//! dropping it closes the channel: a `send` after that gets its value back,
//! but a value sent before is dropped with the receiver (as in tokio).

use std::cell::UnsafeCell;
use std::error::Error;
use std::fmt;
use std::future::poll_fn;
use std::task::{Context, Poll, Waker, ready};

/// The oneshot channel's errors under tokio's path,
/// `oneshot::error::RecvError` (also re-exported from `oneshot` itself).
pub mod error {
    pub use super::{RecvError, TryRecvError};
}
use crate::loom::Arc;
use crate::loom::atomic::{AtomicUsize, Ordering};
use crate::task::budget::poll_proceed;

/// `rx_waker` holds the receiver's waker. Set by the receiver after writing
/// it; cleared by the receiver before replacing it.
const RX_WAKER: usize = 0b0001;
/// The sender is done: it wrote a value or was dropped without one. Set once
/// by the sender, never if `CLOSED` was set first; never cleared.
const COMPLETE: usize = 0b0010;
/// The receiver was closed or dropped: a later send fails. Set once by the
/// receiver; never cleared.
const CLOSED: usize = 0b0100;
/// `tx_waker` holds the waker of the sender's `closed()`. Set by the sender
/// after writing it; cleared by the sender before replacing it.
const TX_WAKER: usize = 0b1000;

/// Creates a oneshot channel.
///
/// # Examples
///
/// ```
/// let (tx, rx) = corio::sync::oneshot::channel();
/// std::thread::spawn(move || tx.send(6 * 7).unwrap());
/// assert_eq!(futures_lite::future::block_on(rx), Ok(42));
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_waker: UnsafeCell::new(None),
        tx_waker: UnsafeCell::new(None),
    });
    let receiver = Receiver {
        inner: Some(inner.clone()),
    };
    (Sender { inner: Some(inner) }, receiver)
}

/// Sends the one value; dropping it unsent makes the receiver fail with
/// [`RecvError`].
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let (tx, rx) = corio::sync::oneshot::channel();
///     corio::spawn(async move { tx.send("done").unwrap() });
///     assert_eq!(rx.await, Ok("done"));
/// });
/// ```
pub struct Sender<T> {
    /// `None` only while `send` consumes the sender.
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the one value: await it, or poll it with [`Receiver::try_recv`].
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = corio::sync::oneshot::channel();
/// assert!(rx.try_recv().is_err(), "nothing yet");
/// tx.send(1).unwrap();
/// assert_eq!(futures_lite::future::block_on(rx), Ok(1));
/// ```
pub struct Receiver<T> {
    /// `None` once the value (or the error) has been taken.
    inner: Option<Arc<Inner<T>>>,
}

/// The sender was dropped without sending a value.
///
/// # Examples
///
/// ```
/// let (tx, rx) = corio::sync::oneshot::channel::<u8>();
/// drop(tx);
/// assert_eq!(futures_lite::future::block_on(rx), Err(corio::sync::oneshot::RecvError));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct RecvError;

/// Why [`Receiver::try_recv`] returned no value. A type of its own, not the
/// channel's [`TryRecvError`](crate::sync::channel::TryRecvError), as in
/// tokio, so an error type may convert from both.
///
/// # Examples
///
/// ```
/// use corio::sync::oneshot::{self, TryRecvError};
///
/// let (tx, mut rx) = oneshot::channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// assert_eq!(TryRecvError::Closed.to_string(), "channel closed");
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// No value yet; the sender may still send one.
    Empty,
    /// No value will come: the sender was dropped without sending, the
    /// value was taken already, or the receiver was closed.
    Closed,
}

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    rx_waker: UnsafeCell<Option<Waker>>,
    tx_waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the value and wakers move between threads (`T: Send`, `Waker:
// Send`), and the state word gives each field one owner at a time (module doc).
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above; shared access to the cells follows the state protocol.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Drop for Inner<T> {
    fn drop(&mut self) {
        // The last half may go during an unwind: a stored waker whose
        // `Drop` panics must not become a second panic, which would abort
        // (every other primitive drops its wakers the same way).
        for waker in [
            self.rx_waker.get_mut().take(),
            self.tx_waker.get_mut().take(),
        ] {
            crate::task::drop_waker_catching_panics(waker);
        }
    }
}

impl<T> Inner<T> {
    /// Sets `COMPLETE` unless the receiver closed first; wakes the receiver.
    /// Returns `false` if closed: the value (if any) is the sender's again.
    fn complete(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & CLOSED != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(
                state,
                state | COMPLETE,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(current) => state = current,
            }
        }
        if state & RX_WAKER != 0 {
            // SAFETY: RX_WAKER was set when COMPLETE went in, so the
            // receiver wrote the waker (Acquire above) and will not touch it
            // again now that COMPLETE is set.
            if let Some(waker) = unsafe { &*self.rx_waker.get() } {
                crate::task::wake_by_ref_catching_panics(waker);
            }
        }
        true
    }

    /// Parks `waker` in `cell` under the bit `mine`, unless the bit `done`
    /// is (or becomes) set. Returns whether `done` is set, in which case the
    /// caller is ready. This is the same dance for both halves (module doc).
    ///
    /// # Safety
    ///
    /// Only the half that owns `cell` and `mine` may call it, with
    /// `(rx_waker, RX_WAKER, COMPLETE)` for the receiver and
    /// `(tx_waker, TX_WAKER, CLOSED)` for the sender.
    unsafe fn park(
        &self,
        cell: &UnsafeCell<Option<Waker>>,
        mine: usize,
        done: usize,
        waker: &Waker,
    ) -> bool {
        let state = self.state.load(Ordering::Acquire);
        if state & done != 0 {
            return true;
        }
        if state & mine != 0 {
            // SAFETY: reading our own waker; the other half may only read it.
            let parked = unsafe { &*cell.get() };
            if parked.as_ref().is_some_and(|p| p.will_wake(waker)) {
                return false;
            }
            if self.state.fetch_and(!mine, Ordering::AcqRel) & done != 0 {
                return true;
            }
        }
        // SAFETY: `mine` is clear and `done` was clear when it was cleared, so
        // the other half will not read the cell until we set `mine` again.
        unsafe { *cell.get() = Some(waker.clone()) };
        self.state.fetch_or(mine, Ordering::AcqRel) & done != 0
    }
}

impl<T> Sender<T> {
    /// Sends the value. Fails, giving it back, if the receiver was closed
    /// or dropped. Never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send("unheard"), Err("unheard"));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self
            .inner
            .take()
            .expect("a sender holds its channel until it sends");
        // SAFETY: COMPLETE is not set (this sender sets it, below or on
        // drop), so the receiver does not read `value` yet.
        unsafe { *inner.value.get() = Some(value) };
        if inner.complete() {
            return Ok(());
        }
        // SAFETY: CLOSED came first, so COMPLETE will never be set and the
        // receiver never reads `value`: it is ours again.
        let value = unsafe { (*inner.value.get()).take() };
        Err(value.expect("the value was written above"))
    }

    /// Whether the receiver was closed or dropped (a send would fail).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::oneshot::channel::<u8>();
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner().state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Waits until the receiver is closed or dropped: use it to stop work
    /// nobody will read.
    ///
    /// Cancel safety: cancel-safe; it only waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, rx) = corio::sync::oneshot::channel::<u8>();
    /// std::thread::spawn(move || drop(rx));
    /// futures_lite::future::block_on(tx.closed());
    /// assert!(tx.is_closed());
    /// ```
    pub async fn closed(&mut self) {
        poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// The poll behind [`Sender::closed`], for hand-written futures.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Waker};
    ///
    /// let (mut tx, rx) = corio::sync::oneshot::channel::<u8>();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(tx.poll_closed(&mut cx).is_pending());
    /// drop(rx);
    /// assert!(tx.poll_closed(&mut cx).is_ready());
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let spent = ready!(poll_proceed(cx));
        let inner = self.inner();
        // SAFETY: the sender owns `tx_waker` under TX_WAKER, and `closed`
        // takes `&mut self`, so no other call parks at the same time.
        if unsafe { inner.park(&inner.tx_waker, TX_WAKER, CLOSED, cx.waker()) } {
            spent.made_progress();
            return Poll::Ready(());
        }
        Poll::Pending
    }

    fn inner(&self) -> &Inner<T> {
        self.inner
            .as_ref()
            .expect("a sender holds its channel until it sends")
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            inner.complete();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed") // tokio's words
    }
}

impl Error for RecvError {}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "channel empty",
            TryRecvError::Closed => "channel closed",
        })
    }
}

impl Error for TryRecvError {}

mod receiver;

#[cfg(all(test, loom))]
mod loom_tests;

//! The receiving half of a oneshot channel: waiting for the value (as a
//! future, or blocking the thread), taking it if it is there, closing the
//! channel early, and dropping a value nobody received. The state bits it
//! reads and sets are described in the module above (`mod.rs`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::{CLOSED, COMPLETE, RX_WAKER, Receiver, RecvError, TX_WAKER, TryRecvError};
use crate::loom::atomic::Ordering;
use crate::task::budget::poll_proceed;

impl<T> Receiver<T> {
    /// Waits for the value from synchronous code, blocking the thread;
    /// [`RecvError`] if the sender is dropped without sending (tokio's
    /// `blocking_recv`).
    ///
    /// # Panics
    ///
    /// On a worker thread or inside `block_on` (`.await` the receiver
    /// there).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::oneshot::channel();
    /// let runtime = corio::Runtime::new().unwrap();
    /// runtime.spawn(async move { tx.send("done").unwrap() });
    /// assert_eq!(rx.blocking_recv(), Ok("done")); // this thread waits
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        crate::sync::block_here("corio::sync::oneshot::Receiver::blocking_recv", self)
    }

    /// Whether the receiver has ended: a poll returned its value or its
    /// error, or `try_recv` took the value. Polling an ended receiver
    /// panics, so this says whether it may be polled, as tokio's does. A
    /// `try_recv` that says `Closed` because the sender went without
    /// sending ends it too, as tokio's does. (One that says `Closed` after
    /// this receiver's own [`close`](Self::close), with nothing sent,
    /// leaves it usable and not ended, where tokio's ends it.)
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::oneshot::channel();
    /// assert!(!rx.is_terminated());
    /// tx.send(5).unwrap();
    /// assert!(!rx.is_terminated(), "sent, not yet received");
    /// assert_eq!(futures_lite::future::block_on(&mut rx), Ok(5));
    /// assert!(rx.is_terminated());
    ///
    /// let (tx, mut rx) = corio::sync::oneshot::channel::<u8>();
    /// drop(tx);
    /// assert!(!rx.is_terminated(), "the error is still to be received");
    /// assert!(futures_lite::future::block_on(&mut rx).is_err());
    /// assert!(rx.is_terminated());
    ///
    /// let (tx, mut rx) = corio::sync::oneshot::channel::<u8>();
    /// drop(tx);
    /// assert!(rx.try_recv().is_err());
    /// assert!(rx.is_terminated(), "try_recv received the error");
    ///
    /// let (_tx, mut rx) = corio::sync::oneshot::channel::<u8>();
    /// rx.close();
    /// assert!(rx.try_recv().is_err());
    /// assert!(!rx.is_terminated(), "still to be polled for the error");
    /// assert!(futures_lite::future::block_on(&mut rx).is_err());
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Whether no value waits to be received: none sent yet, none ever to
    /// come (the sender gone, the channel closed), or the value already
    /// taken. An empty receiver may have ended; see
    /// [`is_terminated`](Self::is_terminated) before polling it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::oneshot::channel();
    /// assert!(rx.is_empty());
    /// tx.send(5).unwrap();
    /// assert!(!rx.is_empty());
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// assert!(rx.is_empty() && rx.is_terminated());
    ///
    /// let (tx, rx) = corio::sync::oneshot::channel::<u8>();
    /// drop(tx);
    /// assert!(rx.is_empty(), "closed without a value");
    /// ```
    pub fn is_empty(&self) -> bool {
        let Some(inner) = &self.inner else {
            return true;
        };
        if inner.state.load(Ordering::Acquire) & COMPLETE == 0 {
            return true;
        }
        // SAFETY: COMPLETE was seen with Acquire, so the sender's write is
        // visible and it no longer touches `value`; only this receiver
        // takes it, through `&mut self`, which this `&self` excludes.
        unsafe { (*inner.value.get()).is_none() }
    }

    /// Takes the value if it has been sent; never waits.
    ///
    /// Returns `Empty` while the sender may still send, and `Closed` if it
    /// never will (dropped, or the value was already taken).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::sync::oneshot::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = &self.inner else {
            return Err(TryRecvError::Closed);
        };
        let state = inner.state.load(Ordering::Acquire);
        if state & COMPLETE != 0 {
            self.take().map_err(|RecvError| TryRecvError::Closed)
        } else if state & CLOSED != 0 {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Closes the channel without dropping the receiver: a later `send`
    /// fails, but a value sent before the close can still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = corio::sync::oneshot::channel::<u8>();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        self.close_state();
    }

    /// [`close`](Self::close), returning the state it found (0 if the
    /// receiver had ended).
    fn close_state(&mut self) -> usize {
        let Some(inner) = &self.inner else { return 0 };
        let state = inner.state.fetch_or(CLOSED, Ordering::AcqRel);
        if state & (TX_WAKER | COMPLETE) == TX_WAKER {
            // SAFETY: TX_WAKER was set when CLOSED went in: the sender wrote
            // its waker (Acquire above) and will not touch it again.
            if let Some(waker) = unsafe { &*inner.tx_waker.get() } {
                crate::task::wake_by_ref_catching_panics(waker);
            }
        }
        state
    }

    /// Takes the value after `COMPLETE` was seen; ends the receiver.
    fn take(&mut self) -> Result<T, RecvError> {
        let inner = self.inner.take().expect("taken only once");
        // SAFETY: COMPLETE was seen with Acquire, so the sender's write is
        // visible and it no longer touches `value`.
        unsafe { (*inner.value.get()).take() }.ok_or(RecvError)
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    /// Ready with the value, or with [`RecvError`] if the sender was dropped
    /// without sending (or the receiver was closed before a value came).
    ///
    /// # Panics
    ///
    /// If polled again after it returned `Ready`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let spent = ready!(poll_proceed(cx));
        let inner = this
            .inner
            .as_ref()
            .expect("a oneshot::Receiver polled after it returned Ready");
        // SAFETY: the receiver owns `rx_waker` under RX_WAKER, and `poll`
        // takes `&mut self`, so no other call parks at the same time.
        let complete = unsafe { inner.park(&inner.rx_waker, RX_WAKER, COMPLETE, cx.waker()) };
        let result = if complete {
            this.take()
        } else if inner.state.load(Ordering::Acquire) & CLOSED != 0 {
            this.inner = None;
            Err(RecvError)
        } else {
            return Poll::Pending;
        };
        spent.made_progress();
        Poll::Ready(result)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let state = self.close_state();
        if state & COMPLETE != 0
            && let Some(inner) = &self.inner
        {
            // A value sent and never received goes with the receiver, here
            // and now, as in tokio: not later, on the sender's thread, if
            // its `send` still holds the channel (it may be waking us).
            // SAFETY: COMPLETE was seen (AcqRel above), so the sender's
            // write is visible, and the sender no longer touches `value`
            // (`complete` reads only the state and `rx_waker`).
            drop(unsafe { (*inner.value.get()).take() });
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

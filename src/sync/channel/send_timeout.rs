//! `send_timeout`: a send that gives up after a while and hands the value
//! back.
//!
//! Wrapping [`Sender::send`] in [`time::timeout`](crate::time::timeout)
//! also gives up, but the value is inside the `send` future, and goes
//! with it when the timeout drops it. Here one future polls both the send
//! and the deadline, so at the deadline it can still reach into its own
//! send and take the value back (tokio's `send_timeout` does the same):
//!
//! ```text
//!   poll: send ready? ─ yes ─► Ok(()) / Closed(value)
//!            │ no
//!         deadline passed? ─ no ─► Pending (woken by a receive or the timer)
//!            │ yes
//!         take the value back ─► Timeout(value)
//!         (on bounded(0), a receiver may have taken it first: Ok(()))
//! ```
//!
//! The send is polled before the deadline, so a send whose slot came in
//! the same instant as the deadline is delivered, not refused.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::{Poll, ready};
use std::time::Duration;

use super::chan::Sending;
use super::{SendError, SendTimeoutError, Sender, waiters};

impl<T> Sender<T> {
    /// Sends `value`, waiting at most `timeout` for room; fails, giving
    /// the value back, if the time runs out or the channel is closed. A
    /// `timeout` too long for a [`time::Instant`](crate::time::Instant) to
    /// name its end sets no deadline, as [`time::timeout`](crate::time::timeout)'s.
    ///
    /// # Panics
    ///
    /// Outside a corio runtime (it needs the runtime's timers): at the
    /// call, which makes the deadline, as [`time::timeout`](crate::time::timeout)
    /// does.
    ///
    /// # Cancel safety
    ///
    /// As [`send`](Self::send)'s: dropping the future drops the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use corio::sync::channel::{self, SendTimeoutError};
    ///
    /// corio::block_on(async {
    ///     let (tx, rx) = channel::bounded(1);
    ///     tx.send(1).await.unwrap();
    ///     let late = tx.send_timeout(2, Duration::from_millis(10)).await;
    ///     assert_eq!(late, Err(SendTimeoutError::Timeout(2)), "still full");
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     tx.send_timeout(3, Duration::from_millis(10)).await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), SendTimeoutError<T>>> + '_ {
        // Made here, not at the first poll: a call outside a runtime
        // panics at the caller's line. None, as in `time::timeout`, for a
        // timeout too long for the clock to name its end: no deadline,
        // not one 30 years ahead, which a paused clock would jump to.
        let deadline = crate::time::sleep_for(timeout, true);
        self.send_before(value, deadline)
    }

    async fn send_before(
        &self,
        value: T,
        deadline: Option<crate::time::Sleep>,
    ) -> Result<(), SendTimeoutError<T>> {
        let mut sending = Sending {
            chan: &self.chan,
            value: Some(value),
            waiter: waiters::Slot::default(),
            offer: None,
        };
        let mut deadline = pin!(deadline);
        poll_fn(|cx| {
            if let Poll::Ready(sent) = Pin::new(&mut sending).poll(cx) {
                return Poll::Ready(
                    sent.map_err(|SendError(value)| SendTimeoutError::Closed(value)),
                );
            }
            match deadline.as_mut().as_pin_mut() {
                Some(deadline) => ready!(deadline.poll(cx)),
                None => return Poll::Pending,
            }
            Poll::Ready(match sending.take_back() {
                Some(value) => Err(SendTimeoutError::Timeout(value)),
                None => Ok(()),
            })
        })
        .await
    }
}

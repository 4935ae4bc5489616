//! tokio's polling and blocking forms of a batch receive, for code written
//! against tokio's `mpsc::Receiver`: `poll_recv` and `poll_recv_many` for a
//! hand-written `Future` or `Stream`, and `blocking_recv_many` for a thread
//! outside the runtime.
//!
//! They are thin: `poll_recv` is the receiver's own [`Stream::poll_next`]
//! (so it keeps its place among the waiting receivers in the handle, as
//! `next()` does), and the batch forms take the first message as a
//! `recv` would, then whatever else is there without waiting, as
//! [`recv_many`](Receiver::recv_many) does.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;

use super::Receiver;

impl<T> Receiver<T> {
    /// Polls for the next message: `Ready(Some(_))` with one,
    /// `Ready(None)` once the channel is closed and drained, else
    /// `Pending`, and the waker of this call is woken when a message may
    /// be there. tokio's `Receiver::poll_recv`; the same as polling the
    /// receiver as a [`Stream`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// corio::block_on(async {
    ///     let (tx, mut rx) = corio::sync::mpsc::channel(4);
    ///     corio::spawn(async move { tx.send(7).await.unwrap() });
    ///     assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(7));
    ///     assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, None, "closed");
    /// });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Pin::new(self).poll_next(cx)
    }

    /// Polls for messages, appending up to `limit` of them to `buffer`:
    /// `Ready(n)` with how many, at least one unless `limit` is 0 (then it
    /// takes nothing at once) or the channel is closed and drained.
    /// tokio's `Receiver::poll_recv_many`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// corio::block_on(async {
    ///     let (tx, mut rx) = corio::sync::mpsc::unbounded_channel();
    ///     for i in 0..5 {
    ///         tx.send(i).unwrap();
    ///     }
    ///     let mut batch = Vec::new();
    ///     assert_eq!(poll_fn(|cx| rx.poll_recv_many(cx, &mut batch, 3)).await, 3);
    ///     assert_eq!(batch, [0, 1, 2]);
    ///     drop(tx);
    ///     assert_eq!(poll_fn(|cx| rx.poll_recv_many(cx, &mut batch, 3)).await, 2);
    ///     assert_eq!(poll_fn(|cx| rx.poll_recv_many(cx, &mut batch, 3)).await, 0);
    ///     assert_eq!(batch, [0, 1, 2, 3, 4]);
    /// });
    /// ```
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let Some(first) = ready!(self.poll_recv(cx)) else {
            return Poll::Ready(0);
        };
        buffer.push(first);
        Poll::Ready(1 + self.take_ready(buffer, limit - 1))
    }

    /// [`recv_many`](Self::recv_many) from a thread outside any runtime:
    /// blocks the thread until at least one message is there (or the
    /// channel is closed and drained). tokio's
    /// `Receiver::blocking_recv_many`.
    ///
    /// # Panics
    ///
    /// On a runtime's thread, as [`blocking_recv`](Self::blocking_recv)
    /// does.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = corio::sync::mpsc::channel(8);
    /// for i in 0..3 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.blocking_recv_many(&mut batch, 8), 3);
    /// assert_eq!(batch, [0, 1, 2]);
    /// ```
    #[track_caller]
    pub fn blocking_recv_many(&self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::sync::block_here(
            "corio::sync::channel::Receiver::blocking_recv_many",
            self.recv_many(buffer, limit),
        )
    }

    /// Appends up to `limit` messages that are there now: how many.
    pub(super) fn take_ready(&self, buffer: &mut Vec<T>, limit: usize) -> usize {
        let mut taken = 0;
        while taken < limit
            && let Ok(value) = self.try_recv()
        {
            buffer.push(value);
            taken += 1;
        }
        taken
    }
}

//! What the two handles share: `close`, `is_closed`, `len`, `capacity`
//! (written once, for both, by a macro), and their lifecycle. Each side
//! counts its handles; the channel closes when the last of either side is
//! dropped, and the last receiver also drops what nobody can receive.

use std::fmt;

use super::{Receiver, Sender, waiters};
use crate::loom::Mutex;
use crate::loom::atomic::{AtomicBool, Ordering};

/// The methods both handles have, written once.
macro_rules! shared_methods {
    ($handle:ident) => {
        impl<T> $handle<T> {
            /// Closes the channel: sends fail from now on (those waiting
            /// too, with their values back), receivers drain what is left.
            /// Returns `true` if this call closed it.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = corio::sync::channel::unbounded::<()>();
            /// assert!(!tx.is_closed());
            /// assert!(rx.close());
            /// assert!(tx.is_closed() && !tx.close());
            /// ```
            pub fn close(&self) -> bool {
                self.chan.close()
            }

            /// Whether the channel is closed (it may still hold messages).
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = corio::sync::channel::bounded::<u8>(1);
            /// drop(rx);
            /// assert!(tx.is_closed());
            /// ```
            pub fn is_closed(&self) -> bool {
                self.chan.queue.is_closed()
            }

            /// Waits until the channel is closed: by a `close`, or the last
            /// handle of either side dropped (tokio's `Sender::closed`: a
            /// producer stops when nobody listens any more).
            ///
            /// # Examples
            ///
            /// ```
            /// corio::block_on(async {
            ///     let (tx, rx) = corio::sync::channel::bounded::<u8>(1);
            ///     let watcher = corio::spawn(async move { tx.closed().await });
            ///     drop(rx);
            ///     watcher.await.unwrap();
            /// });
            /// ```
            pub async fn closed(&self) {
                self.chan.closing.wait_until(|| self.is_closed()).await;
            }

            /// Whether `other` is a handle to the same channel.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, _rx) = corio::sync::channel::bounded::<u8>(1);
            /// let (other, _) = corio::sync::channel::bounded::<u8>(1);
            /// assert!(tx.same_channel(&tx.clone()));
            /// assert!(!tx.same_channel(&other));
            /// ```
            pub fn same_channel(&self, other: &Self) -> bool {
                crate::loom::Arc::ptr_eq(&self.chan, &other.chan)
            }

            /// The number of messages in the channel now.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = corio::sync::channel::bounded(8);
            /// tx.try_send(1).unwrap();
            /// assert_eq!((tx.len(), rx.len()), (1, 1));
            /// ```
            pub fn len(&self) -> usize {
                self.chan.queue.len()
            }

            /// Whether the channel holds no message now.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = corio::sync::channel::bounded::<u8>(8);
            /// assert!(tx.is_empty() && rx.is_empty());
            /// ```
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// The channel's capacity: `Some(n)` if bounded, `None` if not.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, _rx) = corio::sync::channel::bounded::<u8>(8);
            /// assert_eq!(tx.capacity(), Some(8));
            /// ```
            pub fn capacity(&self) -> Option<usize> {
                self.chan.queue.capacity()
            }
        }

        impl<T> fmt::Debug for $handle<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($handle))
                    .field("len", &self.len())
                    .field("capacity", &self.capacity())
                    .field("closed", &self.is_closed())
                    .finish()
            }
        }
    };
}

shared_methods!(Sender);
shared_methods!(Receiver);

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            chan: self.chan.clone(),
            stream_waiter: Mutex::new(waiters::Slot::default()),
            stream_placed: AtomicBool::new(false),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.chan.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.close();
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.receiving.cancel(self.stream_waiter.get_mut());
        if self.chan.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.close();
            // Nobody can receive what is buffered: drop it now, not when
            // the last sender goes. A message may own a reply channel
            // (a oneshot sender its requester awaits) or a sender of this
            // very channel, which would otherwise keep it alive forever.
            // (A rendezvous sender still waiting takes its value back.)
            drop(self.chan.queue.take_for_drop());
        }
    }
}

//! Names and trait impls a program ported from tokio reaches for, each of
//! which failed to compile before: std's I/O names under `corio::io`,
//! channel handles across `catch_unwind`, `sync::futures::Notified`,
//! oneshot's own `TryRecvError`, `?` from a `SendError` into a
//! `TrySendError`, and a few methods and impls of watch, broadcast and
//! `OnceCell`. The errors also print tokio's words.

mod common;

use corio::io;
use corio::sync::{OnceCell, broadcast, mpsc, oneshot, watch};

/// `io::Result`, `io::Error`, `io::ErrorKind` and `io::SeekFrom`, as a
/// port's signatures spell them.
#[test]
fn std_io_names_are_under_corio_io() {
    fn refuse(at: io::SeekFrom) -> io::Result<u64> {
        match at {
            io::SeekFrom::Start(n) => Ok(n),
            _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "relative")),
        }
    }
    assert_eq!(refuse(io::SeekFrom::Start(3)).unwrap(), 3);
    let error = refuse(io::SeekFrom::End(0)).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
}

/// A test that sends from inside `catch_unwind`, as tokio's handles allow,
/// and a panic there leaves the channel working.
#[test]
fn channel_handles_cross_catch_unwind() {
    let (tx, rx) = mpsc::unbounded_channel::<u32>();
    let sent = std::panic::catch_unwind(|| tx.send(1));
    assert!(matches!(sent, Ok(Ok(()))));
    let panicked = std::panic::catch_unwind(|| {
        tx.send(2).unwrap();
        panic!("after the send");
    });
    assert!(panicked.is_err());
    let taken = std::panic::catch_unwind(|| (rx.try_recv(), rx.try_recv()));
    assert_eq!(taken.unwrap(), (Ok(1), Ok(2)));
}

/// `sync::futures::Notified` names the future `notified()` returns.
#[test]
fn notified_is_under_sync_futures() {
    let notify = std::sync::Arc::new(corio::sync::Notify::new());
    let waiting: corio::sync::futures::Notified<'_> = notify.notified();
    let owned: corio::sync::futures::OwnedNotified = notify.clone().notified_owned();
    notify.notify_waiters();
    common::threads::at_once(waiting);
    common::threads::at_once(owned);
}

/// An error type that converts from both `TryRecvError`s: two types, as in
/// tokio (one type before, so the two `From` impls conflicted).
#[test]
fn oneshot_and_mpsc_try_recv_errors_are_two_types() {
    #[derive(Debug, PartialEq)]
    enum Failed {
        Oneshot(oneshot::error::TryRecvError),
        Mpsc(mpsc::error::TryRecvError),
    }
    impl From<oneshot::error::TryRecvError> for Failed {
        fn from(error: oneshot::error::TryRecvError) -> Failed {
            Failed::Oneshot(error)
        }
    }
    impl From<mpsc::error::TryRecvError> for Failed {
        fn from(error: mpsc::error::TryRecvError) -> Failed {
            Failed::Mpsc(error)
        }
    }
    fn both(
        one: &mut oneshot::Receiver<u8>,
        many: &mpsc::Receiver<u8>,
    ) -> Result<(u8, u8), Failed> {
        Ok((one.try_recv()?, many.try_recv()?))
    }
    let (one_tx, mut one_rx) = oneshot::channel();
    let (many_tx, many_rx) = mpsc::channel(1);
    assert_eq!(
        both(&mut one_rx, &many_rx),
        Err(Failed::Oneshot(oneshot::error::TryRecvError::Empty))
    );
    one_tx.send(1).unwrap();
    assert_eq!(
        both(&mut one_rx, &many_rx),
        Err(Failed::Mpsc(mpsc::error::TryRecvError::Empty))
    );
    drop(many_tx);
    assert_eq!(
        oneshot::error::TryRecvError::Empty.to_string(),
        "channel empty"
    );
    assert_eq!(
        mpsc::error::TryRecvError::Closed.to_string(),
        "receiving on a closed channel"
    );
}

/// `?` turns a `blocking_send`'s `SendError` into a `TrySendError`, and
/// both print tokio's words.
#[test]
fn a_send_error_converts_into_a_try_send_error() {
    fn send_both(tx: &mpsc::Sender<u8>) -> Result<(), mpsc::error::TrySendError<u8>> {
        tx.try_send(1)?;
        tx.blocking_send(2)?;
        Ok(())
    }
    let (tx, rx) = mpsc::channel(2);
    // On a thread of its own: a wrong slot count would park the blocking
    // send for good.
    let tx = common::threads::on_thread(move || {
        assert_eq!(send_both(&tx), Ok(()));
        tx
    });
    drop(rx);
    let error = send_both(&tx).unwrap_err();
    assert_eq!(error, mpsc::error::TrySendError::Closed(1));
    assert_eq!(error.to_string(), "channel closed");
    let (full, _rx) = mpsc::channel(1);
    full.try_send(0).unwrap();
    assert_eq!(
        full.try_send(1).unwrap_err().to_string(),
        "no available capacity"
    );
}

/// watch's `Receiver::is_closed`, `Sender::same_channel` and `Default`;
/// broadcast's sender counts on a receiver; `OnceCell`'s equality.
#[test]
fn watch_broadcast_and_once_cell_have_tokios_small_methods() {
    let (tx, rx) = watch::channel(5);
    assert!(!rx.is_closed());
    assert!(tx.same_channel(&tx.clone()));
    let lone: watch::Sender<u32> = Default::default();
    assert!(!tx.same_channel(&watch::Sender::new(5)));
    assert_eq!(*lone.borrow(), 0);
    drop(tx);
    assert!(rx.is_closed(), "the last sender is gone");
    assert_eq!(*rx.borrow(), 5);

    let (tx, rx) = broadcast::channel::<u8>(1);
    let _tx2 = tx.clone();
    let _weak = tx.downgrade();
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (2, 1));

    let cell = OnceCell::new_with(Some(3));
    assert_eq!(cell, OnceCell::from(3));
    assert_ne!(cell, OnceCell::new());
    assert_eq!(OnceCell::<u8>::new(), OnceCell::new());
}

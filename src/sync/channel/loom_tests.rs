//! loom models of the channel's races: close against receive, send against
//! a parked receiver. Run with `RUSTFLAGS="--cfg loom" cargo test --release --lib loom`.

use loom::future::block_on;
use loom::thread;

use super::{TrySendError, bounded, unbounded};

/// A receiver parks on an empty channel while another thread sends: the
/// wake must not be lost (the Dekker fences in `waiters.rs`).
#[test]
fn loom_send_wakes_a_parked_receiver() {
    loom::model(|| {
        let (tx, rx) = bounded(1);
        let sender = thread::spawn(move || tx.try_send(1).is_ok());
        assert_eq!(block_on(rx.recv()), Some(1));
        assert!(sender.join().unwrap());
    });
}

/// A send racing with `close`: if the send succeeded, the receiver gets the
/// message before `None`; if not, `None` straight away. Never a hang.
#[test]
fn loom_close_races_send_and_receive() {
    loom::model(|| {
        let (tx, rx) = bounded::<u8>(1);
        let closer = tx.clone();
        let closing = thread::spawn(move || {
            closer.close();
        });
        let sent = match tx.try_send(7) {
            Ok(()) => true,
            Err(TrySendError::Closed(7)) => false,
            Err(other) => panic!("unexpected {other:?}"),
        };
        drop(tx);
        let first = block_on(rx.recv());
        assert_eq!(first, sent.then_some(7));
        assert_eq!(block_on(rx.recv()), None);
        closing.join().unwrap();
    });
}

/// The same race on the unbounded queue.
#[test]
fn loom_close_races_send_unbounded() {
    loom::model(|| {
        let (tx, rx) = unbounded::<u8>();
        let closer = rx.clone();
        let closing = thread::spawn(move || {
            closer.close();
        });
        let sent = tx.try_send(7).is_ok();
        let first = block_on(rx.recv());
        closing.join().unwrap();
        assert_eq!(first, sent.then_some(7));
        assert_eq!(block_on(rx.recv()), None);
    });
}

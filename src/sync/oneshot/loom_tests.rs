//! loom models of the oneshot state word: send against receive, against the
//! receiver's drop, the sender's drop against receive, close against `closed`.

use super::*;
use loom::future::block_on;

#[test]
fn loom_send_races_recv() {
    loom::model(|| {
        let (tx, rx) = channel();
        let sender = loom::thread::spawn(move || tx.send(1).is_ok());
        let received = block_on(rx);
        assert!(sender.join().unwrap());
        assert_eq!(received, Ok(1));
    });
}

#[test]
fn loom_send_races_receiver_drop() {
    loom::model(|| {
        let (tx, rx) = channel::<Arc<()>>();
        let value = Arc::new(());
        let sent = value.clone();
        let sender = loom::thread::spawn(move || tx.send(sent).err());
        drop(rx);
        // Either the value came back or it was dropped with the channel.
        drop(sender.join().unwrap());
        assert_eq!(Arc::strong_count(&value), 1);
    });
}

#[test]
fn loom_sender_drop_races_recv() {
    loom::model(|| {
        let (tx, rx) = channel::<u8>();
        let sender = loom::thread::spawn(move || drop(tx));
        assert_eq!(block_on(rx), Err(RecvError));
        sender.join().unwrap();
    });
}

#[test]
fn loom_close_wakes_closed() {
    loom::model(|| {
        let (mut tx, mut rx) = channel::<u8>();
        let receiver = loom::thread::spawn(move || rx.close());
        block_on(tx.closed());
        assert!(tx.is_closed());
        receiver.join().unwrap();
    });
}

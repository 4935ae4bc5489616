//! TCP sockets as tokio users reach them: made from std sockets with
//! `TryFrom`, and waited on in either direction with `ready(interest)`.

mod common;

use std::io::ErrorKind;

use common::block_on;
use corio::net::{TcpListener, TcpStream};

/// Sockets made with std come into the reactor through `TryFrom`, as in
/// tokio, and serve as ones made by corio: a std listener accepts a std
/// client's connection, and the two exchange bytes through the reactor.
#[test]
#[cfg_attr(miri, ignore)]
fn std_sockets_convert_with_try_from() {
    block_on(async {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let listener = TcpListener::try_from(std_listener).unwrap();
        listener.set_ttl(33).unwrap();
        assert_eq!(listener.ttl().unwrap(), 33);
        let std_client = std::net::TcpStream::connect(addr).unwrap();
        let mut client = TcpStream::try_from(std_client).unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"converted").await.unwrap();
        let mut buf = [0; 9];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"converted");
        assert!(client.take_error().unwrap().is_none());
    });
}

/// `ready` waits for whichever direction of its interest comes first: a
/// stream whose send buffer is full and with nothing to read waits, and
/// the peer's write wakes it, and it says readable.
#[test]
#[cfg_attr(miri, ignore)]
fn ready_waits_for_either_direction_and_says_which() {
    use corio::io::Interest;
    block_on(async {
        let (client, mut server) = common::tcp_pair().await;
        client.writable().await.unwrap();
        let chunk = [7u8; 64 * 1024];
        loop {
            match client.try_write(&chunk) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        // Full, and nothing to read: both directions wait.
        let both = Interest::READABLE | Interest::WRITABLE;
        let waiting = client.ready(both);
        let reply = async {
            corio::task::yield_now().await;
            server.write_all(b"reply").await.unwrap();
        };
        let (ready, ()) = futures_lite::future::zip(waiting, reply).await;
        let ready = ready.unwrap();
        // Strict: Linux signals room to write only once a third of the
        // send buffer is free, which nothing here frees. Answered writable
        // alone, the last `WouldBlock` left its mark standing (a form of
        // this test that let a writable answer through passed that way).
        assert!(ready.is_readable(), "{ready:?}");
        let mut buf = [0; 8];
        assert_eq!(client.try_read(&mut buf).unwrap(), 5);
    });
}

/// An empty read or write is done at once, with `Ok(0)`, not after a wait
/// for bytes (or room) it would not take anyway (tokio's waits). Here the
/// stream has nothing to read and its send buffer is full, so a wait would
/// last until the peer acts.
#[test]
#[cfg_attr(miri, ignore)]
fn an_empty_read_or_write_does_not_wait() {
    use futures_lite::AsyncWriteExt;
    use futures_lite::future::poll_once;
    block_on(async {
        let (mut client, _server) = common::tcp_pair().await;
        client.writable().await.unwrap();
        let chunk = [7u8; 64 * 1024];
        while client.try_write(&chunk).is_ok() {}
        assert_eq!(poll_once(client.read(&mut [])).await.unwrap().unwrap(), 0);
        assert_eq!(poll_once(client.write(&[])).await.unwrap().unwrap(), 0);
        let empty = [std::io::IoSlice::new(&[]), std::io::IoSlice::new(&[])];
        let gathered = poll_once(client.write_vectored(&empty)).await;
        assert_eq!(gathered.unwrap().unwrap(), 0);
        // A real read still waits: nothing was sent.
        assert!(poll_once(client.read(&mut [0; 1])).await.is_none());
    });
}

/// An empty read still spends coop budget, as every socket operation does:
/// a task looping on them yields now and then, and the other task on its
/// one thread gets to run.
#[test]
#[cfg_attr(miri, ignore)]
fn a_loop_of_empty_reads_still_yields() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let runtime = corio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(common::bounded(async {
        let (mut client, _server) = common::tcp_pair().await;
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let other = corio::spawn(async move { flag.store(true, Ordering::SeqCst) });
        for _ in 0..1_000 {
            assert_eq!(client.read(&mut []).await.unwrap(), 0);
        }
        assert!(ran.load(Ordering::SeqCst), "the loop never yielded");
        other.await.unwrap();
    }));
}

//! Several callers on one shared socket: which of them are woken. A
//! `poll_*` method keeps only its latest caller's waker (tokio's rule);
//! each `incoming()` of a listener, like each `accept()`, keeps its own.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Wake, Waker};

use common::block_on;
use corio::net::{TcpListener, UnixListener, UnixStream};
use futures_lite::StreamExt;

struct Counted(AtomicUsize);

impl Wake for Counted {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A `poll_read` through `&UnixStream` keeps only the latest caller's waker
/// (tokio's rule for `poll_*` methods): callers that each poll once with a
/// waker of their own and go away leave none of theirs behind, and the
/// latest one is woken when bytes come.
#[test]
#[cfg_attr(miri, ignore)]
fn poll_read_callers_leave_only_the_latest_waker() {
    block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        let callers: Vec<Arc<Counted>> = (0..100)
            .map(|_| Arc::new(Counted(AtomicUsize::new(0))))
            .collect();
        for caller in &callers {
            let waker = Waker::from(caller.clone());
            let mut cx = Context::from_waker(&waker);
            let poll =
                futures_io::AsyncRead::poll_read(std::pin::Pin::new(&mut &a), &mut cx, &mut [0; 8]);
            assert!(poll.is_pending());
        }
        let held = callers.iter().filter(|c| Arc::strong_count(c) > 1).count();
        assert_eq!(held, 1, "only the latest caller's waker is kept");
        assert_eq!(Arc::strong_count(&callers[99]), 2);

        futures_lite::AsyncWriteExt::write_all(&mut &b, b"x")
            .await
            .unwrap();
        let woken = async {
            while callers[99].0.load(Ordering::SeqCst) == 0 {
                corio::task::yield_now().await;
            }
        };
        corio::time::timeout(std::time::Duration::from_secs(10), woken)
            .await
            .expect("the latest caller is woken");
        assert!(
            callers[..99]
                .iter()
                .all(|c| c.0.load(Ordering::SeqCst) == 0)
        );
    });
}

/// Two acceptor tasks, each with its own `incoming()` of one shared
/// listener, both parked before two clients connect: each is woken (one
/// `Incoming` does not take the other's place among the listener's
/// waiters). `$listener` makes the listener (it may `.await`),
/// `$connect(&listener)` a client.
macro_rules! each_incoming_is_woken {
    ($listener:expr, $connect:expr) => {{
        let runtime = corio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(common::bounded(async {
            let listener = Arc::new($listener);
            let waiting = Arc::new(AtomicUsize::new(0));
            let acceptors: Vec<_> = (0..2)
                .map(|_| {
                    let (listener, waiting) = (listener.clone(), waiting.clone());
                    corio::spawn(async move {
                        let mut incoming = listener.incoming();
                        waiting.fetch_add(1, Ordering::SeqCst);
                        incoming.next().await.unwrap().unwrap();
                    })
                })
                .collect();
            // Both acceptors have polled (and parked) once this counts two.
            while waiting.load(Ordering::SeqCst) < 2 {
                corio::task::yield_now().await;
            }
            let _clients = [$connect(&listener), $connect(&listener)];
            let accepted = corio::time::timeout(std::time::Duration::from_secs(10), async {
                for acceptor in acceptors {
                    acceptor.await.unwrap();
                }
            });
            accepted.await.expect("every acceptor was woken");
        }));
    }};
}

#[test]
#[cfg_attr(miri, ignore)]
fn each_incoming_of_a_shared_tcp_listener_is_woken() {
    each_incoming_is_woken!(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        |l: &TcpListener| std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap()
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn each_incoming_of_a_shared_unix_listener_is_woken() {
    let path = std::env::temp_dir().join(format!("corio-shared-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    each_incoming_is_woken!(UnixListener::bind(&path).unwrap(), |_: &UnixListener| {
        std::os::unix::net::UnixStream::connect(&path).unwrap()
    });
    let _ = std::fs::remove_file(&path);
}

//! A paused clock looks at I/O before it jumps to the next timer: bytes
//! that are already there are work, and the jump waits for them.

mod common;

use std::time::Duration;

use common::paused;
use corio::time::{self, Instant};

/// Bytes that arrive while tasks run are work: a paused clock looks at I/O
/// before it jumps to the next timer, so a read with a 5 s timeout whose
/// bytes are already there completes at the same virtual instant (the clock
/// used to jump the 5 s first, then deliver the read).
#[test]
#[cfg_attr(miri, ignore)]
fn a_paused_clock_does_not_jump_past_ready_io() {
    ready_io_before_a_jump(0);
}

/// The same behind 80 events no task waits for (the first writable edges
/// of 40 new socket pairs), ten looks' worth at 8 events a look (at the
/// default, 32, three): the look before a jump goes on while the buffer
/// comes back full.
#[test]
#[cfg_attr(miri, ignore)]
fn a_paused_clock_does_not_jump_past_ready_io_behind_a_full_look() {
    ready_io_before_a_jump(40);
}

fn ready_io_before_a_jump(idle_pairs: usize) {
    use std::io::Write;

    common::within_limit(move || {
        let runtime = if idle_pairs == 0 {
            paused()
        } else {
            corio::runtime::Builder::new_current_thread()
                .start_paused(true)
                .max_io_events_per_tick(8)
                .build()
                .unwrap()
        };
        runtime.block_on(async {
            // Registered first, so that their edges come first in the
            // kernel's list; kept open to the end.
            let _idle: Vec<_> = (0..idle_pairs)
                .map(|_| {
                    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
                    let a = corio::net::UnixStream::from_std(a).unwrap();
                    let b = corio::net::UnixStream::from_std(b).unwrap();
                    (a, b)
                })
                .collect();
            let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
            let mut ours = corio::net::UnixStream::from_std(ours).unwrap();
            let start = Instant::now();
            let (armed_tx, armed) = corio::sync::oneshot::channel();
            let reader = corio::spawn(async move {
                let mut buf = [0u8; 4];
                let read = {
                    let mut read = std::pin::pin!(time::timeout(
                        Duration::from_secs(5),
                        ours.read_exact(&mut buf)
                    ));
                    // Waiting on the socket, its 5 s timer armed, before
                    // the bytes come.
                    assert!(futures_lite::future::poll_once(&mut read).await.is_none());
                    armed_tx.send(()).unwrap();
                    read.await
                };
                (read.map(|r| r.map(|_| buf)), Instant::now())
            });
            armed.await.unwrap();
            (&theirs).write_all(b"ping").unwrap();
            let (read, done) = reader.await.unwrap();
            assert_eq!(read.expect("no timeout").unwrap(), *b"ping");
            assert_eq!(done - start, Duration::ZERO, "the clock jumped");
        })
    });
}

//! Reactor tests that need its insides: stale keys, deregistration and
//! shutdown while a task waits, the zero-timeout fast path, the coop budget.

use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::Async;
use super::reactor::Reactor;
use super::registration::Registration;
use super::source::{Direction, IoEvent};
use crate::task::budget;

/// A waker that counts its wakes.
pub(super) fn counting_waker() -> (Waker, Arc<std::sync::atomic::AtomicUsize>) {
    struct Count(Arc<std::sync::atomic::AtomicUsize>);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    (Waker::from(Arc::new(Count(count.clone()))), count)
}

pub(super) fn wakes(count: &std::sync::atomic::AtomicUsize) -> usize {
    count.load(std::sync::atomic::Ordering::SeqCst)
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_stale_event_for_a_reused_slot_is_ignored() {
    let reactor = Reactor::new(1024).unwrap();
    let (old_pipe, _w1) = io::pipe().unwrap();
    let old = reactor.register(old_pipe.as_fd()).unwrap();
    let stale_key = old.key();
    reactor.deregister(&old);

    let (new_pipe, _w2) = io::pipe().unwrap();
    let new = reactor.register(new_pipe.as_fd()).unwrap();
    assert_eq!(
        new.key().index(),
        stale_key.index(),
        "the slab reused the slot"
    );
    assert_ne!(new.key(), stale_key, "with a new generation");

    let (waker, count) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(
        reactor
            .poll_ready(&new, Direction::Read, &mut cx, None)
            .is_pending()
    );

    // The driver had collected an event for the old source before it left.
    let dispatched = reactor.dispatch(
        [IoEvent::readable(stale_key.into())].into_iter(),
        &mut Vec::new(),
        &mut Vec::new(),
    );
    assert_eq!(dispatched, (0, false));
    assert_eq!(wakes(&count), 0, "the new source's task was not woken");
    assert!(
        reactor
            .poll_ready(&new, Direction::Read, &mut cx, None)
            .is_pending(),
        "and its readiness was not faked"
    );

    // The current key is delivered.
    let dispatched = reactor.dispatch(
        [IoEvent::readable(new.key().into())].into_iter(),
        &mut Vec::new(),
        &mut Vec::new(),
    );
    assert_eq!(dispatched, (1, true));
    assert_eq!(wakes(&count), 1);
    assert!(
        reactor
            .poll_ready(&new, Direction::Read, &mut cx, None)
            .is_ready()
    );
    reactor.deregister(&new);
}

#[test]
#[cfg_attr(miri, ignore)]
fn deregistering_wakes_a_waiting_task_with_an_error() {
    let reactor = Arc::new(Reactor::new(1024).unwrap());
    let (pipe, _writer) = io::pipe().unwrap();
    let source = reactor.register(pipe.as_fd()).unwrap();
    let (waker, count) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(
        reactor
            .poll_ready(&source, Direction::Read, &mut cx, None)
            .is_pending()
    );

    // Another thread (another task's worker) drops the source.
    std::thread::scope(|s| {
        s.spawn(|| reactor.deregister(&source));
    });
    assert_eq!(wakes(&count), 1, "the waiting task was woken");
    match reactor.poll_ready(&source, Direction::Read, &mut cx, None) {
        Poll::Ready(Err(e)) => assert!(e.to_string().contains("deregistered"), "{e}"),
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(reactor.sources_registered(), 0);
}

#[test]
#[cfg_attr(miri, ignore)]
fn shutdown_wakes_waiters_and_refuses_registrations() {
    let reactor = Arc::new(Reactor::new(1024).unwrap());
    let _io = Reactor::enter(&reactor);
    let (pipe, _writer) = io::pipe().unwrap();
    let pipe = Async::new(pipe).unwrap();
    let (waker, count) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(pipe.poll_readable(&mut cx).is_pending());

    reactor.shutdown();
    assert_eq!(wakes(&count), 1);
    let Poll::Ready(Err(error)) = pipe.poll_readable(&mut cx) else {
        panic!("a closed source must not wait");
    };
    assert!(error.to_string().contains("shut down"), "{error}");

    let (other, _w) = io::pipe().unwrap();
    let refused = Async::new(other).unwrap_err();
    assert!(refused.to_string().contains("shut down"), "{refused}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn wait_delivers_events_and_notify_interrupts_it() {
    let reactor = Arc::new(Reactor::new(1024).unwrap());
    let _io = Reactor::enter(&reactor);
    let (reader, mut writer) = io::pipe().unwrap();
    let reader = Async::new(reader).unwrap();

    assert_eq!(
        reactor.wait(Some(Duration::ZERO)).unwrap(),
        0,
        "nothing armed"
    );
    let (waker, count) = counting_waker();
    assert!(
        reader
            .poll_readable(&mut Context::from_waker(&waker))
            .is_pending()
    );
    assert_eq!(
        reactor.wait(Some(Duration::ZERO)).unwrap(),
        0,
        "nothing ready"
    );

    writer.write_all(b"x").unwrap();
    assert_eq!(reactor.wait(Some(Duration::ZERO)).unwrap(), 1);
    assert_eq!(wakes(&count), 1);

    // A notify from another thread ends a wait that has no timeout (the
    // wait runs on its own thread, so a broken notify fails, not hangs).
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let waiter = reactor.clone();
    std::thread::spawn(move || {
        let _ = done_tx.send(waiter.wait(None).unwrap());
    });
    reactor.notify();
    let events = done_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("notify did not end the wait");
    assert_eq!(events, 0);
    let mut byte = [0];
    assert_eq!(reader.get_ref().read(&mut byte).unwrap(), 1);
}

#[test]
#[cfg_attr(miri, ignore)]
fn ready_socket_operations_spend_the_coop_budget() {
    let reactor = Arc::new(Reactor::new(1024).unwrap());
    let _io = Reactor::enter(&reactor);
    let socket = Async::new(std::net::UdpSocket::bind("127.0.0.1:0").unwrap()).unwrap();
    let to = socket.get_ref().local_addr().unwrap();
    // A new source is not marked ready until the poller says so: deliver
    // the socket's first (writable) edge, as the driver would.
    reactor.wait(Some(Duration::ZERO)).unwrap();
    let (waker, count) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    budget::with_budget(|| {
        let mut sent = 0;
        while socket
            .poll_write_with(&mut cx, None, |s| s.send_to(b"x", to))
            .is_ready()
        {
            sent += 1;
        }
        assert_eq!(sent, usize::from(budget::BUDGET), "one unit a send");
    });
    assert_eq!(wakes(&count), 1, "the task yielded by waking itself");
}

/// `ready` with both interests is one wait and spends one unit of budget,
/// as tokio's does: with one unit left it answers both directions, and
/// does not wake the task for a second unit it could not have.
#[test]
#[cfg_attr(miri, ignore)]
fn ready_for_both_directions_spends_one_unit() {
    let (peer, ours) = std::os::unix::net::UnixDatagram::pair().unwrap();
    peer.send(b"x").unwrap();
    let reactor = Arc::new(Reactor::new(1024).unwrap());
    let _io = Reactor::enter(&reactor);
    let socket = Async::new(ours).unwrap();
    // Both edges, readable and writable, as the driver would deliver them.
    for _ in 0..100 {
        reactor.wait(Some(Duration::from_millis(10))).unwrap();
        if socket.marked_ready(Direction::Read) && socket.marked_ready(Direction::Write) {
            break;
        }
    }
    let (waker, count) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    budget::with_budget(|| {
        for _ in 1..budget::BUDGET {
            let Poll::Ready(spent) = budget::poll_proceed(&mut cx) else {
                unreachable!("units left")
            };
            spent.made_progress();
        }
        let mut ready =
            std::pin::pin!(socket.ready(super::Interest::READABLE | super::Interest::WRITABLE));
        let Poll::Ready(Ok(found)) = ready.as_mut().poll(&mut cx) else {
            panic!("both directions are marked ready")
        };
        assert!(found.is_readable() && found.is_writable(), "{found:?}");
        assert!(!budget::has_remaining(), "the wait spent the last unit");
    });
    assert_eq!(wakes(&count), 0, "no wake for a unit the wait did not need");
}

#[test]
#[cfg_attr(miri, ignore)]
fn dropping_a_registration_deregisters_it() {
    let reactor = Arc::new(Reactor::new(1024).unwrap());
    let _io = Reactor::enter(&reactor);
    let (reader, _writer) = io::pipe().unwrap();
    let registration = Registration::new(reader.as_fd()).unwrap();
    assert_eq!(reactor.sources_registered(), 1);
    drop(registration);
    assert_eq!(reactor.sources_registered(), 0, "drop deregisters");
}

/// Waits (at most 20 s) until `n` bytes sit in `stream`'s receive queue.
/// Loopback TCP delivers within the sender's `write`, except on a loaded
/// machine, where the kernel may finish the delivery a little later.
fn wait_queued(stream: &Async<std::net::TcpStream>, n: usize) {
    use std::os::fd::AsRawFd;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut queued: libc::c_int = 0;
        // SAFETY: FIONREAD writes one `c_int` through the pointer, which
        // points at a live local of that type.
        let r = unsafe {
            libc::ioctl(
                stream.get_ref().as_raw_fd(),
                libc::FIONREAD,
                &raw mut queued,
            )
        };
        assert_eq!(r, 0, "FIONREAD: {}", io::Error::last_os_error());
        if queued as usize >= n {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{n} bytes never arrived"
        );
        std::thread::yield_now();
    }
}

/// A loopback TCP connection whose server side (registered with the
/// entered `reactor`) asks for queue reports; `None`, with a note, where the
/// poller cannot tell a close apart, so no read counts as drained.
fn queue_reporting_pair(
    reactor: &Reactor,
) -> Option<(std::net::TcpStream, Async<std::net::TcpStream>)> {
    if !reactor.short_reads_drain() {
        eprintln!("skipped: this poller does not report a peer's close");
        return None;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let mut server = Async::new(listener.accept().unwrap().0).unwrap();
    server.mark_tcp_stream();
    assert!(server.reports_queue(), "Linux TCP takes TCP_INQ");
    Some((client, server))
}

/// A Unix stream passed off as TCP (`TcpStream::from_std` of a mistyped
/// inherited descriptor) gets no short-read rule: its reads stop short at
/// a message carrying descriptors, with more queued, so a short read must
/// not count as drained there. (The flag is what the reads go by.)
#[test]
#[cfg_attr(miri, ignore)]
fn a_unix_stream_marked_as_tcp_gets_no_short_read_rule() {
    let reactor = Arc::new(Reactor::new(1024).unwrap());
    let _io = Reactor::enter(&reactor);
    if !reactor.short_reads_drain() {
        eprintln!("skipped: this poller applies no short-read rule");
        return;
    }
    let (unix, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let fd = std::os::fd::OwnedFd::from(unix);
    let mut posing = Async::new(std::net::TcpStream::from(fd)).unwrap();
    posing.mark_tcp_stream();
    assert!(!posing.short_reads_drain(), "not TCP: no short-read rule");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let mut tcp = Async::new(listener.accept().unwrap().0).unwrap();
    tcp.mark_tcp_stream();
    assert!(tcp.short_reads_drain(), "a real TCP stream keeps the rule");
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_tcp_read_the_kernel_says_emptied_the_queue_marks_the_stream_drained() {
    let reactor = Arc::new(Reactor::new(1024).unwrap());
    let _io = Reactor::enter(&reactor);
    let Some((mut client, server)) = queue_reporting_pair(&reactor) else {
        return;
    };
    client.write_all(&[1; 128]).unwrap();
    wait_queued(&server, 128);
    // Hand the readable edge to the source.
    reactor.wait(Some(Duration::ZERO)).unwrap();
    let (waker, _) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut buf = [0; 64];
    budget::with_budget(|| {
        assert!(matches!(
            server.poll_read(&mut cx, None, &mut buf),
            Poll::Ready(Ok(64))
        ));
        assert!(
            server.marked_ready(Direction::Read),
            "a full read with 64 bytes still queued leaves the stream ready"
        );
        assert!(matches!(
            server.poll_read(&mut cx, None, &mut buf),
            Poll::Ready(Ok(64))
        ));
        assert!(
            !server.marked_ready(Direction::Read),
            "a full read that left nothing queued counts as drained"
        );
        assert!(
            server.poll_read(&mut cx, None, &mut buf).is_pending(),
            "so the next read waits for an edge"
        );
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn after_a_short_read_a_stream_reads_without_asking_until_a_read_fills_up() {
    let reactor = Arc::new(Reactor::new(1024).unwrap());
    let _io = Reactor::enter(&reactor);
    let Some((mut client, server)) = queue_reporting_pair(&reactor) else {
        return;
    };
    let (waker, _) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut buf = [0; 64];
    budget::with_budget(|| {
        // A short read: drained, and the stream stops asking.
        client.write_all(&[1; 10]).unwrap();
        wait_queued(&server, 10);
        reactor.wait(Some(Duration::ZERO)).unwrap();
        assert!(matches!(
            server.poll_read(&mut cx, None, &mut buf),
            Poll::Ready(Ok(10))
        ));
        assert!(!server.marked_ready(Direction::Read));
        // So a read that fills its buffer is a plain `recv`: nothing says
        // the socket is empty, and the stream stays marked ready...
        client.write_all(&[2; 64]).unwrap();
        wait_queued(&server, 64);
        reactor.wait(Some(Duration::ZERO)).unwrap();
        assert!(matches!(
            server.poll_read(&mut cx, None, &mut buf),
            Poll::Ready(Ok(64))
        ));
        assert!(
            server.marked_ready(Direction::Read),
            "a plain recv was made"
        );
        // ...while the next read, after a full one, asks again.
        client.write_all(&[3; 64]).unwrap();
        wait_queued(&server, 64);
        reactor.wait(Some(Duration::ZERO)).unwrap();
        assert!(matches!(
            server.poll_read(&mut cx, None, &mut buf),
            Poll::Ready(Ok(64))
        ));
        assert!(
            !server.marked_ready(Direction::Read),
            "the kernel said empty"
        );
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_wait_that_ends_ready_leaves_its_drop_nothing_to_take_out() {
    let reactor = Arc::new(Reactor::new(1024).unwrap());
    let _io = Reactor::enter(&reactor);
    let (reader, mut writer) = io::pipe().unwrap();
    let reader = Async::new(reader).unwrap();
    let (waker, count) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut waiting = reader.registration().waiting(Direction::Read);
    let registration = reader.registration();
    assert!(
        registration
            .poll_ready(Direction::Read, &mut cx, waiting.slot())
            .is_pending()
    );
    assert_ne!(waiting.slot().unwrap().0, 0, "the future holds an entry");
    writer.write_all(b"x").unwrap();
    assert_eq!(reactor.wait(Some(Duration::ZERO)).unwrap(), 1);
    assert_eq!(wakes(&count), 1);
    assert!(
        registration
            .poll_ready(Direction::Read, &mut cx, waiting.slot())
            .is_ready()
    );
    assert_eq!(
        waiting.slot().unwrap().0,
        0,
        "the event took the entry, so the drop need not lock"
    );
}

/// What a paused clock asks before it jumps: an event delivered, or a
/// notify taken, counts as a wake, once; with nothing new, the next look
/// says so (a notify reported at every look would keep the clock from ever
/// jumping).
#[test]
#[cfg_attr(miri, ignore)]
fn poll_woke_reports_an_event_or_a_notify_once() {
    let reactor = Arc::new(Reactor::new(1024).unwrap());
    // No source registered: a notify is still taken and reported.
    reactor.notify();
    assert!(reactor.poll_woke().unwrap(), "a notify is a wake");
    assert!(!reactor.poll_woke().unwrap(), "reported once");

    let _io = Reactor::enter(&reactor);
    let (reader, mut writer) = io::pipe().unwrap();
    let reader = Async::new(reader).unwrap();
    let (waker, count) = counting_waker();
    assert!(
        reader
            .poll_readable(&mut Context::from_waker(&waker))
            .is_pending()
    );
    // A new source's first edges wake nobody (no task waits on them yet
    // for this pipe's write end): they are not a wake.
    let (_idle_reader, idle_writer) = io::pipe().unwrap();
    let _idle_writer = Async::new(idle_writer).unwrap();
    assert!(!reactor.poll_woke().unwrap(), "nothing new");
    writer.write_all(b"x").unwrap();
    assert!(reactor.poll_woke().unwrap(), "an event is a wake");
    assert_eq!(wakes(&count), 1);
    reactor.notify();
    assert!(
        reactor.poll_woke().unwrap(),
        "a notify with a source registered"
    );
    assert!(!reactor.poll_woke().unwrap(), "and nothing after it");
}

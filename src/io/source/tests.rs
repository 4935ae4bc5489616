//! The source protocol, one step at a time, against a real poller.

use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Wake;

struct CountingWaker(AtomicUsize);
impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
#[cfg_attr(miri, ignore = "a real poller (epoll): Miri cannot run it")]
fn closing_wakes_waiters_and_fails_their_next_poll() {
    let source = Source::new(-1, Key::new(0, 0), false);
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    assert!(source.state.lock().read.waiters.register(&waker).is_none());
    let mut wake = Vec::new();
    source.close(Closed::ShutDown, &mut wake);
    source.close(Closed::Deregistered, &mut wake);
    wake.drain(..).for_each(Waker::wake);
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);

    let poller = Poller::new().unwrap();
    let mut cx = Context::from_waker(&waker);
    match source.poll_ready(&poller, Direction::Read, &mut cx, None) {
        Poll::Ready(Err(e)) => assert!(e.to_string().contains("shut down")),
        other => panic!("expected an error, got {other:?}"),
    }
}

/// An event that reports the peer's close without `readable` still
/// makes the read side ready, so it must wake the readers too.
#[test]
#[cfg_attr(miri, ignore = "a real poller (epoll): Miri cannot run it")]
fn a_close_reported_alone_wakes_the_readers() {
    let poller = Poller::new().unwrap();
    let source = Source::new(-1, Key::new(0, 0), true);
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    assert!(source.state.lock().read.waiters.register(&waker).is_none());
    let mut wake = Vec::new();
    let closed = IoEvent {
        readable: false,
        read_closed: true,
        ..IoEvent::readable(0)
    };
    source.dispatch(&poller, closed, &mut wake);
    assert!(source.readiness().is_ready(Direction::Read));
    wake.drain(..).for_each(Waker::wake);
    assert_eq!(counter.0.load(Ordering::SeqCst), 1, "the reader was woken");
}

#[test]
#[cfg_attr(miri, ignore = "a real poller (epoll): Miri cannot run it")]
fn a_stale_clear_never_wipes_a_newer_event() {
    let poller = Poller::new().unwrap();
    let source = Source::new(-1, Key::new(0, 0), true);
    assert!(!source.readiness().is_ready(Direction::Read));
    let mut wake = Vec::new();
    source.dispatch(&poller, IoEvent::readable(0), &mut wake);
    let seen = source.readiness();
    assert!(seen.is_ready(Direction::Read) && !seen.is_ready(Direction::Write));
    // A second event lands after the task looked, before it clears.
    source.dispatch(&poller, IoEvent::readable(0), &mut wake);
    source.clear_readiness(Direction::Read, seen);
    assert!(
        source.readiness().is_ready(Direction::Read),
        "the newer event stands"
    );
    let now = source.readiness();
    source.clear_readiness(Direction::Read, now);
    assert!(!source.readiness().is_ready(Direction::Read));
}

#[test]
#[cfg_attr(miri, ignore = "a real poller (epoll): Miri cannot run it")]
fn a_closed_peer_keeps_the_read_side_ready_through_clears() {
    let poller = Poller::new().unwrap();
    let source = Source::new(-1, Key::new(0, 0), true);
    let closing = IoEvent {
        key: 0,
        readable: true,
        writable: false,
        read_closed: true,
        write_closed: false,
        urgent: false,
    };
    source.dispatch(&poller, closing, &mut Vec::new());
    let seen = source.readiness();
    source.clear_drained(Direction::Read, seen);
    assert!(
        source.readiness().is_ready(Direction::Read),
        "the end of the stream must still be read without a new edge"
    );
    assert!(!source.readiness().is_ready(Direction::Write));
    // But a read that would block is not at the end: no busy retry loop.
    source.clear_readiness(Direction::Read, source.readiness());
    assert!(!source.readiness().is_ready(Direction::Read));
}

#[test]
#[cfg_attr(miri, ignore = "a real poller (epoll): Miri cannot run it")]
fn pending_urgent_data_keeps_a_short_read_from_draining() {
    let poller = Poller::new().unwrap();
    let source = Source::new(-1, Key::new(0, 0), true);
    let urgent = IoEvent {
        urgent: true,
        ..IoEvent::readable(0)
    };
    source.dispatch(&poller, urgent, &mut Vec::new());
    source.clear_drained(Direction::Read, source.readiness());
    assert!(
        source.readiness().is_ready(Direction::Read),
        "bytes wait behind the urgent mark: read again"
    );
    // A read that would block has passed the mark: the bit goes too.
    source.clear_readiness(Direction::Read, source.readiness());
    source.dispatch(&poller, IoEvent::readable(0), &mut Vec::new());
    source.clear_drained(Direction::Read, source.readiness());
    assert!(!source.readiness().is_ready(Direction::Read));
}

/// A write side that closed (a pipe's reader gone: `EPOLLOUT | EPOLLERR`)
/// stays ready through `clear_seen`, as a read side's close does, and
/// only a write that would block clears it; a peer's half-close leaves
/// the write side to clear as usual.
#[test]
#[cfg_attr(miri, ignore = "a real poller (epoll): Miri cannot run it")]
fn a_closed_write_side_stays_ready_through_clear_seen() {
    let poller = Poller::new().unwrap();
    let source = Source::new(-1, Key::new(0, 0), true);
    let broken = IoEvent {
        readable: false,
        writable: true,
        write_closed: true,
        ..IoEvent::readable(0)
    };
    source.dispatch(&poller, broken, &mut Vec::new());
    source.clear_seen(Direction::Write, source.readiness());
    assert!(source.readiness().is_ready(Direction::Write));
    source.clear_readiness(Direction::Write, source.readiness());
    assert!(!source.readiness().is_ready(Direction::Write));

    let half_closed = IoEvent {
        writable: true,
        read_closed: true,
        ..IoEvent::readable(0)
    };
    source.dispatch(&poller, half_closed, &mut Vec::new());
    source.clear_seen(Direction::Write, source.readiness());
    assert!(!source.readiness().is_ready(Direction::Write));
    assert!(source.readiness().is_ready(Direction::Read));
}

//! The reactor's event buffer: one look takes at most its capacity
//! (`Builder::max_io_events_per_tick`), and the events it leaves stay
//! queued in the kernel for the next look.

use std::io::{self, Write};
use std::sync::Arc;
use std::task::Context;
use std::time::Duration;

use super::Async;
use super::reactor::Reactor;
use super::tests::{counting_waker, wakes};

/// The reactor honours the capacity `Builder::max_io_events_per_tick`
/// hands it: with room for one event a look, three ready pipes take three
/// looks, and none is lost.
#[test]
#[cfg_attr(miri, ignore)]
fn a_look_takes_at_most_its_capacity_and_leaves_the_rest_queued() {
    for (capacity, first_look) in [(1, 1), (1024, 3)] {
        let reactor = Arc::new(Reactor::new(capacity).unwrap());
        let _io = Reactor::enter(&reactor);
        let (waker, count) = counting_waker();
        let mut pipes = Vec::new();
        for _ in 0..3 {
            let (reader, writer) = io::pipe().unwrap();
            let reader = Async::new(reader).unwrap();
            assert!(
                reader
                    .poll_readable(&mut Context::from_waker(&waker))
                    .is_pending()
            );
            pipes.push((reader, writer));
        }
        for (_, writer) in &mut pipes {
            writer.write_all(b"x").unwrap();
        }
        assert_eq!(
            reactor.wait(Some(Duration::ZERO)).unwrap(),
            first_look,
            "capacity {capacity}"
        );
        let mut dispatched = first_look;
        while dispatched < 3 {
            let more = reactor.wait(Some(Duration::ZERO)).unwrap();
            assert_eq!(more, 1, "capacity {capacity}: one event a look");
            dispatched += more;
        }
        assert_eq!(wakes(&count), 3, "capacity {capacity}: every reader woke");
    }
}

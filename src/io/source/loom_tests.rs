//! loom models of the source protocol as a whole: a task reading (and
//! writing) a descriptor the way `registration.rs` does (snapshot, try,
//! clear or wait), a peer writing to it (and making room), and a reactor
//! thread delivering the kernel's events to [`Source::dispatch`], in every
//! interleaving with up to three preemptions (loom's bound: without it
//! three threads and two locks take hours).
//!
//! The kernel is pretend (loom cannot see into epoll): a [`Kernel`] holds
//! the bytes queued on the descriptor, whether its send buffer has room
//! and, in oneshot mode, which directions are armed, and it is the [`Arm`]
//! the source re-arms through. Its rules are epoll's: edge-triggered, every
//! arrival of bytes or of room raises an event; oneshot, only while that
//! direction is armed, one event carries every armed direction that is
//! ready and disarms them all, and arming a direction that is already
//! ready raises one at once.
//!
//! A lost wake-up leaves the task parked with nobody to wake it, which loom
//! reports as a deadlock: the models fail.

use super::*;
use crate::loom::{Arc, Condvar, thread};
use std::future::poll_fn;

/// The pretend kernel of one descriptor, and the reactor's event queue.
struct Kernel {
    oneshot: bool,
    state: Mutex<KernelState>,
    /// Signalled when an event is raised or the model is over.
    raised: Condvar,
}

#[derive(Default)]
struct KernelState {
    /// Bytes the peer wrote that nobody has read.
    queued: usize,
    /// The send buffer has room.
    room: bool,
    /// Oneshot: which directions are armed.
    armed_read: bool,
    armed_write: bool,
    /// The event waiting for the reactor (several coalesce, as epoll's do).
    readable: bool,
    writable: bool,
    /// The source was closed: it must never be armed again.
    closed: bool,
    /// The task is done: the reactor may stop.
    done: bool,
}

impl Kernel {
    fn new(oneshot: bool) -> Kernel {
        Kernel {
            oneshot,
            state: Mutex::new(KernelState::default()),
            raised: Condvar::new(),
        }
    }

    /// Raises what is ready: edge-triggered, the edge that just came;
    /// oneshot, every armed direction that is ready, disarming them all.
    fn raise(&self, state: &mut KernelState, edge_read: bool, edge_write: bool) {
        let (read, write) = if self.oneshot {
            (
                state.armed_read && state.queued > 0,
                state.armed_write && state.room,
            )
        } else {
            (edge_read, edge_write)
        };
        if read || write {
            if self.oneshot {
                state.armed_read = false;
                state.armed_write = false;
            }
            state.readable |= read;
            state.writable |= write;
            self.raised.notify_one();
        }
    }

    /// The peer writes one byte.
    fn send(&self) {
        let mut state = self.state.lock();
        state.queued += 1;
        self.raise(&mut state, true, false);
    }

    /// The peer reads what was sent to it: the send buffer has room.
    fn make_room(&self) {
        let mut state = self.state.lock();
        state.room = true;
        self.raise(&mut state, false, true);
    }

    /// A read: takes every queued byte, 0 for "would block".
    fn read(&self) -> usize {
        std::mem::take(&mut self.state.lock().queued)
    }

    /// A write: done if the send buffer has room, else "would block".
    fn write(&self) -> bool {
        self.state.lock().room
    }

    /// The reactor's wait: the next event, or `None` once the model is over.
    fn wait(&self) -> Option<IoEvent> {
        let mut state = self.state.lock();
        while !state.readable && !state.writable && !state.done {
            state = self.raised.wait(state);
        }
        let readable = std::mem::take(&mut state.readable);
        let writable = std::mem::take(&mut state.writable);
        (readable || writable).then_some(IoEvent {
            writable,
            readable,
            ..IoEvent::readable(0)
        })
    }

    fn closed(&self) {
        self.state.lock().closed = true;
    }

    fn finish(&self) {
        self.state.lock().done = true;
        self.raised.notify_one();
    }
}

impl Arm for Kernel {
    fn modify(&self, _fd: BorrowedFd<'_>, _key: usize, read: bool, write: bool) -> io::Result<()> {
        assert!(self.oneshot, "an edge-triggered source is never re-armed");
        let mut state = self.state.lock();
        assert!(!state.closed, "a closed source was armed");
        state.armed_read = read;
        state.armed_write = write;
        self.raise(&mut state, false, false);
        Ok(())
    }
}

/// What one model does.
#[derive(Clone, Copy, Default)]
struct Plan {
    oneshot: bool,
    /// Bytes the peer sends, one at a time.
    bytes: usize,
    /// Bytes the task reads before it is done reading.
    wanted: usize,
    /// The task also writes one message, which waits for room the peer
    /// makes after its bytes.
    write: bool,
    /// The peer deregisters the source after that, as a task dropping the
    /// socket elsewhere would.
    close: bool,
}

/// How one attempt at an operation went.
enum Attempt {
    Done,
    /// Some bytes moved and the kernel's queue is drained.
    Drained,
    WouldBlock,
}

/// One direction of the task, driven as `registration.rs` drives it: try
/// while marked ready, clear the mark after a drained or refused attempt
/// (unless an event came since the snapshot), wait through `poll_ready`.
fn drive(
    source: &Source,
    kernel: &Kernel,
    direction: Direction,
    cx: &mut Context<'_>,
    mut attempt: impl FnMut() -> Attempt,
) -> Poll<io::Result<()>> {
    loop {
        let seen = source.readiness();
        if !seen.is_ready(direction) {
            match source.poll_ready(kernel, direction, cx, None) {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
        }
        match attempt() {
            Attempt::Done => return Poll::Ready(Ok(())),
            Attempt::Drained => source.clear_drained(direction, seen),
            Attempt::WouldBlock => source.clear_readiness(direction, seen),
        }
    }
}

/// Runs one model: a peer thread, a reactor thread dispatching every event,
/// and the task, which reads (and, per the plan, writes) in one future, as
/// a task that joins a read and a write would. Returns how each direction
/// ended: the bytes read, and the write.
fn run(plan: Plan) -> (io::Result<usize>, io::Result<()>) {
    // A real descriptor for the source to name; the pretend kernel never
    // touches it.
    let (descriptor, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let source = Arc::new(Source::new(
        std::os::fd::AsRawFd::as_raw_fd(&descriptor),
        Key::new(0, 0),
        !plan.oneshot,
    ));
    let kernel = Arc::new(Kernel::new(plan.oneshot));

    let peer = {
        let (kernel, source) = (kernel.clone(), source.clone());
        thread::spawn(move || {
            (0..plan.bytes).for_each(|_| kernel.send());
            if plan.write && !plan.close {
                kernel.make_room();
            }
            if plan.close {
                let mut wake = Vec::new();
                source.close(Closed::Deregistered, &mut wake);
                kernel.closed();
                wake.into_iter().for_each(Waker::wake);
            }
        })
    };
    let reactor = {
        let (kernel, source) = (kernel.clone(), source.clone());
        thread::spawn(move || {
            while let Some(event) = kernel.wait() {
                let mut wake = Vec::new();
                source.dispatch(&*kernel, event, &mut wake);
                wake.into_iter().for_each(Waker::wake);
            }
        })
    };

    let mut received = 0;
    let mut read = None;
    let mut write = (!plan.write).then_some(Ok(()));
    loom::future::block_on(poll_fn(|cx| {
        if read.is_none() {
            let reading = drive(&source, &kernel, Direction::Read, cx, || {
                match kernel.read() {
                    0 => Attempt::WouldBlock,
                    n => {
                        received += n;
                        if received >= plan.wanted {
                            Attempt::Done
                        } else {
                            Attempt::Drained
                        }
                    }
                }
            });
            if let Poll::Ready(outcome) = reading {
                read = Some(outcome.map(|()| received));
            }
        }
        if write.is_none() {
            let writing = drive(&source, &kernel, Direction::Write, cx, || {
                if kernel.write() {
                    Attempt::Done
                } else {
                    Attempt::WouldBlock
                }
            });
            if let Poll::Ready(outcome) = writing {
                write = Some(outcome);
            }
        }
        if read.is_some() && write.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }));

    kernel.finish();
    peer.join().unwrap();
    reactor.join().unwrap();
    (read.unwrap(), write.unwrap())
}

/// Three threads and two locks: bound the preemptions, as the channel
/// models do, or the search takes hours.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

fn reads_never_miss_a_byte(oneshot: bool) {
    model(move || {
        let plan = Plan {
            oneshot,
            bytes: 3,
            wanted: 3,
            ..Plan::default()
        };
        assert_eq!(run(plan).0.unwrap(), 3);
    });
}

#[test]
fn edge_triggered_reads_never_miss_a_byte() {
    reads_never_miss_a_byte(false);
}

#[test]
fn oneshot_reads_never_miss_a_byte() {
    reads_never_miss_a_byte(true);
}

/// A task waits to read and to write at once: an event for one direction
/// must leave the other armed (oneshot: one event disarms both) and woken
/// when its turn comes.
#[test]
fn a_reader_and_a_writer_on_one_source_are_both_woken() {
    for oneshot in [false, true] {
        model(move || {
            let plan = Plan {
                oneshot,
                bytes: 1,
                wanted: 1,
                write: true,
                ..Plan::default()
            };
            let (read, write) = run(plan);
            assert_eq!(read.unwrap(), 1);
            write.unwrap();
        });
    }
}

/// The task waits to read a byte that never comes and to write into a
/// buffer that never has room; the source's deregistration must wake both
/// with an error, whichever step of their loops they are at, and the source
/// is never armed again.
#[test]
fn deregistering_fails_a_waiting_reader_and_writer() {
    for oneshot in [false, true] {
        model(move || {
            let plan = Plan {
                oneshot,
                bytes: 1,
                wanted: 2,
                write: true,
                close: true,
            };
            let (read, write) = run(plan);
            for error in [read.unwrap_err(), write.unwrap_err()] {
                assert!(error.to_string().contains("deregistered"), "{error}");
            }
        });
    }
}

//! loom models of the source protocol as a whole: a task reading a
//! descriptor the way `registration.rs` does (snapshot, try, clear or
//! wait), a peer writing to it, and a reactor thread delivering the kernel's
//! events to [`Source::dispatch`], in every interleaving.
//!
//! The kernel is pretend (loom cannot see into epoll): a [`Kernel`] holds
//! the bytes queued on the descriptor and, in oneshot mode, whether a read
//! event is armed, and it is the [`Arm`] the source re-arms through. Its
//! rules are epoll's: edge-triggered, every arrival raises an event;
//! oneshot, an arrival raises one only while armed, firing disarms, and
//! arming a descriptor that already has bytes raises one at once.
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
    /// Oneshot: a read event is armed.
    armed: bool,
    /// An event waits for the reactor (several coalesce, as epoll's do).
    event: bool,
    /// The task has read everything: the reactor may stop.
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

    fn raise(&self, state: &mut KernelState) {
        state.armed = false;
        state.event = true;
        self.raised.notify_one();
    }

    /// The peer writes one byte.
    fn send(&self) {
        let mut state = self.state.lock();
        state.queued += 1;
        if !self.oneshot || state.armed {
            self.raise(&mut state);
        }
    }

    /// A read: takes every queued byte, 0 for "would block".
    fn read(&self) -> usize {
        std::mem::take(&mut self.state.lock().queued)
    }

    /// The reactor's wait: true for an event, false once the model is over.
    fn wait(&self) -> bool {
        let mut state = self.state.lock();
        while !state.event && !state.done {
            self.raised.wait(&mut state);
        }
        std::mem::take(&mut state.event)
    }

    fn finish(&self) {
        self.state.lock().done = true;
        self.raised.notify_one();
    }
}

impl Arm for Kernel {
    fn modify(&self, _fd: BorrowedFd<'_>, _key: usize, read: bool, _write: bool) -> io::Result<()> {
        assert!(self.oneshot, "an edge-triggered source is never re-armed");
        let mut state = self.state.lock();
        state.armed = read;
        if read && state.queued > 0 {
            self.raise(&mut state);
        }
        Ok(())
    }
}

/// Runs one model: the peer writes `bytes` one at a time, the reactor
/// dispatches every event, and the task reads until it has `wanted` bytes
/// or its wait fails. A read that got bytes took all that were queued, so
/// it clears the mark as a drained read (`clear_drained`); one that got none
/// clears it as a `WouldBlock` (`clear_readiness`). With `close`, the peer
/// deregisters the source after its writes, as a task dropping the socket
/// elsewhere would. Returns what the task read, or its error.
fn read(oneshot: bool, bytes: usize, wanted: usize, close: bool) -> io::Result<usize> {
    // A real descriptor for the source to name; the pretend kernel never
    // touches it.
    let (descriptor, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let source = Arc::new(Source::new(
        std::os::fd::AsRawFd::as_raw_fd(&descriptor),
        Key::new(0, 0),
        !oneshot,
    ));
    let kernel = Arc::new(Kernel::new(oneshot));

    let peer = {
        let (kernel, source) = (kernel.clone(), source.clone());
        thread::spawn(move || {
            (0..bytes).for_each(|_| kernel.send());
            if close {
                let mut wake = Vec::new();
                source.close(Closed::Deregistered, &mut wake);
                wake.into_iter().for_each(Waker::wake);
            }
        })
    };
    let reactor = {
        let (kernel, source) = (kernel.clone(), source.clone());
        thread::spawn(move || {
            while kernel.wait() {
                let mut wake = Vec::new();
                source.dispatch(&*kernel, IoEvent::readable(0), &mut wake);
                wake.into_iter().for_each(Waker::wake);
            }
        })
    };

    let mut received = 0;
    let outcome = loom::future::block_on(poll_fn(|cx| {
        while received < wanted {
            let seen = source.readiness();
            if !seen.is_ready(Direction::Read) {
                match source.poll_ready(&*kernel, Direction::Read, cx, None) {
                    Poll::Ready(Ok(())) => continue,
                    Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            match kernel.read() {
                0 => source.clear_readiness(Direction::Read, seen),
                n => {
                    received += n;
                    source.clear_drained(Direction::Read, seen);
                }
            }
        }
        Poll::Ready(Ok(received))
    }));

    kernel.finish();
    peer.join().unwrap();
    reactor.join().unwrap();
    outcome
}

/// Three threads and two locks: bound the preemptions, as the channel
/// models do, or the search takes hours.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

#[test]
fn edge_triggered_reads_never_miss_a_byte() {
    model(|| assert_eq!(read(false, 3, 3, false).unwrap(), 3));
}

#[test]
fn oneshot_reads_never_miss_a_byte() {
    model(|| assert_eq!(read(true, 3, 3, false).unwrap(), 3));
}

/// The task waits for a byte that never comes; the source's deregistration
/// must wake it with an error, whichever step of its loop it is at.
#[test]
fn deregistering_fails_a_waiting_reader() {
    for oneshot in [false, true] {
        model(move || {
            let error = read(oneshot, 1, 2, true).unwrap_err();
            assert!(error.to_string().contains("deregistered"), "{error}");
        });
    }
}

//! The Linux poller: epoll, spoken directly.
//!
//! Five system calls make a reactor: `epoll_create1` and `eventfd` once,
//! `epoll_ctl` to add and remove a descriptor, `epoll_pwait2` (or
//! `epoll_wait`) to wait, and a `write` to the eventfd to end a wait from
//! another thread. Each choice below
//! was found in a profile of the `tcp_echo` or HTTP rows.
//!
//! **One system call per wait.** `epoll_pwait2` (Linux 5.11) takes a
//! nanosecond timeout itself, so a wait is one call and a timer fires within
//! microseconds of its deadline. Where the kernel lacks it (or a seccomp
//! filter refuses it; probed once, in [`Poller::new`]) the wait falls back to
//! `epoll_wait`, whose timeout is in milliseconds: rounded *up*, so a timer
//! is never early, only up to a millisecond late.
//!
//! **One `write` per wake-up.** The [`Notifier`] is an eventfd added
//! edge-triggered: every `write` makes a new edge, so nothing is ever
//! drained or re-armed, and a flag keeps it to one `write` per wait however
//! many threads notify.
//!
//! **Why a socket became readable.** Descriptors are added edge-triggered
//! for both directions *and* `EPOLLRDHUP`, the peer shutting down its
//! writing side. With it a short read safely means "the receive buffer is
//! drained": the end of the stream, if it came in the same edge, is kept as
//! `read_closed` (see `source/`), and a request/response server skips the
//! `recv` that would only say `EAGAIN`.
//!
//! Elsewhere (kqueue and the rest) the reactor uses `polling`, which hides
//! the differences between them (`portable.rs`); the reactor's code is the
//! same for both.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::io::source::IoEvent;

/// The key of the poller's own notifier: its index, `MAX_SOURCES`, is no
/// source's.
const NOTIFY_KEY: u64 = crate::io::key::MAX_SOURCES as u64;

/// One epoll instance and its notifier.
pub(crate) struct Poller {
    epoll: OwnedFd,
    notifier: Notifier,
    /// The kernel has `epoll_pwait2`.
    pwait2: bool,
}

impl Poller {
    pub(crate) fn new() -> io::Result<Poller> {
        // SAFETY: `epoll_create1` takes no pointers; -1 is an error.
        let raw = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if raw == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let epoll = unsafe { OwnedFd::from_raw_fd(raw) };
        let notifier = Notifier::new(raw)?;
        let mut poller = Poller {
            epoll,
            notifier,
            pwait2: true,
        };
        // A zero-timeout wait before anything is registered consumes no
        // event (the notifier has not been written to).
        let mut probe = Events::with_capacity(1);
        poller.pwait2 = poller.wait(&mut probe, Some(Duration::ZERO)).is_ok();
        Ok(poller)
    }

    /// Registered descriptors report each new edge, for both directions.
    pub(crate) fn edge(&self) -> bool {
        true
    }

    /// A wait that does not block is one system call (`epoll_pwait2` or
    /// `epoll_wait` with a zero timeout), however many events it finds.
    pub(crate) fn zero_wait_is_one_call(&self) -> bool {
        true
    }

    /// Events say when the peer closed its side (`EPOLLRDHUP`).
    pub(crate) fn reports_close(&self) -> bool {
        true
    }

    /// Adds `fd` under `key`, edge-triggered for both directions and for
    /// the peer's close.
    ///
    /// # Safety
    ///
    /// `fd` must be [`delete`](Self::delete)d before it is closed.
    pub(crate) unsafe fn add(&self, fd: BorrowedFd<'_>, key: usize) -> io::Result<()> {
        let flags = libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLPRI;
        self.ctl(
            libc::EPOLL_CTL_ADD,
            fd.as_raw_fd(),
            flags | libc::EPOLLET,
            key as u64,
        )
    }

    /// Arms a oneshot registration; never needed here, where every
    /// registration is edge-triggered ([`edge`](Self::edge)).
    pub(crate) fn modify(
        &self,
        _fd: BorrowedFd<'_>,
        _key: usize,
        _read: bool,
        _write: bool,
    ) -> io::Result<()> {
        Ok(())
    }

    /// Removes `fd`.
    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd.as_raw_fd(), 0, 0)
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, flags: libc::c_int, key: u64) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: flags as u32,
            u64: key,
        };
        // SAFETY: `event` is a valid epoll_event alive for the call; the
        // kernel checks both descriptors and reports a bad one as an error.
        if unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut event) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Waits for at most `timeout` (`None`: until an event or a notify) and
    /// fills `events`. An interrupted wait returns no events. `Ok(true)`: a
    /// [`notify`](Self::notify) came since the last wait.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<bool> {
        events.len = 0;
        let buf = events.buf.as_mut_ptr();
        let capacity = events.buf.len() as libc::c_int;
        let n = if self.pwait2 {
            let ts = timeout.map(|t| KernelTimespec {
                tv_sec: i64::try_from(t.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(t.subsec_nanos()),
            });
            let ts = ts
                .as_ref()
                .map_or(std::ptr::null(), |t| t as *const KernelTimespec);
            // SAFETY: `buf` is a live array of `capacity` epoll_events the
            // kernel may fill; `ts` is null or points to a timespec alive for
            // the call; a null sigmask with size 0 is allowed.
            unsafe {
                libc::syscall(
                    libc::SYS_epoll_pwait2,
                    self.epoll.as_raw_fd(),
                    buf,
                    capacity,
                    ts,
                    std::ptr::null::<libc::sigset_t>(),
                    0usize,
                )
            }
        } else {
            // SAFETY: as above, with a millisecond timeout.
            libc::c_long::from(unsafe {
                libc::epoll_wait(self.epoll.as_raw_fd(), buf, capacity, millis(timeout))
            })
        };
        // The next notify writes again.
        let notified = self.notifier.clear();
        if n < 0 {
            let error = io::Error::last_os_error();
            return match error.kind() {
                io::ErrorKind::Interrupted => Ok(notified),
                _ => Err(error),
            };
        }
        events.len = n as usize;
        Ok(notified)
    }

    /// Makes the current wait return, or the next one return at once.
    pub(crate) fn notify(&self) {
        self.notifier.notify();
    }

    /// Whether a `notify` came since the last wait.
    pub(crate) fn notify_pending(&self) -> bool {
        self.notifier.notified.load(Ordering::SeqCst)
    }
}

impl AsRawFd for Poller {
    fn as_raw_fd(&self) -> RawFd {
        self.epoll.as_raw_fd()
    }
}

/// `timeout` in whole milliseconds for `epoll_wait`, rounded up (a timer
/// must never fire early); `None` is -1, "no timeout".
fn millis(timeout: Option<Duration>) -> libc::c_int {
    let Some(timeout) = timeout else { return -1 };
    let ms = timeout.as_nanos().div_ceil(1_000_000);
    libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
}

/// The events of one wait, as the kernel filled them.
pub(crate) struct Events {
    buf: Vec<libc::epoll_event>,
    len: usize,
}

impl Events {
    /// Room for `n` events (at least 1: `epoll_wait` refuses 0).
    pub(crate) fn with_capacity(n: usize) -> Events {
        Events {
            buf: vec![libc::epoll_event { events: 0, u64: 0 }; n.max(1)],
            len: 0,
        }
    }

    /// Whether the last wait filled every slot: the kernel may hold more.
    pub(crate) fn is_full(&self) -> bool {
        self.len == self.buf.len()
    }

    /// The events for sources (the notifier's own only had to end the wait).
    pub(crate) fn iter(&self) -> impl Iterator<Item = IoEvent> + '_ {
        self.buf[..self.len]
            .iter()
            .filter(|e| e.u64 != NOTIFY_KEY)
            .map(|e| decode(e.u64 as usize, e.events as i32))
    }
}

/// The timeout `epoll_pwait2` reads: the kernel's `__kernel_timespec`, two
/// 64-bit fields on every architecture (libc's `timespec` has a 32-bit
/// `time_t` and `long` on 32-bit targets).
#[repr(C)]
struct KernelTimespec {
    tv_sec: i64,
    tv_nsec: i64,
}

/// One event's flags, plus the peer's close.
fn decode(key: usize, flags: i32) -> IoEvent {
    IoEvent {
        key,
        readable: flags
            & (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR | libc::EPOLLPRI)
            != 0,
        writable: flags & (libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR) != 0,
        read_closed: flags & (libc::EPOLLRDHUP | libc::EPOLLHUP) != 0,
        // mio's rule (tokio's): a hang-up, an error beside writability (a
        // pipe whose reader is gone), or an error alone.
        write_closed: flags & libc::EPOLLHUP != 0
            || flags & (libc::EPOLLOUT | libc::EPOLLERR) == libc::EPOLLOUT | libc::EPOLLERR
            || flags == libc::EPOLLERR,
        urgent: flags & libc::EPOLLPRI != 0,
    }
}

/// Ends a wait on one epoll descriptor from any thread: an eventfd added
/// edge-triggered (see the module documentation).
struct Notifier {
    fd: OwnedFd,
    /// Set by `notify`, cleared after each wait: one `write` per wait at
    /// most, however many threads notify.
    notified: AtomicBool,
}

impl Notifier {
    fn new(epfd: RawFd) -> io::Result<Notifier> {
        // SAFETY: `eventfd` takes no pointers; a result of -1 is an error.
        let raw = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if raw == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let mut event = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLET) as u32,
            u64: NOTIFY_KEY,
        };
        // SAFETY: `event` is a valid epoll_event alive for the call.
        if unsafe { libc::epoll_ctl(epfd, libc::EPOLL_CTL_ADD, raw, &mut event) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(Notifier {
            fd,
            notified: AtomicBool::new(false),
        })
    }

    fn notify(&self) {
        if self.notified.swap(true, Ordering::SeqCst) {
            return; // a write since the last wait is already pending
        }
        let one = 1u64.to_ne_bytes();
        loop {
            // SAFETY: writes 8 bytes from a live 8-byte buffer.
            let n = unsafe { libc::write(self.fd.as_raw_fd(), one.as_ptr().cast(), 8) };
            if n == 8 {
                return;
            }
            match io::Error::last_os_error().raw_os_error() {
                Some(libc::EINTR) => {}
                Some(libc::EAGAIN) => {
                    // The counter is full (after 2^64 - 2 writes): reset it.
                    let mut sink = [0u8; 8];
                    // SAFETY: reads at most 8 bytes into a live 8-byte buffer.
                    unsafe { libc::read(self.fd.as_raw_fd(), sink.as_mut_ptr().cast(), 8) };
                }
                // Nothing else can fail on a valid eventfd.
                _ => return,
            }
        }
    }

    /// Readies the notifier for the next wait; true if a `notify` came
    /// since the last one (whether or not it ended this wait).
    fn clear(&self) -> bool {
        self.notified.swap(false, Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn a_close_in_the_same_edge_as_data_is_kept() {
        let event = decode(3, libc::EPOLLIN | libc::EPOLLRDHUP);
        assert!(event.readable && event.read_closed && !event.writable);
        let plain = decode(3, libc::EPOLLIN);
        assert!(plain.readable && !plain.read_closed && !plain.urgent);
        let urgent = decode(3, libc::EPOLLIN | libc::EPOLLPRI);
        assert!(urgent.readable && urgent.urgent);
        let hangup = decode(3, libc::EPOLLHUP);
        assert!(hangup.readable && hangup.writable && hangup.read_closed);
    }

    #[test]
    fn millisecond_timeouts_round_up_and_none_waits_forever() {
        assert_eq!(millis(None), -1);
        assert_eq!(millis(Some(Duration::ZERO)), 0);
        assert_eq!(millis(Some(Duration::from_nanos(1))), 1);
        assert_eq!(millis(Some(Duration::from_micros(1500))), 2);
        assert_eq!(
            millis(Some(Duration::from_secs(u64::MAX))),
            libc::c_int::MAX
        );
    }

    #[test]
    #[cfg_attr(miri, ignore = "system calls: Miri cannot run them")]
    fn both_waits_see_an_event_and_a_notify() {
        for pwait2 in [true, false] {
            let mut poller = Poller::new().unwrap();
            poller.pwait2 &= pwait2;
            let (reader, mut writer) = std::io::pipe().unwrap();
            // SAFETY: deleted below, before `reader` is dropped.
            unsafe { poller.add(reader.as_fd(), 7).unwrap() };
            let mut events = Events::with_capacity(1024);
            poller.wait(&mut events, Some(Duration::ZERO)).unwrap();
            assert_eq!(events.iter().count(), 0, "nothing yet");
            std::io::Write::write_all(&mut writer, b"x").unwrap();
            poller
                .wait(&mut events, Some(Duration::from_secs(5)))
                .unwrap();
            let got: Vec<_> = events.iter().collect();
            assert_eq!(got.len(), 1);
            assert!(got[0].key == 7 && got[0].readable);
            poller.notify();
            poller
                .wait(&mut events, Some(Duration::from_secs(5)))
                .unwrap();
            assert_eq!(events.len, 1, "the notify ended the wait");
            assert_eq!(events.iter().count(), 0, "and is no source's event");
            poller.delete(reader.as_fd()).unwrap();
        }
    }
}

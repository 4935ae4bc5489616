//! Linux only: three things `polling` cannot do, done straight on its epoll
//! descriptor. Each was found in a profile of the `tcp_echo` or HTTP rows.
//!
//! **One system call per wait.** `polling::Poller::wait` does five on
//! Linux: it programs a timerfd for the timeout (and re-arms it with
//! `epoll_ctl`), waits, then drains and re-arms its notification eventfd. A
//! runtime parks and wakes tens of thousands of times a second under a
//! request/response load. `epoll_pwait2` (Linux 5.11) takes a nanosecond
//! timeout itself, so one call does.
//!
//! **One `write` per wake-up.** `polling`'s notifier is a oneshot eventfd
//! its own wait drains and re-arms. corio's [`Notifier`] is an eventfd added
//! edge-triggered: every `write` makes a new edge, so nothing is ever
//! drained or re-armed.
//!
//! **Why a socket became readable.** epoll can say that the peer shut down
//! its writing side (`EPOLLRDHUP`); `polling` neither asks for it nor
//! reports it. With it a short read safely means "the receive buffer is
//! drained" (the end of the stream, if it came in the same edge, is kept as
//! `read_closed`), and a request/response server skips the `recv` that would
//! only say `EAGAIN`: one system call of the three an HTTP request costs. So
//! the reactor *adds* sockets here, with `EPOLLRDHUP` in the mask (`polling`
//! still deletes them), and every event is read here, never through
//! `polling`'s wait, which would drop that flag.
//!
//! Whether the kernel has `epoll_pwait2` is probed once, when the reactor is
//! made: on an older kernel, or under a seccomp filter that refuses the
//! call, the reactor uses `polling` alone (its wait, its notifier, its
//! registration), and short reads are not taken as drained.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::source::IoEvent;

/// The key `polling` gives its own descriptors (notifier, timer).
const POLLING_KEY: u64 = usize::MAX as u64;
/// The key of corio's own notifier: its index, `MAX_SOURCES`, is no source's.
const NOTIFY_KEY: u64 = super::key::MAX_SOURCES as u64;

/// Raw events as the kernel fills them.
pub(super) struct RawEvents {
    buf: Vec<libc::epoll_event>,
    len: usize,
}

impl RawEvents {
    pub(super) fn new() -> RawEvents {
        RawEvents {
            buf: vec![libc::epoll_event { events: 0, u64: 0 }; 1024],
            len: 0,
        }
    }

    /// The events for sources (the notifiers' own are left out: they only
    /// had to end the wait).
    pub(super) fn events(&self) -> impl Iterator<Item = IoEvent> + '_ {
        self.buf[..self.len]
            .iter()
            .filter(|e| e.u64 != POLLING_KEY && e.u64 != NOTIFY_KEY)
            .map(|e| decode(e.u64 as usize, e.events as i32))
    }
}

/// One event's flags, mapped as `polling` maps them, plus the peer's close.
fn decode(key: usize, flags: i32) -> IoEvent {
    IoEvent {
        key,
        readable: flags
            & (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR | libc::EPOLLPRI)
            != 0,
        writable: flags & (libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR) != 0,
        read_closed: flags & (libc::EPOLLRDHUP | libc::EPOLLHUP) != 0,
    }
}

/// Whether `epoll_pwait2` works here: one zero-timeout call on `epfd`, made
/// before anything is registered (so it consumes no event).
pub(super) fn probe(epfd: RawFd) -> bool {
    let mut events = RawEvents {
        buf: vec![libc::epoll_event { events: 0, u64: 0 }; 1],
        len: 0,
    };
    wait(epfd, &mut events, Some(Duration::ZERO)).is_ok()
}

/// Ends a wait on one epoll descriptor from any thread: an eventfd added
/// edge-triggered (see the module documentation).
pub(super) struct Notifier {
    fd: OwnedFd,
    /// Set by `notify`, cleared after each wait: one `write` per wait at
    /// most, however many threads notify (the same rule as `polling`'s).
    notified: AtomicBool,
}

impl Notifier {
    pub(super) fn new(epfd: RawFd) -> io::Result<Notifier> {
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

    /// Makes the current wait return, or the next one return at once.
    pub(super) fn notify(&self) {
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

    /// Called after every wait: the next `notify` writes again.
    pub(super) fn clear(&self) {
        self.notified.store(false, Ordering::SeqCst);
    }
}

/// Adds `fd` to `epfd` edge-triggered for both directions and for the
/// peer's close, under `key`. `polling::Poller::delete` removes it.
pub(super) fn add(epfd: RawFd, fd: RawFd, key: usize) -> io::Result<()> {
    let mut event = libc::epoll_event {
        events: (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLPRI | libc::EPOLLET)
            as u32,
        u64: key as u64,
    };
    // SAFETY: `event` is a valid epoll_event alive for the call; the kernel
    // checks both descriptors and reports a bad one as an error.
    if unsafe { libc::epoll_ctl(epfd, libc::EPOLL_CTL_ADD, fd, &mut event) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Waits on `epfd` for at most `timeout` (`None`: until an event).
/// `Err` with `ENOSYS` means the kernel lacks `epoll_pwait2` (see `probe`).
pub(super) fn wait(
    epfd: RawFd,
    events: &mut RawEvents,
    timeout: Option<Duration>,
) -> io::Result<()> {
    let ts = timeout.map(|t| libc::timespec {
        tv_sec: libc::time_t::try_from(t.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: libc::c_long::from(t.subsec_nanos() as i32),
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    events.len = 0;
    // SAFETY: `buf` is a live array of `buf.len()` epoll_events the kernel
    // may fill; `ts_ptr` is null or points to a timespec alive for the call;
    // a null sigmask with size 0 is allowed.
    let n = unsafe {
        libc::syscall(
            libc::SYS_epoll_pwait2,
            epfd,
            events.buf.as_mut_ptr(),
            events.buf.len() as libc::c_int,
            ts_ptr,
            std::ptr::null::<libc::sigset_t>(),
            0usize,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    events.len = n as usize;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_in_the_same_edge_as_data_is_kept() {
        let event = decode(3, libc::EPOLLIN | libc::EPOLLRDHUP);
        assert!(event.readable && event.read_closed && !event.writable);
        let plain = decode(3, libc::EPOLLIN);
        assert!(plain.readable && !plain.read_closed);
        let hangup = decode(3, libc::EPOLLHUP);
        assert!(hangup.readable && hangup.writable && hangup.read_closed);
    }
}

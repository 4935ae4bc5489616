//! A cheaper wait on Linux: `epoll_pwait2` straight on the poller's epoll
//! descriptor.
//!
//! `polling::Poller::wait` does five system calls per wait on Linux: it
//! programs a timerfd for the timeout (and re-arms it with `epoll_ctl`),
//! waits, then drains and re-arms its notification eventfd. A runtime parks
//! and wakes tens of thousands of times a second under a request/response
//! load, so those extra calls add up (profiles of the `tcp_echo` and HTTP
//! rows showed them). `epoll_pwait2` (Linux 5.11) takes a nanosecond
//! timeout itself, so one call does: the timerfd is never armed, and the
//! eventfd is only drained (through `polling`, which owns it) when a
//! notification actually arrived.
//!
//! The second thing `polling` cannot say is *why* a socket became readable.
//! epoll can: `EPOLLRDHUP` means the peer shut down its writing side. With it
//! a short read safely means "the receive buffer is drained" (the end of the
//! stream, if it came in the same edge, is remembered as `read_closed`), and
//! a request/response server skips the `recv` that would only say
//! `EAGAIN`: one system call of the three an HTTP request costs. So where
//! this wait works the reactor also *adds* sockets here, with `EPOLLRDHUP`
//! in the mask; `polling` still deletes them and owns the notifier.
//!
//! Whether the kernel has `epoll_pwait2` (5.11) is probed once, when the
//! reactor is made: on an older kernel, or under a seccomp filter that
//! refuses the call, the reactor uses `polling` alone, and short reads are
//! not taken as drained.

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use super::source::IoEvent;

/// The key `polling` gives its own descriptors (notifier, timer).
const POLLING_KEY: u64 = usize::MAX as u64;

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

    /// The events for sources, and whether `polling`'s notifier fired (then
    /// it must be drained and re-armed).
    pub(super) fn events(&self) -> (impl Iterator<Item = IoEvent> + '_, bool) {
        let got = &self.buf[..self.len];
        let notified = got.iter().any(|e| e.u64 == POLLING_KEY);
        let events = got
            .iter()
            .filter(|e| e.u64 != POLLING_KEY)
            .map(|e| decode(e.u64 as usize, e.events as i32));
        (events, notified)
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

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
//! Everything else stays `polling`'s: registration, modes, the notifier.
//! On an older kernel the call fails with `ENOSYS` once, and the reactor
//! goes back to `polling`'s own wait for good.

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use polling::Event;

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

    /// The events for sources, in `polling`'s form, and whether `polling`'s
    /// notifier fired (then it must be drained and re-armed).
    pub(super) fn events(&self) -> (impl Iterator<Item = Event> + '_, bool) {
        let got = &self.buf[..self.len];
        let notified = got.iter().any(|e| e.u64 == POLLING_KEY);
        let events = got.iter().filter(|e| e.u64 != POLLING_KEY).map(|e| {
            // The same mapping `polling` uses for epoll's flags.
            let flags = e.events as i32;
            let readable =
                flags & (libc::EPOLLIN | libc::EPOLLHUP | libc::EPOLLERR | libc::EPOLLPRI) != 0;
            let writable = flags & (libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR) != 0;
            Event::new(e.u64 as usize, readable, writable)
        });
        (events, notified)
    }
}

/// Waits on `epfd` for at most `timeout` (`None`: until an event).
/// `Err` with `ENOSYS` means the kernel lacks `epoll_pwait2`.
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

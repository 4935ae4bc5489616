//! A stream socket's `recv` and `send`, straight to the kernel.
//!
//! glibc makes `recv`, `send`, `read` and `write` *cancellation points* for
//! `pthread_cancel`: in a process with more than one thread each call
//! switches asynchronous cancellation on, makes the system call, and
//! switches it off again. Rust never cancels a thread, so that bookkeeping
//! is pure cost, and it is not small: about 4 % of the CPU time of the
//! `tcp_echo` row went to `__pthread_enable_asynccancel` and
//! `__pthread_disable_asynccancel` alone. (A single-threaded tokio process
//! skips it; a corio process has worker threads, and by default its
//! watchdog.) So corio's
//! byte streams call the kernel through `syscall(2)`, which glibc does not
//! wrap that way; elsewhere, the C library's `recv` and `send`. So does
//! 32-bit x86 Linux: its kernels before 4.3 have no direct socket calls,
//! only `socketcall`, which the C library falls back to.
//!
//! On Linux a TCP stream can also learn, from the read itself, whether
//! anything is left to read: with the `TCP_INQ` option set, `recvmsg`
//! returns a control message carrying the bytes still queued after it
//! ([`recv_queued`]). A read that fills the caller's buffer and leaves
//! nothing behind then counts as drained, and the `recv` that would only say
//! `EAGAIN` is never made (see `registration.rs`). A FIN already received
//! counts as one byte queued, so the read that returns 0 still happens.
//!
//! Writes pass `MSG_NOSIGNAL`, as std's `TcpStream` does: a peer that went
//! away makes the write fail with `EPIPE` instead of killing the process
//! with `SIGPIPE` (a Rust program ignores `SIGPIPE`, a C host loading corio
//! may not). Apple's systems have no such flag: there the socket itself
//! carries `SO_NOSIGPIPE` (std sets it on the sockets it makes with
//! `socket`, corio's `net/socket.rs` on its own and on `UnixStream::pair`'s,
//! which std's `socketpair` leaves without it).

use std::io;
#[cfg(target_os = "linux")]
use std::os::fd::AsRawFd;
use std::os::fd::{BorrowedFd, RawFd};

/// Receives up to `len` bytes into `buf`.
///
/// # Safety
///
/// `buf` must be valid for writes of `len` bytes (it may be uninitialized).
pub(super) unsafe fn recv(fd: RawFd, buf: *mut u8, len: usize) -> io::Result<usize> {
    #[cfg(all(target_os = "linux", not(target_arch = "x86")))]
    // SAFETY: the caller vouches for `buf`; the null address arguments ask
    // for no peer address, as on a connected stream.
    let n = unsafe {
        libc::syscall(
            libc::SYS_recvfrom,
            fd,
            buf,
            len,
            0,
            std::ptr::null_mut::<libc::sockaddr>(),
            std::ptr::null_mut::<libc::socklen_t>(),
        )
    };
    #[cfg(not(all(target_os = "linux", not(target_arch = "x86"))))]
    // SAFETY: as above.
    let n = unsafe { libc::recv(fd, buf.cast(), len, 0) } as i64;
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// Whether `fd` is a TCP socket (Linux: its `SO_PROTOCOL`; elsewhere the
/// caller's word is taken, as no short-read rule applies there).
pub(super) fn is_tcp(fd: BorrowedFd<'_>) -> bool {
    #[cfg(target_os = "linux")]
    {
        let mut protocol: libc::c_int = 0;
        let mut len = size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: passes a live `c_int` and its size, which the kernel
        // writes at most; it checks `fd`.
        let got = unsafe {
            libc::getsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_PROTOCOL,
                (&raw mut protocol).cast(),
                &raw mut len,
            )
        };
        got == 0 && protocol == libc::IPPROTO_TCP
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = fd;
        true
    }
}

/// Asks the kernel to report, with each `recvmsg` on the TCP socket `fd`,
/// how many bytes stay queued. Whether it agreed.
pub(super) fn ask_queue_reports(fd: BorrowedFd<'_>) -> bool {
    set_queue_reports(fd, true)
}

/// Turns [`ask_queue_reports`] off again, for a socket leaving corio (its
/// owner's own `recvmsg` would find an extra control message).
pub(super) fn stop_queue_reports(fd: BorrowedFd<'_>) {
    set_queue_reports(fd, false);
}

fn set_queue_reports(fd: BorrowedFd<'_>, on: bool) -> bool {
    #[cfg(target_os = "linux")]
    {
        let on = libc::c_int::from(on);
        // SAFETY: passes a live `c_int` and its size; the kernel checks `fd`.
        let set = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_INQ,
                (&raw const on).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        set == 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (fd, on);
        false
    }
}

/// As [`recv`], on a socket that [`ask_queue_reports`] set up: also says
/// whether the kernel reported nothing left queued after this read.
///
/// # Safety
///
/// As for [`recv`].
pub(super) unsafe fn recv_queued(fd: RawFd, buf: *mut u8, len: usize) -> io::Result<(usize, bool)> {
    #[cfg(target_os = "linux")]
    {
        let mut iov = libc::iovec {
            iov_base: buf.cast(),
            iov_len: len,
        };
        // Room for the `c_int` control message behind timestamp ones (a
        // caller may set `SO_TIMESTAMPNS` and `SO_TIMESTAMPING` through the
        // descriptor: 32 and 64 bytes), aligned for a `cmsghdr`; a message
        // cut short is refused in `queued` anyway.
        let mut control = [0u64; 16];
        // SAFETY: `msghdr` is a plain C struct; all-zero is a valid value.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &raw mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = size_of_val(&control) as _;
        // SAFETY: `msg` points at one iovec describing the caller's buffer
        // and at `control`; all three live across the call.
        #[cfg(not(target_arch = "x86"))]
        let n = unsafe { libc::syscall(libc::SYS_recvmsg, fd, &raw mut msg, 0) };
        // 32-bit x86 kernels before 4.3 have no direct socket calls (only
        // `socketcall`, which the C library falls back to).
        #[cfg(target_arch = "x86")]
        // SAFETY: as above.
        let n = unsafe { libc::recvmsg(fd, &raw mut msg, 0) } as libc::c_long;
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((n as usize, queued(&msg) == Some(0)))
    }
    #[cfg(not(target_os = "linux"))]
    // SAFETY: as above.
    unsafe {
        recv(fd, buf, len).map(|n| (n, false))
    }
}

/// The `TCP_CM_INQ` count among `msg`'s control messages, if there is one
/// whole.
#[cfg(target_os = "linux")]
fn queued(msg: &libc::msghdr) -> Option<libc::c_int> {
    // The kernel cuts a message short when the buffer runs out (and says
    // so in the flags): its header may then be there without its data.
    if msg.msg_flags & libc::MSG_CTRUNC != 0 {
        return None;
    }
    // SAFETY: `CMSG_LEN` is arithmetic on its argument.
    let whole = unsafe { libc::CMSG_LEN(size_of::<libc::c_int>() as u32) } as usize;
    // `CMSG_NXTHDR` only checks that the next header fits: on 32-bit
    // targets it can return one whose data would lie past the buffer, so
    // the data is read only if the header's length covers it.
    // SAFETY: `msg` is the header the kernel just filled; the CMSG macros
    // walk its control buffer within `msg_controllen`, and a non-null
    // header they return lies within it (its data: see above).
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::IPPROTO_TCP
                && (*cmsg).cmsg_type == libc::TCP_CM_INQ
                && (*cmsg).cmsg_len as usize >= whole
            {
                return Some(std::ptr::read_unaligned(
                    libc::CMSG_DATA(cmsg).cast::<libc::c_int>(),
                ));
            }
            cmsg = libc::CMSG_NXTHDR(msg, cmsg);
        }
    }
    None
}

/// `send`'s flag against `SIGPIPE` where it has one (see the module doc).
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris",
))]
const NO_SIGNAL: libc::c_int = libc::MSG_NOSIGNAL;
/// Elsewhere (Apple's systems) the socket carries `SO_NOSIGPIPE` instead.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris",
)))]
const NO_SIGNAL: libc::c_int = 0;

/// Sends up to `len` bytes from `buf`.
///
/// # Safety
///
/// `buf` must be valid for reads of `len` initialized bytes.
pub(super) unsafe fn send(fd: RawFd, buf: *const u8, len: usize) -> io::Result<usize> {
    #[cfg(all(target_os = "linux", not(target_arch = "x86")))]
    // SAFETY: the caller vouches for `buf`; a null address with length 0 is
    // how a connected stream is written with `sendto`.
    let n = unsafe {
        libc::syscall(
            libc::SYS_sendto,
            fd,
            buf,
            len,
            NO_SIGNAL,
            std::ptr::null::<libc::sockaddr>(),
            0 as libc::socklen_t,
        )
    };
    #[cfg(not(all(target_os = "linux", not(target_arch = "x86"))))]
    // SAFETY: as above.
    let n = unsafe { libc::send(fd, buf.cast(), len, NO_SIGNAL) } as i64;
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// The most buffers one `sendmsg` takes (`IOV_MAX` on Linux and the BSDs,
/// macOS included); later ones wait for the next call.
pub(super) const MAX_IOV: usize = 1024;

/// Sends the bytes of `bufs`, in order, with one `sendmsg`: a gather
/// write, so a header and a body leave in one call without being copied
/// into one buffer first. At most [`MAX_IOV`] buffers are sent.
pub(super) fn send_vectored(fd: RawFd, bufs: &[std::io::IoSlice<'_>]) -> io::Result<usize> {
    let bufs = &bufs[..bufs.len().min(MAX_IOV)];
    if bufs.iter().all(|buf| buf.is_empty()) {
        // As a write of nothing, which never reaches the socket (macOS's
        // `sendmsg` says `EMSGSIZE` for no buffers, and on any system
        // empty ones would still meet a shut-down side's `EPIPE` or take a
        // pending error, where `writev` returns 0 first: tokio's path).
        return Ok(0);
    }
    // SAFETY: `msghdr` is plain data (pointers and integers), for which all
    // zeroes is a valid value: no address, no control data, no flags.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    // `IoSlice` is guaranteed to be ABI-compatible with `iovec` on Unix, and
    // `sendmsg` only reads through the pointer.
    msg.msg_iov = bufs.as_ptr().cast_mut().cast::<libc::iovec>();
    msg.msg_iovlen = bufs.len() as _;
    #[cfg(all(target_os = "linux", not(target_arch = "x86")))]
    // SAFETY: `msg` points at `bufs.len()` live `iovec`s, each naming a live,
    // initialized slice borrowed for this call; nothing else in it is set.
    let n = unsafe { libc::syscall(libc::SYS_sendmsg, fd, &raw const msg, NO_SIGNAL) };
    #[cfg(not(all(target_os = "linux", not(target_arch = "x86"))))]
    // SAFETY: as above.
    let n = unsafe { libc::sendmsg(fd, &msg, NO_SIGNAL) } as i64;
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// Whether the stream socket `fd` is at its end: a peek of one byte that
/// does not wait reads nothing. False for anything else (bytes queued,
/// nothing yet, or not a socket: a pipe's peek fails with `ENOTSOCK`).
///
/// Only the portable poller asks (`Registration::may_clear_after_either`).
/// On the BSDs and macOS a peek leaves a pending error (a reset) for the
/// next read; Linux's hands it to the peek and clears it, so there, under
/// `--cfg corio_polling` only, a reset that this peek met reads as a plain
/// end of stream afterwards.
pub(super) fn at_end_of_stream(fd: RawFd) -> bool {
    let mut byte = 0u8;
    loop {
        // SAFETY: one writable byte on this stack frame, for a call that
        // only peeks (`MSG_PEEK`) and does not wait (`MSG_DONTWAIT`).
        let n = unsafe {
            libc::recv(
                fd,
                (&raw mut byte).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        if n >= 0 {
            return n == 0;
        }
        if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return false;
        }
    }
}

/// Whether `fd` is ready for `direction` right now, asked with a `poll(2)`
/// that does not wait (an end of stream, a hang-up or an error count as
/// ready: the next call will not block, it will say so). Urgent data
/// (`POLLPRI`) counts as readable, as the reactor counts `EPOLLPRI`: a TCP
/// socket whose only unread byte is an out-of-band one reports `POLLPRI`
/// without `POLLIN`.
pub(super) fn ready_now(fd: RawFd, direction: super::source::Direction) -> io::Result<bool> {
    let events = match direction {
        super::source::Direction::Read => libc::POLLIN | libc::POLLPRI,
        super::source::Direction::Write => libc::POLLOUT,
    };
    let mut pollfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    loop {
        // SAFETY: one valid `pollfd` that lives across the call, count 1,
        // and a zero timeout: the call never blocks.
        let n = unsafe { libc::poll(&mut pollfd, 1, 0) };
        if n >= 0 {
            return Ok(n > 0);
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::{AsFd, AsRawFd};
    use std::os::unix::net::UnixStream;

    #[test]
    #[cfg(target_os = "linux")]
    #[cfg_attr(miri, ignore = "system calls: Miri cannot run them")]
    fn a_tcp_read_reports_whether_anything_stays_queued() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        assert!(ask_queue_reports(server.as_fd()));
        client.write_all(&[5; 100]).unwrap();
        let fd = server.as_raw_fd();
        let mut buf = [0u8; 64];
        // SAFETY: `buf` is live for each call and at least as long as asked.
        unsafe {
            assert_eq!(recv_queued(fd, buf.as_mut_ptr(), 64).unwrap(), (64, false));
            assert_eq!(recv_queued(fd, buf.as_mut_ptr(), 64).unwrap(), (36, true));
            // A FIN waiting behind the data counts as something queued,
            // so the read that returns 0 still gets made.
            client.write_all(&[6; 64]).unwrap();
            client.shutdown(std::net::Shutdown::Write).unwrap();
            assert_eq!(recv_queued(fd, buf.as_mut_ptr(), 64).unwrap(), (64, false));
            assert_eq!(recv_queued(fd, buf.as_mut_ptr(), 64).unwrap().0, 0);
        }
        assert_eq!(buf, [6; 64]);
    }

    #[test]
    #[cfg_attr(miri, ignore = "system calls: Miri cannot run them")]
    fn bytes_sent_are_received_and_a_closed_peer_is_epipe_not_sigpipe() {
        let (a, b) = UnixStream::pair().unwrap();
        // SAFETY: both buffers are live for the calls, of the lengths given.
        unsafe {
            assert_eq!(send(a.as_raw_fd(), b"ping".as_ptr(), 4).unwrap(), 4);
            let mut got = [0u8; 8];
            assert_eq!(recv(b.as_raw_fd(), got.as_mut_ptr(), 8).unwrap(), 4);
            assert_eq!(&got[..4], b"ping");
            drop(b);
            let error = send(a.as_raw_fd(), b"x".as_ptr(), 1).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod control_message_tests {
    use super::queued;

    /// A control buffer holding one `TCP_CM_INQ` message whose header says
    /// it is `cmsg_len` long, its data slot filled with `count`, and a
    /// `msghdr` over it with `flags`.
    fn message(control: &mut [u64; 16], cmsg_len: usize, count: i32, flags: i32) -> libc::msghdr {
        // SAFETY: all-zero is a valid `msghdr`; the header is written
        // inside `control`, which is aligned for it and 128 bytes long, and
        // the data slot (`CMSG_DATA`) lies within it too.
        unsafe {
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_control = control.as_mut_ptr().cast();
            msg.msg_controllen = size_of_val(control) as _;
            msg.msg_flags = flags;
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::IPPROTO_TCP;
            (*cmsg).cmsg_type = libc::TCP_CM_INQ;
            (*cmsg).cmsg_len = cmsg_len as _;
            std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<i32>(), count);
            msg
        }
    }

    #[test]
    fn a_whole_count_is_read_and_a_cut_one_is_not() {
        // SAFETY: `CMSG_LEN` is arithmetic on its argument.
        let (whole, header) = unsafe { (libc::CMSG_LEN(4) as usize, libc::CMSG_LEN(0) as usize) };
        let mut control = [0u64; 16];
        assert_eq!(queued(&message(&mut control, whole, 7, 0)), Some(7));
        let mut control = [0u64; 16];
        assert_eq!(
            queued(&message(&mut control, header, 0, 0)),
            None,
            "a header without its data is not a count of 0"
        );
        let mut control = [0u64; 16];
        let cut = message(&mut control, whole, 0, libc::MSG_CTRUNC);
        assert_eq!(
            queued(&cut),
            None,
            "the kernel said it cut the messages short"
        );
    }
}

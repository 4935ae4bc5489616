//! A stream socket's `recv` and `send`, straight to the kernel.
//!
//! glibc makes `recv`, `send`, `read` and `write` *cancellation points* for
//! `pthread_cancel`: in a process with more than one thread each call
//! switches asynchronous cancellation on, makes the system call, and
//! switches it off again. Rust never cancels a thread, so that bookkeeping
//! is pure cost, and it is not small: about 4 % of the CPU time of the
//! `tcp_echo` row went to `__pthread_enable_asynccancel` and
//! `__pthread_disable_asynccancel` alone. (A single-threaded tokio process
//! skips it; a corio process always has its watchdog thread.) So corio's
//! byte streams call the kernel through `syscall(2)`, which glibc does not
//! wrap that way; elsewhere, the C library's `recv` and `send`.
//!
//! Writes pass `MSG_NOSIGNAL`, as std's `TcpStream` does: a peer that went
//! away makes the write fail with `EPIPE` instead of killing the process
//! with `SIGPIPE`.

use std::io;
use std::os::fd::RawFd;

/// Receives up to `len` bytes into `buf`.
///
/// # Safety
///
/// `buf` must be valid for writes of `len` bytes (it may be uninitialized).
pub(super) unsafe fn recv(fd: RawFd, buf: *mut u8, len: usize) -> io::Result<usize> {
    #[cfg(target_os = "linux")]
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
    #[cfg(not(target_os = "linux"))]
    // SAFETY: as above.
    let n = unsafe { libc::recv(fd, buf.cast(), len, 0) } as i64;
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// Sends up to `len` bytes from `buf`.
///
/// # Safety
///
/// `buf` must be valid for reads of `len` initialized bytes.
pub(super) unsafe fn send(fd: RawFd, buf: *const u8, len: usize) -> io::Result<usize> {
    #[cfg(target_os = "linux")]
    // SAFETY: the caller vouches for `buf`; a null address with length 0 is
    // how a connected stream is written with `sendto`.
    let n = unsafe {
        libc::syscall(
            libc::SYS_sendto,
            fd,
            buf,
            len,
            libc::MSG_NOSIGNAL,
            std::ptr::null::<libc::sockaddr>(),
            0 as libc::socklen_t,
        )
    };
    #[cfg(not(target_os = "linux"))]
    // SAFETY: as above.
    let n = unsafe { libc::send(fd, buf.cast(), len, 0) } as i64;
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

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

//! A non-blocking TCP connect: the one socket call `std` cannot make.
//!
//! `std::net::TcpStream::connect` blocks the thread until the handshake ends,
//! which in a runtime would stall every task on the worker. The non-blocking
//! way is the classic one:
//!
//! ```text
//!   socket(O_NONBLOCK) ─► connect() ─► EINPROGRESS
//!                                        │ the handshake runs in the kernel
//!   reactor: writable ◄──────────────────┘
//!   getsockopt(SO_ERROR) ─► 0: connected │ ECONNREFUSED, ETIMEDOUT, ...: failed
//! ```
//!
//! This file does the first two steps with `libc`, since std exposes neither
//! a socket without a connection nor `connect` on one; `TcpStream::connect`
//! does the waiting and reads `SO_ERROR` through std's `take_error`.
//! `UnixStream::connect` uses the same steps: a local connect usually
//! completes at once, but to a listener whose backlog is full std's blocking
//! `connect` would wait with no limit, where a non-blocking one says
//! `EAGAIN` (returned as a `WouldBlock` error, as tokio does).
//!
//! It also gives a `TcpListener` a wider listen backlog than std's, and
//! `TcpSocket` the calls std has no name for: `bind` on a socket made
//! earlier, and the socket options (`setsockopt`).

use std::io;
use std::mem;
use std::mem::ManuallyDrop;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// The listen backlog a `TcpListener` asks for: tokio's (mio's) 1024. std
/// asks for 128, and under a burst of connections the kernel drops the SYNs
/// past the backlog; their clients resend only a second later.
const LISTEN_BACKLOG: libc::c_int = 1024;

/// Gives a listening socket corio's backlog. A second `listen` on a
/// listening socket sets a new backlog (Linux, macOS and the BSDs); the
/// kernel caps it at its own limit (`net.core.somaxconn` on Linux).
pub(crate) fn widen_backlog(listener: &impl AsRawFd) -> io::Result<()> {
    // SAFETY: `listen` takes no pointers; a bad descriptor is an error.
    if unsafe { libc::listen(listener.as_raw_fd(), LISTEN_BACKLOG) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A TCP socket whose connection to `addr` has started (or already finished).
pub(crate) fn start_connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let domain = match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    let stream = TcpStream::from(new_stream_socket(domain)?);
    connect_started(&stream, addr)?;
    Ok(stream)
}

/// Starts `socket`'s connection to `addr`.
pub(crate) fn connect_started(socket: &impl AsRawFd, addr: SocketAddr) -> io::Result<()> {
    let (storage, len) = to_sockaddr(addr);
    // SAFETY: `storage` holds a valid socket address of `len` bytes.
    unsafe { connect(socket, (&raw const storage).cast(), len) }
}

/// Binds `socket` to `addr`.
pub(crate) fn bind(socket: &impl AsRawFd, addr: SocketAddr) -> io::Result<()> {
    let (storage, len) = to_sockaddr(addr);
    // SAFETY: `storage` holds a valid socket address of `len` bytes, and
    // the descriptor is an open socket, borrowed for the call.
    if unsafe { libc::bind(socket.as_raw_fd(), (&raw const storage).cast(), len) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The address `socket` is bound to (`getsockname`), read through std.
pub(crate) fn local_addr(socket: &impl AsRawFd) -> io::Result<SocketAddr> {
    // SAFETY: the descriptor is an open socket that outlives this borrow;
    // `ManuallyDrop` keeps std's stream from closing what it does not own.
    let std = ManuallyDrop::new(unsafe { TcpStream::from_raw_fd(socket.as_raw_fd()) });
    std.local_addr()
}

/// Sets a socket option whose value is a `T` (a `c_int` or a C struct).
pub(crate) fn set_option<T: Copy>(
    socket: &impl AsRawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: T,
) -> io::Result<()> {
    // SAFETY: `value` is a live `T` of the size passed; the descriptor is
    // an open socket, borrowed for the call.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&raw const value).cast(),
            mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A socket option's value type for which every byte pattern is a valid
/// value, so the kernel may write any bytes into it ([`get_option`]).
///
/// # Safety
///
/// Every bit pattern of the type's size must be a valid value.
pub(crate) unsafe trait OptionValue: Copy {}
// SAFETY: an integer is valid for any bits.
unsafe impl OptionValue for libc::c_int {}
// SAFETY: two integers, no padding rules beyond them: valid for any bits.
unsafe impl OptionValue for libc::linger {}

/// Reads a socket option whose value is a `T`.
pub(crate) fn get_option<T: OptionValue>(
    socket: &impl AsRawFd,
    level: libc::c_int,
    name: libc::c_int,
) -> io::Result<T> {
    let mut value = mem::MaybeUninit::<T>::zeroed();
    let mut len = mem::size_of::<T>() as libc::socklen_t;
    // SAFETY: `value` is writable for `len` bytes; the kernel writes at
    // most that many and says how many in `len`.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            level,
            name,
            value.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: zeroed, then (partly) written by the kernel, and every
    // `OptionValue` is valid for any bytes.
    Ok(unsafe { value.assume_init() })
}

/// `SO_LINGER` in seconds: on Apple's systems the plain option counts clock
/// ticks, and the one in seconds has its own name.
#[cfg(not(target_vendor = "apple"))]
const SO_LINGER: libc::c_int = libc::SO_LINGER;
#[cfg(target_vendor = "apple")]
const SO_LINGER: libc::c_int = libc::SO_LINGER_SEC;

/// Sets `SO_LINGER` to zero: closing resets the connection instead of
/// sending what is left. The only lingering corio offers: any other time
/// makes `close` (a drop, on a worker) block until the data is gone, which
/// tokio deprecated `set_linger` for.
pub(crate) fn set_zero_linger(socket: &impl AsRawFd) -> io::Result<()> {
    let value = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    set_option(socket, libc::SOL_SOCKET, SO_LINGER, value)
}

/// The `SO_LINGER` setting.
pub(crate) fn linger(socket: &impl AsRawFd) -> io::Result<Option<Duration>> {
    let value: libc::linger = get_option(socket, libc::SOL_SOCKET, SO_LINGER)?;
    Ok((value.l_onoff != 0).then(|| Duration::from_secs(value.l_linger.max(0) as u64)))
}

/// A Unix stream socket whose connection to `path` has started (or already
/// finished).
pub(crate) fn start_connect_unix(path: &Path) -> io::Result<UnixStream> {
    let stream = UnixStream::from(new_stream_socket(libc::AF_UNIX)?);
    connect_unix_started(&stream, path)?;
    Ok(stream)
}

/// Starts `socket`'s connect to the Unix socket at `path`.
pub(crate) fn connect_unix_started(socket: &impl AsRawFd, path: &Path) -> io::Result<()> {
    let (addr, len) = unix_sockaddr(path)?;
    // SAFETY: `addr` holds a valid Unix socket address of `len` bytes.
    unsafe { connect(socket, (&raw const addr).cast(), len) }
}

/// Makes `socket` listen, with up to `backlog` connections waiting (the
/// kernel caps it).
pub(crate) fn listen(socket: &impl AsRawFd, backlog: u32) -> io::Result<()> {
    let backlog = libc::c_int::try_from(backlog).unwrap_or(libc::c_int::MAX);
    // SAFETY: `listen` takes no pointers; the descriptor is an open socket,
    // borrowed for the call.
    if unsafe { libc::listen(socket.as_raw_fd(), backlog) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Binds `socket` to the Unix socket address `path` (a file, or on Linux
/// an abstract name).
pub(crate) fn bind_unix(socket: &impl AsRawFd, path: &Path) -> io::Result<()> {
    let (addr, len) = unix_sockaddr(path)?;
    // SAFETY: `addr` holds a valid Unix socket address of `len` bytes; the
    // descriptor is an open socket, borrowed for the call.
    let rc = unsafe { libc::bind(socket.as_raw_fd(), (&raw const addr).cast(), len) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Starts `socket`'s connect; `EINPROGRESS` is a start, not an error.
///
/// # Safety
///
/// `addr` must point to a socket address of `len` bytes.
unsafe fn connect(
    socket: &impl AsRawFd,
    addr: *const libc::sockaddr,
    len: libc::socklen_t,
) -> io::Result<()> {
    // SAFETY: the caller vouches for `addr`; the descriptor is an open
    // socket, borrowed for the call.
    if unsafe { libc::connect(socket.as_raw_fd(), addr, len) } == -1 {
        let error = io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::EINPROGRESS) {
            return Err(error);
        }
    }
    Ok(())
}

/// `path` as the C `sockaddr_un` that `connect` takes.
fn unix_sockaddr(path: &Path) -> io::Result<(libc::sockaddr_un, libc::socklen_t)> {
    let bytes = path.as_os_str().as_bytes();
    // SAFETY: `sockaddr_un` is a plain C struct; all-zero bytes are valid.
    let mut addr: libc::sockaddr_un = unsafe { mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    // Linux's abstract namespace: a name that starts with a NUL byte is no
    // file, and is all of its bytes (NULs included, no terminator), as
    // tokio (through mio) and std's `SocketAddr::from_abstract_name` take it.
    let is_abstract =
        cfg!(any(target_os = "linux", target_os = "android")) && bytes.first() == Some(&0);
    if !is_abstract && bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a Unix socket path must not contain a NUL byte \
             (except the first, for a Linux abstract name)",
        ));
    }
    // A path and its terminating NUL must fit; an abstract name, alone.
    let terminator = usize::from(!is_abstract && !bytes.is_empty());
    if bytes.len() + terminator > addr.sun_path.len() {
        let message = if is_abstract {
            format!(
                "an abstract Unix socket name must be at most {} bytes",
                addr.sun_path.len()
            )
        } else {
            format!(
                "a Unix socket path must be shorter than {} bytes",
                addr.sun_path.len()
            )
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    for (to, &from) in addr.sun_path.iter_mut().zip(bytes) {
        *to = from as libc::c_char;
    }
    // The terminating NUL counts, except for the empty path, which must stay
    // empty (as std's), not become the abstract name "\0".
    let len = mem::offset_of!(libc::sockaddr_un, sun_path) + bytes.len() + terminator;
    Ok((addr, len as libc::socklen_t))
}

/// A new non-blocking, close-on-exec stream socket.
pub(crate) fn new_stream_socket(domain: libc::c_int) -> io::Result<OwnedFd> {
    new_socket(domain, libc::SOCK_STREAM)
}

/// A new non-blocking, close-on-exec socket of `kind` (`SOCK_STREAM`,
/// `SOCK_DGRAM`), flags set atomically.
#[cfg(not(target_vendor = "apple"))]
pub(crate) fn new_socket(domain: libc::c_int, kind: libc::c_int) -> io::Result<OwnedFd> {
    socket(domain, kind | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)
}

/// A new non-blocking, close-on-exec socket. Apple's `socket` takes
/// no flags, so they are set one by one; and since Apple's `send` has no
/// `MSG_NOSIGNAL`, the socket gets `SO_NOSIGPIPE`, as std's do.
#[cfg(target_vendor = "apple")]
pub(crate) fn new_socket(domain: libc::c_int, kind: libc::c_int) -> io::Result<OwnedFd> {
    let socket = socket(domain, kind)?;
    let fd = socket.as_raw_fd();
    // SAFETY: `fcntl` on an open descriptor we own.
    let ok = unsafe {
        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) != -1
            && libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK) != -1
    };
    if !ok {
        return Err(io::Error::last_os_error());
    }
    no_sigpipe(&socket)?;
    Ok(socket)
}

/// Apple's systems: a write to a socket whose peer went away fails with
/// `EPIPE` instead of raising `SIGPIPE` (their `send` has no
/// `MSG_NOSIGNAL`). std sets this on the sockets it makes with `socket`,
/// but not on those of `socketpair`, so `UnixStream::pair` needs it too.
#[cfg(target_vendor = "apple")]
pub(crate) fn no_sigpipe(socket: &impl AsRawFd) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: `setsockopt` on an open descriptor; the option's value is a
    // live `c_int` of the size passed.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_NOSIGPIPE,
            (&raw const on).cast(),
            mem::size_of_val(&on) as libc::socklen_t,
        )
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// [`no_sigpipe`] on a socket that may be shut down both ways already (one
/// just accepted from a peer that closed, or reset, before the accept):
/// Apple's kernel refuses options on those with `EINVAL`, and refusing the
/// connection for it would end a server's accept loop. Such a socket's
/// reads say end-of-file, and its writes fail.
#[cfg(target_vendor = "apple")]
pub(crate) fn no_sigpipe_unless_gone(socket: &impl AsRawFd) -> io::Result<()> {
    match no_sigpipe(socket) {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        done => done,
    }
}

fn socket(domain: libc::c_int, kind: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: `socket` takes no pointers; its result is checked below.
    let fd = unsafe { libc::socket(domain, kind, 0) };
    if fd == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by `socket`, so it is open and nobody
    // else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `addr` as the C `sockaddr` that `connect` takes.
fn to_sockaddr(addr: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: `sockaddr_storage` and the `sockaddr_in*` types are plain C
    // structs for which all-zero bytes are a valid (empty) value.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(v4) => {
            // SAFETY: as above, zero is a valid `sockaddr_in`.
            let mut sin: libc::sockaddr_in = unsafe { mem::zeroed() };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = v4.port().to_be();
            sin.sin_addr.s_addr = u32::from_ne_bytes(v4.ip().octets());
            // SAFETY: `sockaddr_storage` is large and aligned enough for
            // every socket address type; that is its purpose.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in>().write(sin) };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            // SAFETY: as above, zero is a valid `sockaddr_in6`.
            let mut sin6: libc::sockaddr_in6 = unsafe { mem::zeroed() };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = v6.port().to_be();
            sin6.sin6_flowinfo = v6.flowinfo();
            sin6.sin6_addr.s6_addr = v6.ip().octets();
            sin6.sin6_scope_id = v6.scope_id();
            // SAFETY: as for IPv4 above.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in6>().write(sin6) };
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

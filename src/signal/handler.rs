//! The process-wide half of signal delivery: the handler, the self-pipe and
//! the per-signal delivery counters.
//!
//! A signal handler runs *between two instructions* of whatever thread the
//! kernel picked, possibly while that thread holds the allocator's lock or a
//! mutex. So the handler may only call async-signal-safe functions (see
//! `signal-safety(7)`): no allocation, no locks, no waking of wakers. It does
//! the least that still lets the reactor notice:
//!
//! ```text
//!   kernel ──► on_signal(signum)
//!                ├─ DELIVERIES[signum] += 1       (an atomic: lock-free)
//!                └─ write(pipe, [signum])         (async-signal-safe)
//!                             │
//!   reactor: the pipe's read end is readable ──► a `Signal` drains it,
//!            compares DELIVERIES with the count it last saw, wakes the others
//! ```
//!
//! The counter is incremented *before* the byte is written, so whoever reads
//! the byte also sees the new count. The pipe only says "look at the
//! counters": if it is full, the write fails harmlessly, because unread bytes
//! already guarantee a wake-up.
//!
//! Installation happens once per signal number, under a lock, and is never
//! undone: the handler stays for the life of the process (as in tokio). The
//! previous disposition is replaced, not chained, so the default action (exit
//! on SIGINT or SIGTERM) no longer happens once a listener exists for it.
//!
//! These statics use `std`'s atomics directly rather than the loom facade:
//! they are process-global and touched by a signal handler, which no model
//! checker runs.

use std::io;
use std::os::fd::IntoRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

use libc::c_int;
use parking_lot::{Mutex, const_mutex};

/// Signal numbers are below this on every supported platform (Linux's real-time
/// signals end at 64; the BSDs and macOS stop at 32).
const MAX_SIGNUM: usize = 65;

/// Signals whose handler must not be replaced: the kernel does not allow it
/// (SIGKILL, SIGSTOP), or they report a fault in the thread that got them, so
/// returning from a handler that only writes a byte would re-run the faulting
/// instruction forever.
const FORBIDDEN: [c_int; 6] = [
    libc::SIGKILL,
    libc::SIGSTOP,
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGFPE,
];

/// How many times each signal has been delivered since its handler was
/// installed. Only ever incremented (by the handler).
static DELIVERIES: [AtomicU64; MAX_SIGNUM] = [const { AtomicU64::new(0) }; MAX_SIGNUM];

/// The self-pipe's write end, or -1 before the first installation. Written
/// once, under `INSTALLED`'s lock, before any handler is installed.
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// What installation has done so far.
struct Installed {
    /// The self-pipe's read end; every `Signal` gets a duplicate of it.
    reader: Option<UnixStream>,
    /// Which signal numbers have our handler.
    handlers: [bool; MAX_SIGNUM],
}

static INSTALLED: Mutex<Installed> = const_mutex(Installed {
    reader: None,
    handlers: [false; MAX_SIGNUM],
});

/// A new descriptor for the self-pipe's read end (non-blocking) to wait on
/// for `signum`, with the signal's delivery count so far. The handler is
/// not installed yet: [`install`] does that once the caller's listener is
/// ready, so that a listener that could not be made (no runtime, no
/// descriptor left) leaves the signal's default action in place.
///
/// Fails with `InvalidInput` for a forbidden or out-of-range signal number.
pub(super) fn open(signum: c_int) -> io::Result<(UnixStream, u64)> {
    check(signum)?;
    // Counted before the handler goes in: a delivery between the two steps
    // is reported to the new listener, not swallowed.
    let seen = deliveries(signum);
    let mut installed = INSTALLED.lock();
    if installed.reader.is_none() {
        let (reader, writer) = UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        // A full pipe must make the handler's write fail, not block it.
        writer.set_nonblocking(true)?;
        // Leaked on purpose: a handler may run at any moment for the rest of
        // the process's life, so the write end must never be closed.
        WRITE_FD.store(writer.into_raw_fd(), Ordering::SeqCst);
        installed.reader = Some(reader);
    }
    let reader = installed
        .reader
        .as_ref()
        .expect("the self-pipe was created above")
        .try_clone()?;
    Ok((reader, seen))
}

/// Installs the handler for `signum` if it is not yet (`signum` was
/// accepted by [`open`]).
pub(super) fn install(signum: c_int) -> io::Result<()> {
    let index = check(signum)?;
    let mut installed = INSTALLED.lock();
    if !installed.handlers[index] {
        set_handler(signum)?;
        installed.handlers[index] = true;
    }
    Ok(())
}

/// How many times `signum` has been delivered; `signum` was accepted by
/// [`install`].
pub(super) fn deliveries(signum: c_int) -> u64 {
    DELIVERIES[signum as usize].load(Ordering::SeqCst)
}

/// The array index of `signum`, or `InvalidInput` if we may not handle it.
fn check(signum: c_int) -> io::Result<usize> {
    if FORBIDDEN.contains(&signum) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signum} cannot be listened for (it is SIGKILL, SIGSTOP or a fault)"),
        ));
    }
    match usize::try_from(signum) {
        Ok(index) if (1..MAX_SIGNUM).contains(&index) => Ok(index),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{signum} is not a signal number"),
        )),
    }
}

/// Points `signum`'s disposition at [`on_signal`].
fn set_handler(signum: c_int) -> io::Result<()> {
    // SAFETY: an all-zero `sigaction` is a valid value (empty mask, no flags,
    // SIG_DFL); we then fill in the fields we need before passing it on.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = on_signal as extern "C" fn(c_int) as libc::sighandler_t;
    // Restart interrupted system calls: code on other threads that does not
    // expect EINTR keeps working while signals arrive.
    action.sa_flags = libc::SA_RESTART;
    // SAFETY: `action` is a valid, initialised `sigaction`, and `on_signal`
    // only does async-signal-safe work. A null old-action pointer is allowed.
    let status = unsafe {
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signum, &action, std::ptr::null_mut())
    };
    if status == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The signal handler: count the delivery, then poke the self-pipe. Every
/// call in here is async-signal-safe.
extern "C" fn on_signal(signum: c_int) {
    let saved_errno = Errno::save();
    if let Some(count) = usize::try_from(signum).ok().and_then(|i| DELIVERIES.get(i)) {
        count.fetch_add(1, Ordering::SeqCst);
    }
    let fd = WRITE_FD.load(Ordering::SeqCst);
    let byte = signum as u8;
    // SAFETY: `fd` is the self-pipe's write end, stored before any handler
    // was installed and never closed; `byte` is a live one-byte buffer. A
    // failed write (the pipe is full) is fine: see the module documentation.
    unsafe { libc::write(fd, (&raw const byte).cast(), 1) };
    saved_errno.restore();
}

/// `errno` of the interrupted code. The handler's `write` may change it,
/// and the interrupted code may be about to read it, so it is put back.
struct Errno(c_int);

impl Errno {
    fn save() -> Errno {
        // SAFETY: `errno_location` returns the calling thread's errno slot,
        // valid for the thread's life.
        Errno(unsafe { *errno_location() })
    }

    fn restore(self) {
        // SAFETY: as in `save`.
        unsafe { *errno_location() = self.0 };
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
use libc::__errno_location as errno_location;

#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
use libc::__error as errno_location;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_and_out_of_range_numbers_are_invalid_input() {
        for signum in FORBIDDEN.into_iter().chain([0, -1, MAX_SIGNUM as c_int]) {
            let err = check(signum).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "signal {signum}");
        }
        assert_eq!(check(libc::SIGUSR1).unwrap(), libc::SIGUSR1 as usize);
    }
}

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
//!                ├─ write(pipe, [signum])         (async-signal-safe)
//!                └─ the handler that was there before, if any
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
//! undone: the handler stays for the life of the process (as in tokio). A
//! handler some other code installed before is *chained*: corio's calls it
//! after its own work, with the same arguments, so a library that counted
//! on seeing the signal still does (tokio, through `signal-hook-registry`,
//! chains too, calling the other handler first). Corio's handler takes on
//! the other's signal mask and alternate stack (`SA_ONSTACK`), as it runs
//! inside; its other flags are not re-applied (one installed with
//! `SA_RESETHAND` is called at every delivery, not once). The default action is not a handler: it no longer
//! happens once a listener exists (no exit on SIGINT or SIGTERM), and an
//! ignored signal is ignored no longer: corio's handler catches it. Two
//! things change with that. A child the program starts afterwards
//! (`Command`, which `exec`s) gets the signal's default action, where it
//! would have inherited the ignore: `exec` keeps an ignored signal ignored
//! but resets a caught one (a server started with `nohup` that listens for
//! SIGHUP starts children a hang-up kills; a `pre_exec` that sets `SIG_IGN`
//! keeps the old way). And an ignored SIGCHLD means "reap my children for
//! me" to the kernel, which a handler ends, so once a listener for SIGCHLD
//! exists exited children wait to be reaped (`waitpid`) as zombies.
//! tokio's handler does both the same.
//!
//! These statics use `std`'s atomics directly rather than the loom facade:
//! they are process-global and touched by a signal handler, which no model
//! checker runs.

use std::io;
use std::os::fd::IntoRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU64, Ordering};

use crate::lock::Mutex;
use libc::c_int;

/// corio listens to signal numbers below this: all of Linux's (its real-time
/// signals end at 64) and macOS's (32). FreeBSD's real-time signals, 65 to
/// 126, are refused, as tokio refuses them.
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

/// A handler installed before corio's, for corio's to chain.
struct Previous {
    handler: libc::sighandler_t,
    /// It was installed with `SA_SIGINFO`: it takes three arguments.
    takes_info: bool,
}

/// Per signal, the handler installed before corio's (null: none), behind
/// one pointer so that a signal never reads the address without its flag.
/// Each is allocated under `INSTALLED`'s lock, before corio's handler goes
/// in, and leaked: a handler may read it at any moment for the rest of the
/// process (one or two per signal number, at most).
static PREVIOUS: [AtomicPtr<Previous>; MAX_SIGNUM] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; MAX_SIGNUM];

/// What installation has done so far.
struct Installed {
    /// The self-pipe's read end; each runtime that listens gets a
    /// duplicate of it (see `pipe.rs`).
    reader: Option<UnixStream>,
    /// Which signal numbers have our handler.
    handlers: [bool; MAX_SIGNUM],
}

static INSTALLED: Mutex<Installed> = Mutex::new(Installed {
    reader: None,
    handlers: [false; MAX_SIGNUM],
});

/// Makes the self-pipe if it does not exist yet, and returns `signum`'s
/// delivery count so far. The handler is not installed yet: [`install`]
/// does that once the caller's listener is ready, so that a listener that
/// could not be made (no runtime, no descriptor left) leaves the signal's
/// default action in place.
///
/// Fails with `InvalidInput` for a forbidden or out-of-range signal number.
pub(super) fn open(signum: c_int) -> io::Result<u64> {
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
    Ok(seen)
}

/// A new descriptor for the self-pipe's read end (non-blocking), for a
/// runtime's reactor to wait on; [`open`] made the pipe.
pub(super) fn reader() -> io::Result<UnixStream> {
    INSTALLED
        .lock()
        .reader
        .as_ref()
        .expect("`open` made the self-pipe")
        .try_clone()
}

/// Empties the self-pipe, if it exists: a unit test's first listener must
/// not find a byte an earlier test left there (a signal raised after its
/// runtime was gone, or received through the delivery count without a
/// drain), or the registration's first event would wake its listeners.
#[cfg(test)]
pub(super) fn empty_the_pipe_for_tests() {
    if let Some(reader) = INSTALLED.lock().reader.as_ref() {
        // Empty already (`WouldBlock`) is as good as emptied here.
        let _ = super::unix::drain(reader);
    }
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

/// A handler that takes `siginfo_t` (`SA_SIGINFO`), as corio's does.
type InfoHandler = extern "C" fn(c_int, *mut libc::siginfo_t, *mut libc::c_void);
/// A plain handler.
type PlainHandler = extern "C" fn(c_int);

/// Points `signum`'s disposition at [`on_signal`], after recording the
/// handler that was there for it to chain (`signum` was accepted by `check`,
/// and the caller holds `INSTALLED`'s lock).
fn set_handler(signum: c_int) -> io::Result<()> {
    let index = signum as usize;
    // Recorded *before* corio's handler goes in, so that a signal arriving
    // the moment it does already finds the handler to chain.
    let remember = |old: &libc::sigaction| {
        let previous = Box::new(Previous {
            handler: old.sa_sigaction,
            takes_info: old.sa_flags & libc::SA_SIGINFO != 0,
        });
        PREVIOUS[index].store(Box::into_raw(previous), Ordering::SeqCst);
    };
    // SAFETY: an all-zero `sigaction` is a valid value (empty mask, no flags,
    // SIG_DFL), which `sigaction` overwrites with the current disposition.
    let mut before: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only reads the disposition, into `before`,
    // a valid and writable `sigaction`.
    if unsafe { libc::sigaction(signum, std::ptr::null(), &mut before) } == -1 {
        return Err(io::Error::last_os_error());
    }
    remember(&before);

    let action = corio_action(&before);
    // SAFETY: as for `before`.
    let mut replaced: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: `action` is a valid, initialised `sigaction`, `on_signal` only
    // does async-signal-safe work (and calls a handler that was installed
    // for this very signal), and `replaced` is valid and writable.
    if unsafe { libc::sigaction(signum, &action, &mut replaced) } == -1 {
        return Err(io::Error::last_os_error());
    }
    // Another thread changed it between our two calls: chain what we
    // replaced, and take on its mask and stack instead (a third party racing
    // this second call too is not chased further).
    if replaced.sa_sigaction != before.sa_sigaction || replaced.sa_flags != before.sa_flags {
        remember(&replaced);
        let action = corio_action(&replaced);
        // SAFETY: as for the first install; the old action is not wanted.
        if unsafe { libc::sigaction(signum, &action, std::ptr::null_mut()) } == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Corio's disposition, chaining `old`'s handler: `on_signal` with
/// `SA_RESTART` (code on other threads that does not expect `EINTR` keeps
/// working while signals arrive; the calls signal(7) never restarts, such as
/// `epoll_wait`, `poll`, `nanosleep` and futex waits, fail with `EINTR`
/// whatever the flag), even when a chained handler was installed without
/// it, and `SA_SIGINFO` (the arguments a chained
/// `SA_SIGINFO` handler needs). The chained handler runs inside corio's, so
/// corio's takes on what it asked for: the signals it blocks while it runs,
/// and the alternate stack (Go's runtime, say, aborts if its handler runs
/// without it).
fn corio_action(old: &libc::sigaction) -> libc::sigaction {
    // SAFETY: an all-zero `sigaction` is a valid value; the fields that
    // matter are filled in below.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = on_signal as InfoHandler as libc::sighandler_t;
    action.sa_flags = libc::SA_RESTART | libc::SA_SIGINFO;
    if old.sa_sigaction != libc::SIG_DFL && old.sa_sigaction != libc::SIG_IGN {
        action.sa_mask = old.sa_mask;
        action.sa_flags |= old.sa_flags & libc::SA_ONSTACK;
    } else {
        // SAFETY: `sa_mask` is a valid `sigset_t` to empty.
        unsafe { libc::sigemptyset(&mut action.sa_mask) };
    }
    action
}

/// The signal handler: count the delivery, poke the self-pipe, then run the
/// handler that was installed before corio's, if there was one. Every call
/// in here is async-signal-safe.
extern "C" fn on_signal(signum: c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let Some(index) = usize::try_from(signum).ok().filter(|&i| i < MAX_SIGNUM) else {
        return;
    };
    let saved_errno = Errno::save();
    DELIVERIES[index].fetch_add(1, Ordering::SeqCst);
    let fd = WRITE_FD.load(Ordering::SeqCst);
    let byte = signum as u8;
    // SAFETY: `fd` is the self-pipe's write end, stored before any handler
    // was installed and never closed; `byte` is a live one-byte buffer. A
    // failed write (the pipe is full) is fine: see the module documentation.
    unsafe { libc::write(fd, (&raw const byte).cast(), 1) };
    // The previous handler sees the interrupted code's errno, as it would
    // have without corio, and looks after it itself.
    saved_errno.restore();

    // SAFETY: null, or a `Previous` leaked by `set_handler` and never freed.
    let recorded = unsafe { PREVIOUS[index].load(Ordering::SeqCst).as_ref() };
    let Some(&Previous {
        handler: previous,
        takes_info,
    }) = recorded
    else {
        return;
    };
    if previous == libc::SIG_DFL || previous == libc::SIG_IGN {
        return;
    }
    if takes_info {
        // SAFETY: `previous` is the address `sigaction` reported for this
        // signal's handler, which was installed with SA_SIGINFO: a function
        // of this type. It gets the kernel's own arguments, unchanged.
        let handler = unsafe { std::mem::transmute::<usize, InfoHandler>(previous) };
        handler(signum, info, context);
    } else {
        // SAFETY: as above, for a handler installed without SA_SIGINFO.
        let handler = unsafe { std::mem::transmute::<usize, PlainHandler>(previous) };
        handler(signum);
    }
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

// Each libc names its thread's `errno` cell its own way (std's list).
#[cfg(any(target_os = "linux", target_os = "dragonfly"))]
use libc::__errno_location as errno_location;

#[cfg(any(target_os = "android", target_os = "netbsd", target_os = "openbsd"))]
use libc::__errno as errno_location;

#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
use libc::__error as errno_location;

#[cfg(any(target_os = "illumos", target_os = "solaris"))]
use libc::___errno as errno_location;

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

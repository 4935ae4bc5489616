//! Unix signals as a stream of notifications: [`signal`], [`Signal`] and
//! [`SignalKind`].
//!
//! A [`Signal`] is one listener. It remembers how many deliveries of its
//! signal it has seen; [`Signal::recv`] completes as soon as the process-wide
//! count (kept by the handler, see the [module docs](super)) is higher. So:
//!
//! - a signal that arrives between two `recv` calls, or after [`signal`]
//!   returned but before the first `recv`, is not lost;
//! - several deliveries between two `recv` calls **coalesce** into one
//!   notification, as the kernel itself does for a signal that is already
//!   pending (and as tokio does; real-time signals, which the kernel queues
//!   one by one, coalesce here too): count `recv`s to learn "at least once
//!   since last time", never "how many times";
//! - any number of `Signal`s may listen for the same signal, and each one
//!   sees every delivery (up to coalescing).

use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use libc::c_int;

use super::handler;
use super::listeners::{self, Listener};
use super::pipe::{self, SharedPipe};
use crate::task::budget;

/// Which signal to listen for: a named constructor for the common ones, or
/// [`SignalKind::from_raw`] for any other number.
///
/// # Examples
///
/// ```
/// use corio::signal::unix::SignalKind;
///
/// assert_eq!(SignalKind::from_raw(15), SignalKind::terminate());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalKind(c_int);

impl SignalKind {
    /// Any signal, by number. Forbidden ones (SIGKILL, SIGSTOP, SIGSEGV,
    /// SIGBUS, SIGILL, SIGFPE) are refused later, by [`signal`].
    ///
    /// # Examples
    ///
    /// ```
    /// let kind = corio::signal::unix::SignalKind::from_raw(10);
    /// assert_eq!(kind.as_raw_value(), 10);
    /// ```
    pub const fn from_raw(signum: c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal number.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::interrupt().as_raw_value(), 2);
    /// ```
    pub const fn as_raw_value(self) -> c_int {
        self.0
    }

    /// SIGINT: the terminal's interrupt key (ctrl-c). Default action: exit.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(corio::signal::unix::SignalKind::interrupt().as_raw_value(), 2);
    /// ```
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// SIGTERM: a polite request to stop, sent by `kill`, systemd, Docker and
    /// Kubernetes. Default action: exit.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(corio::signal::unix::SignalKind::terminate().as_raw_value(), 15);
    /// ```
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// SIGHUP: the terminal went away; daemons use it for "reload your
    /// configuration". Default action: exit.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(corio::signal::unix::SignalKind::hangup().as_raw_value(), 1);
    /// ```
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// SIGUSR1: free for the application's own use. Default action: exit.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::signal::unix::SignalKind;
    /// assert_ne!(SignalKind::user_defined1(), SignalKind::user_defined2());
    /// ```
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2: free for the application's own use. Default action: exit.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::signal::unix::SignalKind;
    /// assert_ne!(SignalKind::user_defined2(), SignalKind::terminate());
    /// ```
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGCHLD: a child process stopped or exited. Default action: ignore.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::signal::unix::SignalKind;
    /// assert_ne!(SignalKind::child(), SignalKind::hangup());
    /// ```
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// SIGQUIT: quit from the terminal (Ctrl-\\). Default action: exit with a core dump.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::quit().as_raw_value(), libc::SIGQUIT);
    /// assert_ne!(SignalKind::quit(), SignalKind::interrupt());
    /// ```
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGPIPE: a write to a pipe or socket with no reader. Rust programs
    /// start with it ignored, and a write then just fails with
    /// `BrokenPipe`. Listening installs corio's handler in its place: the
    /// write still fails with `BrokenPipe`, and the listener hears of it.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::pipe().as_raw_value(), libc::SIGPIPE);
    /// assert_ne!(SignalKind::pipe(), SignalKind::quit());
    /// ```
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// SIGALRM: a timer set with `alarm(2)` expired. Default action: exit.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::alarm().as_raw_value(), libc::SIGALRM);
    /// assert_ne!(SignalKind::alarm(), SignalKind::pipe());
    /// ```
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// SIGWINCH: the terminal window changed size. Default action: ignore.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::window_change().as_raw_value(), libc::SIGWINCH);
    /// assert_ne!(SignalKind::window_change(), SignalKind::alarm());
    /// ```
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }

    /// SIGIO: a descriptor set up for signal-driven I/O is ready. Default action: exit.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::signal::unix::SignalKind;
    /// assert_eq!(SignalKind::io().as_raw_value(), libc::SIGIO);
    /// assert_ne!(SignalKind::io(), SignalKind::window_change());
    /// ```
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }
}

/// tokio's spelling of [`SignalKind::from_raw`].
impl From<c_int> for SignalKind {
    fn from(signum: c_int) -> SignalKind {
        SignalKind::from_raw(signum)
    }
}

/// tokio's spelling of [`SignalKind::as_raw_value`].
impl From<SignalKind> for c_int {
    fn from(kind: SignalKind) -> c_int {
        kind.as_raw_value()
    }
}

/// Starts listening for `kind`: installs corio's handler for it (once per
/// process, for good) and returns a listener whose [`recv`](Signal::recv)
/// completes at each delivery from now on.
///
/// Once the handler is installed, for the rest of the process and even after
/// every `Signal` is dropped, the signal's default action (exiting, for
/// SIGINT and SIGTERM) no longer happens. A handler installed earlier by
/// other code keeps running: corio's calls it after its own work.
///
/// # Errors
///
/// `InvalidInput` for SIGKILL, SIGSTOP, the fault signals (SIGSEGV, SIGBUS,
/// SIGILL, SIGFPE) and numbers that are not signals; the OS error if the
/// self-pipe or the handler cannot be set up.
///
/// # Panics
///
/// Outside a corio runtime: the listener registers with the current
/// runtime's reactor, like a socket, and belongs to that runtime.
///
/// # Examples
///
/// ```
/// use corio::signal::unix::{SignalKind, signal};
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let mut hangups = signal(SignalKind::hangup())?;
///     // SAFETY: sending SIGHUP to ourselves; corio's handler is installed.
///     unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
///     assert_eq!(hangups.recv().await, Some(()));
///
///     let err = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
///     Ok(())
/// })
/// # }
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let seen = handler::open(kind.0)?;
    // The listener first (it needs a runtime, and maybe a descriptor): only
    // then the handler, which from then on swallows the signal's default
    // action (for SIGINT, ending the process) for good.
    let pipe = pipe::current()?;
    handler::install(kind.0)?;
    Ok(Signal {
        kind,
        seen,
        listener: Listener::new(),
        pipe,
        ended: false,
    })
}

/// A listener for one signal, made by [`signal`]. See the [module
/// documentation](self) for what it guarantees.
///
/// Dropping it stops listening (the handler stays installed).
///
/// # Examples
///
/// ```
/// use corio::signal::unix::{SignalKind, signal};
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let mut listener = signal(SignalKind::user_defined1())?;
///     // SAFETY: a SIGUSR1 to ourselves, caught by corio's handler.
///     unsafe { libc::raise(libc::SIGUSR1) };
///     assert_eq!(listener.recv().await, Some(()));
///     drop(listener);
///     // SAFETY: as above. The handler stays: the process is not killed.
///     unsafe { libc::raise(libc::SIGUSR1) };
///     Ok(())
/// })
/// # }
/// ```
pub struct Signal {
    kind: SignalKind,
    /// The delivery count last reported by `recv`.
    seen: u64,
    listener: Listener,
    /// The self-pipe's read end as its runtime registered it, shared by
    /// every listener made there (see `pipe.rs`).
    pipe: Arc<SharedPipe>,
    /// Set once `recv` has returned `None`: the stream stays ended, though
    /// the handler still counts deliveries after its runtime has gone.
    ended: bool,
}

impl Signal {
    /// Waits for the next delivery of the signal: completes with `Some(())`
    /// if at least one happened since this `Signal` was made or last
    /// returned, and with `None` once its runtime has shut down (and with
    /// `None` at every call after that).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a delivery is only consumed by a call that returns it, so
    /// dropping the future (in a `select!`) loses nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::signal::unix::{SignalKind, signal};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let mut first = signal(SignalKind::user_defined2())?;
    ///     let mut second = signal(SignalKind::user_defined2())?;
    ///     // SAFETY: a SIGUSR2 to ourselves, caught by corio's handler.
    ///     unsafe { libc::raise(libc::SIGUSR2) };
    ///     unsafe { libc::raise(libc::SIGUSR2) };
    ///     // Both listeners see it, and the two deliveries coalesce into one.
    ///     assert_eq!(first.recv().await, Some(()));
    ///     assert_eq!(second.recv().await, Some(()));
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The poll form of [`recv`](Self::recv), for hand-written futures and
    /// streams. Only the waker of the latest call is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::signal::unix::{SignalKind, signal};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let mut children = signal(SignalKind::child())?;
    ///     std::process::Command::new("true").status()?;
    ///     let delivered = std::future::poll_fn(|cx| children.poll_recv(cx)).await;
    ///     assert_eq!(delivered, Some(()), "SIGCHLD: the child exited");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        if self.ended {
            return Poll::Ready(None);
        }
        // Registered before the counter is read: a drain by another listener
        // after the read wakes us, so no delivery can slip in between.
        self.listener.register(cx.waker());
        // The coop budget is spent against this task's own waker: out of
        // budget, it yields by waking itself, where the registration's
        // budget check would wake (through the fan-out) every listener.
        let spent = ready!(budget::poll_proceed(cx));
        loop {
            let delivered = handler::deliveries(self.kind.0);
            if delivered != self.seen {
                self.seen = delivered;
                self.listener.clear();
                spent.made_progress();
                return Poll::Ready(Some(()));
            }
            // The registration is shared, so it keeps the fan-out waker,
            // not ours: whichever listener polled it last, the event wakes
            // every waiting one, ours included (registered above).
            let mut fan_out = Context::from_waker(listeners::fan_out());
            let polled =
                budget::unconstrained_sync(|| self.pipe.poll_read_with(&mut fan_out, None, drain));
            match polled {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) => self.listener.wake_others(),
                // A shut-down runtime (the reactor fails the wait), or a
                // closed self-pipe: the stream ends.
                Poll::Ready(Err(_)) => {
                    // Ended: a later delivery must not wake it for nothing,
                    // nor turn into an item after the `None`.
                    self.ended = true;
                    self.listener.clear();
                    spent.made_progress();
                    return Poll::Ready(None);
                }
            }
        }
    }
}

/// Each delivery is an item (`()`); the stream ends when the runtime shuts
/// down, as [`Signal::recv`] returns `None`, and stays ended.
impl futures_core::Stream for Signal {
    type Item = ();

    fn poll_next(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx)
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

/// Empties the self-pipe. `WouldBlock` if it was already empty, so that the
/// caller waits for the next byte.
pub(super) fn drain(mut pipe: &UnixStream) -> io::Result<()> {
    let mut bytes = [0; 64];
    let mut drained = false;
    loop {
        match pipe.read(&mut bytes) {
            Ok(n) if n > 0 => drained = true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // Empty now; if it already was, wait for the next byte.
                return if drained { Ok(()) } else { Err(e) };
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // End of file: the leaked write end was closed after all (a
            // library closing every descriptor). An error, not "drained",
            // or the caller would poll again at once, for ever.
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "corio's signal pipe was closed",
                ));
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests;

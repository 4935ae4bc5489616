//! Helpers for tests that drive `corio::sync` with no runtime at all: plain
//! `std::thread`s, each running its futures with `futures_lite`'s
//! `block_on`, every wait bounded by [`PATIENCE`]; and two bounded waits
//! any test may use ([`until`], [`join`]), bounded by [`super::LIMIT`].

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use futures_lite::future::block_on;

/// Longest any test waits for another thread before it fails (Miri is slow).
pub const PATIENCE: Duration = Duration::from_secs(if cfg!(miri) { 300 } else { 10 });

/// Rounds of the contention tests: Miri runs about a hundred times slower.
pub const ROUNDS: usize = if cfg!(miri) { 10 } else { 1_000 };

/// Runs `f` on its own thread and fails the test if it takes over `PATIENCE`.
pub fn on_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(PATIENCE) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("timed out after {PATIENCE:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
    }
}

/// Spins, yielding the CPU, until `done` holds; after [`super::LIMIT`]
/// the test fails with `what`.
pub fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < super::LIMIT, "{what}");
        thread::yield_now();
    }
}

/// Joins `thread`, failing the test if it has not ended within [`super::LIMIT`]
/// (std's `join` has no timeout: this looks every millisecond whether the
/// thread has finished, then joins it); a panic on it is passed on.
pub fn join<T>(thread: std::thread::JoinHandle<T>) -> T {
    let start = std::time::Instant::now();
    while !thread.is_finished() {
        assert!(
            start.elapsed() < super::LIMIT,
            "a thread ran longer than the test limit"
        );
        thread::sleep(Duration::from_millis(1));
    }
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Starts `fut` on a thread of its own and returns once it has been polled
/// and is waiting (its first `Pending`): so whatever the caller does next
/// meets a registered waiter, not a future yet to be polled. Join the
/// returned thread to get the output.
pub fn waiting_on_thread<F>(fut: F) -> thread::JoinHandle<F::Output>
where
    F: Future<Output: Send + 'static> + Send + 'static,
{
    let (pending_tx, pending_rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let mut fut = std::pin::pin!(fut);
        let mut first = true;
        block_on(std::future::poll_fn(|cx| {
            let poll = fut.as_mut().poll(cx);
            if poll.is_pending() && std::mem::take(&mut first) {
                let _ = pending_tx.send(());
            }
            poll
        }))
    });
    pending_rx
        .recv_timeout(PATIENCE)
        .expect("the future never waited");
    waiter
}

/// Drives `fut` to completion on its own thread, within `PATIENCE`.
pub fn run<F: Future<Output: Send + 'static> + Send + 'static>(fut: F) -> F::Output {
    on_thread(move || block_on(fut))
}

/// A waker that records whether it was woken.
#[derive(Default)]
pub struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Flag {
    pub fn new() -> (Arc<Flag>, Waker) {
        let flag = Arc::new(Flag::default());
        (flag.clone(), Waker::from(flag))
    }

    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

/// `fut`'s output, which must be there at its first poll: a test that
/// expects no wait fails here when the code is wrong, instead of hanging
/// in a `block_on`.
#[track_caller]
pub fn at_once<F: Future>(fut: F) -> F::Output {
    match std::pin::pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future waited where it should have been ready at once"),
    }
}

/// Polls `fut` once with `waker`.
pub fn poll_with<F: Future>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// A channel's `closed()` with two receivers, `a` and `b`: pending until
/// both are dropped, then woken by the last drop and ready.
pub fn assert_closed_waits_for_both<F, A, B>(mut closed: Pin<&mut F>, a: A, b: B)
where
    F: Future<Output = ()>,
{
    let (flag, waker) = Flag::new();
    assert!(poll_with(closed.as_mut(), &waker).is_pending());
    drop(a);
    assert!(
        poll_with(closed.as_mut(), &waker).is_pending(),
        "one is left"
    );
    drop(b);
    assert!(flag.take(), "the last drop wakes it");
    assert_eq!(poll_with(closed.as_mut(), &waker), Poll::Ready(()));
}

/// `rounds` rounds in lockstep: `send(i)` on a thread of its own, then a
/// wait for `receive` (run on another thread) to call `ack` after it
/// received round `i`. The races of "a send lands just before the
/// receiver waits" come up round after round; every wait is bounded.
pub fn in_lockstep<R, F>(rounds: usize, mut send: impl FnMut(usize) + Send + 'static, receive: R)
where
    R: FnOnce(mpsc::Sender<()>) -> F + Send + 'static,
    F: Future<Output = ()>,
{
    let (ack, acked) = mpsc::channel();
    let receiver = thread::spawn(move || block_on(receive(ack)));
    on_thread(move || {
        for i in 0..rounds {
            send(i);
            acked.recv().unwrap();
        }
        receiver.join().unwrap();
    });
}

/// The calling thread's directory in `/proc`.
#[cfg(target_os = "linux")]
fn this_task() -> String {
    // SAFETY: `gettid` takes no arguments and has no memory effects.
    let tid = unsafe { libc::syscall(libc::SYS_gettid) };
    format!("/proc/self/task/{tid}")
}

/// Whether the thread of `task` is asleep (state `S`); `None` if `/proc`
/// cannot tell (or the thread is gone).
#[cfg(target_os = "linux")]
fn asleep(task: &str) -> Option<bool> {
    let stat = std::fs::read_to_string(format!("{task}/stat")).ok()?;
    // The state follows the name, which is in parentheses.
    let state = stat.rsplit(')').next()?.split_whitespace().next()?;
    Some(state == "S")
}

/// A probe of whether the calling thread, later, is asleep (state `S` in
/// `/proc`: waiting, not running); where `/proc` cannot tell (the thread
/// has ended, say), the probe says yes.
#[cfg(target_os = "linux")]
pub fn this_thread_asleep() -> impl Fn() -> bool + Send + 'static {
    let task = this_task();
    move || asleep(&task) != Some(false)
}

/// Elsewhere the probe always says yes.
#[cfg(not(target_os = "linux"))]
pub fn this_thread_asleep() -> impl Fn() -> bool + Send + 'static {
    || true
}

/// A probe of whether the calling thread, later, is asleep in
/// `epoll_wait`: its state (in `/proc`) is `S`, and its `wchan` names the
/// wait (`do_epoll_wait`, or `ep_poll` on older kernels). Asleep with a
/// `wchan` the kernel hides (`0`), the state alone says so; where `/proc`
/// cannot be read, the probe always says yes.
#[cfg(target_os = "linux")]
pub fn this_thread_asleep_in_epoll_wait() -> impl Fn() -> bool + Send + 'static {
    let task = this_task();
    move || {
        match asleep(&task) {
            None => return true,
            Some(false) => return false,
            Some(true) => {}
        }
        let wchan = std::fs::read_to_string(format!("{task}/wchan")).unwrap_or_default();
        // `0` is what the kernel shows for a hidden wchan, and for a thread
        // that is running: asleep still after the read, it is hidden.
        if wchan.is_empty() || wchan == "0" {
            return asleep(&task) != Some(false);
        }
        wchan.contains("epoll") || wchan.contains("ep_poll")
    }
}

/// Elsewhere the park count alone tells.
#[cfg(not(target_os = "linux"))]
pub fn this_thread_asleep_in_epoll_wait() -> impl Fn() -> bool + Send + 'static {
    || true
}

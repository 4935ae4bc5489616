//! `corio::signal`: delivery through the self-pipe and the reactor.
//!
//! A signal handler, once installed, stays for the life of the process and
//! replaces the default action, so every test that installs one runs in a
//! child process: this test binary re-executed with `--exact <test>` and
//! `CHILD` set to the test's name, which makes the test run its child body.

#![cfg(feature = "signal")] // needs the `signal` feature (on by default)

mod common;

use std::io::{BufRead, BufReader};
use std::pin::pin;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;

use corio::signal::unix::{SignalKind, signal};
use futures_lite::future::poll_once;

/// Names the test whose child body this process must run.
const CHILD: &str = "CORIO_SIGNAL_TEST_CHILD";

/// What a child body prints last, so the parent knows it really ran.
const DONE: &str = "child body done";

/// Whether this process is the child re-executed for `test`.
fn is_child(test: &str) -> bool {
    std::env::var(CHILD).as_deref() == Ok(test)
}

/// A child process running one test's child body, with its stdout as lines.
struct ChildTest {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl ChildTest {
    fn spawn(test: &str) -> ChildTest {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env(CHILD, test)
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot re-execute the test binary");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in stdout.lines() {
                let _ = tx.send(line.expect("the child's stdout is UTF-8"));
            }
        });
        ChildTest { child, lines }
    }

    /// Waits (bounded) for a line containing `marker`; the harness may print
    /// its own text on the same line.
    fn expect_line(&self, marker: &str) {
        loop {
            let line = self
                .lines
                .recv_timeout(common::LIMIT)
                .unwrap_or_else(|_| panic!("the child never printed {marker:?}"));
            if line.contains(marker) {
                return;
            }
        }
    }

    fn kill(&self, signum: libc::c_int) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: `kill` has no memory effects; `pid` is our live child.
        assert_eq!(unsafe { libc::kill(pid, signum) }, 0);
    }

    /// Waits (bounded) for the child to close its stdout, then reaps it.
    fn exit_status(mut self) -> ExitStatus {
        loop {
            match self.lines.recv_timeout(common::LIMIT) {
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => panic!("the child did not exit"),
            }
        }
        self.child.wait().unwrap()
    }

    /// Runs `test`'s child body to completion and asserts it passed: it
    /// printed [`DONE`] and exited cleanly.
    fn run_to_success(test: &str) {
        let child = ChildTest::spawn(test);
        child.expect_line(DONE);
        let status = child.exit_status();
        assert!(status.success(), "the child for {test} failed: {status}");
    }
}

impl Drop for ChildTest {
    fn drop(&mut self) {
        // A failed test must not leave its child behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn ctrl_c_reaches_a_child_process() {
    const TEST: &str = "ctrl_c_reaches_a_child_process";
    if is_child(TEST) {
        common::block_on(async {
            let mut ctrl_c = pin!(corio::signal::ctrl_c());
            // The first poll installs the handler; only then may the parent send.
            assert!(poll_once(&mut ctrl_c).await.is_none());
            println!("ready");
            ctrl_c.await.unwrap();
            println!("got ctrl-c");
        });
        return;
    }
    let child = ChildTest::spawn(TEST);
    child.expect_line("ready");
    child.kill(libc::SIGINT);
    child.expect_line("got ctrl-c");
    let status = child.exit_status();
    assert!(status.success(), "the child did not exit cleanly: {status}");
}

/// A `ctrl_c` still waiting when its runtime shuts down ends with the
/// error `runtime::is_rt_shutdown_err` knows.
#[test]
fn a_ctrl_c_ended_by_the_shutdown_is_a_shutdown_error() {
    const TEST: &str = "a_ctrl_c_ended_by_the_shutdown_is_a_shutdown_error";
    if is_child(TEST) {
        let runtime = corio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut ctrl_c = Box::pin(corio::signal::ctrl_c());
        runtime.block_on(async {
            // The first poll installs the handler and starts the wait.
            assert!(poll_once(&mut ctrl_c).await.is_none());
        });
        drop(runtime);
        let ended = futures_lite::future::block_on(ctrl_c).expect_err("the shutdown ended it");
        assert!(corio::runtime::is_rt_shutdown_err(&ended), "{ended}");
        println!("{DONE}");
        return;
    }
    ChildTest::run_to_success(TEST);
}

#[test]
fn sigterm_reaches_a_listener_instead_of_killing() {
    const TEST: &str = "sigterm_reaches_a_listener_instead_of_killing";
    if is_child(TEST) {
        common::block_on(async {
            let mut terminate = signal(SignalKind::terminate()).unwrap();
            println!("ready");
            assert_eq!(terminate.recv().await, Some(()));
            println!("got sigterm");
        });
        return;
    }
    let child = ChildTest::spawn(TEST);
    child.expect_line("ready");
    child.kill(libc::SIGTERM);
    child.expect_line("got sigterm");
    assert!(child.exit_status().success());
}

#[test]
fn two_waiting_listeners_on_different_tasks_both_see_one_signal() {
    const TEST: &str = "two_waiting_listeners_on_different_tasks_both_see_one_signal";
    if !is_child(TEST) {
        return ChildTest::run_to_success(TEST);
    }
    common::block_on(async {
        let (waiting_tx, waiting_rx) = async_channel::unbounded();
        let listeners: Vec<_> = (0..2)
            .map(|_| {
                let mut signal = signal(SignalKind::user_defined1()).unwrap();
                let waiting_tx = waiting_tx.clone();
                corio::spawn(async move {
                    let mut recv = pin!(signal.recv());
                    // Parked on the reactor before the signal is sent.
                    assert!(poll_once(&mut recv).await.is_none());
                    waiting_tx.send(()).await.unwrap();
                    recv.await
                })
            })
            .collect();
        for _ in 0..2 {
            waiting_rx.recv().await.unwrap();
        }
        // SAFETY: `kill` has no memory effects; corio handles SIGUSR1 now.
        unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) };
        for listener in listeners {
            assert_eq!(listener.await.unwrap(), Some(()));
        }
    });
    println!("{DONE}");
}

#[test]
fn a_signal_raised_before_recv_is_kept_and_repeats_coalesce() {
    const TEST: &str = "a_signal_raised_before_recv_is_kept_and_repeats_coalesce";
    if !is_child(TEST) {
        return ChildTest::run_to_success(TEST);
    }
    common::block_on(async {
        let mut signal = signal(SignalKind::user_defined2()).unwrap();
        // `raise` runs the handler before it returns: three deliveries are
        // counted before the first `recv`.
        for _ in 0..3 {
            // SAFETY: no memory effects; corio handles SIGUSR2 now.
            unsafe { libc::raise(libc::SIGUSR2) };
        }
        assert_eq!(signal.recv().await, Some(()));
        assert!(
            poll_once(signal.recv()).await.is_none(),
            "three deliveries between two recvs are one notification"
        );
        // SAFETY: as above.
        unsafe { libc::raise(libc::SIGUSR2) };
        assert_eq!(signal.recv().await, Some(()));
        // The same listener as a `Stream`: a delivery is an item.
        // SAFETY: as above.
        unsafe { libc::raise(libc::SIGUSR2) };
        assert_eq!(futures_lite::StreamExt::next(&mut signal).await, Some(()));
    });
    println!("{DONE}");
}

/// How often the handlers `a_handler_installed_earlier_still_runs`
/// installs before corio's were called, and the signal number the
/// `SA_SIGINFO` one read from its `siginfo_t`.
static PLAIN_CALLS: AtomicUsize = AtomicUsize::new(0);
static INFO_CALLS: AtomicUsize = AtomicUsize::new(0);
static INFO_SIGNO: AtomicI32 = AtomicI32::new(0);

extern "C" fn plain_handler(_signum: libc::c_int) {
    PLAIN_CALLS.fetch_add(1, Ordering::SeqCst);
}

extern "C" fn info_handler(
    _signum: libc::c_int,
    info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid `siginfo_t` to an SA_SIGINFO
    // handler, and corio's handler hands it on unchanged.
    INFO_SIGNO.store(unsafe { (*info).si_signo }, Ordering::SeqCst);
    INFO_CALLS.fetch_add(1, Ordering::SeqCst);
}

/// Installs `handler` for `signum` with `flags`, as a library would.
fn install_foreign(signum: libc::c_int, handler: libc::sighandler_t, flags: libc::c_int) {
    // SAFETY: a zeroed `sigaction` is valid; both handlers only touch atomics
    // (async-signal-safe).
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler;
        action.sa_flags = flags;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(libc::sigaction(signum, &action, std::ptr::null_mut()), 0);
    }
}

/// A handler some other code installed before corio's keeps running, a
/// plain one and an `SA_SIGINFO` one (which gets the kernel's `siginfo_t`).
#[test]
fn a_handler_installed_earlier_still_runs() {
    const TEST: &str = "a_handler_installed_earlier_still_runs";
    if !is_child(TEST) {
        return ChildTest::run_to_success(TEST);
    }
    install_foreign(libc::SIGUSR1, plain_handler as extern "C" fn(_) as _, 0);
    install_foreign(
        libc::SIGUSR2,
        info_handler as extern "C" fn(_, _, _) as _,
        libc::SA_SIGINFO,
    );
    common::block_on(async {
        let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
        let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
        // SAFETY: no memory effects; corio handles both signals now.
        unsafe { libc::raise(libc::SIGUSR1) };
        assert_eq!(usr1.recv().await, Some(()));
        // SAFETY: as above.
        unsafe { libc::raise(libc::SIGUSR2) };
        assert_eq!(usr2.recv().await, Some(()));
    });
    assert_eq!(
        PLAIN_CALLS.load(Ordering::SeqCst),
        1,
        "the plain handler ran"
    );
    assert_eq!(
        INFO_CALLS.load(Ordering::SeqCst),
        1,
        "the siginfo handler ran"
    );
    assert_eq!(INFO_SIGNO.load(Ordering::SeqCst), libc::SIGUSR2);
    println!("{DONE}");
}

#[test]
fn forbidden_signals_are_invalid_input() {
    common::block_on(async {
        let forbidden = [
            libc::SIGKILL,
            libc::SIGSTOP,
            libc::SIGSEGV,
            libc::SIGBUS,
            libc::SIGILL,
            libc::SIGFPE,
        ];
        for signum in forbidden.into_iter().chain([0, -3, 1000]) {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(
                err.kind(),
                std::io::ErrorKind::InvalidInput,
                "signal {signum}"
            );
        }
    });
}

const NO_LISTENER_CHILD: &str = "CORIO_TEST_SIGNAL_NO_LISTENER_CHILD";

/// `signal()` outside a runtime panics before it installs anything: the
/// signal keeps its default action (for SIGINT, ending the process) instead
/// of being swallowed for good with nobody listening. In a child process,
/// as the disposition is process-wide.
#[test]
#[cfg_attr(miri, ignore)]
fn a_listener_that_cannot_be_made_installs_no_handler() {
    if std::env::var_os(NO_LISTENER_CHILD).is_none() {
        common::run_in_child(
            "a_listener_that_cannot_be_made_installs_no_handler",
            NO_LISTENER_CHILD,
        );
        return;
    }
    let made = std::panic::catch_unwind(|| signal(SignalKind::user_defined2()));
    assert!(made.is_err(), "no runtime: signal() panics");
    // SAFETY: reads SIGUSR2's disposition into a zeroed, writable sigaction.
    let action = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        assert_eq!(
            libc::sigaction(libc::SIGUSR2, std::ptr::null(), &mut old),
            0
        );
        old.sa_sigaction
    };
    assert_eq!(
        action,
        libc::SIG_DFL,
        "the default action is still in place"
    );
}

/// Corio's handler takes on the chained handler's mask and `SA_ONSTACK`,
/// since that handler runs inside it.
#[test]
fn corio_takes_on_the_chained_handlers_mask_and_alternate_stack() {
    const TEST: &str = "corio_takes_on_the_chained_handlers_mask_and_alternate_stack";
    if !is_child(TEST) {
        return ChildTest::run_to_success(TEST);
    }
    // SAFETY: a zeroed `sigaction` is valid; the handler only touches an
    // atomic; every pointer is to a live local.
    let disposition = unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = plain_handler as extern "C" fn(_) as _;
        action.sa_flags = libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaddset(&mut action.sa_mask, libc::SIGUSR2);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
        common::block_on(async {
            let _listener = signal(SignalKind::user_defined1()).unwrap();
        });
        let mut now: libc::sigaction = std::mem::zeroed();
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, std::ptr::null(), &mut now),
            0
        );
        now
    };
    assert_ne!(
        disposition.sa_sigaction, plain_handler as extern "C" fn(_) as libc::sighandler_t,
        "corio's handler is in place"
    );
    assert_ne!(
        disposition.sa_flags & libc::SA_ONSTACK,
        0,
        "SA_ONSTACK taken on"
    );
    // SAFETY: reads a valid, initialised signal set.
    assert_eq!(
        unsafe { libc::sigismember(&disposition.sa_mask, libc::SIGUSR2) },
        1
    );
    println!("{DONE}");
}

//! Signal listeners share their runtime's one registration of the
//! self-pipe: many listeners cost no descriptors, the one that polled the
//! registration last may go, and runtimes that listen at once each hear.
//!
//! Each test installs handlers (process-wide, for good) or lowers the file
//! limit, so its body runs in a child process (`common::run_in_child`).

#![cfg(feature = "signal")] // needs the `signal` feature (on by default)

mod common;

use std::pin::pin;

use corio::signal::unix::{SignalKind, signal};
use futures_lite::future::poll_once;

const CHILD: &str = "CORIO_TEST_SIGNAL_SHARING_CHILD";

fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// Lets this process open at most `more` descriptors beyond the lowest
/// free one: a descriptor is refused once its number reaches the limit.
fn allow_only(more: libc::rlim_t) {
    let lowest_free = std::fs::File::open("/dev/null").unwrap();
    let lowest_free = std::os::fd::AsRawFd::as_raw_fd(&lowest_free);
    let mut rlimit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid pointers to an `rlimit` for both calls.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut rlimit), 0);
        rlimit.rlim_cur = (lowest_free as libc::rlim_t + more).min(rlimit.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit), 0);
    }
}

/// A `ctrl_c()` per connection is a common pattern: a thousand listeners
/// in one runtime must not take a thousand descriptors (they took one each
/// before, and listener 15, counted from 0, failed here with `EMFILE`),
/// and each still hears
/// the signal.
#[test]
#[cfg_attr(miri, ignore)]
fn a_thousand_listeners_in_one_runtime_hold_no_descriptor_each() {
    if !in_child() {
        common::run_in_child(
            "a_thousand_listeners_in_one_runtime_hold_no_descriptor_each",
            CHILD,
        );
        return;
    }
    common::block_on(async {
        // The first one makes the pipe and the runtime's registration.
        let first = signal(SignalKind::user_defined1()).unwrap();
        allow_only(16);
        let (parked_tx, parked_rx) = async_channel::unbounded();
        let tasks: Vec<_> = (0..1000)
            .map(|i| {
                let mut listener = signal(SignalKind::user_defined1())
                    .unwrap_or_else(|e| panic!("listener {i} could not be made: {e}"));
                let parked_tx = parked_tx.clone();
                corio::spawn(async move {
                    let mut recv = pin!(listener.recv());
                    assert!(poll_once(&mut recv).await.is_none());
                    parked_tx.send(()).await.unwrap();
                    recv.await
                })
            })
            .collect();
        for _ in 0..1000 {
            parked_rx.recv().await.unwrap();
        }
        drop(first);
        // SAFETY: no memory effects; corio handles SIGUSR1 now.
        unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) };
        for task in tasks {
            assert_eq!(task.await.unwrap(), Some(()));
        }
    });
}

/// The shared registration remembers one waker; the listener that polled
/// it last may be dropped before the signal comes, and the ones still
/// waiting must hear it all the same.
#[test]
#[cfg_attr(miri, ignore)]
fn the_listeners_left_hear_after_the_last_to_poll_is_dropped() {
    if !in_child() {
        common::run_in_child(
            "the_listeners_left_hear_after_the_last_to_poll_is_dropped",
            CHILD,
        );
        return;
    }
    common::block_on(async {
        let mut staying = signal(SignalKind::user_defined2()).unwrap();
        let mut going = signal(SignalKind::user_defined2()).unwrap();
        let (parked_tx, parked_rx) = async_channel::bounded(1);
        let staying = corio::spawn(async move {
            let mut recv = pin!(staying.recv());
            assert!(poll_once(&mut recv).await.is_none());
            parked_tx.send(()).await.unwrap();
            recv.await
        });
        parked_rx.recv().await.unwrap();
        // Polled after `staying`, by another task, then dropped with its wait.
        assert!(poll_once(going.recv()).await.is_none());
        drop(going);
        // SAFETY: no memory effects; corio handles SIGUSR2 now.
        unsafe { libc::kill(libc::getpid(), libc::SIGUSR2) };
        assert_eq!(staying.await.unwrap(), Some(()));
    });
}

/// Two runtimes listening at once each register the pipe, and whichever
/// drains it first, the other's listener hears the signal too.
#[test]
#[cfg_attr(miri, ignore)]
fn listeners_in_two_runtimes_both_hear_one_signal() {
    if !in_child() {
        common::run_in_child("listeners_in_two_runtimes_both_hear_one_signal", CHILD);
        return;
    }
    let (parked_tx, parked_rx) = std::sync::mpsc::channel();
    let other = std::thread::spawn(move || {
        let runtime = corio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(common::bounded(async {
            let mut hangups = signal(SignalKind::hangup()).unwrap();
            let mut recv = pin!(hangups.recv());
            assert!(poll_once(&mut recv).await.is_none());
            parked_tx.send(()).unwrap();
            recv.await
        }))
    });
    common::block_on(async {
        let mut hangups = signal(SignalKind::hangup()).unwrap();
        let mut recv = pin!(hangups.recv());
        assert!(poll_once(&mut recv).await.is_none());
        parked_rx.recv_timeout(common::LIMIT).unwrap();
        // SAFETY: no memory effects; corio handles SIGHUP now.
        unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
        assert_eq!(recv.await, Some(()));
    });
    assert_eq!(other.join().unwrap(), Some(()));
}

/// Says on its channel each time it is woken.
struct SaysWoken(std::sync::mpsc::Sender<()>);

impl std::task::Wake for SaysWoken {
    fn wake(self: std::sync::Arc<Self>) {
        let _ = self.0.send(());
    }
}

/// The test above almost always has each runtime's reactor see its own
/// event, so it would pass if a runtime woke only its own listeners. Here
/// one runtime's reactor never turns: its listener is woken by the other
/// runtime's event, which wakes the waiting listeners of every runtime;
/// and it then has its own item from the delivery count, read or not by
/// its reactor. (The other's listener may have its item before that event
/// is handled: the signal is often handled on the very thread that sent
/// it, which then finds the count moved. So the wake is waited for.)
#[test]
#[cfg_attr(miri, ignore)]
fn a_listener_whose_reactor_never_turns_is_woken_by_another_runtimes_event() {
    if !in_child() {
        common::run_in_child(
            "a_listener_whose_reactor_never_turns_is_woken_by_another_runtimes_event",
            CHILD,
        );
        return;
    }
    let idle = corio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut unheard = {
        let _inside = idle.enter();
        signal(SignalKind::hangup()).unwrap()
    };
    let (woken_tx, woken_rx) = std::sync::mpsc::channel();
    let waker = std::task::Waker::from(std::sync::Arc::new(SaysWoken(woken_tx)));
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(unheard.poll_recv(&mut cx).is_pending());
    let woken = common::block_on(async {
        let mut hangups = signal(SignalKind::hangup()).unwrap();
        let mut recv = pin!(hangups.recv());
        assert!(poll_once(&mut recv).await.is_none());
        // SAFETY: no memory effects; corio handles SIGHUP now.
        unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
        assert_eq!(recv.await, Some(()));
        // Waited for here, before this runtime's teardown, whose
        // unregistering of the pipe would wake the waiting listeners too.
        // (Blocking this thread holds up no worker: they handle the event.)
        woken_rx.recv_timeout(common::LIMIT)
    });
    assert!(
        woken.is_ok(),
        "the event did not wake the idle runtime's listener"
    );
    assert_eq!(unheard.poll_recv(&mut cx), std::task::Poll::Ready(Some(())));
}

/// Records a wake, and passes it on to the waker stored last.
#[derive(Default)]
struct Relay {
    fired: std::sync::atomic::AtomicBool,
    then: std::sync::Mutex<Option<std::task::Waker>>,
}

impl std::task::Wake for Relay {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.fired.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(next) = self.then.lock().unwrap().take() {
            next.wake();
        }
    }
}

/// The case the drain's own wake (`wake_others`) is for, step by step on
/// one thread, so that no reactor's event can stand in for it: runtime A's
/// reactor has reported the self-pipe readable, and before any of A's
/// listeners drains it, a second signal comes for a listener of runtime B,
/// whose reactor has not looked at the pipe. A's drain then empties the
/// pipe under B's feet (an edge that epoll finds drained is not reported),
/// so B's listener hears of the delivery only if the drain wakes it.
#[test]
#[cfg_attr(miri, ignore)]
fn a_drain_wakes_the_listeners_of_a_runtime_that_did_not_see_the_event() {
    use std::task::{Context, Poll, Waker};
    if !in_child() {
        common::run_in_child(
            "a_drain_wakes_the_listeners_of_a_runtime_that_did_not_see_the_event",
            CHILD,
        );
        return;
    }
    let build = || {
        corio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let (a, b) = (build(), build());
    let mut unheard = {
        let _inside = b.enter();
        signal(SignalKind::hangup()).unwrap()
    };
    let (woken_tx, woken_rx) = std::sync::mpsc::channel();
    let says_woken = Waker::from(std::sync::Arc::new(SaysWoken(woken_tx)));
    a.block_on(async {
        // A's listener, of another signal: it will drain the pipe, as the
        // counts it reads never move.
        let mut drainer = signal(SignalKind::user_defined1()).unwrap();
        let relay = std::sync::Arc::new(Relay::default());
        let relay_waker = Waker::from(relay.clone());
        assert!(
            drainer
                .poll_recv(&mut Context::from_waker(&relay_waker))
                .is_pending()
        );
        // SAFETY: no memory effects; corio handles SIGHUP now. `raise`
        // runs the handler on this thread before it returns.
        assert_eq!(unsafe { libc::raise(libc::SIGHUP) }, 0);
        // A's reactor turns and reports the pipe readable, waking the
        // waiting listeners: `drainer` only, `unheard` has not waited yet.
        corio::time::timeout(
            common::LIMIT,
            std::future::poll_fn(|cx| {
                *relay.then.lock().unwrap() = Some(cx.waker().clone());
                match relay.fired.load(std::sync::atomic::Ordering::SeqCst) {
                    true => Poll::Ready(()),
                    false => Poll::Pending,
                }
            }),
        )
        .await
        .expect("A's reactor did not report the pipe");
        // From here on no reactor turns: this poll of the `block_on`
        // future does not return until the end.
        let mut cx = Context::from_waker(&says_woken);
        assert_eq!(unheard.poll_recv(&mut cx), Poll::Ready(Some(())));
        assert!(unheard.poll_recv(&mut cx).is_pending(), "B waits");
        // SAFETY: as above.
        assert_eq!(unsafe { libc::raise(libc::SIGHUP) }, 0);
        assert!(
            woken_rx.try_recv().is_err(),
            "nothing woke B's listener yet"
        );
        // The drain: both bytes, on the readiness A's reactor reported.
        assert!(
            drainer
                .poll_recv(&mut Context::from_waker(&relay_waker))
                .is_pending()
        );
        assert!(
            woken_rx.try_recv().is_ok(),
            "the drain did not wake B's waiting listener"
        );
        assert_eq!(unheard.poll_recv(&mut cx), Poll::Ready(Some(())));
    });
}

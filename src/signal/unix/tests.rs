//! The listener's own unit tests: its waker, its share of the runtime's
//! registration, its coop budget. Each holds `listeners::serial()`: a
//! drain of the pipe wakes every listener of the process.

use super::*;

/// The listeners of one runtime share its registration of the pipe,
/// another runtime's have their own, and each goes with its last
/// listener (it holds a descriptor).
#[test]
#[cfg_attr(miri, ignore)]
fn a_runtime_registers_the_pipe_once_and_lets_go_with_its_last_listener() {
    let _serial = crate::signal::listeners::serial();
    // SIGURG: ignored by default, and by no other test here.
    let urgent = || signal(SignalKind::from_raw(libc::SIGURG)).unwrap();
    let (first, second) = crate::block_on(async { (urgent(), urgent()) });
    assert!(Arc::ptr_eq(&first.pipe, &second.pipe), "one per runtime");
    let elsewhere = crate::block_on(async { urgent() });
    assert!(!Arc::ptr_eq(&first.pipe, &elsewhere.pipe));
    assert_eq!(pipe::registrations(), 2);
    drop((first, elsewhere));
    assert_eq!(pipe::registrations(), 1, "`second` still listens");
    drop(second);
    assert_eq!(pipe::registrations(), 0);
}

/// Counts its wakes.
struct Wakes(std::sync::atomic::AtomicUsize);

impl std::task::Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Wakes {
    fn new() -> (Arc<Wakes>, std::task::Waker) {
        let wakes = Arc::new(Wakes(std::sync::atomic::AtomicUsize::new(0)));
        (wakes.clone(), std::task::Waker::from(wakes))
    }

    fn count(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A task out of coop budget yields by waking itself; its poll must
/// not wake every other listener, as the fan-out waker would if the
/// shared registration checked the budget (10,000 `ctrl_c()`s, woken
/// each time a busy connection runs out).
#[test]
#[cfg_attr(miri, ignore)]
fn a_listener_out_of_budget_wakes_itself_and_no_other() {
    let _serial = crate::signal::listeners::serial();
    crate::block_on(async {
        let mut idle = signal(SignalKind::from_raw(libc::SIGURG)).unwrap();
        let mut busy = signal(SignalKind::from_raw(libc::SIGURG)).unwrap();
        let (idle_wakes, idle_waker) = Wakes::new();
        let idle_polled = idle.poll_recv(&mut Context::from_waker(&idle_waker));
        assert!(idle_polled.is_pending());
        let (busy_wakes, busy_waker) = Wakes::new();
        budget::with_budget(|| {
            while budget::has_remaining() {
                budget::spend_left();
            }
            let busy_polled = busy.poll_recv(&mut Context::from_waker(&busy_waker));
            assert!(busy_polled.is_pending());
        });
        assert_eq!(busy_wakes.count(), 1, "out of budget, it yields");
        assert_eq!(idle_wakes.count(), 0, "and wakes nobody else");
    });
}

/// A runtime that has shut down refuses a new listener, as it refuses
/// a socket, even while a listener made before still holds its
/// registration of the pipe.
#[test]
#[cfg_attr(miri, ignore)]
fn a_shut_down_runtime_refuses_a_listener_whatever_it_kept() {
    let _serial = crate::signal::listeners::serial();
    let urgent = || signal(SignalKind::from_raw(libc::SIGURG));
    let runtime = crate::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let handle = runtime.handle().clone();
    let kept = runtime.block_on(async { urgent() }).unwrap();
    drop(runtime);
    let _inside = handle.enter();
    let refused = urgent().expect_err("the runtime has shut down");
    assert!(crate::runtime::is_rt_shutdown_err(&refused), "{refused}");
    drop(kept);
}

/// A `recv` that returned leaves no waker in the list: every later
/// drain of the pipe (any signal) would wake its caller for nothing.
#[test]
#[cfg_attr(miri, ignore)]
fn a_listener_that_returned_leaves_no_waker_behind() {
    // Its drain of the pipe wakes every listener of the process.
    let _serial = crate::signal::listeners::serial();
    crate::block_on(async {
        // SIGURG: ignored by default, and by no other test here.
        let mut urgent = signal(SignalKind::from_raw(libc::SIGURG)).unwrap();
        // SAFETY: no memory effects; corio handles SIGURG now.
        unsafe { libc::raise(libc::SIGURG) };
        let limit = std::time::Duration::from_secs(20);
        let received = crate::time::timeout(limit, urgent.recv()).await;
        assert_eq!(received, Ok(Some(())), "the signal never arrived");
        assert!(!urgent.listener.is_waiting(), "a stale waker stayed");
    });
}

/// A listener whose runtime shut down ends (`None`) and stays ended, and
/// leaves no waker behind either: kept alive, it would be woken at every
/// later delivery.
#[test]
#[cfg_attr(miri, ignore)]
fn a_listener_that_ended_leaves_no_waker_behind() {
    let _serial = crate::signal::listeners::serial();
    let runtime = crate::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut ended = runtime
        .block_on(async { signal(SignalKind::from_raw(libc::SIGURG)) })
        .unwrap();
    let (_wakes, waker) = Wakes::new();
    let mut cx = Context::from_waker(&waker);
    let inside = runtime.enter();
    assert!(ended.poll_recv(&mut cx).is_pending());
    assert!(ended.listener.is_waiting());
    drop(inside);
    drop(runtime);
    assert_eq!(ended.poll_recv(&mut cx), Poll::Ready(None));
    assert!(!ended.listener.is_waiting(), "a stale waker stayed");
    // The handler outlives the runtime and still counts deliveries: one
    // after the end must not turn into an item after the `None`.
    // SAFETY: no memory effects; corio handles SIGURG now.
    unsafe { libc::raise(libc::SIGURG) };
    assert_eq!(
        ended.poll_recv(&mut cx),
        Poll::Ready(None),
        "an item after the end"
    );
    assert!(!ended.listener.is_waiting(), "a stale waker stayed");
}

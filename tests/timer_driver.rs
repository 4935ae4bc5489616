//! Timers and the runtime around them: a timer armed from a foreign thread
//! or while every worker is busy still fires, and a runtime that shuts down
//! drops its pending sleeps, ignores their late wakers, and releases a
//! `block_on` (or a sleep polled afterwards) that waits on one. Every wait
//! is bounded. The timer API itself is in `time.rs`.

mod common;

use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use common::{Drops, LIMIT, Latch, bounded, recv, two_workers};
use corio::time::{Instant, sleep};
use futures_lite::future::poll_once;

#[test]
#[cfg_attr(miri, ignore)]
fn a_timer_from_a_foreign_thread_wakes_the_parked_driver() {
    // Nothing runs: both workers park, one of them in the driver with no
    // deadline. Each timer below must wake it.
    let runtime = two_workers();
    let handle = runtime.handle().clone();
    let (tx, rx) = mpsc::channel();
    let foreign = std::thread::spawn(move || {
        common::within_limit(move || {
            for _ in 0..10 {
                // Spawned from outside, armed on a worker.
                let tx = tx.clone();
                let start = Instant::now();
                handle.spawn(async move {
                    sleep(Duration::from_millis(20)).await;
                    tx.send(start.elapsed()).unwrap();
                });
                let elapsed = rx.recv_timeout(LIMIT).expect("the timer never fired");
                assert!(elapsed >= Duration::from_millis(20));
                // Armed on this foreign thread itself (inside Handle::block_on).
                let start = Instant::now();
                handle.block_on(async { sleep(Duration::from_millis(5)).await });
                assert!(start.elapsed() >= Duration::from_millis(5));
            }
        })
    });
    // The foreign thread bounds its waits; join cannot hang.
    foreign.join().unwrap();
    drop(runtime);
}

#[test]
#[cfg_attr(miri, ignore)]
fn an_earlier_timer_on_either_worker_wakes_a_driver_parked_until_a_far_one() {
    // Each worker keeps its own timer shard. An hour-long sleep on each
    // worker makes the driver park until an hour from now; every short
    // sleep below, armed in whichever worker's shard runs it, must shorten
    // that park.
    let runtime = two_workers();
    let handle = runtime.handle().clone();
    let (armed_tx, armed_rx) = mpsc::channel();
    let hours: Vec<_> = (0..4)
        .map(|_| {
            let armed_tx = armed_tx.clone();
            handle.spawn(async move {
                let mut hour = pin!(sleep(Duration::from_secs(3600)));
                assert!(poll_once(&mut hour).await.is_none());
                armed_tx.send(()).unwrap();
                hour.await;
            })
        })
        .collect();
    for _ in 0..4 {
        recv(&armed_rx);
    }
    let (tx, rx) = mpsc::channel();
    for round in 0..20 {
        let tx = tx.clone();
        let start = Instant::now();
        handle.spawn(async move {
            sleep(Duration::from_millis(2)).await;
            tx.send(start.elapsed()).unwrap();
        });
        let elapsed = rx
            .recv_timeout(LIMIT)
            .unwrap_or_else(|_| panic!("round {round}: the short timer never fired"));
        assert!(elapsed >= Duration::from_millis(2));
    }
    assert_eq!(
        runtime.metrics().timers_armed,
        4,
        "the hour-long sleeps wait on"
    );
    for hour in hours {
        hour.abort();
    }
    drop(runtime);
}

#[test]
#[cfg_attr(miri, ignore)]
fn timers_fire_while_every_worker_is_busy() {
    let runtime = two_workers();
    let out = runtime.block_on(bounded(async {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spinning = Latch::new(2);
        let spinners: Vec<_> = (0..2)
            .map(|_| {
                let (stop, spinning) = (stop.clone(), spinning.clone());
                corio::spawn(async move {
                    spinning.count_down();
                    // Never parks: only the event_interval check can fire timers.
                    while !stop.load(SeqCst) {
                        corio::task::yield_now().await;
                    }
                })
            })
            .collect();
        spinning.wait().await;
        let start = Instant::now();
        let sleeper = corio::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            start.elapsed()
        });
        let slept = sleeper.await.unwrap();
        stop.store(true, SeqCst);
        for spinner in spinners {
            spinner.await.unwrap();
        }
        slept
    }));
    assert!(out >= Duration::from_millis(5));
}

#[test]
#[cfg_attr(miri, ignore)]
fn pending_sleeps_are_dropped_with_the_runtime() {
    const TASKS: usize = 200;
    let runtime = two_workers();
    let drops = Drops::new(TASKS);
    let armed = Latch::new(TASKS);
    for i in 0..TASKS {
        let (tracked, armed) = (drops.track(i), armed.clone());
        runtime.spawn(async move {
            let _tracked = tracked;
            let mut long = pin!(sleep(Duration::from_secs(3_600 + i as u64)));
            assert!(poll_once(long.as_mut()).await.is_none());
            armed.count_down();
            long.await;
        });
    }
    runtime.block_on(bounded(armed.wait()));
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(runtime)));
    assert!(dropped.is_ok(), "dropping pending sleeps panicked");
    drops.assert_each_dropped_once();
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_timer_waker_after_shutdown_does_nothing() {
    let runtime = two_workers();
    let (tx, rx) = mpsc::channel::<Waker>();
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = polls.clone();
    let drops = Drops::new(1);
    let tracked = drops.track(0);
    runtime.spawn(async move {
        let _tracked = tracked;
        let mut s = pin!(sleep(Duration::from_secs(3_600)));
        std::future::poll_fn(|cx| {
            counted.fetch_add(1, SeqCst);
            let _ = s.as_mut().poll(cx);
            let _ = tx.send(cx.waker().clone());
            Poll::<()>::Pending
        })
        .await;
    });
    let waker = recv(&rx);
    drop(runtime);
    drops.assert_each_dropped_once();
    let polled = polls.load(SeqCst);
    waker.wake_by_ref();
    waker.wake();
    // Nothing ran the task again, and nothing dropped its future twice.
    assert_eq!(polls.load(SeqCst), polled);
    drops.assert_each_dropped_once();
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_foreign_block_on_waiting_on_a_timer_returns_when_the_runtime_drops() {
    let runtime = two_workers();
    let handle = runtime.handle().clone();
    let (armed_tx, armed_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    // If the bug is present this thread never ends; it is left behind.
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            handle.block_on(async {
                let mut long = pin!(sleep(Duration::from_secs(3_600)));
                assert!(poll_once(long.as_mut()).await.is_none());
                armed_tx.send(()).unwrap();
                long.await;
            })
        }));
        // Completing or panicking are both acceptable: hanging is not.
        let _ = done_tx.send(outcome.is_ok());
    });
    recv(&armed_rx);
    drop(runtime);
    assert!(
        done_rx.recv_timeout(LIMIT).is_ok(),
        "Handle::block_on still waits on a timer of a runtime that is gone"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_sleep_polled_after_its_runtime_is_gone_does_not_spin() {
    struct CountWakes(AtomicUsize);
    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let runtime = two_workers();
    // Created inside the runtime, kept past its end.
    let orphan = runtime.block_on(std::future::poll_fn(|_| {
        Poll::Ready(sleep(Duration::from_secs(3_600)))
    }));
    let mut orphan = Box::pin(orphan);
    drop(runtime);
    let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
    let waker = Waker::from(wakes.clone());
    let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        orphan.as_mut().poll(&mut Context::from_waker(&waker))
    }));
    // Acceptable: Ready, a panic naming the cause, or Pending without a
    // wake. A Pending that wakes itself makes any executor spin until the
    // deadline (an hour here).
    if let Ok(Poll::Pending) = polled {
        assert_eq!(
            wakes.0.load(SeqCst),
            0,
            "Pending plus an immediate self-wake: a busy loop"
        );
    }
}

/// A sleep whose deadline has passed is ready even after its runtime is
/// gone, whether or not it skipped the clock read of its first poll (a
/// `sleep` of a millisecond or more does): the longer one once
/// panicked where the shorter was ready.
#[test]
#[cfg_attr(miri, ignore)]
fn a_past_sleep_polled_after_its_runtime_is_gone_is_ready() {
    let runtime = two_workers();
    let sleeps = runtime.block_on(std::future::poll_fn(|_| {
        Poll::Ready([
            sleep(Duration::from_millis(2)),
            sleep(Duration::from_micros(500)),
        ])
    }));
    drop(runtime);
    // Let both deadlines pass, by the sleeps' own clock.
    let waiting = std::time::Instant::now();
    while !sleeps.iter().all(|s| s.is_elapsed()) {
        assert!(waiting.elapsed() < LIMIT, "the deadlines never passed");
        std::thread::sleep(Duration::from_millis(1));
    }
    for mut orphan in sleeps {
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Pin::new(&mut orphan).poll(&mut Context::from_waker(Waker::noop()))
        }));
        assert!(matches!(polled, Ok(Poll::Ready(()))), "{polled:?}");
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_timer_waker_that_panics_does_not_kill_the_worker_that_fires_it() {
    // One worker: it parks in the driver and fires the timers; if the
    // panic unwound through it, nothing would run (nor fire) again.
    common::within_limit(|| {
        let runtime = common::one_worker();
        runtime.block_on(async {
            // A sleep polled by a foreign executor whose waker panics. A
            // loaded machine may pause this thread past the deadline before
            // the first poll: then the sleep is ready and the driver never
            // sees the waker, so try again with a fresh one.
            let panics = Arc::new(common::PanicWake::default());
            let bad = Waker::from(panics.clone());
            let _foreign = loop {
                let mut foreign = Box::pin(sleep(Duration::from_millis(20)));
                if foreign
                    .as_mut()
                    .poll(&mut Context::from_waker(&bad))
                    .is_pending()
                {
                    break foreign;
                }
            };
            // Due after the foreign one: the driver has fired that first.
            sleep(Duration::from_millis(50)).await;
            assert_eq!(panics.woken(), 1, "the driver fired the foreign timer");
            assert_eq!(
                corio::spawn(async { 5 }).await.unwrap(),
                5,
                "the worker lives"
            );
        });
    });
}

/// How the task that the driver woke keeps its worker away from the driver.
#[derive(Clone, Copy)]
enum Keep {
    /// Blocks its thread in one poll.
    Blocking,
    /// Works a millisecond, yields, and again, never blocking for long.
    Yielding,
}

/// The worker that held the driver leaves it to run the one task it woke,
/// which then keeps that worker busy (`keep`) until a timer fires. Someone
/// must take the driver over, or the timer waits for the end of that work.
/// `make` builds a two-worker runtime. A run in which the timer fired
/// before the busy task began (a loaded machine) proves nothing and is
/// repeated, a few times at most.
fn a_timer_fires_while_the_drivers_last_holder_is_kept(make: fn() -> corio::Runtime, keep: Keep) {
    for _ in 0..5 {
        if let Some(released) = one_run(make(), keep) {
            assert!(released, "the timer never fired while the other worker ran");
            return;
        }
    }
    panic!("the timer fired before the busy task began, in every run");
}

/// One run of the above: `None` if the timer fired too early to tell.
fn one_run(runtime: corio::Runtime, keep: Keep) -> Option<bool> {
    let listener = runtime
        .block_on(common::bounded(corio::net::TcpListener::bind(
            "127.0.0.1:0",
        )))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (flag_tx, flag_rx) = mpsc::channel::<()>();
    let armed = Latch::new(2);
    // Sleeps 200 ms, then releases the busy task below.
    let timer = {
        let armed = armed.clone();
        runtime.spawn(async move {
            let sleep = sleep(Duration::from_millis(200));
            armed.count_down();
            sleep.await;
            let _ = flag_tx.send(());
        })
    };
    // Woken by the connect on the thread that holds the driver, then keeps
    // that thread until the timer task runs (or the test limit).
    let busy = {
        let armed = armed.clone();
        runtime.spawn(async move {
            let mut accept = pin!(listener.accept());
            assert!(
                poll_once(&mut accept).await.is_none(),
                "no client yet: the accept waits on the driver"
            );
            armed.count_down();
            let _conn = accept.await.unwrap();
            if flag_rx.try_recv().is_ok() {
                return None; // fired already: this run tells nothing
            }
            Some(match keep {
                Keep::Blocking => flag_rx.recv_timeout(LIMIT).is_ok(),
                Keep::Yielding => {
                    let start = std::time::Instant::now();
                    loop {
                        if flag_rx.try_recv().is_ok() {
                            break true;
                        }
                        if start.elapsed() > LIMIT {
                            break false;
                        }
                        let slice = std::time::Instant::now();
                        while slice.elapsed() < Duration::from_millis(1) {
                            std::hint::spin_loop();
                        }
                        corio::task::yield_now().await;
                    }
                }
            })
        })
    };
    runtime.block_on(bounded(armed.wait()));
    let _client = std::net::TcpStream::connect(addr).unwrap();
    let released = runtime.block_on(bounded(busy)).unwrap();
    runtime.block_on(bounded(timer)).unwrap();
    released
}

/// The watchdog sees that nobody has turned the driver for a tick and
/// nobody sleeps in it, and wakes the idle worker to take it. Its slow-poll
/// threshold (an hour, so a 25 ms tick) keeps its other rescue, for slow
/// polls, out of the test.
#[test]
#[cfg_attr(miri, ignore)]
fn the_watchdog_hands_the_driver_over_while_its_last_holder_blocks() {
    a_timer_fires_while_the_drivers_last_holder_is_kept(
        || {
            corio::Runtime::builder()
                .worker_threads(2)
                .slow_poll_threshold(Some(Duration::from_secs(3600)))
                .build()
                .unwrap()
        },
        Keep::Blocking,
    );
}

/// As above, with a task that yields every millisecond: no poll is slow,
/// yet the worker stays away from the driver. Its own looks at the driver
/// (every `event_interval` polls) are turned off, so only the watchdog can
/// fire the timer.
#[test]
#[cfg_attr(miri, ignore)]
fn the_watchdog_hands_the_driver_over_while_its_last_holder_keeps_yielding() {
    a_timer_fires_while_the_drivers_last_holder_is_kept(
        || {
            corio::Runtime::builder()
                .worker_threads(2)
                .slow_poll_threshold(Some(Duration::from_secs(3600)))
                .event_interval(u32::MAX)
                .build()
                .unwrap()
        },
        Keep::Yielding,
    );
}

/// Without a watchdog, a worker leaving the driver for work, even one task,
/// wakes an idle worker to take the driver over at once.
#[test]
#[cfg_attr(miri, ignore)]
fn without_a_watchdog_a_worker_leaving_the_driver_hands_it_over_at_once() {
    a_timer_fires_while_the_drivers_last_holder_is_kept(
        || {
            corio::Runtime::builder()
                .worker_threads(2)
                .slow_poll_threshold(None)
                .build()
                .unwrap()
        },
        Keep::Blocking,
    );
}

/// The thread's timer slack, in nanoseconds.
#[cfg(target_os = "linux")]
fn timer_slack() -> libc::c_int {
    // SAFETY: PR_GET_TIMERSLACK takes no pointer and changes nothing.
    unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) }
}

/// A current-thread `block_on` makes its thread's timer slack precise
/// (1 ns) once it waits on a timer, and gives the thread its own slack back
/// when it returns. A `block_on` that never waits on a timer leaves the
/// slack alone and makes no system call for it.
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore)]
fn a_current_thread_block_on_sets_the_timer_slack_only_while_it_sleeps() {
    let runtime = corio::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let own = timer_slack();
    assert!(own > 1, "this thread starts with the default slack ({own})");
    let during_a_ready_future = runtime.block_on(async { timer_slack() });
    assert_eq!(during_a_ready_future, own);
    // Only a deadline still ahead at the park makes a timed wait: a loaded
    // machine may stall the thread until the timer is due. So a few tries,
    // each restored when its block_on returns; one must be precise.
    let mut slacks = Vec::new();
    for _ in 0..10 {
        let after_a_sleep = runtime.block_on(async {
            sleep(Duration::from_millis(20)).await;
            timer_slack()
        });
        slacks.push(after_a_sleep);
        assert_eq!(timer_slack(), own, "restored when block_on returned");
        if after_a_sleep == 1 {
            return;
        }
    }
    panic!("no sleeping block_on made its timer slack precise: {slacks:?}");
}

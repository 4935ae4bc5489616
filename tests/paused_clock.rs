//! Virtual time: a current-thread runtime whose clock is paused jumps to the
//! next timer when every task waits, and `advance` moves it by hand.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use common::{bounded, paused};
use corio::runtime::Builder;
use corio::time::{self, Instant};

fn current_thread() -> corio::Runtime {
    Builder::new_current_thread().build().unwrap()
}

#[test]
fn a_paused_hour_long_schedule_runs_in_milliseconds_with_exact_timestamps() {
    // The paused clock is no bound: a broken auto-advance would sleep
    // real hours, so the limit is a real-time one.
    common::within_limit(|| {
        let runtime = paused();
        let ticks = runtime.block_on(async {
            let start = Instant::now();
            let mut interval = time::interval(Duration::from_secs(600));
            let mut ticks = Vec::new();
            // Every 10 minutes for an hour; each job has a 30-minute timeout.
            for _ in 0..7 {
                let at = interval.tick().await;
                ticks.push(at - start);
                let job = time::timeout(Duration::from_secs(1800), async {
                    time::sleep(Duration::from_secs(60)).await;
                });
                job.await.unwrap();
            }
            // A job slower than its timeout times out at exactly 30 minutes.
            let before = Instant::now();
            let slow = time::timeout(
                Duration::from_secs(1800),
                time::sleep(Duration::from_secs(7200)),
            )
            .await;
            assert!(slow.is_err());
            assert_eq!(Instant::now() - before, Duration::from_secs(1800));
            ticks
        });
        let expected: Vec<_> = (0..7).map(|i| Duration::from_secs(600 * i)).collect();
        assert_eq!(ticks, expected);
    });
}

#[test]
fn advance_fires_exactly_the_due_timers() {
    common::within_limit(|| {
        let runtime = paused();
        runtime.block_on(async {
            let fired = Rc::new(RefCell::new(Vec::new()));
            for secs in [10u64, 20, 30] {
                let fired = fired.clone();
                corio::task::spawn_local(async move {
                    time::sleep(Duration::from_secs(secs)).await;
                    fired.borrow_mut().push(secs);
                });
            }
            corio::task::yield_now().await; // let them register
            time::advance(Duration::from_secs(20)).await;
            corio::task::yield_now().await;
            assert_eq!(*fired.borrow(), vec![10, 20]);
            time::advance(Duration::from_secs(9)).await;
            corio::task::yield_now().await; // as long as the checks of fired timers
            assert_eq!(
                *fired.borrow(),
                vec![10, 20],
                "29 s: the 30 s timer is not due"
            );
            time::advance(Duration::from_secs(1)).await;
            corio::task::yield_now().await;
            assert_eq!(*fired.borrow(), vec![10, 20, 30]);
        });
    });
}

#[test]
fn pausing_a_multi_thread_runtime_is_refused() {
    let err = corio::Runtime::builder()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let runtime = common::one_worker();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async { time::pause() })
    }))
    .unwrap_err();
    let message = common::panic_message(&*panic);
    assert!(message.contains("current-thread"), "{message}");
    // `advance` points the same way, not at `pause()`, which panics here.
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(time::advance(std::time::Duration::from_secs(1)))
    }))
    .unwrap_err();
    let message = common::panic_message(&*panic);
    assert!(message.contains("current-thread"), "{message}");
}

#[test]
fn a_paused_clock_does_not_jump_past_a_running_blocking_job() {
    // The paused clock is no bound: a broken auto-advance would sleep
    // real hours, so the limit is a real-time one.
    common::within_limit(|| {
        let runtime = paused();
        runtime.block_on(async {
            // Real work the clock cannot see: while it runs, the runtime is
            // idle, but jumping to the timeout's deadline would be a lie.
            let job = corio::spawn_blocking(|| thread::sleep(Duration::from_millis(20)));
            let result = time::timeout(Duration::from_secs(5), job).await;
            assert!(result.is_ok(), "the job ends long before 5 virtual seconds");
            // With no job left, the clock jumps again.
            let start = Instant::now();
            time::sleep(Duration::from_secs(3600)).await;
            assert_eq!(start.elapsed(), Duration::from_secs(3600));
        });
    });
}

#[test]
fn advance_from_a_second_block_on_thread_keeps_the_parked_driver_reachable() {
    common::within_limit(|| {
        let runtime = paused();
        let handle = runtime.handle().clone();
        runtime.block_on(async move {
            // This thread parks in the driver (no timer armed) while the
            // second thread, waiting for the runtime, advances the clock
            // and then sleeps: its timer must still wake this driver.
            let (done_tx, done) = corio::sync::oneshot::channel::<()>();
            let second = thread::spawn(move || {
                handle.block_on(async move {
                    time::advance(Duration::from_secs(1)).await;
                    time::sleep(Duration::from_secs(1)).await;
                    let _ = done_tx.send(());
                })
            });
            done.await.unwrap();
            second.join().unwrap();
        });
    });
}

#[test]
fn a_sleep_keeps_its_runtimes_time_when_polled_outside_it() {
    let runtime = paused();
    // The sleep leaves its runtime on purpose, to be polled outside it.
    #[allow(clippy::async_yields_async)]
    let sleep = runtime.block_on(async {
        let mut sleep = Box::pin(time::sleep(Duration::from_secs(10)));
        let first = futures_lite::future::poll_once(sleep.as_mut()).await;
        assert!(first.is_none(), "armed");
        time::advance(Duration::from_secs(10)).await;
        sleep
    });
    // Ten virtual seconds have passed; the thread's real clock disagrees.
    assert!(sleep.is_elapsed());
    let polled = futures_lite::future::block_on(futures_lite::future::poll_once(sleep));
    assert!(polled.is_some(), "due in the runtime's time");
}

#[test]
fn a_blocking_job_waiting_on_its_paused_runtime_lets_the_clock_advance() {
    common::within_limit(|| {
        let runtime = paused();
        let handle = runtime.handle().clone();
        runtime.block_on(async move {
            // The job waits on the runtime's own (virtual) timer: it must
            // not count as work that holds the clock back.
            let job = corio::spawn_blocking(move || {
                handle.block_on(time::sleep(Duration::from_secs(60)));
                7
            });
            assert_eq!(job.await.unwrap(), 7);
        });
    });
}

/// `advance` by a fraction of a microsecond leaves the clock between two
/// ticks, and a sleep due by then has its timer at the tick's end. It must
/// fire even while a blocking job runs: here the job waits, outside
/// corio, for the sleeping task itself, and before the clock finished its
/// tick the two waited on each other.
#[test]
fn a_sleep_due_between_two_ticks_wakes_while_a_job_runs() {
    a_job_waits_on_a_sleep_ended_between_two_ticks(false);
}

/// The same with `advance` called from a second thread: the driver, on the
/// first, asleep until the job ends (or about to be), must still finish
/// the tick (`Timers::advance_clock` wakes it; a unit test pins that down).
#[test]
fn a_sleep_due_between_two_ticks_wakes_when_another_thread_advances() {
    a_job_waits_on_a_sleep_ended_between_two_ticks(true);
}

fn a_job_waits_on_a_sleep_ended_between_two_ticks(advance_from_another_thread: bool) {
    common::within_limit(move || {
        let runtime = paused();
        let handle = runtime.handle().clone();
        runtime.block_on(async move {
            let (tx, rx) = std::sync::mpsc::channel();
            let job = corio::spawn_blocking(move || rx.recv_timeout(common::LIMIT).is_ok());
            let sleeper = corio::spawn(async move {
                time::sleep(Duration::from_nanos(1_500)).await;
                tx.send(()).unwrap();
            });
            corio::task::yield_now().await; // the sleep's timer is armed
            let by = Duration::from_nanos(1_500);
            let second = if advance_from_another_thread {
                Some(thread::spawn(move || handle.block_on(time::advance(by))))
            } else {
                time::advance(by).await;
                None
            };
            assert!(job.await.unwrap(), "the job heard from the sleeper");
            sleeper.await.unwrap();
            if let Some(second) = second {
                second.join().unwrap();
            }
        });
    });
}

/// The same for a job that waits in a `blocking_*` method on a task that
/// first sleeps: the job must not hold the clock back either.
#[test]
fn a_blocking_job_in_blocking_recv_lets_the_paused_clock_advance() {
    common::within_limit(|| {
        let runtime = paused();
        runtime.block_on(async {
            let (tx, rx) = corio::sync::channel::bounded(1);
            let job = corio::spawn_blocking(move || rx.blocking_recv());
            time::sleep(Duration::from_secs(1)).await;
            tx.send(5).await.unwrap();
            assert_eq!(job.await.unwrap(), Some(5));
        });
    });
}

/// A job woken out of `blocking_recv` counts as running from the moment
/// it is woken, not from the moment its thread gets to run: the task that
/// woke it and then waits for it with a timeout must not see the paused
/// clock jump past the timeout while the job's thread is still waking.
/// (The job's thread takes tens of microseconds to wake; the task parks in
/// fewer, and before the fix the clock jumped on nearly every round.)
#[test]
#[cfg_attr(miri, ignore)]
fn a_woken_blocking_job_holds_the_paused_clock_at_once() {
    common::within_limit(|| {
        let runtime = paused();
        runtime.block_on(async {
            for round in 0..50 {
                let (tx, rx) = corio::sync::channel::bounded(1);
                let job = corio::spawn_blocking(move || {
                    let value = rx.blocking_recv();
                    thread::sleep(Duration::from_millis(1)); // real work
                    value
                });
                tx.send(round).await.unwrap();
                let result = time::timeout(Duration::from_secs(1), job).await;
                assert!(
                    result.is_ok(),
                    "round {round}: the clock jumped past a running job"
                );
            }
        });
    });
}

/// A job that waits on its runtime's timer counts as sleeping only once
/// that timer is registered: the paused clock then jumps to the job's
/// deadline, not past it to a later one of the waiting task.
#[test]
#[cfg_attr(miri, ignore)]
fn a_blocking_job_sleeps_for_the_clock_only_after_its_timer_is_armed() {
    common::within_limit(|| {
        let runtime = paused();
        let handle = runtime.handle().clone();
        runtime.block_on(async move {
            for _ in 0..50 {
                let handle = handle.clone();
                let job = corio::spawn_blocking(move || {
                    let start = Instant::now();
                    handle.block_on(time::sleep(Duration::from_secs(60)));
                    start.elapsed()
                });
                let slept = time::timeout(Duration::from_secs(3600), job).await;
                let slept = slept
                    .expect("the hour went by before the job's minute")
                    .unwrap();
                assert_eq!(slept, Duration::from_secs(60));
            }
        });
    });
}

/// A deadline later than the timer wheel can tell apart (about 584,000
/// years) becomes about 30 years from now, as tokio's far future: on a
/// paused clock the sleep ends there, instead of firing and re-arming at
/// full speed for ever, and later sleeps still take their time (had the
/// clock jumped to the wheel's last tick, they would end at once).
#[test]
#[cfg_attr(miri, ignore)]
fn a_sleep_past_the_wheels_range_ends_on_a_paused_clock() {
    const YEAR: u64 = 86_400 * 365;
    common::within_limit(|| {
        let runtime = paused();
        runtime.block_on(async {
            let start = Instant::now();
            let far = Duration::from_secs(1 << 45); // over a million years
            let sleep = time::sleep(far);
            let thirty_years = start + Duration::from_secs(30 * YEAR);
            assert!(sleep.deadline() >= thirty_years);
            assert!(sleep.deadline() < thirty_years + Duration::from_secs(YEAR));
            sleep.await;
            assert!(start.elapsed() >= Duration::from_secs(30 * YEAR));

            let then = Instant::now();
            time::sleep(Duration::from_secs(5)).await;
            assert_eq!(
                then.elapsed(),
                Duration::from_secs(5),
                "time is left after it"
            );
            let mut reset = std::pin::pin!(time::sleep(Duration::from_secs(1)));
            reset.as_mut().reset(then + far);
            assert!(reset.deadline() < Instant::now() + Duration::from_secs(31 * YEAR));
        });
    });
}

/// A paused clock resumed from a blocking job: the driver, parked until
/// that job's end, must go back to sleeping until the next timer.
#[test]
#[cfg_attr(miri, ignore)]
fn a_clock_resumed_by_a_blocking_job_still_fires_timers() {
    common::within_limit(|| {
        let runtime = paused();
        runtime.block_on(async {
            let handle = corio::Handle::current();
            let parks = move || handle.metrics().worker[0].parks;
            let before = parks();
            let asleep = common::threads::this_thread_asleep_in_epoll_wait();
            let gave_up = Arc::new(AtomicBool::new(false));
            let gave_up_here = gave_up.clone();
            let _job = corio::spawn_blocking(move || {
                // Resume only once the runtime's thread has gone to park
                // (its park count moved, some steps before the wait) and
                // sleeps in `epoll_wait`, where the kernel tells: it waits
                // in the driver for this job, with no deadline.
                let deadline = std::time::Instant::now() + common::LIMIT / 2;
                while parks() == before || !asleep() {
                    if std::time::Instant::now() >= deadline {
                        // Said below: a job's panic nobody would see.
                        gave_up_here.store(true, Ordering::SeqCst);
                        break;
                    }
                    thread::yield_now();
                }
                time::resume();
            });
            time::sleep(Duration::from_millis(10)).await;
            assert!(
                !gave_up.load(Ordering::SeqCst),
                "the thread never slept in the driver"
            );
        });
    });
}

/// A sleep made, then overtaken by `advance` before its first poll, is
/// ready at that poll (it registered an overdue timer and waited for a
/// driver turn: outside the runtime, for ever).
#[test]
#[cfg_attr(miri, ignore)]
fn a_sleep_overtaken_by_advance_before_its_first_poll_is_ready() {
    paused().block_on(bounded(async {
        let mut sleep = std::pin::pin!(time::sleep(Duration::from_secs(3)));
        time::advance(Duration::from_secs(5)).await;
        assert!(sleep.is_elapsed());
        let polled = futures_lite::future::poll_once(sleep.as_mut()).await;
        assert!(polled.is_some(), "due at its first poll");
    }));
    // The same with the clock paused only after the sleep was made.
    current_thread().block_on(bounded(async {
        let mut sleep = std::pin::pin!(time::sleep(Duration::from_secs(3)));
        time::pause();
        time::advance(Duration::from_secs(5)).await;
        let polled = futures_lite::future::poll_once(sleep.as_mut()).await;
        assert!(polled.is_some(), "due at its first poll");
    }));
}

#[test]
fn advancing_past_the_last_instant_panics_with_a_clear_message() {
    let runtime = paused();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(time::advance(Duration::MAX));
    }))
    .unwrap_err();
    let message = common::panic_message(&*refused);
    assert!(
        message.contains("past the last `Instant`"),
        "a clear message, not std's overflow: {message}"
    );
}

/// Past the last microsecond the timer wheel counts, every deadline would
/// be clamped into the past and each sleep would end at once: `advance`
/// refuses to go there, though the platform's `Instant` could.
#[test]
fn advancing_past_the_timers_last_tick_panics_instead_of_breaking_sleeps() {
    common::within_limit(|| {
        let runtime = paused();
        let years = Duration::from_secs(31_557_600);
        let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(time::advance(years * 600_000));
        }))
        .unwrap_err();
        let message = common::panic_message(&*refused);
        assert!(message.contains("past the last `Instant`"), "{message}");
        runtime.block_on(async {
            // Just short of it, time still works.
            time::advance(years * 580_000).await;
            let start = time::Instant::now();
            time::sleep(Duration::from_secs(1)).await;
            assert_eq!(start.elapsed(), Duration::from_secs(1));
        });
    });
}

/// Timers count whole microseconds (as `advance`'s doc says): after an
/// advance of 1.5 µs a sleep of 1.5 µs is over when polled, but its waiting
/// task is woken only when the clock reaches 2 µs.
#[test]
fn a_sleeps_timer_fires_on_its_deadline_rounded_up_to_a_microsecond() {
    paused().block_on(async {
        let mut polled = std::pin::pin!(time::sleep(Duration::from_nanos(1_500)));
        assert!(futures_lite::future::poll_once(&mut polled).await.is_none());
        let woken = Rc::new(RefCell::new(false));
        let local = corio::task::spawn_local({
            let woken = woken.clone();
            async move {
                time::sleep(Duration::from_nanos(1_500)).await;
                *woken.borrow_mut() = true;
            }
        });
        corio::task::yield_now().await; // it starts its sleep
        time::advance(Duration::from_nanos(1_500)).await;
        assert!(futures_lite::future::poll_once(&mut polled).await.is_some());
        for _ in 0..3 {
            corio::task::yield_now().await;
        }
        assert!(!*woken.borrow(), "woken before the clock reached 2 µs");
        time::advance(Duration::from_nanos(500)).await;
        // Woken by this advance, not by the auto-advance a wait on `local`
        // would make.
        for _ in 0..3 {
            corio::task::yield_now().await;
        }
        assert!(*woken.borrow(), "not woken once the clock reached 2 µs");
        bounded(local).await.unwrap();
    });
}

/// With `max_blocking_threads` reached by a job that sleeps on the paused
/// clock, a job queued behind it does not count as running until a thread
/// takes it: counted at once, it held the clock still, the sleeping job
/// never woke to free its thread, and the runtime hung.
#[test]
#[cfg_attr(miri, ignore)]
fn a_job_queued_behind_a_sleeping_job_lets_the_paused_clock_advance() {
    common::within_limit(|| {
        let runtime = corio::runtime::Builder::new_current_thread()
            .start_paused(true)
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let handle = runtime.handle().clone();
        runtime.block_on(async move {
            let sleeper = corio::spawn_blocking(move || {
                handle.block_on(time::sleep(Duration::from_secs(60)));
                "slept"
            });
            let queued = corio::spawn_blocking(|| 1);
            assert_eq!(sleeper.await.unwrap(), "slept");
            assert_eq!(queued.await.unwrap(), 1);
        });
    });
}

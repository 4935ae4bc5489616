//! `interval`: ticks on a fixed schedule, and what each
//! `MissedTickBehavior` does after the ticker was stalled. Checked against
//! the real clock with lower bounds and exact deadline arithmetic only.

mod common;

use std::time::Duration;

use common::{block_on, panic_of};
use corio::time::{Instant, MissedTickBehavior, interval, interval_at};

// ------------------------------------------------------------- Interval

#[test]
fn interval_zero_panics_clearly() {
    let message = panic_of(|| interval(Duration::ZERO));
    assert!(message.contains("period above zero"), "{message}");
    let message = panic_of(|| interval_at(Instant::now(), Duration::ZERO));
    assert!(message.contains("period above zero"), "{message}");
}

const PERIOD: Duration = Duration::from_millis(20);
/// The consumer stalls for 3.5 periods after the first tick: three ticks
/// are missed, and it is late by well over the 5 ms "missed" threshold.
const STALL: Duration = Duration::from_millis(70);

/// The 5 ms past a tick's deadline after which the interval counts it as
/// missed.
const MISSED_AFTER: Duration = Duration::from_millis(5);

/// Ticks of an interval with `behavior` whose consumer stalls once, with
/// the clock read just before and after the first late tick. `None` if the
/// thread was kept off its CPU past `MISSED_AFTER` before the first tick
/// (which that made late too).
async fn stalled_ticks(
    behavior: MissedTickBehavior,
) -> Option<(Instant, Vec<Instant>, Instant, Instant)> {
    let start = Instant::now();
    let mut ticker = interval_at(start, PERIOD);
    assert_eq!(ticker.missed_tick_behavior(), MissedTickBehavior::Burst);
    ticker.set_missed_tick_behavior(behavior);
    assert_eq!(ticker.missed_tick_behavior(), behavior);
    assert_eq!(ticker.period(), PERIOD);
    let mut ticks = vec![ticker.tick().await];
    if start.elapsed() >= MISSED_AFTER {
        return None;
    }
    // A busy consumer: blocks its own thread on purpose.
    std::thread::sleep(STALL);
    let before = Instant::now();
    ticks.push(ticker.tick().await);
    let after = Instant::now();
    for _ in 0..3 {
        ticks.push(ticker.tick().await);
        assert!(
            Instant::now() >= *ticks.last().unwrap(),
            "a tick came early"
        );
    }
    Some((start, ticks, before, after))
}

/// [`stalled_ticks`] in a spawned task (so that its stall blocks a worker),
/// run again (up to three times) if its first tick came late.
fn ticks_on_a_worker(behavior: MissedTickBehavior) -> (Instant, Vec<Instant>, Instant, Instant) {
    block_on(async move {
        for _ in 0..3 {
            if let Some(ticks) = corio::spawn(stalled_ticks(behavior)).await.unwrap() {
                return ticks;
            }
        }
        panic!("the first tick came late in every run");
    })
}

#[test]
#[cfg_attr(miri, ignore)]
fn interval_burst_catches_up_on_the_original_schedule() {
    let (start, ticks, _, _) = ticks_on_a_worker(MissedTickBehavior::Burst);
    let expected: Vec<Instant> = (0..5).map(|i| start + PERIOD * i).collect();
    assert_eq!(ticks, expected);
}

#[test]
#[cfg_attr(miri, ignore)]
fn interval_delay_restarts_from_the_late_tick() {
    let (start, ticks, before, after) = ticks_on_a_worker(MissedTickBehavior::Delay);
    assert_eq!(ticks[0], start);
    assert_eq!(
        ticks[1],
        start + PERIOD,
        "the late tick reports its schedule"
    );
    // The next tick is one period after the moment the late one was taken.
    assert!(
        ticks[2] >= before + PERIOD && ticks[2] <= after + PERIOD,
        "{:?} not within [{:?}, {:?}]",
        ticks[2] - start,
        before + PERIOD - start,
        after + PERIOD - start
    );
    for pair in ticks[2..].windows(2) {
        assert!(pair[1] >= pair[0] + PERIOD, "ticks closer than a period");
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn interval_skip_keeps_the_phase() {
    let (start, ticks, before, after) = ticks_on_a_worker(MissedTickBehavior::Skip);
    assert_eq!(ticks[0], start);
    assert_eq!(ticks[1], start + PERIOD);
    let period = PERIOD.as_nanos();
    for (i, tick) in ticks.iter().enumerate() {
        assert_eq!(
            (*tick - start).as_nanos() % period,
            0,
            "tick {i} left the phase"
        );
    }
    // The first tick after the late one is the next multiple of the period
    // after the moment the late one was taken.
    assert!(ticks[2] > before && ticks[2] <= after + PERIOD);
    assert!(
        ticks[2] >= start + PERIOD * 4,
        "missed ticks were not skipped"
    );
    for pair in ticks[2..].windows(2) {
        assert!(pair[1] > pair[0]);
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn interval_reset_restarts_one_period_from_now() {
    block_on(async {
        let mut ticker = interval(Duration::from_millis(10));
        ticker.tick().await;
        let before = Instant::now();
        ticker.reset();
        let after = Instant::now();
        let next = ticker.tick().await;
        assert!(next >= before + Duration::from_millis(10));
        assert!(next <= after + Duration::from_millis(10));
        assert!(Instant::now() >= next);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn an_interval_of_duration_max_ticks_once_then_waits() {
    block_on(async {
        for behavior in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            let mut ticks = interval(Duration::MAX);
            ticks.set_missed_tick_behavior(behavior);
            ticks.tick().await;
            let next = futures_lite::future::poll_once(ticks.tick()).await;
            assert!(
                next.is_none(),
                "{behavior:?}: the next tick is decades away"
            );
            ticks.reset();
            assert!(
                futures_lite::future::poll_once(ticks.tick())
                    .await
                    .is_none()
            );
        }
    });
}

/// The same, late: the first tick, polled a second after its instant, goes
/// through each behaviour's missed-tick arithmetic with a period of
/// `Duration::MAX` (the test above never misses a tick), which must
/// saturate rather than overflow. On a paused clock, to be a second late
/// exactly.
#[test]
#[cfg_attr(miri, ignore)]
fn a_late_tick_of_an_interval_of_duration_max_saturates() {
    common::paused().block_on(async {
        for behavior in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            let mut ticks = interval_at(Instant::now(), Duration::MAX);
            ticks.set_missed_tick_behavior(behavior);
            corio::time::advance(Duration::from_secs(1)).await;
            ticks.tick().await;
            let next = futures_lite::future::poll_once(ticks.tick()).await;
            assert!(
                next.is_none(),
                "{behavior:?}: the next tick is decades away"
            );
        }
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn an_interval_ticks_when_polled_from_a_thread_outside_its_runtime() {
    // As a Sleep does: the interval keeps its own runtime's timers, whoever
    // polls it, so it ticks at all. (Its clock is the runtime's too, but
    // unpaused, every clock reads the same: this shows only the ticks.)
    let runtime = common::two_workers();
    let mut ticker = runtime.block_on(async { interval(Duration::from_millis(10)) });
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let ticks = futures_lite::future::block_on(async {
            let first = ticker.tick().await;
            let second = ticker.tick().await;
            let third = ticker.tick().await;
            [first, second, third]
        });
        let _ = done.send(ticks);
    });
    let [first, second, third] = common::recv(&finished);
    assert_eq!(second - first, Duration::from_millis(10));
    assert_eq!(third - second, Duration::from_millis(10));
    drop(runtime);
}

//! loom models of the driver handshake across shards: whatever the
//! interleaving, a timer earlier than the driver's sleep either is seen by
//! the driver's `before_park` or wakes the driver.
//!
//! Run with `RUSTFLAGS="--cfg loom -C debug-assertions=on" cargo test --release --lib loom`.

use std::task::Waker;
use std::time::Duration;

use super::{Instant, Timers, counted};
use crate::loom::atomic::Ordering;
use crate::loom::thread;

const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

fn after(timers: &Timers, d: Duration) -> Instant {
    Instant::from_std(timers.start) + d
}

#[test]
fn loom_timer_insert_vs_driver_park() {
    loom::model(|| {
        let (timers, unparks) = counted(2);
        // The driver sleeps until an hour out, in shard 0.
        let mut far = None;
        timers.register_in(0, &mut far, after(&timers, HOUR), Waker::noop());

        let inserter = {
            let timers = timers.clone();
            thread::spawn(move || {
                let mut soon = None;
                timers.register_in(1, &mut soon, after(&timers, MINUTE), Waker::noop());
                soon
            })
        };
        // The driver: wakes (a previous turn), then parks again.
        timers.after_park();
        let timeout = timers.before_park(None).expect("a timer is armed");
        inserter.join().unwrap();

        // (A deadline is rounded up to the wheel's microsecond tick.)
        let saw_it = timeout <= MINUTE + Duration::from_micros(1);
        let woken = unparks.load(Ordering::SeqCst) > 0;
        assert!(
            saw_it || woken,
            "the one-minute timer was lost: {timeout:?}"
        );
    });
}

#[test]
fn loom_two_shards_lower_the_driver_deadline_at_once() {
    loom::model(|| {
        let (timers, unparks) = counted(3);
        let mut far = None;
        timers.register_in(0, &mut far, after(&timers, HOUR), Waker::noop());
        let timeout = timers.before_park(None).expect("a timer is armed");
        assert!(timeout > 2 * MINUTE);

        // Two workers arm earlier timers in their own shards at once.
        let inserters: Vec<_> = [(1, 2 * MINUTE), (2, MINUTE)]
            .into_iter()
            .map(|(shard, d)| {
                let timers = timers.clone();
                thread::spawn(move || {
                    let mut slot = None;
                    timers.register_in(shard, &mut slot, after(&timers, d), Waker::noop());
                })
            })
            .collect();
        for inserter in inserters {
            inserter.join().unwrap();
        }
        // The driver slept past both: it must have been woken. (Even if
        // the two-minute one came first, the one-minute one lowered the
        // mark again, so each insert that needed a wake-up made one.)
        assert!(unparks.load(Ordering::SeqCst) >= 1);
        let minute = timers.deadline_tick(after(&timers, MINUTE));
        assert!(timers.parked_until.0.load(Ordering::SeqCst) <= minute);
    });
}

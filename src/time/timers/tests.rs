//! Unit tests of the sharded timers: the driver handshake across shards,
//! the paused clock with blocking jobs, shard choice.

use super::*;

fn after(timers: &Timers, d: Duration) -> Instant {
    Instant::from_std(timers.clock.now()) + d
}

/// One shard on a paused clock, with a timer armed an hour ahead.
fn paused_with_a_timer_an_hour_ahead() -> (Arc<Timers>, Option<Registration>) {
    let timers = Timers::new(Box::new(|| {}), Clock::new(true, true), 1);
    let mut slot = None;
    let deadline = after(&timers, Duration::from_secs(3600));
    timers.register_in(0, &mut slot, deadline, Waker::noop());
    (timers, slot)
}

#[test]
fn an_earlier_timer_in_another_shard_wakes_the_parked_driver() {
    let (timers, unparks) = counted(2);
    let waker = Waker::noop();
    let mut far = None;
    timers.register_in(
        0,
        &mut far,
        after(&timers, Duration::from_secs(3600)),
        waker,
    );
    // The driver parks until the hour-long timer of shard 0.
    let timeout = timers.before_park(None).expect("a timer is armed");
    assert!(timeout > Duration::from_secs(3000));
    assert_eq!(unparks.load(Ordering::SeqCst), 0);

    // Later than the driver's deadline, in shard 1: no wake-up needed.
    let mut later = None;
    timers.register_in(
        1,
        &mut later,
        after(&timers, Duration::from_secs(7200)),
        waker,
    );
    assert_eq!(unparks.load(Ordering::SeqCst), 0);
    // Earlier, in shard 1: the driver must wake to shorten its sleep.
    let mut soon = None;
    timers.register_in(1, &mut soon, after(&timers, Duration::from_secs(60)), waker);
    assert_eq!(unparks.load(Ordering::SeqCst), 1);

    // Awake, the driver is not woken again, and its next park sees
    // shard 1's timer as the earliest.
    timers.after_park();
    let mut sooner = None;
    timers.register_in(
        1,
        &mut sooner,
        after(&timers, Duration::from_secs(30)),
        waker,
    );
    assert_eq!(unparks.load(Ordering::SeqCst), 1);
    let timeout = timers.before_park(None).expect("timers are armed");
    // A deadline is rounded up to the wheel's microsecond tick, so when
    // the two clock reads are under a microsecond apart the wait can be
    // 30 s and a fraction of a microsecond (a CI run hit it).
    assert!(timeout <= Duration::from_secs(30) + Duration::from_micros(1));

    // Each timer is cancelled in the shard it lives in.
    assert_eq!(timers.armed(), 4);
    for slot in [&mut far, &mut later, &mut soon, &mut sooner] {
        timers.cancel(slot);
    }
    assert_eq!(timers.armed(), 0);
    assert_eq!(timers.before_park(None), None, "no timer left to wait for");
}

#[test]
fn due_timers_of_every_shard_fire() {
    let timers = Timers::new(Box::new(|| {}), Clock::new(true, true), 3);
    let fired = Arc::new(AtomicUsize::new(0));
    struct Count(Arc<AtomicUsize>);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let waker = Waker::from(Arc::new(Count(fired.clone())));
    let soon = after(&timers, Duration::from_millis(1));
    let mut slots = [None, None, None];
    for (index, slot) in slots.iter_mut().enumerate() {
        assert!(!timers.register_in(index, slot, soon, &waker));
    }
    timers.clock.advance(Duration::from_millis(2));
    timers.fire_due(true);
    assert_eq!(fired.load(Ordering::SeqCst), 3);
    assert_eq!(timers.armed(), 0);
}

/// A timer registered for a deadline the wheel has already passed (a
/// `sleep` made, then first polled after its deadline, which skips its
/// clock read) is due at once: nothing is armed, and the caller is told.
#[test]
fn a_deadline_the_wheel_has_passed_is_due_at_registration() {
    let timers = Timers::new(Box::new(|| {}), Clock::new(true, true), 1);
    let deadline = after(&timers, Duration::from_millis(2));
    let mut other = None;
    assert!(!timers.register(&mut other, deadline, Waker::noop()));
    timers.clock.advance(Duration::from_millis(5));
    let mut slot = None;
    assert!(
        !timers.register(&mut slot, deadline, Waker::noop()),
        "the wheel has not advanced yet: armed, due at the next turn"
    );
    timers.cancel(&mut slot);
    timers.fire_due(true); // the wheel moves to 5 ms, the other timer fires
    assert_eq!(timers.armed(), 0);
    assert!(timers.register(&mut slot, deadline, Waker::noop()));
    assert!(slot.is_none());
    assert_eq!(timers.armed(), 0);
}

/// However far the next timer, the driver sleeps at most `MAX_PARK` in one
/// wait: macOS's `kevent` refuses a timeout over 10^8 s, and the driver
/// would spin on the error.
#[test]
fn the_driver_never_sleeps_longer_than_max_park() {
    let (timers, _) = counted(1);
    let mut slot = None;
    let ten_years = Duration::from_secs(10 * 365 * 86_400);
    timers.register(&mut slot, after(&timers, ten_years), Waker::noop());
    assert_eq!(timers.before_park(None), Some(MAX_PARK));
    timers.cancel(&mut slot);
}

#[test]
fn a_non_worker_thread_arms_in_shard_zero_and_workers_beyond_the_cap_share() {
    let (timers, _) = counted(MAX_SHARDS * 2);
    assert_eq!(timers.shards.len(), MAX_SHARDS);
    assert_eq!(timers.home_shard(), 0, "the test thread is no worker");
    let mut slot = None;
    timers.register(
        &mut slot,
        after(&timers, Duration::from_secs(1)),
        Waker::noop(),
    );
    assert_eq!(slot.map(|reg| reg.shard), Some(0));
    timers.cancel(&mut slot);
}

/// A job that ran when the driver looked for wakes, and ended before it
/// chose its sleep, may have woken a task the look missed: the clock must
/// not jump then (the driver's next park, woken by the job's end, may).
#[test]
fn a_paused_clock_does_not_jump_if_a_job_ran_when_the_driver_looked() {
    let (timers, mut slot) = paused_with_a_timer_an_hour_ahead();
    let before = timers.clock.now();
    timers.job_started();
    let jobs_were_idle = timers.jobs_idle();
    timers.job_ended();
    assert_ne!(
        timers.before_park_after(None, jobs_were_idle),
        Some(Duration::ZERO)
    );
    timers.after_park();
    assert_eq!(timers.clock.now(), before, "the clock stayed");
    assert_eq!(
        timers.before_park_after(None, timers.jobs_idle()),
        Some(Duration::ZERO)
    );
    timers.after_park();
    assert!(timers.clock.now() > before, "the next park jumps");
    timers.cancel(&mut slot);
}

/// One shard on a paused clock, and a count of the driver's wake-ups.
fn paused_counted() -> (Arc<Timers>, crate::loom::Arc<AtomicUsize>) {
    let unparks = crate::loom::Arc::new(AtomicUsize::new(0));
    let count = unparks.clone();
    let unpark = Box::new(move || {
        count.fetch_add(1, Ordering::SeqCst);
    });
    (Timers::new(unpark, Clock::new(true, true), 1), unparks)
}

#[test]
fn a_paused_clock_with_a_job_running_parks_until_the_job_ends() {
    let (timers, unparks) = paused_counted();
    timers.job_started();
    let mut slot = None;
    timers.register_in(
        0,
        &mut slot,
        after(&timers, Duration::from_micros(1)),
        Waker::noop(),
    );
    for _ in 0..3 {
        // The clock cannot move while the driver sleeps: a 1 µs timeout
        // would wake it a million times a second for nothing.
        assert_eq!(timers.before_park(None), None);
        timers.after_park();
    }
    assert_eq!(unparks.load(Ordering::SeqCst), 0);
    // A timer already due still fires at once, job or not.
    timers.clock.advance(Duration::from_micros(1));
    assert_eq!(timers.before_park(None), Some(Duration::ZERO));
    timers.after_park();
    assert_eq!(timers.armed(), 0, "the due one fired");
    let mut later = None;
    let in_a_second = after(&timers, Duration::from_secs(1));
    timers.register_in(0, &mut later, in_a_second, Waker::noop());
    assert_eq!(timers.before_park(None), None);
    timers.job_ended();
    assert_eq!(unparks.load(Ordering::SeqCst), 1, "the job's end wakes it");
    // Idle now: auto-advance to the timer.
    let before = timers.clock.now();
    assert_eq!(timers.before_park(None), Some(Duration::ZERO));
    timers.after_park();
    assert_eq!(timers.clock.now() - before, Duration::from_secs(1));
    assert_eq!(timers.armed(), 0, "the later one fired");
}

#[test]
fn a_job_that_ends_on_a_running_clock_wakes_nobody() {
    let (timers, unparks) = counted(1);
    timers.job_started();
    timers.job_ended();
    assert_eq!(unparks.load(Ordering::SeqCst), 0);
}

/// Most timeouts are cancelled before they fire. The wheel still moves to
/// now at each turn, or new timers would be placed against the tick of the
/// last timer that fired, on levels as coarse as the time since then.
#[test]
fn a_wheel_with_nothing_due_still_advances_to_now() {
    let (timers, mut far) = paused_with_a_timer_an_hour_ahead();
    timers.clock.advance(Duration::from_secs(600));
    timers.after_park();
    let now = timers.now_tick(Instant::from_std(timers.clock.now()));
    assert_eq!(timers.shards[0].lock().wheel.elapsed(), now);
    assert_eq!(timers.armed(), 1, "the hour-long timer is not due");
    timers.cancel(&mut far);
}

/// An empty wheel is not advanced at the driver's turns (the clock is not
/// even read); it moves to now when a timer comes instead.
#[test]
fn a_timer_into_an_empty_wheel_moves_it_to_now_first() {
    let timers = Timers::new(Box::new(|| {}), Clock::new(true, true), 1);
    timers.clock.advance(Duration::from_secs(600));
    timers.after_park();
    assert_eq!(timers.shards[0].lock().wheel.elapsed(), 0, "nothing read");
    let mut slot = None;
    let deadline = after(&timers, Duration::from_secs(1));
    timers.register_in(0, &mut slot, deadline, Waker::noop());
    let now = timers.now_tick(Instant::from_std(timers.clock.now()));
    assert_eq!(timers.shards[0].lock().wheel.elapsed(), now);
    timers.cancel(&mut slot);
}

/// `advance` by a fraction of a microsecond leaves a paused clock between
/// two ticks. A timer due by then but rounded up to the tick's end fires
/// even while a blocking job runs: the clock finishes its tick.
#[test]
fn a_paused_clock_between_ticks_finishes_its_tick_while_a_job_runs() {
    let timers = Timers::new(Box::new(|| {}), Clock::new(true, true), 1);
    let start = timers.clock.now();
    timers.job_started();
    let mut slot = None;
    let deadline = after(&timers, Duration::from_nanos(1_500));
    timers.register_in(0, &mut slot, deadline, Waker::noop());
    timers.clock.advance(Duration::from_nanos(1_500));
    timers.fire_due(false); // as `time::advance` does: tick 1 of 2
    assert_eq!(timers.armed(), 1, "rounded up to tick 2, not fired yet");
    assert_eq!(timers.before_park(None), Some(Duration::ZERO));
    timers.after_park();
    assert_eq!(timers.armed(), 0, "the timer fired");
    assert_eq!(timers.clock.now() - start, Duration::from_micros(2));
    // On a tick, the clock stays for the job: a timer 1 us ahead waits.
    let mut next = None;
    let deadline = after(&timers, Duration::from_micros(1));
    timers.register_in(0, &mut next, deadline, Waker::noop());
    assert_eq!(timers.before_park(None), None);
    timers.job_ended();
    timers.cancel(&mut next);
}

/// `time::advance` from a thread that is not driving wakes a driver asleep
/// until a job ends, so that it finishes the clock's tick; a driver awake
/// is left alone.
#[test]
fn advance_wakes_a_driver_asleep_for_a_job() {
    let (timers, unparks) = paused_counted();
    timers.job_started();
    let mut slot = None;
    let deadline = after(&timers, Duration::from_nanos(1_500));
    timers.register_in(0, &mut slot, deadline, Waker::noop());
    assert_eq!(timers.before_park(None), None, "asleep until the job ends");
    timers.advance_clock(Duration::from_nanos(1_500));
    assert_eq!(unparks.load(Ordering::SeqCst), 1, "woken to choose again");
    assert_eq!(timers.before_park(None), Some(Duration::ZERO));
    timers.after_park();
    assert_eq!(timers.armed(), 0, "the timer fired");
    timers.advance_clock(Duration::from_micros(1));
    assert_eq!(unparks.load(Ordering::SeqCst), 1, "awake: not woken");
    timers.job_ended();
}

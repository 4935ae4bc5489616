//! Scheduled jobs the way people write them: fixed rate, fixed delay, with a
//! timeout, daily at a UTC wall-clock time, what to do with missed ticks,
//! and a clean stop.
//!
//! ```text
//! cargo run --example scheduled_tasks
//! ```
//!
//! The articles: "异步编程中的定时任务" (a timer that runs an async function at
//! a frequency, `periodic` in part 5; a morning job that checks e-mail and
//! social pages under one timeout, part 4) and the tornado note on sleeping "more exactly" a minute:
//!
//! ```python
//! async def minute_loop():          # fixed delay: drifts by do_something's length
//!     while True:
//!         await do_something()
//!         await gen.sleep(60)
//!
//! async def minute_loop2():         # fixed rate: start the clock first
//!     while True:
//!         nxt = gen.sleep(60)
//!         await do_something()
//!         await nxt
//! ```
//!
//! **Virtual time.** A schedule of seconds or days would make this example
//! slow, so parts 1 to 4 run on a current-thread runtime built with
//! `start_paused(true)`: corio's clock stands still, and whenever every task
//! is waiting it jumps straight to the next timer. A simulated day takes
//! milliseconds, and the times printed are exact. This is how to *test*
//! schedules too. In virtual time only corio's timers move the clock, so the
//! jobs "work" by sleeping; real CPU work would take no virtual time at all.
//! Part 5 runs in real time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use corio::runtime::Builder;
use corio::sync::channel;
use corio::task::JoinSet;
use corio::time::{Instant, MissedTickBehavior, interval, sleep, sleep_until, timeout, timeout_at};

/// What `run` saw (times in virtual milliseconds from each part's start),
/// for `tests/examples.rs` to check.
#[derive(Debug)]
pub struct Report {
    /// Part 1: job start times of (fixed rate, start-the-clock, fixed delay).
    pub rate: Vec<u64>,
    /// See `rate`.
    pub start_the_clock: Vec<u64>,
    /// See `rate`.
    pub delay: Vec<u64>,
    /// Part 2: when each tick was received, for Burst, Delay and Skip.
    pub missed: Vec<(MissedTickBehavior, Vec<u64>)>,
    /// Part 3: each run's outcome.
    pub with_timeout: Vec<&'static str>,
    /// Part 4: the delay to the first daily run, and the wall-clock times of
    /// the simulated runs (seconds since the Unix epoch), each with which of
    /// its two checks (e-mail, social pages) were done by the deadline.
    pub first_delay: Duration,
    /// See `first_delay`.
    pub daily_runs: Vec<(u64, (bool, bool))>,
    /// Part 5: how many times each real-time job ran before the stop.
    pub stopped_after: Vec<(&'static str, u32)>,
}

/// How long each simulated job works.
const WORK: Duration = Duration::from_millis(300);
/// The period of the periodic jobs of part 1.
const PERIOD: Duration = Duration::from_secs(1);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

fn main() {
    run();
}

/// Runs parts 1 to 4 in virtual time, then part 5 in real time.
pub fn run() -> Report {
    let virtual_time = Builder::new_current_thread()
        .start_paused(true)
        .build()
        .expect("cannot build a runtime");
    let (rate, start_the_clock, delay, missed, with_timeout, (first_delay, daily_runs)) =
        virtual_time.block_on(async {
            println!("1. fixed rate vs fixed delay (period 1s, each run works 300ms)");
            let rate = fixed_rate().await;
            let start_the_clock = start_the_clock().await;
            let delay = fixed_delay().await;
            println!("2. missed ticks: the consumer stalls for 2.5 periods once");
            let mut missed = Vec::new();
            for behavior in [
                MissedTickBehavior::Burst,
                MissedTickBehavior::Delay,
                MissedTickBehavior::Skip,
            ] {
                missed.push((behavior, missed_ticks(behavior).await));
            }
            println!("3. a job with a timeout (every 10s, each run limited to 2s)");
            let with_timeout = job_with_timeout().await;
            println!("4. a daily job at 07:00 UTC");
            let daily = daily_job(SystemTime::now(), 7, 0).await;
            (rate, start_the_clock, delay, missed, with_timeout, daily)
        });
    println!("5. a clean stop (real time)");
    let stopped_after = corio::block_on(clean_stop());
    Report {
        rate,
        start_the_clock,
        delay,
        missed,
        with_timeout,
        first_delay,
        daily_runs,
        stopped_after,
    }
}

/// Milliseconds from `start` to now, by corio's (here: virtual) clock.
fn ms_since(start: Instant) -> u64 {
    start.elapsed().as_millis() as u64
}

/// The job of part 1: 300 ms of (simulated) work.
async fn work() {
    sleep(WORK).await;
}

/// Fixed rate with `interval`: the ticks are on a fixed grid (0, 1, 2, ...
/// seconds from the start), whatever each run takes, as long as it takes
/// less than the period.
async fn fixed_rate() -> Vec<u64> {
    let start = Instant::now();
    let mut ticker = interval(PERIOD);
    let mut starts = Vec::new();
    for _ in 0..4 {
        // The first tick is immediate; each later one waits for the grid.
        ticker.tick().await;
        starts.push(ms_since(start));
        work().await;
    }
    println!("  fixed rate (interval):        runs at {starts:?} ms");
    starts
}

/// The tornado article's `minute_loop2`: create the timer *before* the work,
/// so it is already running while the job works. Same grid as `interval`.
///
/// The article's `gen.sleep(60)` counts each period from when the timer was
/// made, so every wake-up's lateness (tens of microseconds) pushes the rest
/// of the schedule back. An absolute deadline, moved on by one period each
/// run, keeps the grid exact however late a wake-up is.
async fn start_the_clock() -> Vec<u64> {
    let start = Instant::now();
    let mut starts = Vec::new();
    let mut deadline = start;
    for _ in 0..4 {
        deadline += PERIOD;
        // A `Sleep`'s deadline is fixed when it is created, not when it is
        // first awaited: that is what "start the clock" relies on.
        let next = sleep_until(deadline);
        starts.push(ms_since(start));
        work().await;
        next.await;
    }
    println!("  fixed rate (start the clock): runs at {starts:?} ms");
    starts
}

/// Fixed delay, the article's `minute_loop`: sleep *after* the work, so each
/// run starts a period after the previous one *ended*: the schedule drifts
/// by the work's length every time.
async fn fixed_delay() -> Vec<u64> {
    let start = Instant::now();
    let mut starts = Vec::new();
    for _ in 0..4 {
        starts.push(ms_since(start));
        work().await;
        sleep(PERIOD).await;
    }
    println!("  fixed delay (sleep after):    runs at {starts:?} ms");
    starts
}

/// An interval whose consumer, once, is busy for 2.5 periods.
async fn missed_ticks(behavior: MissedTickBehavior) -> Vec<u64> {
    let start = Instant::now();
    let mut ticker = interval(PERIOD);
    ticker.set_missed_tick_behavior(behavior);
    let mut received = Vec::new();
    for i in 0..6 {
        ticker.tick().await;
        received.push(ms_since(start));
        if i == 1 {
            // Stall from 1s to 3.5s: the ticks due at 2s and 3s are missed.
            sleep(PERIOD * 5 / 2).await;
        }
    }
    let meaning = match behavior {
        // Every missed tick still fires, back to back: keeps the count
        // (a billing job that must run once per period).
        MissedTickBehavior::Burst => "fire the missed ticks at once, then keep the grid",
        // Start a new schedule from the late tick: keeps the spacing.
        MissedTickBehavior::Delay => "restart the grid from the late tick",
        // Forget the missed ones, keep the phase: keeps the grid.
        MissedTickBehavior::Skip => "drop the missed ticks, keep the original grid",
    };
    println!("  {behavior:?}: ticks received at {received:?} ms ({meaning})");
    received
}

/// A periodic job whose runs may hang: each run gets a deadline, and a run
/// that misses it is cancelled (dropped) so the schedule goes on.
async fn job_with_timeout() -> Vec<&'static str> {
    let start = Instant::now();
    let mut ticker = interval(Duration::from_secs(10));
    let mut outcomes = Vec::new();
    for run in 0..3 {
        ticker.tick().await;
        let started = ms_since(start);
        // Run 1 hangs on something for a whole minute.
        let takes = if run == 1 {
            Duration::from_secs(60)
        } else {
            Duration::from_millis(500)
        };
        let outcome = match timeout(Duration::from_secs(2), sleep(takes)).await {
            Ok(()) => "done",
            Err(_) => "timed out",
        };
        println!(
            "  run {run} at {started:>5} ms: {outcome} at {} ms",
            ms_since(start)
        );
        outcomes.push(outcome);
    }
    outcomes
}

/// How long from `now` until the next `hour:minute` UTC. At the exact
/// minute it answers a full day, so a job that just ran does not run twice.
///
/// Unix time counts every day as 86,400 seconds (leap seconds are folded
/// away) and UTC has no daylight saving, so "seconds into the day" is a
/// plain remainder: no calendar library is needed. A local-time schedule
/// would need the time zone rules, which is what chrono-tz is for.
pub fn until_next_utc(now: SystemTime, hour: u64, minute: u64) -> Duration {
    let since_epoch = now
        .duration_since(UNIX_EPOCH)
        .expect("the system clock is set after 1970");
    let into_day = Duration::new(
        since_epoch.as_secs() % DAY.as_secs(),
        since_epoch.subsec_nanos(),
    );
    let target = Duration::from_secs(hour * 3600 + minute * 60);
    if target > into_day {
        target - into_day
    } else {
        DAY + target - into_day
    }
}

/// The wall clock as the job sees it. A real program calls
/// `SystemTime::now()`; in virtual time the wall clock must advance with
/// corio's clock, so it is the wall time at the start plus the virtual time
/// elapsed since.
struct WallClock {
    wall: SystemTime,
    at: Instant,
}

impl WallClock {
    fn now(&self) -> SystemTime {
        self.wall + self.at.elapsed()
    }
}

/// The article's morning checks, as its `asyncio.wait(checks, timeout=1.0)`:
/// both at once, with one one-second deadline for the pair. A check not
/// done by then is reported pending and left to run (`asyncio.wait`
/// cancels nothing; `wait_for`, corio's `timeout`, would). Returns whether
/// each check was done in time.
async fn morning_checks(social_takes: Duration) -> (bool, bool) {
    let mut checks = JoinSet::new();
    checks.spawn(async {
        sleep(Duration::from_millis(200)).await;
        "e-mail"
    });
    checks.spawn(async move {
        sleep(social_takes).await;
        "social pages"
    });
    let deadline = Instant::now() + Duration::from_secs(1);
    let (mut email, mut social) = (false, false);
    while let Ok(Some(done)) = timeout_at(deadline, checks.join_next()).await {
        match done.expect("no check panics") {
            "e-mail" => email = true,
            _ => social = true,
        }
    }
    // What is left is the pending part, still running: let it finish on
    // its own (dropping the set would abort it). Each check here ends by
    // itself; one that could hang would need its own time limit, or every
    // day would leave one more behind.
    checks.detach_all();
    (email, social)
}

/// Runs the morning checks at `hour:minute` UTC for three simulated days
/// (on the second, the social pages take 3 s to answer). Returns the first
/// delay, and the wall-clock time (Unix seconds) and the checks done in
/// time of each run.
async fn daily_job(
    wall_now: SystemTime,
    hour: u64,
    minute: u64,
) -> (Duration, Vec<(u64, (bool, bool))>) {
    let clock = WallClock {
        wall: wall_now,
        at: Instant::now(),
    };
    let first_delay = until_next_utc(clock.now(), hour, minute);
    println!(
        "  now {}; next run in {}",
        utc(clock.now()),
        hours_minutes(first_delay)
    );
    let mut runs = Vec::new();
    let mut last_target = None;
    for day in 0..3 {
        // Recompute the target from the wall clock before every run instead
        // of using `interval(24h)`: a monotonic interval drifts from the
        // wall clock when the machine sleeps or NTP adjusts the time. Never
        // before a day after the last target, though: a clock set back just
        // after a run would otherwise find the same morning's time again.
        let next = clock.now() + until_next_utc(clock.now(), hour, minute);
        let target = last_target.map_or(next, |last: SystemTime| next.max(last + DAY));
        last_target = Some(target);
        // For the same reason the sleep may end a little before the target
        // by the wall clock (NTP set it back meanwhile): sleep again for
        // what is left, so the job never runs early, and then runs once.
        // And at most a minute at a time: sleeps are timed on the
        // monotonic clock, which stops while the machine is suspended, so
        // one long sleep would end late by the whole suspend.
        while let Ok(left) = target.duration_since(clock.now())
            && !left.is_zero()
        {
            sleep(left.min(Duration::from_secs(60))).await;
        }
        let ran_at = clock.now();
        let social_takes = Duration::from_millis(if day == 1 { 3000 } else { 300 });
        let (email, social) = morning_checks(social_takes).await;
        let state = |done| if done { "done" } else { "pending" };
        println!(
            "  ran at {}: e-mail check {}, social pages check {}",
            utc(ran_at),
            state(email),
            state(social)
        );
        let at = ran_at.duration_since(UNIX_EPOCH).unwrap().as_secs();
        runs.push((at, (email, social)));
    }
    (first_delay, runs)
}

/// `2025-01-31 07:00:00 UTC`, from a `SystemTime`.
fn utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's
/// `civil_from_days`, which counts in 400-year eras starting in March so
/// that the leap day is the last day of the year.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

fn hours_minutes(d: Duration) -> String {
    let minutes = d.as_secs() / 60;
    format!("{}h {:02}m", minutes / 60, minutes % 60)
}

/// The article's timer object: given a frequency (`period`) and an async
/// function (`job`), it runs `job` once a period until `stop` is closed;
/// returns its run count.
async fn periodic<F, Fut>(
    name: &'static str,
    period: Duration,
    stop: channel::Receiver<()>,
    mut job: F,
) -> (&'static str, u32)
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut ticker = interval(period);
    let mut runs = 0;
    loop {
        corio::select! {
            // `biased;` checks the stop first, so a stopped job never starts
            // one more run.
            biased;
            // `recv` returns `None` once the channel is closed. A closed
            // channel stays closed, so a job that was busy when the stop came
            // still sees it on its next turn. (`Notify::notify_waiters` only
            // wakes tasks waiting at that instant: a busy job would miss it.)
            _ = stop.recv() => break,
            _ = ticker.tick() => {
                runs += 1;
                // A stop waits for the run in progress.
                job(runs).await;
            }
        }
    }
    println!("  {name} stopped after {runs} runs");
    (name, runs)
}

/// Two jobs in a `JoinSet`; closing the channel stops them; the set is
/// joined (bounded) so that nothing outlives the scheduler.
async fn clean_stop() -> Vec<(&'static str, u32)> {
    let (stop_tx, stop_rx) = channel::bounded::<()>(1);
    let mut jobs = JoinSet::new();
    // The job's work: 5 ms of waiting, as a short request would take.
    async fn cleanup(_run: u32) {
        sleep(Duration::from_millis(5)).await;
    }
    jobs.spawn(periodic(
        "heartbeat (every 20ms)",
        Duration::from_millis(20),
        stop_rx.clone(),
        |_run| sleep(Duration::from_millis(5)),
    ));
    jobs.spawn(periodic(
        "cleanup (every 50ms)",
        Duration::from_millis(50),
        stop_rx,
        cleanup,
    ));

    // Let the jobs run for a while (in a service: until ctrl-c).
    sleep(Duration::from_millis(120)).await;
    println!("  stopping");
    stop_tx.close();

    // One bound for the whole drain, not one per job; whatever is still
    // running after it is aborted, not waited for.
    let mut stopped = Vec::new();
    let drained = timeout(Duration::from_secs(5), async {
        while let Some(joined) = jobs.join_next().await {
            stopped.push(joined.expect("no job panics"));
        }
    })
    .await;
    if drained.is_err() {
        println!("  some jobs did not stop within 5s: aborting them");
        jobs.shutdown().await;
    }
    stopped.sort();
    stopped
}

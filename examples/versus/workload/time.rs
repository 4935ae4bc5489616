//! Timer rows: the churn of timeouts that never fire, and how late sleeps
//! wake.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::Workload;
use super::contender::Contender;
use super::signal::Countdown;

/// 100,000 x `timeout(10 s, yield once)`: each timeout arms a timer, the
/// inner future yields once and completes, and the timer is cancelled
/// unfired. The timeouts run in 100 tasks of 1,000 each, so both workers
/// insert and cancel at once.
pub struct TimerChurn;

const CHURN_TASKS: u64 = 100;
const TIMEOUTS_PER_TASK: u64 = 1_000;

impl Workload for TimerChurn {
    const NAME: &'static str = "timer_churn";
    const OPS: u64 = CHURN_TASKS * TIMEOUTS_PER_TASK;

    fn run<C: Contender>(rt: &C) {
        rt.run_inside(async {
            let countdown = Countdown::new(CHURN_TASKS as usize);
            for _ in 0..CHURN_TASKS {
                let countdown = countdown.clone();
                C::spawn(async move {
                    for _ in 0..TIMEOUTS_PER_TASK {
                        let fired = C::timeout(Duration::from_secs(10), C::yield_now()).await;
                        assert!(fired.is_some(), "a 10 s timeout fired");
                    }
                    countdown.tick();
                });
            }
            countdown.done().wait().await;
        });
    }
}

/// 10,000 sleeps of 1 to 50 ms (`1 + i % 50`), spawned at once from inside
/// the runtime. Each task takes its deadline when it first runs, sleeps
/// until it, and reads `std::time::Instant::now()` as soon as the sleep
/// returns: the difference is how late the runtime woke it.
pub struct Timers;

/// How late the sleeps of one [`Timers::lateness`] run woke.
pub struct Lateness {
    pub mean: Duration,
    pub p99: Duration,
}

impl Timers {
    /// The criterion group's name.
    pub const NAME: &'static str = "timers";
    /// Sleeps a run spawns.
    pub const SLEEPS: usize = 10_000;

    /// Runs the sleeps once on `rt` and measures their lateness.
    pub fn lateness<C: Contender>(rt: &C) -> Lateness {
        let late: Arc<[AtomicU64]> = (0..Self::SLEEPS).map(|_| AtomicU64::new(0)).collect();
        let slots = late.clone();
        rt.run_inside(async move {
            let countdown = Countdown::new(Self::SLEEPS);
            for i in 0..Self::SLEEPS {
                let countdown = countdown.clone();
                let slots = slots.clone();
                C::spawn(async move {
                    let deadline = Instant::now() + Duration::from_millis(1 + i as u64 % 50);
                    C::sleep_until(deadline).await;
                    let late = Instant::now().saturating_duration_since(deadline);
                    slots[i].store(late.as_nanos() as u64, Ordering::Relaxed);
                    countdown.tick();
                });
            }
            countdown.done().wait().await;
        });
        let mut late: Vec<u64> = late.iter().map(|ns| ns.load(Ordering::Relaxed)).collect();
        late.sort_unstable();
        Lateness {
            mean: Duration::from_nanos(late.iter().sum::<u64>() / late.len() as u64),
            // The nearest-rank percentile: the value 99 % of the sleeps reach.
            p99: Duration::from_nanos(late[(late.len() * 99).div_ceil(100) - 1]),
        }
    }
}

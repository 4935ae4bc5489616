//! Synchronisation rows: channels and a contended semaphore, the shapes of
//! tokio's `benches/sync_mpsc.rs` and `benches/sync_semaphore.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Workload;
use super::contender::{Channel, Contender, Semaphore};
use super::signal::Countdown;

/// Room in the channel rows' channels.
const CAPACITY: usize = 1_024;

/// One producer task sends 100,000 `u64` through a bounded channel of
/// capacity 1,024 to one consumer task; figures are per message. (The
/// performance table says 1,000,000 messages: a tenth per run keeps a
/// sample short, and the per-message figure is the same.)
pub struct SpscChannel;

impl Workload for SpscChannel {
    const NAME: &'static str = "channel";
    const OPS: u64 = 100_000;

    fn run<C: Contender>(rt: &C) {
        rt.run_inside(async {
            let (tx, mut rx) = C::Channel::bounded(CAPACITY);
            C::spawn(async move {
                for i in 0..Self::OPS {
                    C::Channel::send(&tx, i).await;
                }
            });
            let mut received = 0;
            while C::Channel::recv(&mut rx).await.is_some() {
                received += 1;
            }
            assert_eq!(received, Self::OPS);
        });
    }
}

/// 4 producer tasks x 4 consumer tasks on one bounded channel of capacity
/// 1,024, 100,000 `u64` in all; figures are per message.
pub struct MpmcChannel;

const PRODUCERS: u64 = 4;
const CONSUMERS: usize = 4;

impl Workload for MpmcChannel {
    const NAME: &'static str = "channel_mpmc";
    const OPS: u64 = 100_000;

    fn run<C: Contender>(rt: &C) {
        rt.run_inside(async {
            let (tx, rx) = C::Mpmc::bounded(CAPACITY);
            for _ in 0..PRODUCERS {
                let tx = tx.clone();
                C::spawn(async move {
                    for i in 0..Self::OPS / PRODUCERS {
                        C::Mpmc::send(&tx, i).await;
                    }
                });
            }
            drop(tx);
            let received = Arc::new(AtomicU64::new(0));
            let countdown = Countdown::new(CONSUMERS);
            for _ in 0..CONSUMERS {
                let (mut rx, received, countdown) =
                    (rx.clone(), received.clone(), countdown.clone());
                C::spawn(async move {
                    let mut mine = 0;
                    while C::Mpmc::recv(&mut rx).await.is_some() {
                        mine += 1;
                    }
                    received.fetch_add(mine, Ordering::Relaxed);
                    countdown.tick();
                });
            }
            drop(rx);
            countdown.done().wait().await;
            assert_eq!(received.load(Ordering::Relaxed), Self::OPS);
        });
    }
}

/// 100 tasks share a semaphore of 5 permits, each acquiring it 100 times
/// and yielding once while it holds the permit, so most acquires wait in
/// line and every release hands the permit on; figures are per acquire.
pub struct SemaphoreContention;

const SEMAPHORE_TASKS: u64 = 100;
const ACQUIRES_PER_TASK: u64 = 100;
const PERMITS: usize = 5;

impl Workload for SemaphoreContention {
    const NAME: &'static str = "semaphore";
    const OPS: u64 = SEMAPHORE_TASKS * ACQUIRES_PER_TASK;

    fn run<C: Contender>(rt: &C) {
        rt.run_inside(async {
            let semaphore = Arc::new(C::Semaphore::new(PERMITS));
            let countdown = Countdown::new(SEMAPHORE_TASKS as usize);
            for _ in 0..SEMAPHORE_TASKS {
                let (semaphore, countdown) = (semaphore.clone(), countdown.clone());
                C::spawn(async move {
                    for _ in 0..ACQUIRES_PER_TASK {
                        semaphore.with_permit(C::yield_now()).await;
                    }
                    countdown.tick();
                });
            }
            countdown.done().wait().await;
        });
    }
}

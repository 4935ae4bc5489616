//! Scheduler rows: spawning, yielding and waking, the shapes of tokio's
//! `benches/rt_multi_threaded.rs`.

use std::sync::Arc;

use super::Workload;
use super::contender::{Contender, Oneshot};
use super::signal::{Countdown, Signal};

/// Spawn 10,000 tasks from inside the runtime; each bumps a counter, the
/// last signals; await it.
pub struct SpawnMany;

impl Workload for SpawnMany {
    const NAME: &'static str = "spawn_many";
    const OPS: u64 = 10_000;

    fn run<C: Contender>(rt: &C) {
        rt.run_inside(async {
            let countdown = Countdown::new(Self::OPS as usize);
            for _ in 0..Self::OPS {
                let countdown = countdown.clone();
                C::spawn(async move { countdown.tick() });
            }
            countdown.done().wait().await;
        });
    }
}

/// [`SpawnMany`], spawned from a thread outside the runtime.
pub struct SpawnManyRemote;

impl Workload for SpawnManyRemote {
    const NAME: &'static str = "spawn_many_remote";
    const OPS: u64 = 10_000;
    const SPAWNS_REMOTELY: bool = true;

    fn run<C: Contender>(rt: &C) {
        let countdown = Countdown::new(Self::OPS as usize);
        for _ in 0..Self::OPS {
            let countdown = countdown.clone();
            rt.spawn_remote(async move { countdown.tick() });
        }
        rt.wait(countdown.done());
    }
}

/// 200 tasks x 1,000 `yield_now`.
pub struct YieldMany;

const YIELD_TASKS: u64 = 200;
const YIELDS_PER_TASK: u64 = 1_000;

impl Workload for YieldMany {
    const NAME: &'static str = "yield_many";
    const OPS: u64 = YIELD_TASKS * YIELDS_PER_TASK;

    fn run<C: Contender>(rt: &C) {
        rt.run_inside(async {
            let countdown = Countdown::new(YIELD_TASKS as usize);
            for _ in 0..YIELD_TASKS {
                let countdown = countdown.clone();
                C::spawn(async move {
                    for _ in 0..YIELDS_PER_TASK {
                        C::yield_now().await;
                    }
                    countdown.tick();
                });
            }
            countdown.done().wait().await;
        });
    }
}

/// 1,000 x (spawn A, A spawns B, A pings B, B answers A, A answers main),
/// all 1,000 rounds in flight at once.
pub struct PingPong;

impl Workload for PingPong {
    const NAME: &'static str = "ping_pong";
    const OPS: u64 = 1_000;

    fn run<C: Contender>(rt: &C) {
        rt.run_inside(async {
            let countdown = Countdown::new(Self::OPS as usize);
            for _ in 0..Self::OPS {
                let countdown = countdown.clone();
                C::spawn(async move {
                    let (ping, pinged) = C::Oneshot::channel();
                    let (pong, ponged) = C::Oneshot::channel();
                    C::spawn(async move {
                        C::Oneshot::recv(pinged).await;
                        C::Oneshot::send(pong);
                    });
                    C::Oneshot::send(ping);
                    C::Oneshot::recv(ponged).await;
                    countdown.tick();
                });
            }
            countdown.done().wait().await;
        });
    }
}

/// A chain of 1,000 tasks, each spawning the next; the last signals.
pub struct ChainedSpawn;

impl Workload for ChainedSpawn {
    const NAME: &'static str = "chained_spawn";
    const OPS: u64 = 1_000;

    fn run<C: Contender>(rt: &C) {
        /// Spawns link `n` of the chain; link 0 signals instead.
        fn link<C: Contender>(done: Arc<Signal>, n: u64) {
            if n == 0 {
                done.notify();
            } else {
                C::spawn(async move { link::<C>(done, n - 1) });
            }
        }

        rt.run_inside(async {
            let done = Arc::new(Signal::default());
            link::<C>(done.clone(), Self::OPS);
            done.wait().await;
        });
    }
}

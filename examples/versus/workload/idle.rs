//! Idle tasks: many tasks parked on a oneshot, the shape of a server with
//! many quiet connections. `versus` weighs them (peak RSS of a child
//! process); the criterion group times their life (spawn, park, wake,
//! finish).

use std::sync::Arc;

use super::Workload;
use super::contender::{Contender, Oneshot};
use super::signal::Countdown;

/// Spawns tasks from outside the runtime, each of which parks on its own
/// oneshot; the handles and senders are kept.
pub struct IdleTasks;

/// Tasks parked by [`IdleTasks::park`], with what it takes to end them.
pub struct Parked<C: Contender> {
    tasks: Vec<C::Task>,
    senders: Vec<<C::Oneshot as Oneshot>::Sender>,
    finished: Arc<Countdown>,
}

impl IdleTasks {
    /// Spawns `n` tasks and returns once every one has parked on its
    /// oneshot. Each task also holds two counters (16 bytes, the same in
    /// every column) to say it has parked and, later, finished.
    pub fn park<C: Contender>(rt: &C, n: usize) -> Parked<C> {
        let parked = Countdown::new(n);
        let finished = Countdown::new(n);
        let mut tasks = Vec::with_capacity(n);
        let mut senders = Vec::with_capacity(n);
        for _ in 0..n {
            let (tx, rx) = C::Oneshot::channel();
            let (parked, finished) = (parked.clone(), finished.clone());
            tasks.push(rt.spawn_kept(async move {
                parked.tick();
                C::Oneshot::recv(rx).await;
                finished.tick();
            }));
            senders.push(tx);
        }
        rt.wait(parked.done());
        Parked {
            tasks,
            senders,
            finished,
        }
    }
}

impl<C: Contender> Parked<C> {
    /// Wakes every task and waits until all have finished.
    pub fn release(self, rt: &C) {
        for tx in self.senders {
            C::Oneshot::send(tx);
        }
        rt.wait(self.finished.done());
        drop(self.tasks);
    }
}

impl Workload for IdleTasks {
    const NAME: &'static str = "idle_tasks";
    const OPS: u64 = 100_000;

    fn run<C: Contender>(rt: &C) {
        Self::park(rt, Self::OPS as usize).release(rt);
    }
}

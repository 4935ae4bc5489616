//! Building `RuntimeMetrics` from the scheduler's state.

use std::time::Duration;

use super::Shared;
use crate::loom::atomic::Ordering;
use crate::observe::WorkerMetrics;

impl Shared {
    /// One entry per worker.
    pub(crate) fn worker_metrics(&self) -> Vec<WorkerMetrics> {
        self.remotes
            .iter()
            .map(|remote| {
                let stats = &remote.stats;
                WorkerMetrics {
                    local_queue_depth: remote.stealer.len()
                        + usize::from(remote.lifo.is_occupied()),
                    polls: stats.polls.load(Ordering::Relaxed),
                    steals: stats.steals.load(Ordering::Relaxed),
                    parks: stats.parks.load(Ordering::Relaxed),
                    park_unparks: stats.park_unparks.load(Ordering::Relaxed),
                    busy: Duration::from_nanos(stats.busy_ns.load(Ordering::Relaxed)),
                }
            })
            .collect()
    }

    /// Tasks waiting in the injector.
    pub(crate) fn injection_queue_depth(&self) -> usize {
        self.injector.len()
    }
}

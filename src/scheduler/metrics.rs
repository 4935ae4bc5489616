//! Building `RuntimeMetrics` and the task dump from the scheduler's state.

use std::time::Duration;

use super::Shared;
use crate::loom::atomic::Ordering;
use crate::observe::{TaskDump, WorkerMetrics, clock};

impl Shared {
    /// One entry per worker.
    pub(crate) fn worker_metrics(&self) -> Vec<WorkerMetrics> {
        self.remotes
            .iter()
            .map(|remote| {
                let stats = &remote.stats;
                let mut m = WorkerMetrics::default();
                m.local_queue_depth = remote.stealer.len() + usize::from(remote.lifo.is_occupied());
                m.polls = stats.polls.load(Ordering::Relaxed);
                m.steals = stats.steals.load(Ordering::Relaxed);
                m.parks = stats.parks.load(Ordering::Relaxed);
                m.busy = Duration::from_nanos(stats.busy_ns.load(Ordering::Relaxed));
                m
            })
            .collect()
    }

    /// Tasks waiting in the injector.
    pub(crate) fn injection_queue_depth(&self) -> usize {
        self.injector.len()
    }

    /// Every live task, ordered by id.
    pub(crate) fn dump(&self) -> TaskDump {
        let now = clock::tick();
        let mut tasks = Vec::new();
        self.owned.for_each(|header| tasks.push(header.info(now)));
        tasks.sort_by_key(|t| t.id);
        TaskDump { tasks }
    }
}

//! Observability: seeing inside a running runtime.
//!
//! | what | how it is gathered | cost on the hot path |
//! | --- | --- | --- |
//! | `RuntimeMetrics` | each worker keeps its own counters; a snapshot reads them | a load and a store per poll |
//! | `Handle::dump()` | walks the owned-task list one shard lock at a time | a load and two or three stores per poll (in the task header) |
//! | slow polls | the coarse clock (`clock.rs`) marks poll start and end | two loads of one atomic per poll |
//! | stall watchdog | a monitor thread samples each worker's current poll | two stores per poll (the task id, set and cleared); it reuses the poll count |
//!
//! The chapter `docs/observability.md` compares this with Go's sysmon,
//! asyncio's debug mode and tokio-console.

pub(crate) mod clock;
mod dump;
mod metrics;
mod slow_poll;
mod tokio_names;

pub use dump::{TaskDump, TaskInfo, TaskState};

pub use metrics::{RuntimeMetrics, WorkerMetrics};
pub use slow_poll::SlowPoll;
pub(crate) use slow_poll::{SlowPollHook, to_stderr};

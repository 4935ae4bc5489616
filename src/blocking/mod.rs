//! The blocking pool: threads for work that would stall a worker.
//!
//! A worker must never block: while it sits in a `read(2)` of a file or a
//! second of CPU work, every task queued behind it waits. `spawn_blocking`
//! moves such a closure to a separate pool of threads, and hands back the
//! same `JoinHandle` a task gives (the closure runs as a task whose future
//! finishes in one poll).
//!
//! ```text
//!   spawn_blocking(f) ──► FIFO queue ──► idle thread? wake it
//!                                     └─► none idle and < max? start one
//!   a thread idle for `keep_alive` exits; shutdown waits for running jobs
//!   (not when the runtime is dropped inside an async context)
//! ```
//!
//! Threads are made on demand up to `max_blocking_threads` (512, as tokio),
//! so a burst of file reads gets parallelism and a quiet pool costs nothing.

mod context;
mod pool;

pub(crate) use context::{EnterGuard, asyncify, spawn, try_enter};
// Only files need these three (a `File` must know it has a pool before it
// hands its buffer to a job, its last flush must run at shutdown, and its
// and `ReadDir`'s jobs report their failures as `asyncify` does).
#[cfg(feature = "fs")]
pub(crate) use context::{current, job_failed, try_spawn_mandatory};

pub(crate) use pool::{Config, EnterHook, JobHook, Pool, ThreadHook, WaitingJob, run_thread_hook};

//! Slow-poll reports: a task that holds its worker too long is named.
//!
//! A future that blocks (a `std::thread::sleep`, a CPU-heavy loop, a
//! synchronous file read) stalls every task queued behind it on the same
//! worker. asyncio's debug mode logs "Executing <Task ...> took 0.150
//! seconds"; corio does the same by default, with the task's id, name and
//! spawn location, so the offender can be found from the report alone.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

/// One report of a poll that took longer than the runtime's
/// `slow_poll_threshold`.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
///
/// let last = Arc::new(Mutex::new(None));
/// let sink = last.clone();
/// let runtime = corio::Runtime::builder()
///     .slow_poll_threshold(Some(Duration::from_millis(20)))
///     .on_slow_poll(move |report| *sink.lock().unwrap() = Some(report.clone()))
///     .build()
///     .unwrap();
/// let blocker = async { std::thread::sleep(Duration::from_millis(80)) };
/// let task = corio::task::Builder::new().name("blocker").spawn_on(blocker, runtime.handle());
/// runtime.block_on(task.unwrap()).unwrap();
/// drop(runtime); // the workers are joined: every report is in
/// let report = last.lock().unwrap().take().unwrap();
/// assert_eq!(report.name.as_deref(), Some("blocker"));
/// assert!(report.duration >= Duration::from_millis(20));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SlowPoll {
    /// The task's id, as shown by `Handle::dump`.
    pub task_id: u64,
    /// The task's name, if it was spawned with one.
    pub name: Option<String>,
    /// Where the task was spawned.
    pub location: &'static Location<'static>,
    /// How long the poll had run when it was reported (coarse: see
    /// `docs/observability.md`).
    pub duration: Duration,
    /// The worker that ran it; `None` for a `LocalSet` task polled on a
    /// thread that is no worker of the runtime (inside `block_on`).
    pub worker: Option<usize>,
    /// True if the watchdog caught it while the poll was still running.
    pub ongoing: bool,
}

impl fmt::Display for SlowPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name.as_deref().unwrap_or("<unnamed>");
        let verb = if self.ongoing {
            "has been running for"
        } else {
            "took"
        };
        write!(
            f,
            "corio: slow poll: task {} ({name}) spawned at {} {verb} {:?} ",
            self.task_id, self.location, self.duration
        )?;
        match self.worker {
            Some(worker) => write!(f, "on worker {worker}")?,
            None => write!(f, "outside the workers (a LocalSet inside block_on)")?,
        }
        write!(f, "; blocking code belongs in spawn_blocking")
    }
}

/// Where slow polls are reported.
pub(crate) type SlowPollHook = Arc<dyn Fn(&SlowPoll) + Send + Sync>;

/// The default report: one line on stderr.
pub(crate) fn to_stderr(report: &SlowPoll) {
    eprintln!("{report}");
}

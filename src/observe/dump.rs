//! The task dump: every live task, like `ps` for a runtime.
//!
//! asyncio users call it "task activity monitoring": which tasks exist, what
//! they are doing, and which have been idle for suspiciously long. The dump
//! is gathered without stopping the world: it walks the owned-task list one
//! shard lock at a time (a spawn or completion in that shard waits a moment)
//! and reads each task's atomics, so a busy runtime keeps running while it
//! is taken, and each line is a consistent-enough snapshot of one task.

use std::fmt;
use std::panic::Location;
use std::time::Duration;

/// What a task is doing at the moment of the dump.
///
/// # Examples
///
/// ```
/// use corio::observe::TaskState;
///
/// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     let task = corio::spawn(std::future::pending::<()>());
///     let state = || {
///         let dump = corio::Handle::current().dump();
///         dump.tasks.iter().find(|t| t.id == task.id().as_u64()).unwrap().state
///     };
///     assert_eq!(state(), TaskState::Scheduled, "queued, not polled yet");
///     corio::task::yield_now().await; // the task runs until it waits
///     assert_eq!(state(), TaskState::Idle);
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting for a wake-up (a timer, a socket, a channel...).
    Idle,
    /// Woken and queued, waiting for a worker.
    Scheduled,
    /// Being polled right now.
    Running,
}

/// One line of [`Handle::dump`](crate::Handle::dump).
///
/// # Examples
///
/// ```
/// use corio::observe::TaskState;
///
/// corio::block_on(async {
///     let me = corio::task::Builder::new().name("inspector").spawn(async {
///         let id = corio::task::id().as_u64();
///         corio::Handle::current().dump().tasks.into_iter().find(|t| t.id == id).unwrap()
///     });
///     let info = me.unwrap().await.unwrap();
///     assert_eq!(info.name.as_deref(), Some("inspector"));
///     assert_eq!(info.state, TaskState::Running, "it took the dump itself");
/// });
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id (`JoinHandle::id().as_u64()`).
    pub id: u64,
    /// The task's name, if it was spawned with one.
    pub name: Option<String>,
    /// Where it was spawned.
    pub location: &'static Location<'static>,
    /// What it is doing.
    pub state: TaskState,
    /// How many times it was polled.
    pub polls: u64,
    /// Time spent inside its polls (coarse, see `observe::clock`: polls
    /// shorter than the watchdog's tick may count as zero; with the
    /// watchdog off, `slow_poll_threshold(None)`, even a long poll may,
    /// if nothing else in the process moves the clock meanwhile: another
    /// worker, another runtime's watchdog, a dump).
    pub busy: Duration,
    /// Time since its last poll ended (or since it was spawned), as coarse
    /// as `busy`.
    pub idle_for: Duration,
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:>8} {:<9} {:>8} {:>10.1?} {:>10.1?}  {:<16} {}",
            self.id,
            format!("{:?}", self.state).to_lowercase(),
            self.polls,
            self.busy,
            self.idle_for,
            self.name.as_deref().unwrap_or("-"),
            self.location
        )
    }
}

/// A whole dump; prints as a table, one task a line.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let sleeper = corio::task::Builder::new()
///         .name("sleeper")
///         .spawn(std::future::pending::<()>())
///         .unwrap();
///     let dump = corio::Handle::current().dump();
///     assert!(dump.tasks.iter().any(|t| t.name.as_deref() == Some("sleeper")));
///     let mut named = 0;
///     for task in &dump {
///         named += usize::from(task.name.is_some());
///     }
///     assert!(named >= 1);
///     println!("{dump}");
///     sleeper.abort();
/// });
/// ```
#[derive(Debug, Clone, Default)]
pub struct TaskDump {
    /// The live tasks, ordered by id.
    pub tasks: Vec<TaskInfo>,
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>8} {:<9} {:>8} {:>10} {:>10}  {:<16} spawned at",
            "id", "state", "polls", "busy", "idle for", "name"
        )?;
        for task in &self.tasks {
            writeln!(f, "{task}")?;
        }
        Ok(())
    }
}

/// `for task in handle.dump()`: the live tasks, ordered by id.
impl IntoIterator for TaskDump {
    type Item = TaskInfo;
    type IntoIter = std::vec::IntoIter<TaskInfo>;

    fn into_iter(self) -> Self::IntoIter {
        self.tasks.into_iter()
    }
}

/// `for task in &dump`, keeping the dump.
impl<'a> IntoIterator for &'a TaskDump {
    type Item = &'a TaskInfo;
    type IntoIter = std::slice::Iter<'a, TaskInfo>;

    fn into_iter(self) -> Self::IntoIter {
        self.tasks.iter()
    }
}

/// The plain slice of `TaskInfo`, minus the table: `dump.len()`,
/// `dump[0]`, `dump.iter()` work on the dump itself.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let sleeper = corio::spawn(std::future::pending::<()>());
///     let dump = corio::Handle::current().dump();
///     assert!(!dump.is_empty());
///     assert_eq!(dump[0].id, dump.tasks[0].id);
///     sleeper.abort();
/// });
/// ```
impl std::ops::Deref for TaskDump {
    type Target = [TaskInfo];

    fn deref(&self) -> &[TaskInfo] {
        &self.tasks
    }
}

/// `let tasks: Vec<TaskInfo> = handle.dump().into();`
///
/// # Examples
///
/// ```
/// use corio::observe::TaskInfo;
///
/// corio::block_on(async {
///     let sleeper = corio::spawn(std::future::pending::<()>());
///     let tasks: Vec<TaskInfo> = corio::Handle::current().dump().into();
///     assert!(tasks.iter().any(|task| task.id == sleeper.id().as_u64()));
///     sleeper.abort();
/// });
/// ```
impl From<TaskDump> for Vec<TaskInfo> {
    fn from(dump: TaskDump) -> Vec<TaskInfo> {
        dump.tasks
    }
}

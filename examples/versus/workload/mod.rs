//! The workloads, written once and run on every contender.
//!
//! Shared by `cargo run --example versus` (which times them into a table)
//! and `benches/runtimes.rs` (which hands them to criterion), so both report
//! the same code. A workload is generic over [`Contender`]: the only
//! runtime-specific code is the handful of primitives that trait names
//! (start, spawn from inside, spawn from outside, yield, timers, a oneshot,
//! a channel, a semaphore), one file per runtime. A [`Flavour`] names the
//! three contenders of a table: the multi-thread runtimes, or the
//! current-thread ones.
//!
//! Adding a row: implement [`Workload`] in the file of its group (`sched.rs`
//! for scheduler rows, `time.rs`, `sync.rs`, `net.rs`, `idle.rs`), and if it needs a
//! primitive the contenders don't offer yet, add it to [`Contender`] with
//! one small method per runtime.

mod contender;
mod corio_rt;
mod idle;
mod net;
mod sched;
mod signal;
mod smol_local;
mod smol_rt;
mod sync;
mod time;
mod tokio_rt;

pub use contender::Contender;
#[allow(unused_imports, reason = "used by versus, not by benches/runtimes.rs")]
pub use corio_rt::io_events as corio_io_events;
pub use corio_rt::{Corio, CorioCurrentThread};
pub use idle::IdleTasks;
pub use net::{EchoFigures, TcpEcho};
pub use sched::{ChainedSpawn, PingPong, SpawnMany, SpawnManyRemote, YieldMany};
pub use smol_local::SmolLocal;
pub use smol_rt::Smol;
pub use sync::{MpmcChannel, SemaphoreContention, SpscChannel};
pub use time::{Lateness, TimerChurn, Timers};
pub use tokio_rt::{Tokio, TokioCurrentThread};

/// One benchmark: a fixed amount of work, run to completion on a contender.
pub trait Workload {
    /// The row's and the criterion group's name.
    const NAME: &'static str;
    /// How many operations (tasks, yields, rounds) one [`Workload::run`]
    /// performs; results are quoted per operation.
    const OPS: u64;
    /// Whether the workload measures spawns from outside the runtime.
    const SPAWNS_REMOTELY: bool = false;

    /// Runs the workload once on `rt`, blocking the calling thread (which is
    /// outside the runtime) until it is done.
    fn run<C: Contender>(rt: &C);
}

/// Why `W` cannot run on `C`, if it cannot: the cell is skipped with this
/// note.
pub fn unsupported<W: Workload, C: Contender>() -> Option<&'static str> {
    if W::SPAWNS_REMOTELY {
        C::NO_REMOTE_SPAWN
    } else {
        None
    }
}

/// The three columns of a table.
pub trait Flavour {
    /// How the table is titled.
    const NAME: &'static str;
    type Corio: Contender;
    type Tokio: Contender;
    type Smol: Contender;
}

/// Worker threads: corio's and tokio's multi-thread runtimes, and an
/// `async-executor` run by as many threads.
pub struct MultiThread;

impl Flavour for MultiThread {
    const NAME: &'static str = "multi-thread";
    type Corio = Corio;
    type Tokio = Tokio;
    type Smol = Smol;
}

/// No worker threads: tasks run on the thread that blocks on the runtime
/// (corio's and tokio's current-thread runtimes, smol's `LocalExecutor`).
pub struct CurrentThread;

impl Flavour for CurrentThread {
    const NAME: &'static str = "current-thread";
    type Corio = CorioCurrentThread;
    type Tokio = TokioCurrentThread;
    type Smol = SmolLocal;
}

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

/// A setting read from the environment variable `name`: `None` if it is
/// not set, `Err` (naming the variable) unless it is a positive number.
pub fn positive_var(name: &str) -> Result<Option<usize>, String> {
    parse_positive(name, std::env::var(name))
}

/// [`positive_var`] from the variable as `std::env::var` read it.
fn parse_positive(
    name: &str,
    value: Result<String, std::env::VarError>,
) -> Result<Option<usize>, String> {
    match value {
        Err(std::env::VarError::NotPresent) => Ok(None),
        Ok(value) => match value.parse() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(format!("{name} wants a positive number, not {value:?}")),
        },
        Err(e) => Err(format!("{name}: {e}")),
    }
}

// Paths in full, no `use`: benches/runtimes.rs builds this file under
// `cfg(test)` without a test harness, where imports only a test uses go
// unused.
#[cfg(test)]
mod tests {
    #[test]
    fn a_setting_takes_a_positive_number_and_refuses_the_rest() {
        let parse = |value| super::parse_positive("VERSUS_X", value);
        assert_eq!(parse(Err(std::env::VarError::NotPresent)), Ok(None));
        assert_eq!(parse(Ok("8".into())), Ok(Some(8)));
        for bad in ["0", "-1", "eight", ""] {
            let message = parse(Ok(bad.into())).unwrap_err();
            assert!(message.contains("positive number"), "{bad:?}: {message}");
            assert!(message.starts_with("VERSUS_X "), "{bad:?}: {message}");
        }
        let not_unicode = std::env::VarError::NotUnicode(std::ffi::OsString::from("x"));
        assert!(parse(Err(not_unicode)).unwrap_err().starts_with("VERSUS_X"));
    }
}

//! The workloads, written once and run on every contender.
//!
//! Shared by `cargo run --example versus` (which times them into a table)
//! and `benches/runtimes.rs` (which hands them to criterion), so both report
//! the same code. A workload is generic over [`Contender`]: the only
//! runtime-specific code is the handful of primitives that trait names
//! (start, spawn from inside, spawn from outside, yield), one file per
//! runtime.
//!
//! Adding a row: implement [`Workload`] in the file of its group (`sched.rs`
//! for scheduler rows; `time.rs`, `sync.rs`, `net.rs` for the others), and
//! if it needs a primitive the contenders don't offer yet, add it to
//! [`Contender`] with one small method per runtime.

mod contender;
mod corio_rt;
mod sched;
mod signal;
mod smol_rt;
mod tokio_rt;

pub use contender::Contender;
pub use corio_rt::Corio;
pub use sched::{ChainedSpawn, PingPong, SpawnMany, SpawnManyRemote, YieldMany};
pub use smol_rt::Smol;
pub use tokio_rt::Tokio;

/// One benchmark: a fixed amount of work, run to completion on a contender.
pub trait Workload {
    /// The row's and the criterion group's name.
    const NAME: &'static str;
    /// How many operations (tasks, yields, rounds) one [`Workload::run`]
    /// performs; results are quoted per operation.
    const OPS: u64;

    /// Runs the workload once on `rt`, blocking the calling thread (which is
    /// outside the runtime) until it is done.
    fn run<C: Contender>(rt: &C);
}

//! # corio
//!
//! An async runtime written from scratch to show how one works: a
//! work-stealing thread pool, a hierarchical timer wheel, a reactor over
//! epoll/kqueue, a cooperative budget and a blocking pool. It runs the
//! runtime-agnostic ecosystem (anything written against `std::future`,
//! `futures-core` and `futures-io`), and its names follow tokio's, so a
//! tokio user finds their way.
//!
//! ```
//! let total = corio::block_on(async {
//!     let tasks: Vec<_> = (1..=3).map(|i| corio::spawn(async move { i * 10 })).collect();
//!     let mut total = 0;
//!     for t in tasks {
//!         total += t.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 60);
//! ```
//!
//! Where to start reading: `docs/README.md` gives the order. In short:
//! [`task`] (what a task is), then `scheduler/` (who runs it), then
//! `runtime/` (how it is all assembled).

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod blocking;
mod lock;
mod loom;
mod macros;
mod scheduler;
mod teardown;

#[cfg(feature = "fs")]
pub mod fs;
pub mod io;
pub mod net;
pub mod observe;
pub mod runtime;
#[cfg(feature = "signal")]
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use runtime::{Builder, Handle, Runtime, block_on, spawn, spawn_blocking};
pub use task::JoinHandle;

#[doc(hidden)]
pub use macros::support as __private;

/// The chapter mapping asyncio and Go to corio promises that each of its
/// snippets runs against the real API: `cargo test --doc` holds it to that.
#[cfg(doctest)]
#[doc = include_str!("../docs/from-asyncio-and-go.md")]
struct FromAsyncioAndGo;

/// The tokio porting notes' snippets, likewise.
#[cfg(doctest)]
#[doc = include_str!("../docs/from-tokio.md")]
struct FromTokio;

/// The chapters' snippets, likewise: each one compiles and runs against
/// the API it teaches (a snippet that cannot stand alone is `ignore`d).
#[cfg(doctest)]
mod chapters {
    #[doc = include_str!("../docs/blocking-pool.md")]
    struct BlockingPool;
    #[doc = include_str!("../docs/budget.md")]
    struct Budget;
    #[doc = include_str!("../docs/observability.md")]
    struct Observability;
    #[doc = include_str!("../docs/reactor.md")]
    struct Reactor;
    #[cfg(all(feature = "fs", feature = "signal"))]
    #[doc = include_str!("../docs/signals-and-files.md")]
    struct SignalsAndFiles;
    #[doc = include_str!("../docs/tasks.md")]
    struct Tasks;
    #[doc = include_str!("../docs/timer-wheel.md")]
    struct TimerWheel;
    #[doc = include_str!("../docs/work-stealing.md")]
    struct WorkStealing;
}

/// The README's snippets, compiled and run the same way (with the default
/// features, which they assume).
#[cfg(all(doctest, feature = "fs", feature = "signal"))]
#[doc = include_str!("../README.md")]
struct ReadMe;

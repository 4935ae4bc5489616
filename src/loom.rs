//! The concurrency facade: `loom`'s types under `cfg(loom)`, std's otherwise.
//!
//! Every lock-free state machine in corio imports its atomics, `Arc` and
//! mutexes from here, so that the same code runs under the loom model checker
//! (`RUSTFLAGS="--cfg loom" cargo test --release --lib loom`), which explores
//! every interleaving of a small test, and at full speed in normal builds.

#[cfg(loom)]
pub(crate) use loom::{sync::Arc, sync::atomic, thread};

#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use std::{sync::Arc, sync::atomic, thread};

/// A mutex with parking_lot's signature (`lock()` returns the guard): loom's
/// under `cfg(loom)`, parking_lot's otherwise.
#[cfg(not(loom))]
pub(crate) type Mutex<T> = parking_lot::Mutex<T>;
#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use parking_lot::MutexGuard;

#[cfg(loom)]
pub(crate) use self::loom_mutex::{Mutex, MutexGuard};

#[cfg(loom)]
mod loom_mutex {
    /// loom's mutex behind parking_lot's signature.
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }
    }
}

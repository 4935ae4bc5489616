//! The concurrency facade: `loom`'s types under `cfg(loom)`, std's otherwise.
//!
//! Every lock-free state machine in corio imports its atomics, `Arc` and
//! mutexes from here, so that the same code runs under the loom model checker
//! (`RUSTFLAGS="--cfg loom -C debug-assertions=on" cargo test --release --lib loom`), which explores
//! every interleaving of a small test, and at full speed in normal builds.

#[cfg(loom)]
pub(crate) use loom::{sync::Arc, sync::atomic, thread};

#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use std::{sync::Arc, sync::atomic, thread};

/// A mutex and a condvar with one signature under every cfg (`lock()`
/// returns the guard; a wait takes the guard and gives it back): loom's under
/// `cfg(loom)`, std's through `lock.rs` otherwise.
#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use crate::lock::{Condvar, Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use self::loom_mutex::{Condvar, Mutex, MutexGuard};

#[cfg(loom)]
mod loom_mutex {
    pub(crate) use loom::sync::MutexGuard;

    /// loom's mutex behind `lock.rs`'s signature.
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }

        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock().ok()
        }

        pub(crate) fn get_mut(&mut self) -> &mut T {
            self.0.get_mut().unwrap()
        }
    }

    /// loom's condvar behind `lock.rs`'s signature.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Condvar(loom::sync::Condvar::new())
        }

        pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(guard).unwrap()
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }
    }
}

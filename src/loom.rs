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

/// A mutex and a condvar with parking_lot's signatures (`lock()` returns the
/// guard, `wait` takes it by `&mut`): loom's under `cfg(loom)`, parking_lot's
/// otherwise.
#[cfg(not(loom))]
pub(crate) type Mutex<T> = parking_lot::Mutex<T>;
#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use parking_lot::{Condvar, MutexGuard};

#[cfg(loom)]
pub(crate) use self::loom_mutex::{Condvar, Mutex, MutexGuard};

#[cfg(loom)]
mod loom_mutex {
    use std::ops::{Deref, DerefMut};

    /// loom's mutex behind parking_lot's signature.
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    /// loom's guard; `None` only inside [`Condvar::wait`], which hands it
    /// to loom's condvar and takes it back.
    pub(crate) struct MutexGuard<'a, T>(Option<loom::sync::MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            MutexGuard(Some(self.0.lock().unwrap()))
        }

        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock().ok().map(|guard| MutexGuard(Some(guard)))
        }

        pub(crate) fn get_mut(&mut self) -> &mut T {
            self.0.get_mut().unwrap()
        }
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;

        fn deref(&self) -> &T {
            self.0.as_ref().expect("guard taken by a wait")
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0.as_mut().expect("guard taken by a wait")
        }
    }

    /// loom's condvar behind parking_lot's signature.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Condvar(loom::sync::Condvar::new())
        }

        pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            let inner = guard.0.take().expect("guard taken by a wait");
            guard.0 = Some(self.0.wait(inner).unwrap());
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }
    }
}

/// Waits on `condvar` while `condition` holds, until `deadline` (`None`: no
/// deadline); true if the condition ended (checked once more at the
/// deadline). The shutdown waits share it: for worker threads, for blocking
/// threads, for the watchdog. loom does not model those, so it takes
/// parking_lot's types under every cfg.
pub(crate) fn wait_while_until<T>(
    condvar: &parking_lot::Condvar,
    guard: &mut parking_lot::MutexGuard<'_, T>,
    deadline: Option<std::time::Instant>,
    mut condition: impl FnMut(&mut T) -> bool,
) -> bool {
    match deadline {
        Some(deadline) => {
            condvar.wait_while_until(guard, &mut condition, deadline);
        }
        None => condvar.wait_while(guard, &mut condition),
    }
    !condition(guard)
}

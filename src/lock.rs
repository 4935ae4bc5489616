//! The blocking locks: std's mutex, condvar and read-write lock, without
//! poisoning.
//!
//! corio holds a blocking lock only for a few instructions (a queue push, a
//! waker swap) and never across an `.await`, so the plain futex locks std
//! has on Linux fit: an uncontended `lock` is one compare-and-swap, an
//! `unlock` one swap. corio used `parking_lot` for them until it measured
//! what that crate and its five dependencies cost a user's clean build:
//! about 0.7 s of a 6.8 s hello world.
//!
//! One thing parking_lot did better shows under contention. std's `lock`
//! spins about a hundred times and then sleeps on the futex, and once a
//! thread sleeps there every `unlock` makes a system call to wake it. With
//! two workers taking the same semaphore's lock in a loop, that made the
//! `semaphore` row of `versus` 1.2-1.3 of tokio's time against 0.8 with
//! parking_lot. So [`Mutex::lock`] keeps parking_lot's patience (its
//! `SpinWait`): three short spins, then seven yields of the CPU, retrying
//! the lock between them, before it falls back to std's wait. The row came
//! back to 0.7-0.84.
//!
//! The wrappers' other difference from std's locks: no poisoning. A panic
//! while a lock is held (a user's waker that panics, say) must not turn
//! every later `lock()` into an error; the state under corio's locks stays
//! consistent at every step a panic can interrupt, so `lock()` takes the
//! guard out of a poisoned result and goes on, as parking_lot's locks and
//! tokio's wrappers of std's locks do.
//!
//! The condvar keeps std's shape, guard in and guard out, which is also
//! loom's (see `loom.rs`): the same waits run under the model checker.

use std::sync::{self, PoisonError};
use std::time::{Duration, Instant};

pub(crate) use std::sync::{MutexGuard, RwLockReadGuard, RwLockWriteGuard};

/// A mutex whose `lock` returns the guard even after a panic under it.
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(sync::Mutex<T>);

impl<T> Mutex<T> {
    pub(crate) const fn new(value: T) -> Self {
        Mutex(sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        match self.try_lock() {
            Some(guard) => guard,
            None => self.lock_contended(),
        }
    }

    /// parking_lot's patience before sleeping (see the module's doc and
    /// [`Patience`]), retrying the lock after each wait; only then std's
    /// `lock`, which spins briefly and sleeps on the futex. A hold of
    /// corio's locks is short, so the holder is usually gone before the
    /// patience runs out, and the waiter never pays the futex's sleep and
    /// wake-up (nor the holder its wake call).
    #[cold]
    fn lock_contended(&self) -> MutexGuard<'_, T> {
        let mut patience = Patience::default();
        while patience.wait() {
            if let Some(guard) = self.try_lock() {
                return guard;
            }
        }
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The guard if nobody holds the lock now (never waits).
    pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        match self.0.try_lock() {
            Ok(guard) => Some(guard),
            Err(sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(sync::TryLockError::WouldBlock) => None,
        }
    }

    // Under loom the facade's own mutex serves every `get_mut` caller.
    #[cfg_attr(loom, allow(dead_code))]
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

/// parking_lot's `SpinWait`: 2, 4 and 8 spins, then seven yields of the
/// CPU. Not generic, so one copy serves every `Mutex<T>` (the loop was
/// once inside `lock_contended` and cost the binary some 8 KB of copies).
#[derive(Default)]
struct Patience {
    round: u32,
}

impl Patience {
    /// Waits a little longer each time; false once patience ran out.
    #[inline(never)]
    fn wait(&mut self) -> bool {
        self.round += 1;
        match self.round {
            round @ 1..=3 => {
                for _ in 0..(1 << round) {
                    std::hint::spin_loop();
                }
                true
            }
            4..=10 => {
                std::thread::yield_now();
                true
            }
            _ => false,
        }
    }
}

/// A condition variable for [`Mutex`]: a wait hands the guard in, sleeps
/// with the lock released, and hands the guard back.
#[derive(Debug, Default)]
pub(crate) struct Condvar(sync::Condvar);

impl Condvar {
    pub(crate) const fn new() -> Self {
        Condvar(sync::Condvar::new())
    }

    /// Sleeps until notified (or a spurious wake-up: callers re-check).
    pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.0.wait(guard).unwrap_or_else(PoisonError::into_inner)
    }

    /// [`wait`](Self::wait) for at most `timeout`; the bool is true if the
    /// time ran out.
    pub(crate) fn wait_for<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T>, bool) {
        let (guard, result) = self
            .0
            .wait_timeout(guard, timeout)
            .unwrap_or_else(PoisonError::into_inner);
        (guard, result.timed_out())
    }

    /// [`wait`](Self::wait) until `deadline`; the bool is true if it passed.
    pub(crate) fn wait_until<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        deadline: Instant,
    ) -> (MutexGuard<'a, T>, bool) {
        let timeout = deadline.saturating_duration_since(Instant::now());
        self.wait_for(guard, timeout)
    }

    pub(crate) fn notify_one(&self) {
        self.0.notify_one();
    }

    pub(crate) fn notify_all(&self) {
        self.0.notify_all();
    }
}

/// Waits on `condvar` while `condition` holds, until `deadline` (`None`: no
/// deadline); the bool is true if the condition ended (checked once more
/// at the deadline). The shutdown waits share it: for worker threads, for
/// blocking threads, for the watchdog.
pub(crate) fn wait_while_until<'a, T>(
    condvar: &Condvar,
    mut guard: MutexGuard<'a, T>,
    deadline: Option<Instant>,
    mut condition: impl FnMut(&mut T) -> bool,
) -> (MutexGuard<'a, T>, bool) {
    while condition(&mut guard) {
        match deadline {
            Some(deadline) => {
                let timed_out;
                (guard, timed_out) = condvar.wait_until(guard, deadline);
                if timed_out {
                    break;
                }
            }
            None => guard = condvar.wait(guard),
        }
    }
    let ended = !condition(&mut guard);
    (guard, ended)
}

/// A read-write lock whose guards come back even after a panic under it
/// (`sync::watch` keeps its value in one).
#[derive(Debug, Default)]
pub(crate) struct RwLock<T>(sync::RwLock<T>);

impl<T> RwLock<T> {
    pub(crate) const fn new(value: T) -> Self {
        RwLock(sync::RwLock::new(value))
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// A read guard if no writer holds the lock now (never waits).
    pub(crate) fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        match self.0.try_read() {
            Ok(guard) => Some(guard),
            Err(sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(sync::TryLockError::WouldBlock) => None,
        }
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn patience_is_three_spins_and_seven_yields() {
        let mut patience = Patience::default();
        let waits = std::iter::from_fn(|| patience.wait().then_some(())).count();
        assert_eq!(waits, 10);
        assert!(!patience.wait(), "patience stays spent");
    }

    #[test]
    fn a_panic_under_the_lock_does_not_poison_it() {
        let mutex = Arc::new(Mutex::new(1));
        let shared = mutex.clone();
        let result = std::thread::spawn(move || {
            let _guard = shared.lock();
            panic!("a panic while the lock is held");
        })
        .join();
        assert!(result.is_err());
        *mutex.lock() += 1;
        assert_eq!(*mutex.try_lock().expect("free"), 2);
    }

    #[test]
    fn threads_counting_under_the_lock_lose_no_increment() {
        // Enough rounds that the threads meet at the lock and take the
        // contended path (spins, yields, then std's futex wait).
        let rounds = if cfg!(miri) { 200 } else { 100_000 };
        let counter = Arc::new(Mutex::new(0_u64));
        let (done, finished) = std::sync::mpsc::channel();
        for _ in 0..3 {
            let (counter, done) = (counter.clone(), done.clone());
            std::thread::spawn(move || {
                for _ in 0..rounds {
                    let mut count = counter.lock();
                    let seen = *count;
                    std::hint::spin_loop();
                    *count = seen + 1;
                }
                done.send(()).unwrap();
            });
        }
        // A thread stuck at the lock fails the test instead of hanging it.
        let patience = Duration::from_secs(if cfg!(miri) { 600 } else { 30 });
        for _ in 0..3 {
            finished
                .recv_timeout(patience)
                .expect("a thread is stuck at the lock");
        }
        assert_eq!(*counter.lock(), 3 * rounds);
    }

    #[test]
    fn try_lock_says_none_while_the_lock_is_held() {
        let mutex = Mutex::new(());
        let held = mutex.lock();
        assert!(mutex.try_lock().is_none());
        drop(held);
        assert!(mutex.try_lock().is_some());
    }

    #[test]
    fn wait_while_until_reports_a_deadline_that_passed() {
        let condvar = Condvar::new();
        let mutex = Mutex::new(true);
        let deadline = Instant::now() + Duration::from_millis(5);
        let (guard, ended) = wait_while_until(&condvar, mutex.lock(), Some(deadline), |b| *b);
        assert!(!ended);
        assert!(Instant::now() >= deadline);
        drop(guard);
    }

    /// The setter is spawned while this thread holds the lock, so it can
    /// set the flag only once the wait has let the lock go: the notify
    /// must wake a thread that is already waiting, and well before the
    /// deadline (a wait that slept to the deadline would also find the
    /// flag set at its last look, and report it ended).
    #[test]
    fn wait_while_until_returns_once_another_thread_ends_the_condition() {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let other = pair.clone();
        let start = Instant::now();
        let held = pair.0.lock();
        let setter = std::thread::spawn(move || {
            *other.0.lock() = true;
            other.1.notify_all();
        });
        let deadline = start + Duration::from_secs(60);
        let (guard, ended) = wait_while_until(&pair.1, held, Some(deadline), |b| !*b);
        assert!(ended && *guard);
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "woken by the deadline, not by the notify"
        );
        drop(guard);
        setter.join().unwrap();
    }

    #[test]
    fn a_poisoned_read_write_lock_still_reads_and_writes() {
        let lock = Arc::new(RwLock::new(0));
        let shared = lock.clone();
        let result = std::thread::spawn(move || {
            let _guard = shared.write();
            panic!("a panic while the write lock is held");
        })
        .join();
        assert!(result.is_err());
        *lock.write() = 5;
        assert_eq!(*lock.read(), 5);
    }
}

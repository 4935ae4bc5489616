//! loom models of how a worker goes to sleep and is woken.
//!
//! Whichever way a worker sleeps (in the driver or on its condvar) and however
//! `unpark` interleaves with `park`, a worker waiting for work queued before
//! an `unpark` wakes up; and a task queued while a worker parks is never left
//! with nobody awake to run it. A lost wake-up here would hang the runtime;
//! loom reports it as a deadlock. The accounting of `idle.rs` has its own
//! model there.
//!
//! Run with `RUSTFLAGS="--cfg loom -C debug-assertions=on" cargo test --release --lib loom`.

use std::time::Duration;

use super::Driver;
use super::idle::Idle;
use super::park::{DriverLock, Parker};
use crate::loom::atomic::{AtomicBool, Ordering};
use crate::loom::{Arc, Condvar, Mutex, thread};

/// A driver that sleeps until `unpark`, which it remembers if nobody
/// sleeps yet, as the eventfd the real driver waits on does.
#[derive(Default)]
struct EventFd {
    signalled: Mutex<bool>,
    condvar: Condvar,
}

impl Driver for EventFd {
    fn park(&self, timeout: Option<Duration>) {
        let mut signalled = self.signalled.lock();
        if timeout == Some(Duration::ZERO) {
            *signalled = false;
            return;
        }
        while !*signalled {
            signalled = self.condvar.wait(signalled);
        }
        *signalled = false;
    }

    fn unpark(&self) {
        *self.signalled.lock() = true;
        self.condvar.notify_one();
    }
}

/// What a worker and the runtime share: the driver and its lock.
#[derive(Default)]
struct Shared {
    driver_lock: DriverLock,
    driver: EventFd,
}

/// A worker with its parker and the flag its waker sets.
struct Worker {
    parker: Parker,
    work: AtomicBool,
}

impl Worker {
    fn new() -> Arc<Worker> {
        Arc::new(Worker {
            parker: Parker::new(),
            work: AtomicBool::new(false),
        })
    }

    /// The worker loop's shape: park until there is work (a park may
    /// return early; the loop checks again).
    fn wait_for_work(&self, shared: &Shared) {
        while !self.work.load(Ordering::Acquire) {
            self.parker.park(&shared.driver_lock, &shared.driver, false);
        }
    }

    /// What a producer does: queue the work, then wake the worker.
    fn give_work(&self, shared: &Shared) {
        self.work.store(true, Ordering::Release);
        self.parker.unpark(&shared.driver);
    }
}

#[test]
fn loom_unpark_wakes_a_worker_in_the_driver() {
    loom::model(|| {
        let shared = Arc::new(Shared::default());
        let worker = Worker::new();
        let producer = {
            let (shared, worker) = (shared.clone(), worker.clone());
            thread::spawn(move || worker.give_work(&shared))
        };
        worker.wait_for_work(&shared);
        producer.join().unwrap();
    });
}

#[test]
fn loom_unpark_wakes_a_worker_on_its_condvar() {
    loom::model(|| {
        let shared = Arc::new(Shared::default());
        let worker = Worker::new();
        // Another worker holds the driver, so this one finds it taken
        // and sleeps on its condvar.
        let held = shared.driver_lock.lock.lock();
        let parked = {
            let (shared, worker) = (shared.clone(), worker.clone());
            thread::spawn(move || worker.wait_for_work(&shared))
        };
        worker.give_work(&shared);
        drop(held);
        parked.join().unwrap();
    });
}

/// A stale `unpark` (one whose work the worker already took) lands just
/// before the worker's park, so its compare-and-swap to "parked" fails;
/// a second `unpark`, with work, finds the word already notified. The
/// worker must read the word as it clears it: a plain store would not
/// synchronize with the second `unpark`, and the worker could miss its
/// work and sleep for good. Once with the driver taken (the worker parks
/// on its condvar), once free (it parks in the driver).
fn a_second_unpark_during_a_failed_park(driver_taken: bool) {
    loom::model(move || {
        let shared = Arc::new(Shared::default());
        let worker = Worker::new();
        let held = driver_taken.then(|| shared.driver_lock.lock.lock());
        let parked = {
            let (shared, worker) = (shared.clone(), worker.clone());
            thread::spawn(move || worker.wait_for_work(&shared))
        };
        let stale = {
            let (shared, worker) = (shared.clone(), worker.clone());
            thread::spawn(move || worker.parker.unpark(&shared.driver))
        };
        worker.give_work(&shared);
        stale.join().unwrap();
        drop(held);
        parked.join().unwrap();
    });
}

#[test]
fn loom_a_second_unpark_during_a_failed_park_on_the_condvar_is_not_lost() {
    a_second_unpark_during_a_failed_park(true);
}

#[test]
fn loom_a_second_unpark_during_a_failed_park_in_the_driver_is_not_lost() {
    a_second_unpark_during_a_failed_park(false);
}

#[test]
fn loom_two_workers_share_the_driver_and_both_wake() {
    loom::model(|| {
        let shared = Arc::new(Shared::default());
        let (first, second) = (Worker::new(), Worker::new());
        let threads: Vec<_> = [first.clone(), second.clone()]
            .into_iter()
            .map(|worker| {
                let shared = shared.clone();
                thread::spawn(move || worker.wait_for_work(&shared))
            })
            .collect();
        first.give_work(&shared);
        second.give_work(&shared);
        for thread in threads {
            thread.join().unwrap();
        }
    });
}

#[test]
fn loom_a_task_queued_while_a_worker_parks_wakes_it_or_is_seen() {
    // Worker 1 is running (counted unparked) and queues a task; worker 0
    // runs out of work and goes to sleep by the steps of `park_until`:
    // join the sleepers, fence, check the queues once more, park, and
    // after each park ask whether a notifier took it off the list.
    loom::model(|| {
        let shared = Arc::new(Shared::default());
        let idle = Arc::new(Idle::new(2));
        let sleeper = Worker::new();
        let producer = {
            let (shared, idle, sleeper) = (shared.clone(), idle.clone(), sleeper.clone());
            thread::spawn(move || {
                sleeper.work.store(true, Ordering::Release);
                if let Some(index) = idle.worker_to_notify() {
                    assert_eq!(index, 0, "only worker 0 sleeps");
                    sleeper.parker.unpark(&shared.driver);
                }
            })
        };
        idle.transition_worker_to_parked(0, false);
        crate::loom::atomic::fence(Ordering::SeqCst);
        let notified = loop {
            if sleeper.work.load(Ordering::Acquire) {
                // The final check saw the task. Leave the list on our own,
                // unless a notifier beat us to it.
                break !idle.unpark_worker_by_id(0);
            }
            sleeper
                .parker
                .park(&shared.driver_lock, &shared.driver, false);
            if !idle.is_parked(0) {
                break true;
            }
        };
        producer.join().unwrap();
        // Awake either way, and counted as searching exactly when a
        // notifier woke us.
        assert!(!idle.is_parked(0));
        assert_eq!(idle.num_searching(), usize::from(notified));
    });
}

/// A driver whose every wait ends at once: a timer is due. It counts its
/// turns, so that a turn is a step loom can interleave with others (the
/// real one makes system calls there).
#[derive(Default)]
struct TimerDue {
    turns: crate::loom::atomic::AtomicUsize,
}

impl Driver for TimerDue {
    fn park(&self, _timeout: Option<Duration>) {
        self.turns.fetch_add(1, Ordering::Relaxed);
    }

    fn unpark(&self) {}
}

#[test]
fn loom_a_driver_check_never_leaves_a_parking_worker_off_the_driver() {
    // Worker 0 is busy and checks the driver without blocking (every
    // `event_interval` polls) while worker 1 runs out of work and parks,
    // with a timer due. Worker 1 must end up in the driver (and fire the
    // timer) or be woken to take it: asleep on its condvar with the driver
    // free, the timer would wait for worker 0's next check.
    loom::model(|| {
        let idle = Arc::new(Idle::new(2));
        let driver_lock = Arc::new(DriverLock::default());
        let driver = Arc::new(TimerDue::default());
        let sleeper = Worker::new();
        let parking = {
            let (idle, driver_lock, driver, sleeper) = (
                idle.clone(),
                driver_lock.clone(),
                driver.clone(),
                sleeper.clone(),
            );
            thread::spawn(move || {
                idle.transition_worker_to_parked(1, false);
                crate::loom::atomic::fence(Ordering::SeqCst);
                loop {
                    if sleeper.parker.park(&driver_lock, &*driver, false) {
                        return; // in the driver: the timer fired
                    }
                    if !idle.is_parked(1) {
                        return; // woken to search; it will park again
                    }
                }
            })
        };
        // Worker 0's check, as `worker::Context::poll_driver` makes it.
        if Parker::poll_driver(&driver_lock, &*driver)
            && let Some(index) = idle.worker_to_notify()
        {
            assert_eq!(index, 1);
            sleeper.parker.unpark(&*driver);
        }
        parking.join().unwrap();
    });
}

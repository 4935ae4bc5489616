//! The wakers of every waiting `Signal`, so that one drain of the self-pipe
//! reaches all of them.
//!
//! Each runtime waits for the self-pipe to become readable through one
//! reactor registration, shared by its listeners (`pipe.rs`), which wakes
//! them all through the fan-out waker below. Whichever listener runs first
//! drains the pipe, and with it the readiness other runtimes' registrations
//! were waiting for: a runtime whose event had not been reported yet would
//! never hear about the signal. So the rule is **whoever drains the pipe
//! wakes every other listener**, and each one then compares the delivery
//! counters itself:
//!
//! ```text
//!   Signal A (SIGINT)    ─ poll: register waker, counters unchanged, pipe readable
//!                          ─► drain ─► wake_others(A) ─┬─► Signal B (SIGINT)  rechecks: delivered
//!                                                      └─► Signal C (SIGTERM) rechecks: nothing, waits
//! ```
//!
//! Waking listeners of other signals is a spurious wake-up, cheap, and as
//! rare as signals (and a runtime's shutdown, or the end of its last
//! listener, which wake its registration's waiters); in exchange, the list needs no knowledge of signal numbers and
//! a full pipe (whose dropped byte would not say which signal came) cannot
//! lose a wake-up.

use std::sync::{Arc, LazyLock};
use std::task::{Wake, Waker};

use crate::lock::Mutex;
use slab::Slab;

/// The waker of each live `Signal`, `None` until it first waits (or after it
/// was woken, or its `recv` returned).
static WAITING: Mutex<Slab<Option<Waker>>> = Mutex::new(Slab::new());

/// Held by each unit test that registers listeners or uses the self-pipe:
/// the list above and the pipe are the whole process's, and a drain in one
/// test wakes the others' wakers.
#[cfg(test)]
pub(super) static TESTS_SHARE_THE_LIST: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Takes the tests' turn, and empties the self-pipe of what a test before
/// left in it, whichever order the tests run in.
#[cfg(test)]
pub(super) fn serial() -> std::sync::MutexGuard<'static, ()> {
    let turn = TESTS_SHARE_THE_LIST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    super::handler::empty_the_pipe_for_tests();
    turn
}

/// One `Signal`'s slot in the list; removed on drop.
pub(super) struct Listener {
    key: usize,
}

impl Listener {
    pub(super) fn new() -> Listener {
        Listener {
            key: WAITING.lock().insert(None),
        }
    }

    /// Stores the waker to wake on the next drain, replacing the previous one.
    pub(super) fn register(&self, waker: &Waker) {
        let mut waiting = WAITING.lock();
        let slot = &mut waiting[self.key];
        let replaced = match slot {
            Some(current) if current.will_wake(waker) => None,
            _ => slot.replace(waker.clone()),
        };
        // Dropped outside the lock, as a waker's drop may run any code.
        drop(waiting);
        drop(replaced);
    }

    /// Forgets the stored waker: its `recv` returned, and a later drain
    /// must not wake that caller for nothing.
    pub(super) fn clear(&self) {
        let gone = WAITING.lock()[self.key].take();
        // Dropped outside the lock, as a waker's drop may run any code.
        drop(gone);
    }

    /// Whether a waker is stored.
    #[cfg(test)]
    pub(super) fn is_waiting(&self) -> bool {
        WAITING.lock()[self.key].is_some()
    }

    /// Wakes every listener but this one (which is running already).
    pub(super) fn wake_others(&self) {
        wake_all_but(Some(self.key));
    }
}

/// The waker a runtime's shared registration of the pipe holds (see
/// `pipe.rs`): it wakes every waiting listener, whichever of them last
/// polled the registration, and whether or not that one still exists.
pub(super) fn fan_out() -> &'static Waker {
    struct FanOut;

    impl Wake for FanOut {
        fn wake(self: Arc<Self>) {
            wake_all_but(None);
        }

        fn wake_by_ref(self: &Arc<Self>) {
            wake_all_but(None);
        }
    }

    static FAN_OUT: LazyLock<Waker> = LazyLock::new(|| Waker::from(Arc::new(FanOut)));
    &FAN_OUT
}

/// Wakes every waiting listener but `running`'s (if any).
fn wake_all_but(running: Option<usize>) {
    let woken: Vec<Waker> = WAITING
        .lock()
        .iter_mut()
        .filter(|(key, _)| Some(*key) != running)
        .filter_map(|(_, slot)| slot.take())
        .collect();
    // Outside the lock: a waker may run arbitrary code, even poll a
    // `Signal` and so take the lock again. A panicking one (a foreign
    // executor's) must not keep the rest from their wake: their slots
    // are empty and the pipe drained, so nothing would wake them again.
    woken
        .into_iter()
        .for_each(crate::task::wake_catching_panics);
}

impl Drop for Listener {
    fn drop(&mut self) {
        // A `let`: the guard (a temporary) goes at the end of the statement,
        // the waker after it, catching a panic (maybe during an unwind).
        let gone = WAITING.lock().remove(self.key);
        crate::task::drop_waker_catching_panics(gone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_drain_wakes_the_others_once_each_and_not_itself() {
        let _serial = serial();
        let counts: Vec<_> = (0..3)
            .map(|_| Arc::new(Count(AtomicUsize::new(0))))
            .collect();
        let listeners: Vec<_> = (0..3).map(|_| Listener::new()).collect();
        for (listener, count) in listeners.iter().zip(&counts) {
            listener.register(&Waker::from(count.clone()));
        }
        listeners[0].wake_others();
        // A second drain finds no waker until the woken listeners poll again.
        listeners[0].wake_others();
        let woken: Vec<_> = counts.iter().map(|c| c.0.load(Ordering::SeqCst)).collect();
        assert_eq!(woken, [0, 1, 1]);
    }

    struct Panics;

    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("a foreign executor's waker panics");
        }
    }

    #[test]
    fn a_panicking_waker_does_not_keep_the_others_asleep() {
        let _serial = serial();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let mut listeners: Vec<_> = (0..3).map(|_| Listener::new()).collect();
        // A drain wakes in key order, and the slab hands out the keys a
        // test before freed last-first: sorted, the panicking waker is
        // sure to go first and the counting one after it.
        listeners.sort_by_key(|listener| listener.key);
        listeners[0].register(&Waker::from(Arc::new(Panics)));
        listeners[2].register(&Waker::from(count.clone()));
        let drained = std::panic::catch_unwind(|| listeners[1].wake_others());
        assert!(
            drained.is_ok(),
            "the waker's panic is the waker's, not the drain's"
        );
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            1,
            "the listener after it is woken"
        );
    }

    /// A waker whose drop takes the listener list's lock (by making and
    /// dropping a listener), and says so.
    struct CallsBack(std::sync::mpsc::Sender<()>);

    impl Wake for CallsBack {
        fn wake(self: Arc<Self>) {}
    }

    impl Drop for CallsBack {
        fn drop(&mut self) {
            drop(Listener::new());
            let _ = self.0.send(());
        }
    }

    #[test]
    fn a_waker_let_go_of_is_dropped_outside_the_lock() {
        let _serial = serial();
        let (said, heard) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let listener = Listener::new();
            // Replaced by another task's waker: its last reference goes.
            listener.register(&Waker::from(Arc::new(CallsBack(said.clone()))));
            listener.register(Waker::noop());
            // Dropped with its listener.
            let other = Listener::new();
            other.register(&Waker::from(Arc::new(CallsBack(said))));
            drop(other);
        });
        // The lock is not re-entrant: under it, either drop would hang, and
        // hold the process-wide list's lock for good, which would hang every
        // other test that makes a listener. So a hang ends the test binary
        // with a message instead of failing this test alone.
        for which in ["replaced", "removed"] {
            let limit = std::time::Duration::from_secs(20);
            if heard.recv_timeout(limit).is_err() {
                eprintln!("the {which} waker's drop hung on the listener list's lock");
                std::process::abort();
            }
        }
    }
}

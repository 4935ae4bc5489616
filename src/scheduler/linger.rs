//! Lingering awake after work from outside the runtime, and giving it up
//! where it catches nothing.
//!
//! A thread outside the workers (the program's main thread, a `Handle`
//! user, a blocking-pool thread) that hands a task in and waits for its
//! answer usually sends the next task soon after the answer reaches it. By
//! then the worker that ran the task has run dry, and if it is asleep the
//! next task pays a wake-up: onto a CPU that has been idle for a while
//! that costs 30-40 µs on the virtual machines these figures come from, the
//! time of about 250 spawns. So the first worker to park after such work
//! stays awake up to [`LINGER`] first, offering its CPU (`offer.rs`, a
//! `sched_yield` a turn) and looking for an `unpark` after each yield.
//!
//! ```text
//!   outside thread:  spawn ──► wait ─────────────(wake-up)──► spawn ──► ...
//!   worker:          run ── run dry ── linger ··········· caught: run
//!                                      (no sleep, no wake-up to pay)
//! ```
//!
//! In the `chained_spawn` row of `versus` (an outside thread spawns a
//! chain of 1,000 tasks and waits for its end, over and over) that took
//! two workers from 160-210 ns a spawn to 130-145 (a linger of 60 µs gave
//! about 170, of 100 µs about 145: the waiting thread's turnaround, its
//! own wake-up included, often takes more than 60).
//!
//! Lingering spends CPU time, so a thread that keeps lingering for nothing
//! backs off: after a linger that caught no `unpark` it skips the next one,
//! after two in a row the next three, and so on up to 63 (a program that
//! hands a task in every few milliseconds pays about one linger in 64).
//! One that catches work lingers every time again. Go's scheduler keeps
//! idle threads spinning for work in the same spirit, for a shorter while.
//! Like the yields before every sleep, a lingering thread stops while the
//! machine is busy with other processes (`offer.rs` pauses the offers).
//! Its price besides the CPU time: a lingering worker does not wait in the
//! driver, so when no other worker does, a timer or socket that comes due
//! meanwhile waits for the linger's end: up to [`LINGER`] late, plus the
//! last yield (a time slice, on a machine busy enough to pause the offers
//! soon after).
//!
//! The thread that queued the work never lingers for it: on a
//! current-thread runtime the thread that spawns and then calls
//! `block_on` is the one that parks, and nothing would end its linger
//! early.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::offer;

/// How long a worker stays awake after work from outside before it sleeps.
pub(super) const LINGER: Duration = Duration::from_micros(200);

/// The longest back-off: a thread whose lingers keep catching nothing
/// lingers once in `2^MAX_MISSES` times.
const MAX_MISSES: u32 = 6;

/// One thread's record of its lingers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Lingers {
    /// Lingers in a row that caught nothing, up to [`MAX_MISSES`].
    misses: u32,
    /// Lingers still to skip.
    skip: u32,
}

/// A number that tells this thread from every other live thread (the
/// address of a thread-local; never 0), for `Shared::outside_work`.
pub(super) fn thread_mark() -> usize {
    thread_local! {
        static MARK: u8 = const { 0 };
    }
    MARK.with(|mark| std::ptr::from_ref(mark) as usize)
}

thread_local! {
    static LINGERS: Cell<Lingers> = const { Cell::new(Lingers { misses: 0, skip: 0 }) };
}

impl Lingers {
    /// Whether this chance to linger is taken (one skipped is counted off).
    fn take_turn(&mut self) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        true
    }

    /// Books a linger that caught work or did not.
    fn record(&mut self, caught: bool) {
        if caught {
            *self = Lingers::default();
        } else {
            self.misses = (self.misses + 1).min(MAX_MISSES);
            self.skip = (1 << self.misses) - 1;
        }
    }
}

/// The end of one linger.
#[derive(Clone, Copy, Debug, PartialEq)]
enum End {
    /// `notified` said yes.
    Caught,
    /// [`LINGER`] passed first.
    Expired,
    /// The offers are paused: the machine is busy (not booked either way).
    Paused,
}

/// Lingers from `start` until `notified` (asked before each offer) says
/// yes, `LINGER` has passed by `now`, or `offer_once` offers nothing.
fn run(
    start: Instant,
    now: &mut dyn FnMut() -> Instant,
    notified: &mut dyn FnMut() -> bool,
    offer_once: &mut dyn FnMut() -> bool,
) -> End {
    loop {
        if notified() {
            return End::Caught;
        }
        if now().duration_since(start) >= LINGER {
            return End::Expired;
        }
        if !offer_once() {
            return End::Paused;
        }
    }
}

/// Lingers, unless this thread's lingers are backing off; true if
/// `notified` said yes meanwhile (the caller then does not sleep).
///
/// Out of line, and the loop's parts passed as trait objects: one small
/// copy in the binary, and the parker's code as it was. With generic
/// parts inlined into `Parker::park`, a hello world's clean release build
/// took 6.3-7.0 s instead of 4.8-5.1 in about a third of the builds (the compiler's
/// last optimisation pass ran on one thread instead of two); in this form
/// it did so in 3 of 24, and in none of four runs of `benches/build.sh`.
///
/// Under loom, never: it would only multiply the interleavings of the
/// checks beside it (the yields before a sleep do not run there either).
#[inline(never)]
pub(super) fn linger(notified: &mut dyn FnMut() -> bool) -> bool {
    if cfg!(loom) {
        return false;
    }
    let mut lingers = LINGERS.get();
    if !lingers.take_turn() {
        LINGERS.set(lingers);
        return false;
    }
    let end = run(
        Instant::now(),
        &mut Instant::now,
        notified,
        &mut offer::offer_once,
    );
    if end != End::Paused {
        lingers.record(end == End::Caught);
    }
    LINGERS.set(lingers);
    end == End::Caught
}

// Under loom `linger` never lingers, which these tests check it does.
#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A linger ends as soon as the notification is there, and never
    /// before it is looked for.
    #[test]
    fn a_linger_ends_with_the_notification() {
        let start = Instant::now();
        let mut looks = 0;
        let mut offers = 0;
        let end = run(
            start,
            &mut || start,
            &mut || {
                looks += 1;
                looks == 5
            },
            &mut || {
                offers += 1;
                true
            },
        );
        assert_eq!(end, End::Caught);
        assert_eq!((looks, offers), (5, 4), "a look before every offer");
    }

    /// Without a notification a linger lasts `LINGER`, not longer.
    #[test]
    fn a_linger_expires() {
        let start = Instant::now();
        let step = Duration::from_micros(10);
        let mut clock = start;
        let mut offers = 0;
        let end = run(
            start,
            &mut || {
                let now = clock;
                clock += step;
                now
            },
            &mut || false,
            &mut || {
                offers += 1;
                true
            },
        );
        assert_eq!(end, End::Expired);
        assert_eq!(
            offers,
            LINGER.as_micros() / step.as_micros(),
            "one offer a step"
        );
    }

    /// Paused offers (a busy machine) end the linger at once.
    #[test]
    fn paused_offers_end_the_linger() {
        let start = Instant::now();
        assert_eq!(
            run(start, &mut || start, &mut || false, &mut || false),
            End::Paused
        );
    }

    /// Lingers that catch nothing back off, doubling the skips up to 63;
    /// one that catches work lingers every time again.
    #[test]
    fn lingers_for_nothing_back_off() {
        let mut lingers = Lingers::default();
        let mut taken = Vec::new();
        for chance in 0..200 {
            if lingers.take_turn() {
                taken.push(chance);
                lingers.record(false);
            }
        }
        // Skips of 1, 3, 7, 15, 31, 63, 63...
        assert_eq!(taken, [0, 2, 6, 14, 30, 62, 126, 190]);
        lingers = Lingers {
            misses: MAX_MISSES,
            skip: 0,
        };
        lingers.record(true);
        assert_eq!(lingers, Lingers::default());
        for _ in 0..10 {
            assert!(lingers.take_turn(), "every chance taken while catching");
            lingers.record(true);
        }
    }

    /// A task queued from a thread outside the workers is noted once, for
    /// the one worker that parks next unless that is the thread that
    /// queued it; a task queued by a worker is not noted at all.
    #[test]
    fn only_work_from_another_thread_outside_is_noted() {
        // No thread runs a current-thread runtime's worker outside
        // `block_on`: nothing takes the note before the test does.
        let runtime = crate::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let shared = &runtime.handle().inner.scheduler;
        assert!(!shared.take_outside_work());
        let handle = runtime.handle().clone();
        let task = std::thread::spawn(move || handle.spawn(async {}))
            .join()
            .unwrap();
        assert!(shared.take_outside_work(), "spawned from another thread");
        assert!(!shared.take_outside_work(), "taken once");
        let own = runtime.spawn(async {});
        assert!(!shared.take_outside_work(), "spawned by the asking thread");
        runtime.block_on(async {
            task.await.unwrap();
            own.await.unwrap();
            let inside = crate::spawn(async {});
            // Read before this thread parks again (which takes the note).
            let noted = shared
                .outside_work
                .load(std::sync::atomic::Ordering::Relaxed);
            assert_eq!(noted, 0, "spawned on the worker");
            inside.await.unwrap();
        });
    }

    /// A driver that sleeps until `unpark`, as the real one does.
    #[derive(Default)]
    struct Events {
        signalled: std::sync::Mutex<bool>,
        condvar: std::sync::Condvar,
    }

    impl super::super::Driver for Events {
        fn park(&self, timeout: Option<Duration>) {
            let signalled = self.signalled.lock().unwrap();
            let limit = timeout.unwrap_or(Duration::from_secs(10));
            let (mut signalled, _) = self
                .condvar
                .wait_timeout_while(signalled, limit, |signalled| !*signalled)
                .unwrap();
            *signalled = false;
        }

        fn unpark(&self) {
            *self.signalled.lock().unwrap() = true;
            self.condvar.notify_one();
        }
    }

    /// A parker told to linger catches an `unpark` sent from another
    /// thread a short sleep into its park, without sleeping in the driver,
    /// in most rounds (a round that loses its thread to others for longer
    /// than a linger sleeps, and is woken all the same). Without the
    /// linger, its three yields are over within microseconds, the unparker
    /// being asleep and not waiting for a CPU, and every round sleeps (the
    /// unparker once spun instead: on the parker's core, each yield handed
    /// it the CPU until the `unpark`, and the test passed with no linger).
    /// Other tests run beside it: three tries of 20 rounds, and one must
    /// have fewer than half sleep.
    #[test]
    fn a_lingering_parker_catches_an_unpark_awake() {
        const ROUNDS: usize = 20;
        let mut tries = Vec::new();
        for _ in 0..3 {
            // Each try on a thread of its own: a loaded try may pause the
            // thread's offers (`offer.rs`) for 100 ms, and with them its
            // lingers, which would fail the tries after it too.
            let slept = std::thread::spawn(|| rounds_that_slept(ROUNDS))
                .join()
                .unwrap();
            tries.push(slept);
            if slept < ROUNDS / 2 {
                return;
            }
        }
        panic!("rounds that slept in the driver, of {ROUNDS}, in each try: {tries:?}");
    }

    /// Parks `rounds` times, each woken by an `unpark` another thread sends
    /// after a sleep of 10 µs (about 60 on a virtual machine, well inside
    /// the 200 µs linger); how many rounds slept in the driver.
    fn rounds_that_slept(rounds: usize) -> usize {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

        let driver = super::super::park::DriverLock::default();
        let events = Events::default();
        let parker = super::super::park::Parker::new();
        let round = AtomicUsize::new(0);
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let mut seen = 0;
                while seen < rounds {
                    let now = round.load(SeqCst);
                    if now == seen {
                        std::thread::yield_now();
                        continue;
                    }
                    seen = now;
                    std::thread::sleep(Duration::from_micros(10));
                    parker.unpark(&events);
                    while !done.swap(false, SeqCst) {
                        std::thread::yield_now();
                    }
                }
            });
            (0..rounds)
                .filter(|_| {
                    LINGERS.set(Lingers::default());
                    round.fetch_add(1, SeqCst);
                    // True if it slept in the driver.
                    let slept = parker.park(&driver, &events, true);
                    done.store(true, SeqCst);
                    slept
                })
                .count()
        })
    }

    /// `linger` keeps the thread's record: a back-off skips without looking.
    #[test]
    fn linger_keeps_the_threads_record() {
        LINGERS.set(Lingers { misses: 3, skip: 2 });
        assert!(!linger(&mut || panic!(
            "a skipped linger looks for nothing"
        )));
        assert_eq!(LINGERS.get(), Lingers { misses: 3, skip: 1 });
        LINGERS.set(Lingers { misses: 3, skip: 0 });
        assert!(linger(&mut || true), "caught at the first look");
        assert_eq!(LINGERS.get(), Lingers::default(), "a catch is booked");
    }
}

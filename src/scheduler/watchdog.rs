//! The stall watchdog: a monitor thread that notices a worker stuck inside
//! one poll *while it happens*.
//!
//! Go's runtime has `sysmon`, a thread that wakes every 20 µs–10 ms and
//! preempts a goroutine running for over 10 ms. Rust futures cannot be
//! preempted, but the rest of sysmon's job can be done:
//!
//! 1. **Report** the offender, once, with its id, name and spawn location
//!    (asyncio's debug mode reports slow callbacks the same way, after they
//!    end; corio reports while the poll is still running, and at its end if
//!    the watchdog missed it).
//! 2. **Rescue** the stuck worker's queue: its local deque is stealable
//!    anyway, and the watchdog empties its LIFO slot into the injector and
//!    wakes a parked worker, so one blocking task stalls only itself.
//! 3. **Rescue** the driver, sooner: when nobody has turned it for a whole
//!    tick and nobody sleeps in it (its last holder left to run one task
//!    that blocks, or that keeps yielding), timers and sockets go
//!    unwatched, and the watchdog wakes a parked worker to take it
//!    (sysmon's other job: polling the network when nobody has for 10 ms).
//!
//! How it tells a long poll from many short ones costs the poll path
//! nothing beyond what the metrics already store: like sysmon, which
//! compares each processor's `schedtick` with the value it saw last time,
//! the watchdog remembers each worker's poll count and the tick it first
//! saw it. A worker inside a poll (`current_task` set) whose count has not
//! moved since then has been in that one poll at least that long.
//!
//! Each tick the watchdog also publishes the coarse clock (`observe::clock`)
//! that the poll path reads. It runs only while a threshold is set; without
//! one, the workers tick the clock themselves as they park and wake (see
//! `worker::Context::count_busy`).

use std::sync::{Arc, Weak};
use std::thread;
use std::time::{Duration, Instant};

use crate::lock::{self, Condvar, Mutex};

use super::remote::Remote;
use super::{Handle, Shared, worker};
use crate::loom::atomic::{AtomicBool, Ordering};
use crate::observe::{SlowPoll, clock};
use crate::task::Header;

/// The running monitor thread of one runtime.
pub(crate) struct Watchdog {
    stop: Arc<Stop>,
    thread: Option<thread::JoinHandle<()>>,
}

/// How the runtime tells the monitor to end, and learns that it has.
#[derive(Default)]
struct Stop {
    /// Set (under `exited`'s lock, so a sleeping monitor cannot miss it) by
    /// `stop`; read without the lock between two workers' checks, so that
    /// no hook starts once `stop` has returned.
    stopping: AtomicBool,
    /// Set by the monitor as it ends.
    exited: Mutex<bool>,
    changed: Condvar,
}

impl Watchdog {
    /// Starts the monitor if the runtime has a slow-poll threshold.
    pub(crate) fn start(
        shared: &Handle,
        thread_name: &crate::runtime::ThreadName,
    ) -> std::io::Result<Option<Watchdog>> {
        let Some(threshold) = shared.config.slow_poll_threshold else {
            return Ok(None);
        };
        // Sample four times per threshold (so a poll's measured length is
        // off by a quarter of it at most), and at least every 25 ms; the
        // builder refuses thresholds under 1 ms, so at most every 250 µs.
        let tick = (threshold / 4).min(Duration::from_millis(25));
        let stop = Arc::new(Stop::default());
        let weak = Arc::downgrade(shared);
        let stopped = stop.clone();
        clock::tick();
        let thread = thread::Builder::new()
            .name(thread_name.for_thread(format_args!("watchdog")))
            .spawn(move || run(&weak, &stopped, tick))?;
        Ok(Some(Watchdog {
            stop,
            thread: Some(thread),
        }))
    }

    /// Ends the monitor, waiting for it until `deadline` at most: a user's
    /// slow-poll hook may be running there and block for any time. Past the
    /// deadline, or when called from a hook the monitor runs (one that
    /// drops the runtime), the thread is left to end on its own.
    pub(crate) fn stop(mut self, deadline: Option<Instant>) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        let exited = self.stop.exited.lock();
        self.stop.stopping.store(true, Ordering::SeqCst);
        self.stop.changed.notify_all();
        let in_our_hook = IN_HOOK.get() == Arc::as_ptr(&self.stop);
        if thread.thread().id() == thread::current().id() || in_our_hook {
            return;
        }
        let (exited, ended) = lock::wait_while_until(&self.stop.changed, exited, deadline, |e| !*e);
        if ended {
            drop(exited);
            let _ = thread.join();
        }
    }
}

/// What the watchdog remembers of one worker between ticks.
#[derive(Clone, Copy, Default)]
struct Seen {
    /// The worker's poll count at the last tick.
    polls: u64,
    /// The coarse time that count was first seen.
    since: u64,
}

fn run(shared: &Weak<Shared>, stop: &Stop, tick: Duration) {
    // Says it exited however the loop ends, a panic included: `stop` may
    // be waiting for it with no deadline.
    struct Exit<'a>(&'a Stop);
    impl Drop for Exit<'_> {
        fn drop(&mut self) {
            *self.0.exited.lock() = true;
            self.0.changed.notify_all();
        }
    }
    let _exit = Exit(stop);
    let stopping = || stop.stopping.load(Ordering::SeqCst);
    let mut seen = Vec::new();
    let mut driver_turns = None;
    let mut exited = stop.exited.lock();
    while !stopping() {
        (exited, _) = stop.changed.wait_for(exited, tick);
        if stopping() {
            break;
        }
        // The checks run unlocked: a hook may block, or drop the runtime,
        // whose `stop` takes this lock.
        drop(exited);
        if !check_all(shared, stop, &mut seen, &mut driver_turns, tick) {
            break;
        }
        exited = stop.exited.lock();
    }
}

/// One tick's checks, of the driver and of every worker; false once the
/// runtime is gone or stopping.
fn check_all(
    shared: &Weak<Shared>,
    stop: &Stop,
    seen: &mut Vec<Seen>,
    driver_turns: &mut Option<usize>,
    tick: Duration,
) -> bool {
    clock::tick();
    let Some(shared) = shared.upgrade() else {
        return false;
    };
    check_driver(&shared, driver_turns);
    seen.resize(shared.remotes.len(), Seen::default());
    for (index, remote) in shared.remotes.iter().enumerate() {
        if stop.stopping.load(Ordering::SeqCst) {
            return false;
        }
        // Read for each worker: a hook for the one before may have taken
        // any time, and a stale `now` would date a new poll's start back.
        let now = clock::tick();
        check(&shared, stop, index, remote, &mut seen[index], now, tick);
    }
    true
}

/// Hands the driver over if nobody has turned it for a whole tick and
/// nobody sleeps in it: timers and sockets are going unwatched. A worker
/// that leaves the driver to run one task of its own wakes nobody to take
/// its place (`worker::Context::park_until`); should that task block, or
/// keep its worker busy with yields, the worker's quick looks at the driver
/// come too seldom or never. This wakes a sleeper, which finds the driver
/// free and parks in it. Go's sysmon has the same rule: poll the network
/// if nobody has for 10 ms.
fn check_driver(shared: &Shared, last: &mut Option<usize>) {
    let turns = shared.driver_lock.turns();
    let idle = *last == Some(turns);
    *last = Some(turns);
    if idle && !shared.remotes.iter().any(|r| r.parker.in_driver()) {
        shared.notify_parked();
    }
}

/// Reports and rescues worker `index` if its current poll is too long.
fn check(
    shared: &Shared,
    stop: &Stop,
    index: usize,
    remote: &Remote,
    seen: &mut Seen,
    now: u64,
    tick: Duration,
) {
    let stats = &remote.stats;
    // The task first: the worker counts a poll before it stores the task's
    // id (Release), so having read an id, this reads that poll's count or
    // a later one. The other order could pair a poll count read before a
    // long park with the id of a poll that has just begun, and report a
    // task stuck for the whole park.
    let task_id = stats.current_task.load(Ordering::Acquire);
    let poll = stats.polls.load(Ordering::Acquire);
    if poll != seen.polls {
        // A new poll began since the last tick: it has run at most a tick.
        *seen = Seen {
            polls: poll,
            since: now,
        };
        return;
    }
    if task_id == 0 {
        return; // between polls (parked, most likely)
    }
    let running = now.saturating_sub(seen.since);
    if running < shared.slow_poll_us {
        return;
    }
    // Rescue, at every tick of the stall: the LIFO slot is the only queue
    // others cannot steal from, and the stuck poll may refill it.
    if let Some(task) = remote.lifo.take() {
        // Through `schedule_remote`, as any push from outside the workers:
        // a shutdown may have emptied the injector since the take, and a
        // task left there would keep the runtime alive for good.
        shared.schedule_remote(task);
    }
    shared.notify_parked();
    if stats.reported_poll.load(Ordering::Acquire) == poll {
        return; // reported already
    }
    // Find the task before claiming the report: had the poll ended (and the
    // task left the list) between a claim and the lookup, neither this nor
    // the end-of-poll check (`report_finished`) would report it.
    // One shard's lock, not every shard's: spawns and completions elsewhere
    // go on meanwhile.
    let report = shared.owned.with_task(task_id, |header| {
        slow_poll(header, running, Some(index), true)
    });
    let Some(report) = report else {
        return; // it ended: `report_finished` reports it
    };
    if claim(&stats.reported_poll, poll) {
        call_hook_ticking(shared, stop, &report, tick);
    }
}

/// Claims the report of a worker's poll `poll` (its count of polls, which
/// only grows): `true` for the first claim. A claim for a poll older than
/// one claimed already is refused too: the watchdog may be held up between
/// its look and its claim (by a shard lock a big dump holds) while the
/// worker reports that poll and a newer one; a swap would then hand the
/// old poll a second report.
fn claim(reported: &std::sync::atomic::AtomicU64, poll: u64) -> bool {
    reported.fetch_max(poll, std::sync::atomic::Ordering::AcqRel) < poll
}

thread_local! {
    /// Set, to the `Stop` of the watchdog it runs for, on the thread that
    /// runs a hook: a hook that drops its own runtime must not wait there
    /// for that watchdog to end, which waits for the hook. (Another
    /// runtime it drops waits for its own watchdog as usual.)
    static IN_HOOK: std::cell::Cell<*const Stop> = const { std::cell::Cell::new(std::ptr::null()) };
}

/// Runs the hook for a stall the watchdog caught on a thread of its own,
/// and goes on ticking the coarse clock until it returns. The hook may
/// block (the default one writes to stderr, which may be a full pipe), and
/// with the clock standing a poll would be stamped with an old time:
/// measured as the whole gap once another thread moved the clock (a short
/// poll reported as slow), or as nothing if none did (a slow one missed).
/// One thread per report, and reports are rare; if none can be made, the
/// hook runs here, clock standing.
fn call_hook_ticking(shared: &Shared, stop: &Stop, report: &SlowPoll, tick: Duration) {
    let watchdog = thread::current();
    // Named as the watchdog, which a hook saw as its thread before.
    let name = watchdog.name().map(str::to_owned);
    thread::scope(|scope| {
        let mut builder = thread::Builder::new();
        if let Some(name) = name {
            builder = builder.name(name);
        }
        let hook = builder.spawn_scoped(scope, || {
            IN_HOOK.set(stop);
            call_hook_entered(shared, report);
            // Cleared before the scope ends and `stop` may be freed: a
            // runtime made and dropped later on this thread (by a
            // thread-local's drop) could get a `Stop` at the same address.
            IN_HOOK.set(std::ptr::null());
            watchdog.unpark();
        });
        match hook {
            Ok(hook) => {
                while !hook.is_finished() {
                    clock::tick();
                    thread::park_timeout(tick);
                }
            }
            Err(_) => call_hook_entered(shared, report),
        }
    });
}

/// [`call_hook`] on a thread of the watchdog's, inside the runtime, as on
/// the worker that runs the hook for a poll that ended first:
/// `Handle::current()` works in either.
fn call_hook_entered(shared: &Shared, report: &SlowPoll) {
    let _entered = shared.enter.get().and_then(|enter| enter());
    call_hook(shared, report);
}

/// Runs the user's slow-poll hook. A hook that panics (to fail a test, say)
/// has its message printed by the panic hook as usual, but the unwind stops
/// here: on a worker it would otherwise kill the thread mid-poll, leaving
/// the task it polled running forever.
fn call_hook(shared: &Shared, report: &SlowPoll) {
    let hook = || (shared.config.on_slow_poll)(report);
    if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(hook)) {
        crate::task::discard_panic(payload);
    }
}

fn slow_poll(header: &Header, micros: u64, worker: Option<usize>, ongoing: bool) -> SlowPoll {
    SlowPoll {
        task_id: header.id().as_u64(),
        name: header.name.as_deref().map(str::to_owned),
        location: header.location,
        duration: Duration::from_micros(micros),
        worker,
        ongoing,
    }
}

/// A poll of a `LocalSet` task ended past the threshold. The watchdog
/// never sees those polls (they run inside the poll of the future that
/// runs the set), so only their end reports them.
pub(super) fn report_local(shared: &Shared, header: &Header, micros: u64) {
    let worker = worker::current_index(shared);
    call_hook(shared, &slow_poll(header, micros, worker, false));
}

/// A poll just ended past the threshold: report it unless the watchdog did.
pub(super) fn report_finished(shared: &Shared, header: &Header, micros: u64) {
    // None on a thread that gave its core away in `block_in_place`
    // (`handoff.rs`): nothing stalled while it blocked.
    let Some(index) = worker::current_index(shared) else {
        return;
    };
    let stats = &shared.remotes[index].stats;
    let poll = stats.polls.load(Ordering::Relaxed);
    if stats.resumed_poll.load(Ordering::Relaxed) == poll {
        return; // its length includes another thread's turn with the core
    }
    if !claim(&stats.reported_poll, poll) {
        return;
    }
    call_hook(shared, &slow_poll(header, micros, Some(index), false));
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;

    /// Each poll is reported once, whoever claims it first, and a late
    /// claim for a poll older than one reported since is refused (a delayed
    /// watchdog could report such a poll a second time).
    #[test]
    fn a_poll_is_claimed_once_and_a_stale_claim_is_refused() {
        let reported = AtomicU64::new(0);
        assert!(super::claim(&reported, 1), "poll 1 ends slow");
        assert!(!super::claim(&reported, 1), "the watchdog sees it too");
        assert!(super::claim(&reported, 2), "poll 2 ends slow");
        assert!(!super::claim(&reported, 1), "the watchdog, late, on poll 1");
    }
}

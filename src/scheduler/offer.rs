//! Offering the CPU before a sleep, and holding the offer back while other
//! processes keep the machine busy.
//!
//! A worker that runs out of tasks yields its CPU (`sched_yield`) up to
//! three times before it sleeps, looking for an `unpark` after each (older
//! tokio releases' parker yielded three times; tokio 1.54's does not). A
//! thread this worker just woke, or the client of a server on the same
//! machine, often waits for this very CPU: it runs now, and the work it
//! sends back (a spawn, the next request on a socket) finds the worker
//! still awake, where it would else pay a sleep and a wake-up. In the
//! hyper server loaded by `wrk` (`benches/http.sh`) that took corio from
//! 1.00-1.03x tokio's requests/s to 1.13-1.17x (docs/work-stealing.md).
//!
//! The offer has a price when the CPUs are busy with other processes: a
//! yield then hands the CPU to a thread that keeps it for a whole time
//! slice, milliseconds, and whatever came for the worker meanwhile waits.
//! With two CPU-bound processes on the two cores of the machine these
//! figures come from (two `yes` processes), the hyper server under `wrk`
//! answered 15.7-16.7k requests/s against tokio's 121-125k, and two-worker
//! `tcp_echo` in `versus` took 1.7x tokio's time per round trip with a p99
//! of 11-31x.
//!
//! A single long yield does not tell the two cases apart: under `wrk`
//! about one yield in a hundred takes a millisecond or more (`wrk`
//! answering fifty connections at once), and beside the two busy
//! processes about one in four to one in three. So each thread keeps a
//! running share of its yields that took [`LONG_YIELD`] or more (each
//! yield weighs 1/128), and above [`BUSY_SHARE`] it stops offering for
//! [`PAUSE`]; the offers then resume from a share just under the limit
//! (7/8 of it), so a machine still busy pauses them again within a few
//! slow yields. Replayed over yield lengths recorded from the hyper server
//! under `wrk`, this rule never paused (shorter memories or lower limits
//! did, dozens of times in eight seconds: `wrk`'s slow yields come in
//! bursts); beside the two busy processes it held back half to four
//! fifths of the yields. Measured with it, beside them: the hyper server
//! 117-124k requests/s against tokio's 127-130k, two-worker `tcp_echo`
//! 0.98-1.27x tokio's time with a p99 of 0.94-3.6x; on a quiet machine
//! `benches/http.sh` still gave 1.13x tokio's requests/s (corio's own
//! figures as before the rule). One-thread `tcp_echo` beside the busy
//! processes (1.3-1.6x tokio's time, p99 1.9x, as before) loses its time
//! slices to about one yield in a hundred, as under `wrk`, which no rule
//! sparing `wrk` can tell apart.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Times a parking worker offers its CPU before it sleeps. Under loom, no
/// yields: there they would only multiply the interleavings of the check
/// beside them.
#[cfg(not(loom))]
pub(super) const YIELDS_BEFORE_SLEEP: usize = 3;
#[cfg(loom)]
pub(super) const YIELDS_BEFORE_SLEEP: usize = 0;

/// A yield that came back this late gave the CPU to a thread that ran a
/// time slice.
const LONG_YIELD: Duration = Duration::from_millis(1);

/// A share of long yields above this says other processes keep the CPUs
/// busy: 0.2, in units of 1/65,536.
const BUSY_SHARE: u32 = 13_107;

/// How long a thread then sleeps without offering its CPU first.
const PAUSE: Duration = Duration::from_millis(100);

/// One thread's record of its offers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Offers {
    /// The running share of long yields, in units of 1/65,536.
    long_share: u32,
    /// Until when the offers are held back.
    paused_until: Option<Instant>,
}

thread_local! {
    static OFFERS: Cell<Offers> = const {
        Cell::new(Offers { long_share: 0, paused_until: None })
    };
}

/// Offers this thread's CPU to other threads once; false, offering
/// nothing, while the offers are paused.
pub(super) fn offer_once() -> bool {
    let mut offers = OFFERS.get();
    let now = Instant::now();
    let offered = offers.offer(now, || {
        std::thread::yield_now();
        now.elapsed()
    });
    OFFERS.set(offers);
    offered
}

/// Offers this thread's CPU to other threads [`YIELDS_BEFORE_SLEEP`]
/// times, as many yields as a parking worker makes before it sleeps (which
/// looks for an `unpark` after each; see `Parker::park`): for a worker
/// that runs dry, before it looks at I/O while no other worker has tasks
/// queued (`io_first.rs`).
pub(super) fn offer_cpu() {
    for _ in 0..YIELDS_BEFORE_SLEEP {
        if !offer_once() {
            break;
        }
    }
}

impl Offers {
    /// At `now`, yields with `timed_yield` (which says how long the yield
    /// took) unless paused, and weighs whether it was long into the share.
    fn offer(&mut self, now: Instant, timed_yield: impl FnOnce() -> Duration) -> bool {
        if let Some(until) = self.paused_until {
            if now < until {
                return false;
            }
            *self = Offers {
                long_share: BUSY_SHARE - BUSY_SHARE / 8,
                paused_until: None,
            };
        }
        let long = timed_yield() >= LONG_YIELD;
        self.long_share = self.long_share - self.long_share / 128 + if long { 512 } else { 0 };
        if self.long_share > BUSY_SHARE {
            self.paused_until = Some(now + PAUSE);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: Duration = Duration::from_micros(50);
    const SLICE: Duration = Duration::from_millis(3);

    /// The slow yields of a client that answers many connections at once,
    /// one in a hundred now and then a burst of ten, keep the offers coming.
    #[test]
    fn rare_slow_yields_and_a_burst_keep_offering() {
        let mut offers = Offers::default();
        let now = Instant::now();
        for i in 0..10_000 {
            let slow = i % 100 == 99 || (5_000..5_010).contains(&i);
            let took = if slow { SLICE } else { QUICK };
            assert!(offers.offer(now, || took), "paused at yield {i}");
        }
        assert_eq!(offers.paused_until, None);
    }

    /// Yields that keep losing the CPU for time slices pause the offers; a
    /// paused offer yields nothing; once the pause ends, quick yields go
    /// on, and a machine still busy pauses them again within a few.
    #[test]
    fn a_busy_machine_pauses_the_offers() {
        let mut offers = Offers::default();
        let now = Instant::now();
        let slow_ones = (1..=100).find(|_| {
            assert!(offers.offer(now, || SLICE));
            offers.paused_until.is_some()
        });
        assert!(
            slow_ones.is_some_and(|n| (20..40).contains(&n)),
            "{slow_ones:?}"
        );
        assert_eq!(offers.paused_until, Some(now + PAUSE));
        let during = now + PAUSE / 2;
        assert!(!offers.offer(during, || panic!("a paused offer yields nothing")));

        let after = now + PAUSE;
        let mut still_busy = offers;
        let slow_again = (1..=100).find(|_| {
            assert!(still_busy.offer(after, || SLICE));
            still_busy.paused_until.is_some()
        });
        // From 7/8 of the limit, not from the limit or the old share.
        assert!(
            slow_again.is_some_and(|n| (2..=5).contains(&n)),
            "{slow_again:?}"
        );
        for _ in 0..1_000 {
            assert!(offers.offer(after, || QUICK), "the machine is quiet again");
        }
    }

    /// The thread's own record is what `offer_once` reads and keeps.
    #[test]
    fn offer_once_keeps_the_threads_record() {
        let far = Instant::now() + Duration::from_secs(3_600);
        OFFERS.set(Offers {
            long_share: 0,
            paused_until: Some(far),
        });
        assert!(!offer_once(), "paused");
        // Every yield long so far: one more, quick or not, keeps it busy.
        OFFERS.set(Offers {
            long_share: 65_536,
            paused_until: None,
        });
        assert!(offer_once(), "offered");
        assert!(OFFERS.get().paused_until.is_some(), "the pause was kept");
    }
}

//! Timers: `sleep` and `timeout` against the real clock (`interval` is in
//! `interval.rs`; the driver and shutdown in `timer_driver.rs`). Every check
//! is a lower bound (a timer never fires early) or exact deadline arithmetic;
//! no upper bound on lateness, which a loaded machine can break.

mod common;

use std::cell::Cell;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::ThreadId;
use std::time::Duration;

use common::{Drops, Rng, block_on, count_polls, panic_of};
use corio::time::{Instant, interval, sleep, sleep_until, timeout, timeout_at};
use futures_lite::future::poll_once;

// ------------------------------------------------------------ lower bound

#[test]
#[cfg_attr(miri, ignore)]
fn a_sleep_never_completes_before_its_deadline() {
    const TIMERS: u64 = 500;
    let early = block_on(async {
        let mut rng = Rng::new(0x5eed);
        let mut handles = Vec::new();
        for _ in 0..TIMERS {
            // 0 to 30 ms, at microsecond resolution.
            let duration = Duration::from_micros(rng.below(30_000));
            handles.push(corio::spawn(async move {
                let before = Instant::now();
                let sleep = sleep(duration);
                let deadline = sleep.deadline();
                assert!(deadline >= before + duration);
                sleep.await;
                Instant::now() < deadline
            }));
        }
        let mut early = 0;
        for handle in handles {
            early += usize::from(handle.await.unwrap());
        }
        early
    });
    assert_eq!(early, 0, "sleeps returned before their deadline");
}

// ---------------------------------------------------------- firing order

/// When and where the driver woke one timer.
#[derive(Clone, Copy, Debug)]
struct Fire {
    /// Position among all wakes of the test.
    seq: usize,
    thread: ThreadId,
    /// Polls of this test's tasks on the waking thread so far.
    thread_polls: u64,
    at: Instant,
}

thread_local! {
    static POLLS_HERE: Cell<u64> = const { Cell::new(0) };
}

/// The waker a timer sees: records the first wake, then wakes the task.
struct Recorder {
    fire: Mutex<Option<Fire>>,
    task: Mutex<Option<Waker>>,
    seq: Arc<AtomicUsize>,
}

impl Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        {
            let mut fire = self.fire.lock().unwrap();
            if fire.is_none() {
                *fire = Some(Fire {
                    seq: self.seq.fetch_add(1, SeqCst),
                    thread: std::thread::current().id(),
                    thread_polls: POLLS_HERE.with(Cell::get),
                    at: Instant::now(),
                });
            }
        }
        if let Some(task) = self.task.lock().unwrap().as_ref() {
            task.wake_by_ref();
        }
    }
}

/// Sleeps until `deadline` with a recording waker; returns the wake record
/// (None if armed only after its deadline, by a task first polled late on a
/// loaded machine: it may join any later batch) and the completion time.
async fn recorded_sleep(deadline: Instant, seq: Arc<AtomicUsize>) -> (Option<Fire>, Instant) {
    let recorder = Arc::new(Recorder {
        fire: Mutex::new(None),
        task: Mutex::new(None),
        seq,
    });
    let waker = Waker::from(recorder.clone());
    let mut sleep = pin!(sleep_until(deadline));
    let mut armed_in_time = None;
    std::future::poll_fn(|cx| {
        POLLS_HERE.with(|p| p.set(p.get() + 1));
        *recorder.task.lock().unwrap() = Some(cx.waker().clone());
        let poll = sleep.as_mut().poll(&mut Context::from_waker(&waker));
        armed_in_time.get_or_insert_with(|| Instant::now() < deadline);
        poll
    })
    .await;
    let fire = *recorder.fire.lock().unwrap();
    (fire.filter(|_| armed_in_time == Some(true)), Instant::now())
}

/// 1,000 random timers fire in deadline order.
///
/// What is guaranteed: when the driver wakes, it fires every timer due by
/// then in one batch, so a timer due earlier is never woken in a *later*
/// batch than one due after it. Inside a batch the wake order is the wheel's
/// and tasks race on the workers, so completion order proves nothing. The
/// test records each wake (sequence number, thread, that thread's polls of
/// these tasks so far) and, for every pair woken out of deadline order,
/// checks that both can belong to one batch: same thread, no task polled on
/// it in between (a batch is one loop of `wake` calls, which never poll).
/// It never fails a correct wheel, and catches an entry a cascade left.
#[test]
#[cfg_attr(miri, ignore)]
fn random_timers_fire_in_deadline_order() {
    const TIMERS: usize = 1_000;
    let records = block_on(async {
        let mut rng = Rng::new(0xdead_beef);
        let seq = Arc::new(AtomicUsize::new(0));
        // Most timers are armed before the first is due; 0.5 ms steps make ties.
        let base = Instant::now() + Duration::from_secs(1);
        let handles: Vec<_> = (0..TIMERS)
            .map(|_| {
                let deadline = base + Duration::from_micros(500 * rng.below(400));
                let seq = seq.clone();
                (
                    deadline,
                    corio::spawn(async move { recorded_sleep(deadline, seq).await }),
                )
            })
            .collect();
        let mut records = Vec::new();
        for (deadline, handle) in handles {
            let (fire, done) = handle.await.unwrap();
            records.push((deadline, fire, done));
        }
        records
    });
    for (deadline, fire, done) in &records {
        assert!(*done >= *deadline, "completed before its deadline");
        if let Some(fire) = fire {
            assert!(fire.at >= *deadline, "woken before its deadline");
        }
    }
    let mut fired: Vec<(Instant, Fire)> = records
        .iter()
        .filter_map(|(deadline, fire, _)| fire.map(|f| (*deadline, f)))
        .collect();
    assert!(
        fired.len() >= TIMERS * 9 / 10,
        "only {} of {TIMERS} timers were armed before their deadline",
        fired.len()
    );
    fired.sort_by_key(|(_, fire)| fire.seq);
    for later in 0..fired.len() {
        let (deadline, fire) = fired[later];
        // Every timer woken before this one but due after it must share its batch.
        for (earlier_deadline, earlier) in &fired[..later] {
            if *earlier_deadline > deadline {
                assert!(
                    earlier.thread == fire.thread && earlier.thread_polls == fire.thread_polls,
                    "a timer due at {deadline:?} was woken in a later batch than one due at \
                     {earlier_deadline:?} ({earlier:?} then {fire:?})"
                );
            }
        }
    }
}

// ------------------------------------------------------------- timeouts

#[test]
#[cfg_attr(miri, ignore)]
fn timeout_passes_a_ready_value_through() {
    block_on(async {
        assert_eq!(timeout(Duration::from_secs(5), async { 5 }).await, Ok(5));
        let value = timeout(Duration::from_secs(5), async {
            sleep(Duration::from_millis(2)).await;
            6
        })
        .await;
        assert_eq!(value, Ok(6));
        // The value is polled first: a ready future wins over a past deadline.
        let past = Instant::now() - Duration::from_millis(1);
        assert_eq!(timeout_at(past, async { 7 }).await, Ok(7));
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn timeout_elapses_and_drops_the_inner_future() {
    block_on(async {
        let drops = Drops::new(2);
        let start = Instant::now();
        let tracked = drops.track(0);
        let err = timeout(Duration::from_millis(10), async move {
            let _tracked = tracked;
            std::future::pending::<()>().await;
        })
        .await
        .unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(10));
        assert!(!err.to_string().is_empty());

        let deadline = Instant::now() + Duration::from_millis(10);
        let tracked = drops.track(1);
        let at = timeout_at(deadline, async move {
            let _tracked = tracked;
            std::future::pending::<()>().await;
        })
        .await;
        assert!(at.is_err());
        assert!(Instant::now() >= deadline);
        drops.assert_each_dropped_once();
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn timeout_gives_access_to_its_future() {
    /// A future that is ready with the number it holds.
    struct Value(u32);
    impl Future for Value {
        type Output = u32;
        fn poll(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
            Poll::Ready(self.0)
        }
    }
    block_on(async {
        let mut t = timeout(Duration::from_secs(1), Value(3));
        assert_eq!(t.get_ref().0, 3);
        t.get_mut().0 = 4;
        assert_eq!(t.into_inner().await, 4);
    });
}

// ---------------------------------------------------------------- Sleep

#[test]
#[cfg_attr(miri, ignore)]
fn sleep_zero_is_ready_at_once() {
    block_on(async {
        let zero = corio::spawn(async { poll_once(sleep(Duration::ZERO)).await.is_some() });
        assert!(zero.await.unwrap(), "sleep(ZERO) was pending");
        let past = corio::spawn(async {
            let past = Instant::now() - Duration::from_millis(5);
            poll_once(sleep_until(past)).await.is_some()
        });
        assert!(past.await.unwrap());
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn sleep_max_can_be_created_polled_and_dropped() {
    block_on(async {
        let now = Instant::now();
        let mut forever = pin!(sleep(Duration::MAX));
        assert!(forever.deadline() > now + Duration::from_secs(365 * 86_400));
        assert!(poll_once(forever.as_mut()).await.is_none());
        assert!(!forever.is_elapsed());
        forever
            .as_mut()
            .reset(Instant::now() + Duration::from_millis(1));
        forever.await;
        // Unpolled, and through a timeout.
        drop(sleep(Duration::MAX));
        assert_eq!(timeout(Duration::MAX, async { 1 }).await, Ok(1));
        let mut t = pin!(timeout(Duration::MAX, std::future::pending::<()>()));
        assert!(poll_once(t.as_mut()).await.is_none());
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn reset_to_a_later_deadline() {
    block_on(async {
        // Armed: pending at its first poll. (A loaded machine may pause
        // this thread past the deadline first; then try a fresh one.)
        let mut s = loop {
            let mut s = Box::pin(sleep(Duration::from_millis(200)));
            if poll_once(s.as_mut()).await.is_none() {
                break s;
            }
        };
        let later = Instant::now() + Duration::from_millis(400);
        s.as_mut().reset(later);
        assert_eq!(s.deadline(), later);
        assert!(!s.is_elapsed());
        s.as_mut().await;
        assert!(Instant::now() >= later, "fired at the old deadline");
        assert!(s.is_elapsed());
    });
}

/// The same on a paused clock, watching the wake itself: a reset that
/// left the wheel's entry at the old deadline would wake the task there
/// (and `Sleep`'s own clock check would hide it from the test above).
#[test]
#[cfg_attr(miri, ignore)]
fn a_reset_to_a_later_deadline_moves_the_wake_too() {
    common::within_limit(|| {
        let runtime = corio::runtime::Builder::new_current_thread()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            let (flag, waker) = common::threads::Flag::new();
            let mut s = Box::pin(sleep(Duration::from_millis(200)));
            let start = Instant::now();
            assert!(
                s.as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending()
            );
            s.as_mut().reset(start + Duration::from_millis(400));
            corio::time::advance(Duration::from_millis(300)).await;
            assert!(!flag.take(), "woken at the old deadline");
            corio::time::advance(Duration::from_millis(100)).await;
            assert!(flag.take(), "woken at the new one");
            assert!(s.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn reset_to_an_earlier_deadline() {
    block_on(async {
        let mut s = pin!(sleep(Duration::from_secs(3_600)));
        assert!(poll_once(s.as_mut()).await.is_none(), "armed");
        let sooner = Instant::now() + Duration::from_millis(10);
        s.as_mut().reset(sooner);
        assert_eq!(s.deadline(), sooner);
        // Bounded by the test limit: an hour-long wait fails it.
        s.as_mut().await;
        assert!(Instant::now() >= sooner);
        assert!(s.is_elapsed());
        s.as_mut().reset(sooner + Duration::from_secs(3_600)); // fired: waits again
        assert!(poll_once(s.as_mut()).await.is_none(), "armed again");
        let again = Instant::now() + Duration::from_millis(5);
        s.as_mut().reset(again);
        s.as_mut().await;
        assert!(Instant::now() >= again);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_sleep_spends_budget() {
    block_on(async {
        let (many, polls) = count_polls(async {
            for _ in 0..300 {
                sleep(Duration::ZERO).await;
            }
        });
        corio::spawn(many).await.unwrap();
        assert!(polls.load(SeqCst) >= 2, "300 ready sleeps never yielded");
    });
}

#[test]
fn a_timer_outside_a_runtime_panics_naming_the_fix() {
    for message in [
        panic_of(|| sleep(Duration::from_millis(1))),
        panic_of(|| sleep_until(Instant::now())),
        panic_of(|| timeout(Duration::from_millis(1), async {})),
        panic_of(|| interval(Duration::from_millis(1))),
    ] {
        assert!(message.contains("outside a corio runtime"), "{message}");
        assert!(message.contains("block_on"), "names the fix: {message}");
    }
}

/// The clock controls outside a runtime say what was called, and why it
/// cannot be (tokio's "time cannot be frozen from outside the runtime").
#[test]
fn the_clock_controls_outside_a_runtime_panic_naming_themselves() {
    for (message, what) in [
        (panic_of(corio::time::pause), "corio::time::pause"),
        (panic_of(corio::time::resume), "corio::time::resume"),
        (
            panic_of(|| futures_lite::future::block_on(corio::time::advance(Duration::ZERO))),
            "corio::time::advance",
        ),
    ] {
        assert!(message.contains("cannot be frozen"), "{message}");
        assert!(message.contains(what), "{message}");
    }
}

/// `timeout` and `timeout_at` take anything `.await` takes (`IntoFuture`),
/// as tokio's do, and poll it before looking at the deadline: a zero
/// duration still gives a ready value.
#[test]
fn timeout_takes_into_future_and_polls_it_first() {
    struct Request(u8);
    impl std::future::IntoFuture for Request {
        type Output = u8;
        type IntoFuture = std::future::Ready<u8>;
        fn into_future(self) -> Self::IntoFuture {
            std::future::ready(self.0)
        }
    }
    block_on(async {
        assert_eq!(timeout(Duration::ZERO, Request(7)).await, Ok(7));
        assert_eq!(timeout_at(Instant::now(), Request(8)).await, Ok(8));
    });
}

#[test]
fn a_timeout_fires_even_when_its_future_spends_the_whole_budget() {
    common::within_limit(|| {
        common::two_workers().block_on(async {
            // Every poll of the inner future spends the whole budget and
            // never finishes: the deadline must still be checked.
            let busy = async {
                loop {
                    corio::task::consume_budget().await;
                }
            };
            let result = timeout(Duration::from_millis(20), busy).await;
            assert!(result.is_err(), "the deadline passed");
        });
    });
}

#[test]
fn a_sleep_reset_to_a_passed_deadline_is_ready_at_the_next_poll() {
    block_on(async {
        let mut sleep = pin!(sleep(Duration::from_secs(3600)));
        sleep.as_mut().reset(Instant::now());
        assert!(sleep.is_elapsed());
        assert!(
            poll_once(sleep.as_mut()).await.is_some(),
            "elapsed, so ready"
        );
    });
}

/// A thread-local whose `Drop` reads corio's clock (a logger stamping its
/// last line), destroyed after corio's own thread-locals: the read falls
/// back to std's clock instead of panicking, which in a thread-local's
/// destructor would abort the process (so the test runs in a child).
#[test]
#[cfg_attr(miri, ignore)]
fn the_clock_can_be_read_while_a_thread_is_torn_down() {
    common::in_child("the_clock_can_be_read_while_a_thread_is_torn_down", || {
        struct StampOnDrop;
        impl Drop for StampOnDrop {
            fn drop(&mut self) {
                let _ = Instant::now();
            }
        }
        thread_local! {
            static STAMP: StampOnDrop = const { StampOnDrop };
        }
        std::thread::spawn(|| {
            STAMP.with(|_| {}); // registered first, so destroyed last
            let _ = Instant::now(); // corio's thread-local, destroyed before
        })
        .join()
        .unwrap();
    });
}

/// A timeout past what an `Instant` can hold has no deadline, as tokio's:
/// it became a 30-year one, which a paused clock jumps to when idle.
#[test]
#[cfg_attr(miri, ignore)]
fn a_timeout_past_any_instant_never_elapses() {
    common::within_limit(|| {
        let mut paused = corio::Builder::new_current_thread();
        paused.start_paused(true).build().unwrap().block_on(async {
            let mut never = pin!(timeout(Duration::MAX, std::future::pending::<()>()));
            assert!(poll_once(never.as_mut()).await.is_none());
            corio::time::advance(Duration::from_secs(40 * 365 * 86_400)).await;
            assert!(poll_once(never.as_mut()).await.is_none(), "it elapsed");
        });
    });
}

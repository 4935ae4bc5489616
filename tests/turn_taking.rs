//! Two tasks taking turns on one worker, one waking the other, stay
//! together; two that only compute are still spread over the workers
//! (`scheduler/queue.rs`, `taking_turns`).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use corio::sync::channel;
use corio::task::yield_now;

/// Exchanges of the talking pair.
const MESSAGES: u64 = 20_000;

/// One test at a time: the other's spinning workers would take the CPU
/// this one's pair needs to take its turns quickly.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn steals(rt: &corio::Runtime) -> u64 {
    rt.metrics().worker.iter().map(|w| w.steals).sum()
}

/// A producer that yields after every send, and its consumer. Each yield
/// finds the consumer queued and wakes the idle worker. That worker watches
/// the busy one start poll after poll and leaves the queued task to it, but
/// for one task in every `MAX_DECLINED`. Before, it took one thousands of
/// times in 20,000 turns, and the pair ran on two cores, passing each
/// message between them.
#[test]
fn a_producer_and_its_consumer_stay_on_one_worker() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let rt = common::two_workers();
    let before = steals(&rt);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    rt.spawn(async move {
        // Spawned from inside, so the producer's spawn wakes no one.
        let (tx, rx) = channel::bounded::<u64>(1);
        corio::spawn(async move {
            for i in 0..MESSAGES {
                tx.send(i).await.unwrap();
                yield_now().await;
            }
        });
        let mut received = 0;
        while rx.recv().await.is_some() {
            received += 1;
        }
        done_tx.send(received).unwrap();
    });
    assert_eq!(common::recv(&done_rx), MESSAGES);
    let stolen = steals(&rt) - before;
    // 20,000 yields: 70-480 steals in a debug build with the turn-taking
    // rule, 3,000-3,500 without it.
    assert!(
        stolen < MESSAGES / 16,
        "{stolen} steals for {MESSAGES} yields"
    );
}

/// Where the spinners of the test below ran, and whether to go on.
#[derive(Default)]
struct Spinners {
    stop: AtomicBool,
    threads: std::sync::Mutex<Vec<std::thread::ThreadId>>,
    steps: AtomicU64,
}

/// Notes the thread, yields, until told to stop.
async fn spin(shared: Arc<Spinners>) {
    while !shared.stop.load(Ordering::Relaxed) {
        {
            let me = std::thread::current().id();
            let mut threads = shared.threads.lock().unwrap();
            if !threads.contains(&me) {
                threads.push(me);
            }
        }
        shared.steps.fetch_add(1, Ordering::Relaxed);
        yield_now().await;
    }
}

/// Two spinners; the partner is spawned from inside this task's own poll,
/// so no spawn wakes the other worker.
async fn spin_pair(shared: Arc<Spinners>) {
    let partner = corio::spawn(spin(shared.clone()));
    spin(shared).await;
    partner.await.unwrap();
}

/// Two tasks that never wait on each other and yield after every short
/// step, polls as short as the pair's above: they are not left together,
/// because at each turn both sit in the queue (the yielder behind the
/// other), and a thief leaves only a single queued task.
#[test]
fn two_tasks_that_only_compute_still_get_both_workers() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let rt = common::two_workers();
    let shared = Arc::new(Spinners::default());
    let spinners = rt.spawn(spin_pair(shared.clone()));
    // Until both workers have polled a spinner, bounded by LIMIT.
    let deadline = std::time::Instant::now() + common::LIMIT;
    while shared.threads.lock().unwrap().len() < 2 && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    shared.stop.store(true, Ordering::Relaxed);
    rt.block_on(common::bounded(spinners)).unwrap();
    let seen = shared.threads.lock().unwrap().len();
    assert_eq!(
        seen,
        2,
        "the spinners ran on {seen} worker(s) for {:?}",
        common::LIMIT
    );
    assert!(shared.steps.load(Ordering::Relaxed) > 0);
}

//! Volume and races: a million spawns, an abort storm, a wake storm from
//! foreign threads, and a hundred thousand concurrent timers. Sized to run
//! in seconds on two cores in a debug build.

mod common;

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use common::{Drops, Latch, Rng, block_on};
use corio::time::{Instant, sleep};

#[test]
#[cfg_attr(miri, ignore)]
fn a_million_spawned_tasks_complete() {
    const SPAWNERS: usize = 20;
    const BATCHES: usize = 100;
    const BATCH: usize = 500;
    const TASKS: usize = SPAWNERS * BATCHES * BATCH;
    let ran = Arc::new(AtomicUsize::new(0));
    block_on({
        let ran = ran.clone();
        async move {
            let spawners: Vec<_> = (0..SPAWNERS)
                .map(|_| {
                    let ran = ran.clone();
                    // Spawners run on the workers, so their spawns go to the
                    // local queues (and get stolen), as in a real program.
                    // Waiting for each batch keeps at most SPAWNERS * BATCH
                    // tasks alive, so memory stays small.
                    corio::spawn(async move {
                        for _ in 0..BATCHES {
                            let batch = Latch::new(BATCH);
                            for _ in 0..BATCH {
                                let (batch, ran) = (batch.clone(), ran.clone());
                                drop(corio::spawn(async move {
                                    ran.fetch_add(1, SeqCst);
                                    batch.count_down();
                                }));
                            }
                            batch.wait().await;
                        }
                    })
                })
                .collect();
            for spawner in spawners {
                spawner.await.unwrap();
            }
        }
    });
    assert_eq!(ran.load(SeqCst), TASKS);
}

#[test]
#[cfg_attr(miri, ignore)]
fn an_abort_storm_from_another_thread() {
    const TASKS: usize = 10_000;
    let drops = Drops::new(TASKS);
    block_on(async {
        let running = Latch::new(TASKS);
        let mut handles = Vec::with_capacity(TASKS);
        for i in 0..TASKS {
            let (tracked, running) = (drops.track(i), running.clone());
            handles.push(corio::spawn(async move {
                let _tracked = tracked;
                running.count_down();
                loop {
                    corio::task::yield_now().await;
                }
            }));
        }
        running.wait().await;
        let aborts: Vec<_> = handles.iter().map(|h| h.abort_handle()).collect();
        let aborter = std::thread::spawn(move || {
            // Reverse order, to meet tasks at every stage of their yield loop.
            for abort in aborts.iter().rev() {
                abort.abort();
            }
        });
        for handle in handles {
            assert!(handle.await.unwrap_err().is_cancelled());
        }
        common::threads::join(aborter);
        // The runtime is healthy after the storm.
        assert_eq!(corio::spawn(async { 1 }).await.unwrap(), 1);
    });
    drops.assert_each_dropped_once();
}

/// What a wake-storm task shares with the threads that wake it.
struct Target {
    /// Wakes delivered so far.
    delivered: AtomicUsize,
    waker: Mutex<Option<Waker>>,
    polls: AtomicUsize,
    in_poll: AtomicBool,
    overlapping_polls: AtomicUsize,
}

/// Completes once `target.delivered` reaches `want`; detects polls that
/// overlap (a task polled on two threads at once).
struct WaitForWakes {
    target: Arc<Target>,
    want: usize,
}

impl Future for WaitForWakes {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let t = &self.target;
        if t.in_poll.swap(true, SeqCst) {
            t.overlapping_polls.fetch_add(1, SeqCst);
        }
        t.polls.fetch_add(1, SeqCst);
        // Store the waker first, then check: a wake in between finds it.
        *t.waker.lock().unwrap() = Some(cx.waker().clone());
        let ready = t.delivered.load(SeqCst) >= self.want;
        t.in_poll.store(false, SeqCst);
        if ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_wake_storm_from_foreign_threads() {
    const TASKS: usize = 200;
    const THREADS: usize = 8;
    const ROUNDS: usize = 100;
    let targets: Vec<Arc<Target>> = (0..TASKS)
        .map(|_| {
            Arc::new(Target {
                delivered: AtomicUsize::new(0),
                waker: Mutex::new(None),
                polls: AtomicUsize::new(0),
                in_poll: AtomicBool::new(false),
                overlapping_polls: AtomicUsize::new(0),
            })
        })
        .collect();
    block_on(async {
        let handles: Vec<_> = targets
            .iter()
            .map(|target| {
                corio::spawn(WaitForWakes {
                    target: target.clone(),
                    want: THREADS * ROUNDS,
                })
            })
            .collect();
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let targets = targets.clone();
                std::thread::spawn(move || {
                    let mut rng = Rng::new(t as u64 + 1);
                    // Each thread wakes every task ROUNDS times, in its own
                    // random order: the same task from many threads at once,
                    // and different tasks from one thread.
                    let mut order: Vec<usize> = (0..ROUNDS * TASKS).map(|i| i % TASKS).collect();
                    for i in (1..order.len()).rev() {
                        order.swap(i, rng.below(i as u64 + 1) as usize);
                    }
                    for index in order {
                        let target = &targets[index];
                        target.delivered.fetch_add(1, SeqCst);
                        let waker = target.waker.lock().unwrap().clone();
                        if let Some(waker) = waker {
                            if index % 2 == 0 {
                                waker.wake();
                            } else {
                                waker.wake_by_ref();
                            }
                        }
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.await.unwrap();
        }
        for thread in threads {
            common::threads::join(thread);
        }
    });
    for target in &targets {
        assert_eq!(
            target.overlapping_polls.load(SeqCst),
            0,
            "polled twice at once"
        );
        let polls = target.polls.load(SeqCst);
        // Wakes coalesce; each poll after the first answers at least one wake.
        assert!((1..=THREADS * ROUNDS + 1).contains(&polls), "{polls} polls");
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_hundred_thousand_concurrent_timers_fire() {
    const TIMERS: usize = 100_000;
    const SPAWNERS: usize = 20;
    let early = Arc::new(AtomicUsize::new(0));
    block_on({
        let early = early.clone();
        async move {
            let done = Latch::new(TIMERS);
            for s in 0..SPAWNERS {
                let (done, early) = (done.clone(), early.clone());
                drop(corio::spawn(async move {
                    let mut rng = Rng::new(s as u64 + 1);
                    for _ in 0..TIMERS / SPAWNERS {
                        let duration = Duration::from_micros(1_000 + rng.below(19_000));
                        let (done, early) = (done.clone(), early.clone());
                        drop(corio::spawn(async move {
                            let s = sleep(duration);
                            let deadline = s.deadline();
                            s.await;
                            if Instant::now() < deadline {
                                early.fetch_add(1, SeqCst);
                            }
                            done.count_down();
                        }));
                    }
                }));
            }
            done.wait().await;
        }
    });
    assert_eq!(early.load(SeqCst), 0, "timers fired before their deadline");
}

/// A counter that tasks and threads signal and wait on (a reusable wake).
#[derive(Default)]
struct Signal {
    count: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}

impl Signal {
    fn signal(&self) {
        self.count.fetch_add(1, SeqCst);
        let waker = self.waker.lock().unwrap().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    async fn wait_for(&self, n: usize) {
        std::future::poll_fn(|cx| {
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            if self.count.load(SeqCst) >= n {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

/// Two tasks wake each other many times: each wait may park a worker, so a
/// lost wake-up in the park protocol shows up as a hang (bounded).
#[test]
#[cfg_attr(miri, ignore)]
fn tasks_ping_pong_without_losing_a_wake() {
    const ROUNDS: usize = 20_000;
    block_on(async {
        let (ping, pong) = (Arc::new(Signal::default()), Arc::new(Signal::default()));
        let a = {
            let (ping, pong) = (ping.clone(), pong.clone());
            corio::spawn(async move {
                for i in 1..=ROUNDS {
                    ping.signal();
                    pong.wait_for(i).await;
                }
            })
        };
        let b = corio::spawn(async move {
            for i in 1..=ROUNDS {
                ping.wait_for(i).await;
                pong.signal();
            }
        });
        a.await.unwrap();
        b.await.unwrap();
    });
}

/// A foreign thread and a task take turns: every turn the task parks its
/// worker and is woken from outside the runtime.
#[test]
#[cfg_attr(miri, ignore)]
fn a_foreign_thread_and_a_task_take_turns() {
    const ROUNDS: usize = 2_000;
    let runtime = corio::Runtime::builder().worker_threads(2).build().unwrap();
    let to_task = Arc::new(Signal::default());
    let (to_thread, from_task) = std::sync::mpsc::channel();
    let task = {
        let to_task = to_task.clone();
        runtime.spawn(async move {
            for i in 1..=ROUNDS {
                to_task.wait_for(i).await;
                to_thread.send(i).unwrap();
            }
        })
    };
    for i in 1..=ROUNDS {
        to_task.signal();
        assert_eq!(common::recv(&from_task), i);
    }
    runtime.block_on(common::bounded(task)).unwrap();
}

/// Short sleeps one after another on an otherwise idle runtime: each one
/// parks the driver with a fresh deadline.
#[test]
#[cfg_attr(miri, ignore)]
fn back_to_back_short_sleeps_on_an_idle_runtime() {
    block_on(async {
        corio::spawn(async {
            for i in 0..300u64 {
                let duration = Duration::from_micros(50 + (i % 7) * 100);
                let start = Instant::now();
                sleep(duration).await;
                assert!(start.elapsed() >= duration);
            }
        })
        .await
        .unwrap();
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn many_senders_and_receivers_on_a_one_slot_channel_lose_no_wake() {
    // Four senders and four receivers on two workers, all waiting on one
    // slot most of the time: every wake handed out while a waiter was
    // completing on its own retry must reach another waiter, or some
    // sender or receiver sleeps beside room or a message.
    for _ in 0..20 {
        block_on(async {
            let (tx, rx) = corio::sync::channel::bounded::<u32>(1);
            let senders: Vec<_> = (0..4)
                .map(|s| {
                    let tx = tx.clone();
                    corio::spawn(async move {
                        for i in 0..500 {
                            tx.send(s * 1_000 + i).await.unwrap();
                        }
                    })
                })
                .collect();
            drop(tx);
            let receivers: Vec<_> = (0..4)
                .map(|_| {
                    let rx = rx.clone();
                    corio::spawn(async move {
                        let mut count = 0;
                        while rx.recv().await.is_some() {
                            count += 1;
                        }
                        count
                    })
                })
                .collect();
            for sender in senders {
                sender.await.unwrap();
            }
            let mut total = 0;
            for receiver in receivers {
                total += receiver.await.unwrap();
            }
            assert_eq!(total, 2_000);
        });
    }
}

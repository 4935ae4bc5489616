//! `corio::sync` under no runtime at all: plain `std::thread`s, each driving
//! its futures with `futures_lite::future::block_on`. Every wait is bounded.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use corio::sync::channel::{self, TryRecvError, TrySendError};
use corio::sync::{Mutex, Notify, RwLock, Semaphore, TryAcquireError, WaitGroup, oneshot};
use futures_lite::future::block_on;

/// Longest any test waits for another thread before it fails (Miri is slow).
const PATIENCE: Duration = Duration::from_secs(if cfg!(miri) { 300 } else { 10 });

/// Rounds of the contention tests: Miri runs about a hundred times slower.
const ROUNDS: usize = if cfg!(miri) { 10 } else { 1_000 };

/// Runs `f` on its own thread and fails the test if it takes over `PATIENCE`.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(PATIENCE) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("timed out after {PATIENCE:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
    }
}

/// Drives `fut` to completion on its own thread, within `PATIENCE`.
fn run<F: Future<Output: Send + 'static> + Send + 'static>(fut: F) -> F::Output {
    bounded(move || block_on(fut))
}

/// A waker that records whether it was woken.
#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Flag {
    fn new() -> (Arc<Flag>, Waker) {
        let flag = Arc::new(Flag::default());
        (flag.clone(), Waker::from(flag))
    }

    fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

/// The text of a caught panic, whichever string type it carries.
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or_default()
            .to_owned(),
    }
}

fn poll_with<F: Future>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

// ---------------------------------------------------------------- channel

#[test]
fn channel_delivers_in_order_across_threads() {
    let (tx, rx) = channel::bounded(4);
    let producer = thread::spawn(move || {
        block_on(async {
            for i in 0..1_000 {
                tx.send(i).await.unwrap();
            }
        })
    });
    let got = run(async move {
        let mut got = Vec::new();
        while let Some(i) = rx.recv().await {
            got.push(i);
        }
        got
    });
    producer.join().unwrap();
    assert_eq!(got, (0..1_000).collect::<Vec<_>>());
}

#[test]
fn try_send_reports_full_and_closed_with_the_value() {
    let (tx, rx) = channel::bounded(2);
    assert_eq!(tx.try_send(1), Ok(()));
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!((tx.len(), rx.len(), tx.capacity()), (2, 2, Some(2)));
    drop(rx);
    assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)));
    let err = block_on(tx.send(5)).unwrap_err();
    assert_eq!(err.0, 5);
}

#[test]
fn receivers_drain_after_the_last_sender_drops() {
    let (tx, rx) = channel::unbounded();
    let tx2 = tx.clone();
    tx.try_send('a').unwrap();
    tx2.try_send('b').unwrap();
    drop(tx);
    assert!(!rx.is_closed(), "one sender is left");
    drop(tx2);
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Ok('a'));
    assert_eq!(block_on(rx.recv()), Some('b'));
    assert_eq!(block_on(rx.recv()), None);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn close_from_either_side_reports_the_first_call() {
    for side in 0..2 {
        let (tx, rx) = channel::bounded::<u8>(1);
        tx.try_send(1).unwrap();
        let first = if side == 0 { tx.close() } else { rx.close() };
        assert!(first);
        assert!(!tx.close() && !rx.close());
        assert!(tx.is_closed() && rx.is_closed());
        assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
        assert_eq!(rx.try_recv(), Ok(1), "a message sent before close is kept");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }
}

#[test]
fn len_and_is_empty_track_messages() {
    let (tx, rx) = channel::bounded(3);
    assert!(tx.is_empty() && rx.is_empty());
    for i in 1..=3 {
        tx.try_send(i).unwrap();
        assert_eq!(rx.len(), i);
    }
    rx.try_recv().unwrap();
    assert_eq!(tx.len(), 2);
    assert!(!rx.is_empty());
    assert_eq!(channel::unbounded::<u8>().0.capacity(), None);
}

#[test]
fn bounded_zero_panics_with_the_fix() {
    let err = std::panic::catch_unwind(|| channel::bounded::<u8>(0)).unwrap_err();
    let message = panic_message(err);
    assert!(message.contains("capacity of at least 1"), "{message}");
}

#[test]
fn a_full_channel_makes_send_wait_for_a_receive() {
    let (tx, rx) = channel::bounded(1);
    tx.try_send(0).unwrap();
    let (waker_flag, waker) = Flag::new();
    let mut send = pin!(tx.send(1));
    assert!(poll_with(send.as_mut(), &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(waker_flag.take(), "the receive woke the parked sender");
    assert_eq!(poll_with(send.as_mut(), &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn a_waiting_recv_polled_again_wakes_its_newest_waker_and_only_once_queued() {
    let (tx, rx) = channel::bounded::<u32>(1);
    let mut recv = pin!(rx.recv());
    let (first, first_waker) = Flag::new();
    let (second, second_waker) = Flag::new();
    // Queued with the first waker, polled again with the same one (the
    // lock-free path), then with another: that one must be the waker woken.
    for waker in [&first_waker, &first_waker, &second_waker] {
        let mut cx = Context::from_waker(waker);
        assert!(recv.as_mut().poll(&mut cx).is_pending());
    }
    tx.try_send(7).unwrap();
    assert!(second.take(), "the newest waker is woken");
    assert!(!first.take(), "the replaced waker is not");
    let mut cx = Context::from_waker(&second_waker);
    assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(7)));

    // A second receiver re-polled many times with one waker is still woken
    // by the next send: skipping the lock never drops it from the queue.
    let mut again = pin!(rx.recv());
    let mut cx = Context::from_waker(&first_waker);
    for _ in 0..3 {
        assert!(again.as_mut().poll(&mut cx).is_pending());
    }
    tx.try_send(8).unwrap();
    assert!(first.take());
    assert_eq!(again.as_mut().poll(&mut cx), Poll::Ready(Some(8)));

    // Woken (so taken off the queue), but another receiver took the value
    // first: polled again with the same waker, it must queue itself again.
    let mut late = pin!(rx.recv());
    assert!(late.as_mut().poll(&mut cx).is_pending());
    tx.try_send(9).unwrap();
    assert!(first.take());
    assert_eq!(rx.try_recv(), Ok(9));
    assert!(late.as_mut().poll(&mut cx).is_pending());
    tx.try_send(10).unwrap();
    assert!(
        first.take(),
        "a woken waiter that lost the race is queued again"
    );
    assert_eq!(late.as_mut().poll(&mut cx), Poll::Ready(Some(10)));
}

#[test]
fn recv_waits_for_a_send_from_another_thread() {
    let (tx, rx) = channel::bounded(1);
    let waiter = thread::spawn(move || block_on(rx.recv()));
    tx.try_send(42).unwrap();
    assert_eq!(bounded(move || waiter.join().unwrap()), Some(42));
}

#[test]
fn receiver_is_a_stream_that_ends_at_close() {
    use futures_lite::StreamExt;
    let (tx, rx) = channel::bounded(8);
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    drop(tx);
    let all: Vec<i32> = run(rx.collect());
    assert_eq!(all, [0, 1, 2, 3, 4]);
}

#[test]
fn a_dropped_recv_passes_its_wake_to_the_next_receiver() {
    let (tx, rx) = channel::bounded(1);
    let rx2 = rx.clone();
    let (flag_a, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = Box::pin(rx.recv());
    let mut b = pin!(rx2.recv());
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    tx.try_send(7).unwrap();
    assert!(
        flag_a.take() && !flag_b.take(),
        "FIFO: the first receiver is woken"
    );
    drop(a);
    assert!(flag_b.take(), "the wake passed on");
    assert_eq!(poll_with(b.as_mut(), &waker_b), Poll::Ready(Some(7)));
}

#[test]
fn a_dropped_send_passes_its_wake_to_the_next_sender() {
    let (tx, rx) = channel::bounded(1);
    tx.try_send(0).unwrap();
    let (flag_a, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = Box::pin(tx.send(1));
    let mut b = pin!(tx.send(2));
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    rx.try_recv().unwrap();
    assert!(flag_a.take() && !flag_b.take());
    drop(a);
    assert!(flag_b.take(), "the wake passed on");
    assert_eq!(poll_with(b.as_mut(), &waker_b), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn close_wakes_parked_receivers_and_senders() {
    let (tx, rx) = channel::bounded::<u8>(1);
    let (flag, waker) = Flag::new();
    let mut recv = pin!(rx.recv());
    assert!(poll_with(recv.as_mut(), &waker).is_pending());
    tx.close();
    assert!(flag.take());
    assert_eq!(poll_with(recv.as_mut(), &waker), Poll::Ready(None));

    let (tx, rx) = channel::bounded(1);
    tx.try_send(1).unwrap();
    let mut send = pin!(tx.send(2));
    assert!(poll_with(send.as_mut(), &waker).is_pending());
    drop(rx);
    assert!(flag.take());
    assert!(matches!(poll_with(send.as_mut(), &waker), Poll::Ready(Err(e)) if e.0 == 2));
}

#[test]
fn errors_print_without_debug_values() {
    struct Opaque;
    let (tx, rx) = channel::bounded(1);
    drop(rx);
    let err = tx.try_send(Opaque).unwrap_err();
    assert_eq!(format!("{err:?}"), "Closed(..)");
    assert_eq!(err.to_string(), "sending on a closed channel");
    let err = block_on(tx.send(Opaque)).unwrap_err();
    assert_eq!(format!("{err:?}"), "SendError { .. }");
    let boxed: Box<dyn std::error::Error> = Box::new(TryRecvError::Empty);
    assert_eq!(boxed.to_string(), "receiving on an empty channel");
}

#[test]
#[cfg_attr(miri, ignore = "800,000 messages take hours under Miri")]
fn stress_8_producers_8_consumers_every_message_once() {
    const PRODUCERS: usize = 8;
    const PER_PRODUCER: usize = 100_000;
    let (tx, rx) = channel::bounded::<usize>(64);
    let seen: Arc<Vec<AtomicBool>> = Arc::new(
        (0..PRODUCERS * PER_PRODUCER)
            .map(|_| AtomicBool::new(false))
            .collect(),
    );
    let received = Arc::new(AtomicUsize::new(0));
    let consumers: Vec<_> = (0..8)
        .map(|_| {
            let (rx, seen, received) = (rx.clone(), seen.clone(), received.clone());
            thread::spawn(move || {
                block_on(async {
                    while let Some(i) = rx.recv().await {
                        assert!(!seen[i].swap(true, Ordering::Relaxed), "message {i} twice");
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
        })
        .collect();
    drop(rx);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                block_on(async {
                    for i in 0..PER_PRODUCER {
                        tx.send(p * PER_PRODUCER + i).await.unwrap();
                    }
                })
            })
        })
        .collect();
    drop(tx);
    bounded(move || {
        producers
            .into_iter()
            .chain(consumers)
            .for_each(|t| t.join().unwrap());
    });
    assert_eq!(received.load(Ordering::Relaxed), PRODUCERS * PER_PRODUCER);
    assert!(
        seen.iter().all(|s| s.load(Ordering::Relaxed)),
        "every message arrived"
    );
}

// ---------------------------------------------------------------- oneshot

#[test]
fn oneshot_delivers_across_threads() {
    let (tx, rx) = oneshot::channel();
    thread::spawn(move || tx.send(String::from("done")).unwrap());
    assert_eq!(run(rx), Ok(String::from("done")));
}

#[test]
fn oneshot_sender_dropped_is_an_error() {
    let (tx, rx) = oneshot::channel::<u8>();
    thread::spawn(move || drop(tx));
    assert_eq!(run(rx), Err(oneshot::RecvError));
}

#[test]
fn oneshot_send_to_a_dropped_receiver_returns_the_value() {
    let (tx, rx) = oneshot::channel();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(vec![1]), Err(vec![1]));
}

#[test]
fn oneshot_closed_waits_for_the_receiver_to_go() {
    let (mut tx, rx) = oneshot::channel::<u8>();
    let (flag, waker) = Flag::new();
    {
        let mut closed = pin!(tx.closed());
        assert!(poll_with(closed.as_mut(), &waker).is_pending());
        drop(rx);
        assert!(flag.take(), "dropping the receiver woke `closed`");
        assert!(poll_with(closed.as_mut(), &waker).is_ready());
    }
    assert!(tx.is_closed());
}

#[test]
fn oneshot_close_keeps_a_value_sent_before_it() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(5).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(5));

    let (tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    assert_eq!(tx.send(6), Err(6));
    assert_eq!(run(rx), Err(oneshot::RecvError));
}

#[test]
fn oneshot_wakes_the_receiver_on_send() {
    let (tx, mut rx) = oneshot::channel();
    let (flag, waker) = Flag::new();
    assert!(poll_with(Pin::new(&mut rx), &waker).is_pending());
    let (_, other) = Flag::new();
    assert!(
        poll_with(Pin::new(&mut rx), &other).is_pending(),
        "waker replaced"
    );
    tx.send(1).unwrap();
    assert!(!flag.take(), "the replaced waker is not woken");
    assert_eq!(poll_with(Pin::new(&mut rx), &waker), Poll::Ready(Ok(1)));
}

// ---------------------------------------------------------------- Mutex

#[test]
fn mutex_excludes_across_threads() {
    let mutex = Arc::new(Mutex::new(0u64));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let mutex = mutex.clone();
            thread::spawn(move || {
                block_on(async {
                    for _ in 0..ROUNDS {
                        let mut guard = mutex.lock().await;
                        let seen = *guard;
                        thread::yield_now();
                        *guard = seen + 1;
                    }
                })
            })
        })
        .collect();
    bounded(move || threads.into_iter().for_each(|t| t.join().unwrap()));
    assert_eq!(*mutex.try_lock().unwrap(), 4 * ROUNDS as u64);
}

#[test]
fn mutex_hands_the_lock_over_in_fifo_order() {
    let mutex = Mutex::new(Vec::new());
    let guard = mutex.try_lock().unwrap();
    let (flags, wakers): (Vec<_>, Vec<_>) = (0..3).map(|_| Flag::new()).unzip();
    let mut locks: Vec<_> = (0..3).map(|_| Box::pin(mutex.lock())).collect();
    for (lock, waker) in locks.iter_mut().zip(&wakers) {
        assert!(poll_with(lock.as_mut(), waker).is_pending());
    }
    assert!(mutex.try_lock().is_err(), "others are waiting");
    drop(guard);
    for (i, (lock, waker)) in locks.iter_mut().zip(&wakers).enumerate() {
        assert!(flags[i].take(), "waiter {i} is next");
        let Poll::Ready(mut guard) = poll_with(lock.as_mut(), waker) else {
            panic!("waiter {i} was handed the lock");
        };
        guard.push(i);
    }
    drop(locks);
    assert_eq!(mutex.into_inner(), [0, 1, 2]);
}

#[test]
fn a_cancelled_lock_passes_the_lock_on() {
    let mutex = Mutex::new(());
    let guard = mutex.try_lock().unwrap();
    let (flag_a, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = Box::pin(mutex.lock());
    let mut b = pin!(mutex.lock());
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    drop(guard);
    assert!(flag_a.take() && !flag_b.take());
    drop(a);
    assert!(flag_b.take());
    assert!(poll_with(b.as_mut(), &waker_b).is_ready());
}

#[test]
fn mutex_get_mut_and_into_inner() {
    let mut mutex = Mutex::new(String::from("a"));
    mutex.get_mut().push('b');
    assert_eq!(format!("{mutex:?}"), r#"Mutex { value: "ab" }"#);
    assert_eq!(mutex.into_inner(), "ab");
}

// ---------------------------------------------------------------- RwLock

#[test]
fn rwlock_shares_reads_and_excludes_writes() {
    let lock = RwLock::new(1);
    let r1 = lock.try_read().unwrap();
    let r2 = lock.try_read().unwrap();
    assert_eq!(*r1 + *r2, 2);
    assert!(lock.try_write().is_err());
    drop((r1, r2));
    let mut w = lock.try_write().unwrap();
    *w = 3;
    assert!(lock.try_read().is_err());
    drop(w);
    assert_eq!(*block_on(lock.read()), 3);
}

#[test]
fn a_waiting_writer_blocks_later_readers() {
    let lock = RwLock::new(0);
    let read = lock.try_read().unwrap();
    let (writer_flag, writer_waker) = Flag::new();
    let (reader_flag, reader_waker) = Flag::new();
    let mut write = pin!(lock.write());
    assert!(poll_with(write.as_mut(), &writer_waker).is_pending());
    assert!(lock.try_read().is_err(), "a writer is in line");
    let mut late_read = pin!(lock.read());
    assert!(poll_with(late_read.as_mut(), &reader_waker).is_pending());
    drop(read);
    assert!(writer_flag.take() && !reader_flag.take());
    let Poll::Ready(mut guard) = poll_with(write.as_mut(), &writer_waker) else {
        panic!("the writer holds the lock");
    };
    *guard = 9;
    drop(guard);
    assert!(reader_flag.take());
    assert!(matches!(poll_with(late_read.as_mut(), &reader_waker), Poll::Ready(g) if *g == 9));
}

#[test]
fn rwlock_get_mut_and_into_inner() {
    let mut lock = RwLock::new(vec![1]);
    lock.get_mut().push(2);
    assert_eq!(lock.into_inner(), [1, 2]);
}

// ---------------------------------------------------------------- Semaphore

#[test]
fn permits_go_back_on_drop_and_stay_out_on_forget() {
    let semaphore = Semaphore::new(3);
    let two = semaphore.try_acquire_many(2).unwrap();
    assert_eq!(semaphore.available_permits(), 1);
    drop(two);
    assert_eq!(semaphore.available_permits(), 3);
    semaphore.try_acquire().unwrap().forget();
    assert_eq!(semaphore.available_permits(), 2);
}

#[test]
fn a_large_waiter_at_the_head_blocks_smaller_ones() {
    let semaphore = Semaphore::new(1);
    let (big_flag, big_waker) = Flag::new();
    let (small_flag, small_waker) = Flag::new();
    let mut big = pin!(semaphore.acquire_many(3));
    let mut small = pin!(semaphore.acquire());
    assert!(poll_with(big.as_mut(), &big_waker).is_pending());
    assert!(poll_with(small.as_mut(), &small_waker).is_pending(), "FIFO");
    assert_eq!(
        semaphore.try_acquire().unwrap_err(),
        TryAcquireError::NoPermits
    );
    semaphore.add_permits(2);
    assert!(big_flag.take() && !small_flag.take());
    let Poll::Ready(Ok(permit)) = poll_with(big.as_mut(), &big_waker) else {
        panic!("the head got its 3 permits");
    };
    assert_eq!(permit.num_permits(), 3);
    drop(permit);
    assert!(small_flag.take());
    assert!(matches!(
        poll_with(small.as_mut(), &small_waker),
        Poll::Ready(Ok(_))
    ));
}

#[test]
fn a_cancelled_grant_returns_its_permits() {
    let semaphore = Semaphore::new(0);
    let (flag_a, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = Box::pin(semaphore.acquire());
    let mut b = pin!(semaphore.acquire());
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    semaphore.add_permits(1);
    assert!(flag_a.take() && !flag_b.take());
    assert_eq!(semaphore.available_permits(), 0, "granted to the head");
    drop(a);
    assert!(flag_b.take(), "the permit passed on");
    assert!(matches!(
        poll_with(b.as_mut(), &waker_b),
        Poll::Ready(Ok(_))
    ));
}

#[test]
fn closing_fails_waiting_and_later_acquires() {
    let semaphore = Semaphore::new(0);
    let (flag, waker) = Flag::new();
    let mut waiting = pin!(semaphore.acquire());
    assert!(poll_with(waiting.as_mut(), &waker).is_pending());
    semaphore.close();
    assert!(flag.take() && semaphore.is_closed());
    assert!(matches!(
        poll_with(waiting.as_mut(), &waker),
        Poll::Ready(Err(_))
    ));
    assert!(block_on(semaphore.acquire()).is_err());
    assert_eq!(
        semaphore.try_acquire().unwrap_err(),
        TryAcquireError::Closed
    );
}

#[test]
fn owned_permits_limit_concurrency_across_threads() {
    let semaphore = Arc::new(Semaphore::new(2));
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (semaphore, inside, most) = (semaphore.clone(), inside.clone(), most.clone());
            thread::spawn(move || {
                block_on(async {
                    for _ in 0..ROUNDS {
                        let permit = semaphore.clone().acquire_owned().await.unwrap();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(permit);
                    }
                })
            })
        })
        .collect();
    bounded(move || threads.into_iter().for_each(|t| t.join().unwrap()));
    assert!(most.load(Ordering::SeqCst) <= 2);
    assert_eq!(semaphore.available_permits(), 2);
}

// ---------------------------------------------------------------- Notify

#[test]
fn notify_one_stores_a_single_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    block_on(notify.notified());
    let mut second = pin!(notify.notified());
    assert!(
        poll_with(second.as_mut(), Waker::noop()).is_pending(),
        "only one permit"
    );
}

#[test]
fn notify_one_wakes_waiters_in_order() {
    let notify = Notify::new();
    let (flag_a, waker_a) = Flag::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = pin!(notify.notified());
    let mut b = pin!(notify.notified());
    assert!(poll_with(a.as_mut(), &waker_a).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    notify.notify_one();
    assert!(flag_a.take() && !flag_b.take());
    assert!(poll_with(a.as_mut(), &waker_a).is_ready());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
}

#[test]
fn notify_waiters_wakes_all_current_and_stores_nothing() {
    let notify = Notify::new();
    let (flag, waker) = Flag::new();
    let mut polled = pin!(notify.notified());
    assert!(poll_with(polled.as_mut(), &waker).is_pending());
    let mut unpolled = pin!(notify.notified());
    notify.notify_waiters();
    assert!(flag.take());
    assert!(poll_with(polled.as_mut(), &waker).is_ready());
    assert!(
        poll_with(unpolled.as_mut(), &waker).is_ready(),
        "created before the call"
    );
    let mut later = pin!(notify.notified());
    assert!(
        poll_with(later.as_mut(), &waker).is_pending(),
        "no permit stored"
    );
}

#[test]
fn a_cancelled_notified_passes_the_signal_on() {
    let notify = Notify::new();
    let (flag_b, waker_b) = Flag::new();
    let mut a = Box::pin(notify.notified());
    let mut b = pin!(notify.notified());
    assert!(poll_with(a.as_mut(), Waker::noop()).is_pending());
    assert!(poll_with(b.as_mut(), &waker_b).is_pending());
    notify.notify_one();
    drop(a);
    assert!(flag_b.take());
    assert!(poll_with(b.as_mut(), &waker_b).is_ready());
}

#[test]
fn notify_signals_across_threads() {
    let notify = Arc::new(Notify::new());
    let waiter = {
        let notify = notify.clone();
        thread::spawn(move || block_on(notify.notified()))
    };
    notify.notify_one();
    bounded(move || waiter.join().unwrap());
}

// ---------------------------------------------------------------- WaitGroup

#[test]
fn wait_group_waits_for_every_done() {
    let wg = WaitGroup::new();
    let finished = Arc::new(AtomicUsize::new(0));
    for _ in 0..8 {
        wg.add(1);
        let (wg, finished) = (wg.clone(), finished.clone());
        thread::spawn(move || {
            finished.fetch_add(1, Ordering::SeqCst);
            wg.done();
        });
    }
    let waiting = wg.clone();
    run(async move { waiting.wait().await });
    assert_eq!(finished.load(Ordering::SeqCst), 8);
}

#[test]
fn wait_group_wait_pends_until_zero_and_can_be_reused() {
    let wg = WaitGroup::new();
    block_on(wg.wait());
    wg.add(2);
    let (flag, waker) = Flag::new();
    let mut wait = pin!(wg.wait());
    assert!(poll_with(wait.as_mut(), &waker).is_pending());
    wg.done();
    assert!(!flag.take());
    wg.done();
    assert!(flag.take());
    assert!(poll_with(wait.as_mut(), &waker).is_ready());
    wg.add(1);
    let mut again = pin!(wg.wait());
    assert!(poll_with(again.as_mut(), &waker).is_pending());
}

#[test]
fn wait_group_below_zero_panics_like_go() {
    let wg = WaitGroup::new();
    wg.add(1);
    wg.done();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wg.done())).unwrap_err();
    assert_eq!(panic_message(err), "sync: negative WaitGroup counter");
}

//! `corio::sync`'s locks and signals (Mutex, RwLock, WaitGroup,
//! oneshot's drop) under no runtime at all: plain `std::thread`s, each driving
//! its futures with `futures_lite::future::block_on`. Every wait is bounded.
//! The channels are in `channel.rs` and `oneshot.rs`, `Notify` in
//! `notify.rs`, the semaphore in `semaphore.rs`.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::thread;

use common::panic_message;
use common::threads::{Flag, ROUNDS, on_thread, poll_with, run};
use corio::sync::{Mutex, RwLock, WaitGroup};
use futures_lite::future::block_on;

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
    on_thread(move || threads.into_iter().for_each(|t| t.join().unwrap()));
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

/// An owned lock waits in the same line as the borrowed ones and is
/// handed the lock in its turn; its guard can leave the thread that took it.
#[test]
fn an_owned_lock_waits_its_turn_and_its_guard_moves_across_threads() {
    let mutex = Arc::new(Mutex::new(Vec::new()));
    let first = mutex.try_lock().unwrap();
    let (flag_owned, waker_owned) = Flag::new();
    let (flag_next, waker_next) = Flag::new();
    let mut owned = Box::pin(mutex.clone().lock_owned());
    let mut next = Box::pin(mutex.lock());
    assert!(poll_with(owned.as_mut(), &waker_owned).is_pending());
    assert!(poll_with(next.as_mut(), &waker_next).is_pending());
    drop(first);
    assert!(
        flag_owned.take() && !flag_next.take(),
        "FIFO: the owned lock is next"
    );
    let Poll::Ready(mut guard) = poll_with(owned.as_mut(), &waker_owned) else {
        panic!("the owned lock was handed the lock");
    };
    guard.push("owned");
    assert!(
        !flag_next.take() && poll_with(next.as_mut(), &waker_next).is_pending(),
        "the owned guard holds the lock"
    );
    // Unlocked on another thread, by the guard that moved there.
    on_thread(move || thread::spawn(move || drop(guard)).join().unwrap());
    assert!(flag_next.take());
    let Poll::Ready(mut guard) = poll_with(next.as_mut(), &waker_next) else {
        panic!("the next waiter was handed the lock");
    };
    guard.push("next");
    drop(guard);
    let last = mutex.try_lock().unwrap();
    assert!(mutex.try_lock().is_err(), "one permit, never two");
    assert_eq!(*last, ["owned", "next"]);
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
    assert_eq!(*common::threads::at_once(lock.read()), 3);
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

/// A downgrade lets the reader at the head of the line in at once, and a
/// writer in line keeps waiting (with the reader behind it) until every
/// read lock is gone.
#[test]
fn a_downgrade_admits_the_waiting_reader_and_not_the_writer() {
    let lock = RwLock::new(0);
    let mut write = lock.try_write().unwrap();
    let (flag_r1, waker_r1) = Flag::new();
    let (flag_w, waker_w) = Flag::new();
    let (flag_r2, waker_r2) = Flag::new();
    let mut r1 = Box::pin(lock.read());
    let mut w = Box::pin(lock.write());
    let mut r2 = Box::pin(lock.read());
    assert!(poll_with(r1.as_mut(), &waker_r1).is_pending());
    assert!(poll_with(w.as_mut(), &waker_w).is_pending());
    assert!(poll_with(r2.as_mut(), &waker_r2).is_pending());
    *write = 1;
    let read = write.downgrade(); // a method, as tokio's
    assert!(flag_r1.take(), "the reader at the head enters");
    let Poll::Ready(r1_guard) = poll_with(r1.as_mut(), &waker_r1) else {
        panic!("the first reader was let in");
    };
    assert_eq!((*read, *r1_guard), (1, 1));
    assert!(
        !flag_w.take() && !flag_r2.take(),
        "the writer waits, the reader behind it too"
    );
    drop((read, r1_guard));
    assert!(flag_w.take(), "the writer goes once both readers left");
    let Poll::Ready(w_guard) = poll_with(w.as_mut(), &waker_w) else {
        panic!("the writer was handed the lock");
    };
    drop(w_guard);
    assert!(flag_r2.take());
    assert!(poll_with(r2.as_mut(), &waker_r2).is_ready());
}

#[test]
fn rwlock_get_mut_and_into_inner() {
    let mut lock = RwLock::new(vec![1]);
    lock.get_mut().push(2);
    assert_eq!(lock.into_inner(), [1, 2]);
}

// ---------------------------------------------------------------- WaitGroup

#[test]
fn wait_group_waits_for_every_done() {
    let wg = WaitGroup::new();
    let finished = Arc::new(AtomicUsize::new(0));
    // The workers start only once the wait is seen pending: a wait that
    // returned early would show here, not by luck of the scheduling.
    let gate = Arc::new(std::sync::Barrier::new(9));
    for _ in 0..8 {
        wg.add(1);
        let (wg, finished, gate) = (wg.clone(), finished.clone(), gate.clone());
        thread::spawn(move || {
            gate.wait();
            finished.fetch_add(1, Ordering::SeqCst);
            wg.done();
        });
    }
    let (_, waker) = Flag::new();
    assert!(poll_with(pin!(wg.wait()), &waker).is_pending());
    gate.wait();
    let waiting = wg.clone();
    run(async move { waiting.wait().await });
    assert_eq!(finished.load(Ordering::SeqCst), 8);
}

#[test]
fn wait_group_wait_pends_until_zero_and_can_be_reused() {
    let wg = WaitGroup::new();
    common::threads::at_once(wg.wait());
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
    assert_eq!(panic_message(&*err), "sync: negative WaitGroup counter");
}

/// A oneshot half dropped while the other half's task waits wakes it with
/// the waker that task left: if that waker panics, the panic stops in the
/// oneshot, as in every other primitive (dropped during an unwind, a panic
/// escaping a `Drop` would abort the process).
#[test]
fn a_panicking_waker_does_not_unwind_out_of_a_oneshot_drop() {
    use std::future::Future;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::task::{Context, Wake};

    struct Panics;
    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("this waker panics");
        }
    }
    let bad = Waker::from(Arc::new(Panics));

    // The receiver waits; the sender is dropped.
    let (tx, mut rx) = corio::sync::oneshot::channel::<u8>();
    assert!(
        std::pin::Pin::new(&mut rx)
            .poll(&mut Context::from_waker(&bad))
            .is_pending()
    );
    assert!(
        catch_unwind(AssertUnwindSafe(|| drop(tx))).is_ok(),
        "the waker's panic escaped the sender's drop"
    );
    assert!(poll_with(std::pin::Pin::new(&mut rx), Waker::noop()).is_ready());

    // The sender waits for `closed`; the receiver is dropped.
    let (mut tx, rx) = corio::sync::oneshot::channel::<u8>();
    assert!(tx.poll_closed(&mut Context::from_waker(&bad)).is_pending());
    assert!(
        catch_unwind(AssertUnwindSafe(|| drop(rx))).is_ok(),
        "the waker's panic escaped the receiver's drop"
    );
    assert!(tx.is_closed());
}

// ---------------------------------------------------------- blocking_*

/// `blocking_lock` parks a plain thread until the holder lets go, and the
/// lock then passes to it.
#[test]
fn blocking_lock_waits_for_the_holder_on_another_thread() {
    let mutex = Arc::new(Mutex::new(Vec::new()));
    let mut held = mutex.try_lock().unwrap();
    let (probe_tx, probe) = std::sync::mpsc::channel();
    let (done_tx, done) = std::sync::mpsc::channel();
    let waiter = {
        let mutex = mutex.clone();
        thread::spawn(move || {
            probe_tx
                .send(common::threads::this_thread_asleep())
                .unwrap();
            mutex.blocking_lock().push("waiter");
            done_tx.send(()).unwrap();
        })
    };
    // Once the waiter's thread is asleep it is inside `blocking_lock` (the
    // steps before it sleep only if an allocation waits on the allocator's
    // lock, which is rare). A `blocking_lock` that did not wait would
    // have ended the thread instead, which the probe also reports, and then
    // `done` holds its message.
    let asleep = common::recv(&probe);
    common::threads::until("the waiter never slept", asleep);
    assert!(
        done.try_recv().is_err(),
        "blocking_lock returned while another guard held the lock"
    );
    held.push("holder");
    drop(held);
    common::recv(&done);
    on_thread(move || waiter.join().unwrap());
    assert_eq!(*mutex.try_lock().unwrap(), ["holder", "waiter"]);
}

/// The channel's and the oneshot's blocking halves bridge a plain thread
/// and async code, and `blocking_recv` ends with `None` once the channel
/// closes.
#[test]
fn blocking_send_and_recv_bridge_threads_until_close() {
    let (tx, rx) = corio::sync::channel::bounded(1);
    let (done_tx, done_rx) = corio::sync::oneshot::channel();
    let consumer = thread::spawn(move || {
        let mut got = Vec::new();
        while let Some(i) = rx.blocking_recv() {
            got.push(i);
        }
        done_tx.send(got.len()).unwrap();
        got
    });
    // On a bounded thread: a lost wake in `blocking_recv` would hang the
    // sends, not the test.
    on_thread(move || {
        for i in 0..5 {
            tx.blocking_send(i).unwrap();
        }
    });
    assert_eq!(on_thread(move || done_rx.blocking_recv()), Ok(5));
    assert_eq!(on_thread(move || consumer.join().unwrap()), [0, 1, 2, 3, 4]);
}

/// Inside a runtime the blocking halves panic with the fix, instead of
/// parking a worker that the holder may need.
#[test]
fn blocking_methods_panic_inside_a_runtime() {
    let mutex = Arc::new(Mutex::new(()));
    let caught = on_thread(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            corio::block_on(async { drop(mutex.blocking_lock()) })
        }))
    });
    let message = panic_message(&*caught.unwrap_err());
    assert!(
        message.contains("Mutex::blocking_lock") && message.contains("inside a corio runtime"),
        "{message}"
    );
}

// ------------------------------------------------------------ guards print

/// Every lock guard prints as the value (or the part) it points at, with
/// `{}` and `{:?}`, as tokio's guards do.
#[test]
fn every_guard_prints_its_value() {
    use corio::sync::{
        MutexGuard, OwnedMutexGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLockReadGuard,
        RwLockWriteGuard,
    };
    fn prints_one(guard: impl std::fmt::Display + std::fmt::Debug) {
        assert_eq!(format!("{guard}"), "one");
        assert_eq!(format!("{guard:?}"), "\"one\"");
    }
    let pair = || (String::from("one"), 2);
    let mutex = Arc::new(Mutex::new(String::from("one")));
    prints_one(mutex.try_lock().unwrap());
    prints_one(mutex.clone().try_lock_owned().unwrap());
    let mutex = Arc::new(Mutex::new(pair()));
    prints_one(MutexGuard::map(mutex.try_lock().unwrap(), |p| &mut p.0));
    prints_one(OwnedMutexGuard::map(
        mutex.clone().try_lock_owned().unwrap(),
        |p| &mut p.0,
    ));

    let lock = Arc::new(RwLock::new(String::from("one")));
    prints_one(lock.try_read().unwrap());
    prints_one(lock.try_write().unwrap());
    prints_one(lock.clone().try_read_owned().unwrap());
    prints_one(lock.clone().try_write_owned().unwrap());
    let lock = Arc::new(RwLock::new(pair()));
    prints_one(RwLockReadGuard::map(lock.try_read().unwrap(), |p| &p.0));
    prints_one(OwnedRwLockReadGuard::map(
        lock.clone().try_read_owned().unwrap(),
        |p| &p.0,
    ));
    prints_one(RwLockWriteGuard::map(lock.try_write().unwrap(), |p| {
        &mut p.0
    }));
    prints_one(OwnedRwLockWriteGuard::map(
        lock.clone().try_write_owned().unwrap(),
        |p| &mut p.0,
    ));
}

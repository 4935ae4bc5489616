//! Each guard releases the mutex's one permit exactly once: a guard that
//! released it twice would let two holders in, one that never did would
//! leave the mutex locked for good.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::{Mutex, MutexGuard};

/// Locked by one holder, unlocked when it is dropped, and never by two.
fn assert_unlocked_once<T>(mutex: &Mutex<T>) {
    let holder = mutex.try_lock().expect("unlocked");
    assert!(mutex.try_lock().is_err(), "a second holder got in");
    drop(holder);
}

#[test]
fn a_mapped_guard_holds_the_lock_and_releases_it_once() {
    let mutex = Mutex::new((1, vec![2]));
    let mut part = MutexGuard::map(mutex.try_lock().unwrap(), |pair| &mut pair.1);
    part.push(3);
    assert!(mutex.try_lock().is_err(), "locked through the part");
    drop(part);
    assert_unlocked_once(&mutex);
    assert_eq!(mutex.into_inner(), (1, vec![2, 3]));
}

#[test]
fn a_failed_try_map_gives_the_guard_back_locked() {
    let mutex = Mutex::new(vec![1]);
    let guard = MutexGuard::try_map(mutex.try_lock().unwrap(), |v| v.get_mut(9)).unwrap_err();
    assert!(mutex.try_lock().is_err(), "still locked");
    drop(guard);
    assert_unlocked_once(&mutex);
}

#[test]
fn an_owned_guard_keeps_the_mutex_alive_and_releases_it_once() {
    let mutex = Arc::new(Mutex::new(String::from("a")));
    let mut guard = mutex.clone().try_lock_owned().unwrap();
    assert!(mutex.clone().try_lock_owned().is_err());
    let weak = Arc::downgrade(&mutex);
    drop(mutex);
    guard.push('b');
    let mutex = weak.upgrade().expect("the guard keeps the mutex alive");
    drop(guard);
    assert_unlocked_once(&mutex);
    assert_eq!(*mutex.try_lock().unwrap(), "ab");
}

#[test]
fn lock_owned_releases_its_permit_once() {
    let mutex = Arc::new(Mutex::new(0));
    let mut guard = futures_lite::future::block_on(mutex.clone().lock_owned());
    *guard += 1;
    assert!(mutex.try_lock().is_err(), "held by the owned guard");
    drop(guard);
    assert_unlocked_once(&mutex);
}

#[test]
fn a_panic_in_the_map_closure_unlocks_once() {
    let mutex = Mutex::new(0);
    let mapped = catch_unwind(AssertUnwindSafe(|| {
        MutexGuard::map(mutex.try_lock().unwrap(), |_| -> &mut i32 {
            panic!("no part")
        })
    }));
    assert!(mapped.is_err());
    assert_unlocked_once(&mutex);
}

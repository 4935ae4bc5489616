//! Each guard releases the mutex's one permit exactly once: a guard that
//! released it twice would let two holders in, one that never did would
//! leave the mutex locked for good.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::{MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard};

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

#[test]
fn a_mapped_guard_maps_again_and_still_releases_once() {
    let mutex = Mutex::new((0, (1, vec![2])));
    let inner = MutexGuard::map(mutex.try_lock().unwrap(), |t| &mut t.1);
    let inner = MappedMutexGuard::try_map(inner, |pair| pair.1.get_mut(5)).unwrap_err();
    let mut list = MappedMutexGuard::map(inner, |pair| &mut pair.1);
    list.push(3);
    assert!(
        mutex.try_lock().is_err(),
        "locked through the part of a part"
    );
    drop(list);
    assert_unlocked_once(&mutex);
    assert_eq!(mutex.into_inner().1.1, [2, 3]);
}

#[test]
fn an_owned_mapped_guard_keeps_the_mutex_alive_and_releases_it_once() {
    let mutex = Arc::new(Mutex::new((1, String::from("a"))));
    let guard = mutex.clone().try_lock_owned().unwrap();
    let guard = OwnedMutexGuard::try_map(guard, |t| (t.0 == 2).then_some(&mut t.1)).unwrap_err();
    let mut text = OwnedMutexGuard::map(guard, |t| &mut t.1);
    let weak = Arc::downgrade(&mutex);
    drop(mutex);
    text.push('b');
    let mut text = OwnedMappedMutexGuard::map(text, |s| s);
    text.push('c');
    let mutex = weak.upgrade().expect("the guard keeps the mutex alive");
    assert!(mutex.try_lock().is_err(), "locked through the part");
    drop(text);
    assert_unlocked_once(&mutex);
    assert_eq!(Arc::strong_count(&mutex), 1, "the guard let go of the Arc");
    assert_eq!(mutex.try_lock().unwrap().1, "abc");
}

#[test]
fn a_panic_in_an_owned_map_closure_unlocks_once() {
    let mutex = Arc::new(Mutex::new(0));
    let guard = mutex.clone().try_lock_owned().unwrap();
    let mapped = catch_unwind(AssertUnwindSafe(|| {
        OwnedMutexGuard::map(guard, |_| -> &mut i32 { panic!("no part") })
    }));
    assert!(mapped.is_err());
    assert_unlocked_once(&mutex);
    assert_eq!(Arc::strong_count(&mutex), 1);
}

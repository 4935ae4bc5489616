//! Permit accounting of the guards: a downgrade gives back all permits but
//! one, exactly once; an owned guard releases what it took.

use std::sync::Arc;

use super::{OwnedRwLockWriteGuard, RwLock, RwLockWriteGuard};

#[test]
fn a_downgraded_write_lock_lets_readers_in_and_writers_wait() {
    let lock = RwLock::new(1);
    let mut write = lock.try_write().unwrap();
    *write = 2;
    let read = RwLockWriteGuard::downgrade(write);
    let other = lock.try_read().expect("readers share a downgraded lock");
    assert!(lock.try_write().is_err(), "still held for reading");
    assert_eq!(*read + *other, 4);
    drop(other);
    assert!(
        lock.try_write().is_err(),
        "the downgraded guard still reads"
    );
    drop(read);
    let _write = lock.try_write().expect("free once every reader left");
    assert!(lock.try_read().is_err(), "no permit was given back twice");
}

#[test]
fn owned_guards_release_what_they_took_and_downgrade_like_borrowed_ones() {
    let lock = Arc::new(RwLock::new(String::from("a")));
    let mut write = lock.clone().try_write_owned().unwrap();
    write.push('b');
    assert!(lock.clone().try_read_owned().is_err());
    let read = OwnedRwLockWriteGuard::downgrade(write);
    let other = lock.clone().try_read_owned().unwrap();
    assert!(lock.try_write().is_err());
    assert_eq!((read.as_str(), other.as_str()), ("ab", "ab"));
    drop((read, other));
    assert_eq!(Arc::strong_count(&lock), 1, "the guards let go of the Arc");
    let _write = lock.try_write().expect("free once every reader left");
    assert!(lock.try_read().is_err(), "no permit was given back twice");
}

//! Permit accounting of the guards: a downgrade gives back all permits but
//! one, exactly once; an owned guard releases what it took.

use std::sync::Arc;

use super::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};

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

/// Holds `n` more read guards at once and says whether they fit and one
/// more does not.
fn readers_fit<T>(lock: &RwLock<T>, n: usize) -> bool {
    let held: Vec<_> = (0..n).map(|_| lock.try_read()).collect();
    held.iter().all(Result::is_ok) && lock.try_read().is_err()
}

#[test]
fn a_reader_limit_caps_readers_and_the_writer_takes_every_permit() {
    let lock = RwLock::with_max_readers(0_u8, 3);
    assert!(readers_fit(&lock, 3), "three readers and no fourth");
    let read = lock.try_read().unwrap();
    assert!(
        lock.try_write().is_err(),
        "a reader holds one of the permits"
    );
    drop(read);
    let write = lock.try_write().expect("free again");
    assert!(lock.try_read().is_err(), "the writer took all three");
    drop(write);
    assert!(readers_fit(&lock, 3), "the writer gave back three, no more");
}

#[test]
#[should_panic(expected = "at least one reader")]
fn a_reader_limit_of_zero_is_refused() {
    let _ = RwLock::with_max_readers((), 0);
}

#[test]
#[should_panic(expected = "at most")]
fn a_reader_limit_beyond_the_semaphore_is_refused() {
    let _ = RwLock::with_max_readers((), u32::MAX);
}

#[test]
fn mapped_guards_keep_their_permits_and_give_them_back_once() {
    let lock = RwLock::with_max_readers(0_u8, 3);

    let read = RwLockReadGuard::map(lock.try_read().unwrap(), |v| v);
    assert!(readers_fit(&lock, 2), "the mapped reader keeps its permit");
    drop(read);
    assert!(readers_fit(&lock, 3));

    let write = RwLockWriteGuard::map(lock.try_write().unwrap(), |v| v);
    let mut write = RwLockMappedWriteGuard::map(write, |v| v);
    *write = 9;
    assert!(
        lock.try_read().is_err(),
        "the mapped writer keeps every permit"
    );
    drop(write);
    assert!(
        readers_fit(&lock, 3),
        "a dropped mapped writer gives all back"
    );
    assert_eq!(*lock.try_read().unwrap(), 9);

    drop(RwLockWriteGuard::map(lock.try_write().unwrap(), |v| v));
    assert!(
        readers_fit(&lock, 3),
        "a dropped mapped writer gives back three"
    );
}

#[test]
fn owned_mapped_guards_keep_their_permits_and_the_arc() {
    let lock = Arc::new(RwLock::with_max_readers((1_u8, 2_u8), 2));

    let read = OwnedRwLockReadGuard::map(lock.clone().try_read_owned().unwrap(), |t| &t.1);
    assert_eq!(*read, 2);
    let other = lock.try_read().expect("two readers fit");
    assert!(
        lock.try_read().is_err(),
        "the mapped reader keeps its permit"
    );
    drop((read, other));

    let write = OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |t| t);
    let mut write = OwnedRwLockMappedWriteGuard::map(write, |t| &mut t.0);
    *write = 5;
    assert!(
        lock.try_read().is_err(),
        "the mapped writer keeps every permit"
    );
    drop(write);
    let (a, b) = (lock.try_read().unwrap(), lock.try_read().unwrap());
    assert_eq!((a.0, b.0), (5, 5), "a dropped mapped writer gives all back");
    drop((a, b));
    assert_eq!(Arc::strong_count(&lock), 1, "the guards let go of the Arc");

    drop(OwnedRwLockWriteGuard::map(
        lock.clone().try_write_owned().unwrap(),
        |t| t,
    ));
    let both = (lock.try_read(), lock.try_read());
    assert!(both.0.is_ok() && both.1.is_ok() && lock.try_read().is_err());
}

/// Whether every permit of `lock` is free: a writer gets in, and after it
/// `max_readers` readers do, and not one more.
fn all_permits_free(lock: &RwLock<u8>, max_readers: usize) -> bool {
    let writer_fits = lock.try_write().is_ok();
    writer_fits && readers_fit(lock, max_readers)
}

#[test]
fn a_panic_in_a_map_closure_releases_each_guards_permits_once() {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    let lock = RwLock::with_max_readers(0u8, 3);
    let panics = |f: &dyn Fn()| catch_unwind(AssertUnwindSafe(f)).is_err();
    assert!(panics(&|| {
        let _ = RwLockWriteGuard::map(lock.try_write().unwrap(), |_| -> &mut u8 {
            panic!("no part")
        });
    }));
    assert!(panics(&|| {
        let _ = RwLockReadGuard::map(lock.try_read().unwrap(), |_| -> &u8 { panic!("no part") });
    }));
    assert!(panics(&|| {
        let mapped = RwLockWriteGuard::map(lock.try_write().unwrap(), |v| v);
        let _ = RwLockMappedWriteGuard::map(mapped, |_| -> &mut u8 { panic!("no part") });
    }));
    assert!(all_permits_free(&lock, 3));

    let lock = Arc::new(RwLock::with_max_readers(0u8, 3));
    assert!(panics(&|| {
        let _ =
            OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |_| -> &mut u8 {
                panic!("no part")
            });
    }));
    assert!(panics(&|| {
        let _ = OwnedRwLockReadGuard::map(lock.clone().try_read_owned().unwrap(), |_| -> &u8 {
            panic!("no part")
        });
    }));
    assert_eq!(Arc::strong_count(&lock), 1, "no guard kept the lock alive");
    assert!(all_permits_free(&lock, 3));
}

/// A writer granted the lock and cancelled before it was polled again
/// passes the lock on: the reader queued behind it gets in (the permits go
/// back to the line, not nowhere).
#[test]
fn a_granted_writer_cancelled_before_its_poll_lets_the_next_in() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Waker};

    let lock = RwLock::new(0);
    let mut cx = Context::from_waker(Waker::noop());
    let reading = lock.try_read().unwrap();
    let mut write = Box::pin(lock.write());
    assert!(
        write.as_mut().poll(&mut cx).is_pending(),
        "a reader holds it"
    );
    let mut read = pin!(lock.read());
    assert!(
        read.as_mut().poll(&mut cx).is_pending(),
        "behind the writer"
    );
    drop(reading); // the writer is granted the lock
    drop(write); // and cancelled before it ever saw it
    assert!(
        read.as_mut().poll(&mut cx).is_ready(),
        "the queued reader got the lock"
    );
}

#[test]
fn a_downgrade_to_a_part_lets_a_waiting_reader_in_and_keeps_one_permit() {
    use std::task::{Context, Waker};
    let mut cx = Context::from_waker(Waker::noop());
    let lock = RwLock::with_max_readers((String::from("name"), 1), 3);
    let mut write = lock.try_write().unwrap();
    let mut waiting = std::pin::pin!(lock.read());
    assert!(
        waiting.as_mut().poll(&mut cx).is_pending(),
        "the writer holds it"
    );
    write.1 = 2;
    let name = RwLockWriteGuard::downgrade_map(write, |pair| &pair.0);
    let std::task::Poll::Ready(reader) = waiting.as_mut().poll(&mut cx) else {
        panic!("the downgrade let the waiting reader in");
    };
    assert_eq!((name.as_str(), reader.1), ("name", 2));
    assert!(lock.try_write().is_err(), "two readers hold it");
    assert!(readers_fit(&lock, 1), "one more reader fits beside the two");
    drop((name, reader));
    let _write = lock.try_write().expect("free once both readers left");
    assert!(lock.try_read().is_err(), "no permit was given back twice");
}

#[test]
fn a_downgrade_that_finds_no_part_gives_the_write_lock_back() {
    let lock = RwLock::with_max_readers(vec![1, 2], 2);
    let write =
        RwLockWriteGuard::try_downgrade_map(lock.try_write().unwrap(), |v| v.get(9)).unwrap_err();
    assert!(lock.try_read().is_err(), "still the write lock");
    let mut whole = RwLockWriteGuard::into_mapped(write);
    whole.push(3);
    assert!(
        lock.try_read().is_err(),
        "the mapped guard is the write lock"
    );
    drop(whole);
    assert_eq!(*lock.try_read().unwrap(), [1, 2, 3]);
    assert!(readers_fit(&lock, 2), "every permit came back, once");
}

#[test]
fn a_panic_in_the_part_picker_leaves_the_lock_free() {
    let lock = RwLock::with_max_readers(0_u8, 2);
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        RwLockWriteGuard::downgrade_map(lock.try_write().unwrap(), |_| -> &u8 { panic!("no part") })
    }));
    assert!(panicked.is_err());
    assert!(readers_fit(&lock, 2), "every permit came back, once");
    // One reader allowed: the downgrade releases nothing, and keeps the one.
    let single = RwLock::with_max_readers(5_u8, 1);
    let read = RwLockWriteGuard::downgrade_map(single.try_write().unwrap(), |v| v);
    assert!(single.try_read().is_err() && single.try_write().is_err());
    assert_eq!(*read, 5);
    drop(read);
    assert!(readers_fit(&single, 1));
}

#[test]
fn owned_guards_downgrade_to_a_part_and_map_whole_like_borrowed_ones() {
    let lock = Arc::new(RwLock::with_max_readers(vec![1, 2], 2));
    let write = lock.clone().try_write_owned().unwrap();
    let write = OwnedRwLockWriteGuard::try_downgrade_map(write, |v| v.get(9)).unwrap_err();
    assert!(lock.try_read().is_err(), "still the write lock");
    let last = OwnedRwLockWriteGuard::downgrade_map(write, |v| &v[1]);
    assert!(readers_fit(&lock, 1), "one reader beside it, of two");
    assert_eq!(*last, 2);
    drop(last);
    let mut whole = OwnedRwLockWriteGuard::into_mapped(lock.clone().try_write_owned().unwrap());
    whole.push(3);
    assert!(
        lock.try_read().is_err(),
        "the mapped guard is the write lock"
    );
    drop(whole);
    assert_eq!(Arc::strong_count(&lock), 1, "the guards let go of the Arc");
    assert!(readers_fit(&lock, 2), "every permit came back, once");
}

//! `LocalSet::enter`: `spawn_local` from plain code queues onto the entered
//! set, guards nest and put back what they replaced, a turn running here
//! keeps its own tasks, and a set dropped while entered cancels what is
//! spawned onto it.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::bounded;
use corio::task::{LocalSet, spawn_local};

fn one_thread() -> corio::Runtime {
    corio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Which set ran a task: the tasks push their set's name when they run.
type Log = Rc<RefCell<Vec<&'static str>>>;

fn log_as(log: &Log, name: &'static str) -> impl Future<Output = ()> + 'static {
    let log = log.clone();
    async move { log.borrow_mut().push(name) }
}

#[test]
#[cfg_attr(miri, ignore)]
fn guards_nest_and_each_spawn_goes_to_the_set_entered_last() {
    let runtime = one_thread();
    let (a, b) = (LocalSet::new(), LocalSet::new());
    let log = Log::default();
    let outer = a.enter();
    let to_a = spawn_local(log_as(&log, "a"));
    let inner = b.enter();
    let to_b = spawn_local(log_as(&log, "b"));
    drop(inner);
    let to_a_again = spawn_local(log_as(&log, "a again"));
    drop(outer);
    assert!(
        std::panic::catch_unwind(|| spawn_local(async {})).is_err(),
        "no set entered any more"
    );
    assert!(log.borrow().is_empty(), "queued, not run");
    runtime.block_on(bounded(a.run_until(async {
        to_a.await.unwrap();
        to_a_again.await.unwrap();
    })));
    assert_eq!(*log.borrow(), ["a", "a again"], "b's task waits for b");
    runtime.block_on(bounded(b.run_until(to_b))).unwrap();
    assert_eq!(*log.borrow(), ["a", "a again", "b"]);
}

/// Inside a set's turn, `spawn_local` spawns onto that set even while
/// another is entered (the turn's task would otherwise wait for a turn of
/// the entered set, and this `run_until` would hang).
#[test]
#[cfg_attr(miri, ignore)]
fn a_running_turn_keeps_its_own_tasks() {
    let runtime = one_thread();
    let (running, entered) = (LocalSet::new(), LocalSet::new());
    let log = Log::default();
    let _entered = entered.enter();
    let inner_log = log.clone();
    runtime.block_on(bounded(running.run_until(async move {
        spawn_local(log_as(&inner_log, "running")).await.unwrap();
    })));
    assert_eq!(*log.borrow(), ["running"]);
}

/// A set dropped while entered is closed: a task spawned onto it is
/// cancelled at once (its future dropped here, never polled), instead of
/// being queued on a set nobody will run.
#[test]
#[cfg_attr(miri, ignore)]
fn a_set_dropped_while_entered_cancels_what_is_spawned_onto_it() {
    let runtime = one_thread();
    let set = LocalSet::new();
    let guard = set.enter();
    drop(set);
    let dropped = Rc::new(());
    let held = dropped.clone();
    let late = spawn_local(async move { drop(held) });
    assert_eq!(
        Rc::strong_count(&dropped),
        1,
        "its future is dropped at once"
    );
    drop(guard);
    let error = runtime.block_on(bounded(late)).unwrap_err();
    assert!(error.is_cancelled(), "{error}");
}

/// A task spawned while entered wakes a `run_until` of the set that waits
/// meanwhile: no turn runs here, so the wake is not skipped as one made
/// during the set's own turn would be.
#[test]
#[cfg_attr(miri, ignore)]
fn spawning_while_entered_wakes_a_waiting_run_until() {
    use common::threads::{Flag, poll_with};
    let local = LocalSet::new();
    let (woken, waker) = Flag::new();
    let mut waiting = std::pin::pin!(local.run_until(std::future::pending::<()>()));
    assert!(poll_with(waiting.as_mut(), &waker).is_pending());
    assert!(!woken.take());
    let guard = local.enter();
    let log = Log::default();
    let queued = spawn_local(log_as(&log, "queued"));
    drop(guard);
    assert!(woken.take(), "the waiting run_until was woken");
    assert!(poll_with(waiting.as_mut(), &waker).is_pending());
    assert_eq!(*log.borrow(), ["queued"], "its next turn ran the task");
    assert!(queued.is_finished());
}

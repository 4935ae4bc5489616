//! The state machine's transitions, one by one: each test starts from a
//! state word, applies a transition, and checks the word and the verdict.

use super::*;

fn refs(state: &State) -> usize {
    state.load().ref_count()
}

#[test]
fn a_new_task_is_notified_joined_and_has_three_refs() {
    let s = State::new();
    let snap = s.load();
    assert!(snap.is_notified() && snap.is_join_interested());
    assert!(!snap.is_running() && !snap.is_complete() && !snap.is_cancelled());
    assert_eq!(snap.ref_count(), 3);
}

#[test]
fn poll_then_idle_drops_the_running_ref() {
    let s = State::new();
    assert_eq!(s.transition_to_running(), ToRunning::Poll);
    assert!(s.load().is_running() && !s.load().is_notified());
    assert_eq!(s.transition_to_idle(), ToIdle::Idle);
    assert_eq!(refs(&s), 2);
    assert!(!s.load().is_running());
}

#[test]
fn wake_while_running_reschedules_after_the_poll() {
    let s = State::new();
    s.transition_to_running();
    assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Nothing);
    assert_eq!(s.transition_to_idle(), ToIdle::Reschedule);
    assert!(s.load().is_notified());
    assert_eq!(refs(&s), 3, "the running ref moves to the queue");
}

#[test]
fn wake_by_val_while_running_drops_the_waker_ref() {
    let s = State::new();
    s.transition_to_running();
    s.ref_inc(); // a waker
    assert_eq!(s.transition_to_notified_by_val(), ToNotified::Nothing);
    assert_eq!(refs(&s), 3);
    assert!(s.load().is_notified());
}

#[test]
fn wake_by_val_of_an_idle_task_keeps_the_waker_ref_while_scheduling() {
    let s = State::new();
    s.transition_to_running();
    s.transition_to_idle(); // list + join handle
    s.ref_inc(); // a waker
    assert_eq!(s.transition_to_notified_by_val(), ToNotified::Submit);
    assert_eq!(
        refs(&s),
        4,
        "a new ref for the queue; the waker's is dropped after"
    );
    assert!(!s.ref_dec());
    assert_eq!(refs(&s), 3);
}

#[test]
fn wake_of_an_idle_task_submits_it_once() {
    let s = State::new();
    s.transition_to_running();
    s.transition_to_idle();
    assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Submit);
    assert_eq!(refs(&s), 3);
    assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Nothing);
    assert_eq!(refs(&s), 3, "a second wake does not queue twice");
}

#[test]
fn last_waker_of_a_complete_task_deallocates() {
    let s = State::new();
    assert!(s.drop_join_handle_fast());
    s.transition_to_running();
    s.ref_inc(); // a waker kept by some leaf future
    s.transition_to_complete();
    assert!(!s.transition_to_terminal(2)); // owned list + running
    assert_eq!(s.transition_to_notified_by_val(), ToNotified::Dealloc);
}

#[test]
fn abort_of_an_idle_task_queues_it_cancelled() {
    let s = State::new();
    s.transition_to_running();
    s.transition_to_idle();
    assert!(s.transition_to_notified_and_cancel());
    assert_eq!(refs(&s), 3);
    assert_eq!(s.transition_to_running(), ToRunning::Cancel);
}

#[test]
fn abort_while_running_is_seen_at_idle() {
    let s = State::new();
    s.transition_to_running();
    assert!(!s.transition_to_notified_and_cancel());
    assert_eq!(s.transition_to_idle(), ToIdle::Cancel);
    assert!(s.load().is_running(), "the runner still owns the future");
}

#[test]
fn abort_after_completion_does_nothing() {
    let s = State::new();
    s.transition_to_running();
    s.transition_to_complete();
    assert!(!s.transition_to_notified_and_cancel());
    assert!(!s.load().is_cancelled());
}

#[test]
fn stale_notified_after_completion_is_skipped() {
    let s = State::new();
    s.transition_to_running();
    s.transition_to_idle(); // 2 refs
    assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Submit); // 3
    assert!(s.transition_to_shutdown());
    s.transition_to_complete();
    assert!(!s.transition_to_terminal(1)); // the shutdown's ref
    // The queued Notified is now stale.
    s.word.fetch_or(NOTIFIED, Ordering::Relaxed);
    assert_eq!(s.transition_to_running(), ToRunning::Skip);
}

#[test]
fn shutdown_claims_only_idle_tasks() {
    let s = State::new();
    assert!(s.transition_to_shutdown(), "a queued task is idle");
    let s = State::new();
    s.transition_to_running();
    assert!(!s.transition_to_shutdown());
    assert!(s.load().is_cancelled());
}

#[test]
fn join_waker_cannot_be_set_after_completion() {
    let s = State::new();
    assert!(s.set_join_waker().is_ok());
    assert!(s.unset_join_waker().is_ok());
    s.transition_to_running();
    s.transition_to_complete();
    assert!(s.set_join_waker().is_err());
}

#[test]
fn join_handle_drop_before_completion_keeps_the_waker_with_the_handle() {
    let s = State::new();
    s.set_join_waker().unwrap();
    let t = s.transition_to_join_handle_dropped();
    assert!(!t.drop_output && t.drop_waker);
    assert!(!s.load().is_join_waker_set() && !s.load().is_join_interested());
}

#[test]
fn join_handle_drop_after_completion_owns_the_output() {
    let s = State::new();
    s.set_join_waker().unwrap();
    s.transition_to_running();
    s.transition_to_complete();
    let t = s.transition_to_join_handle_dropped();
    assert!(t.drop_output);
    assert!(!t.drop_waker, "the runtime still reads the waker");
    let after = s.unset_waker_after_complete();
    assert!(!after.is_join_interested(), "so the runtime drops it");
}

#[test]
fn fast_join_handle_drop_only_from_the_initial_state() {
    let s = State::new();
    assert!(s.drop_join_handle_fast());
    assert_eq!(refs(&s), 2);
    let s = State::new();
    s.transition_to_running();
    assert!(!s.drop_join_handle_fast());
}

#[test]
fn stale_notified_holding_the_last_ref_deallocates() {
    let s = State::new();
    assert!(s.drop_join_handle_fast()); // list + the queue's Notified
    s.transition_to_running();
    s.transition_to_idle(); // the list's ref only
    assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Submit); // list + queue
    assert!(s.transition_to_shutdown());
    s.transition_to_complete();
    assert!(!s.transition_to_terminal(1)); // the list's, claimed by the shutdown
    assert_eq!(s.transition_to_running(), ToRunning::Dealloc);
}

#[test]
fn join_waker_cannot_be_taken_back_after_completion() {
    let s = State::new();
    s.set_join_waker().unwrap();
    s.transition_to_running();
    s.transition_to_complete();
    assert!(
        s.unset_join_waker().is_err(),
        "the runtime may be reading it"
    );
    assert!(s.load().is_join_waker_set());
}

#[test]
fn wake_by_ref_of_a_complete_task_changes_nothing() {
    let s = State::new();
    s.transition_to_running();
    s.transition_to_complete();
    let before = s.load().0;
    assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Nothing);
    assert_eq!(s.load().0, before);
}

#[test]
fn wake_by_val_of_a_queued_task_drops_the_waker_ref_only() {
    let s = State::new(); // queued: NOTIFIED
    s.ref_inc(); // a waker
    assert_eq!(s.transition_to_notified_by_val(), ToNotified::Nothing);
    assert_eq!(refs(&s), 3);
    assert!(s.load().is_notified() && !s.load().is_running());
}

#[test]
fn abort_of_a_queued_task_marks_it_for_the_dequeuer() {
    let s = State::new(); // queued: NOTIFIED
    assert!(!s.transition_to_notified_and_cancel(), "already in a queue");
    assert_eq!(refs(&s), 3);
    assert!(s.load().is_cancelled());
    assert_eq!(s.transition_to_running(), ToRunning::Cancel);
}

#[test]
fn abort_of_a_cancelled_task_changes_nothing() {
    let s = State::new();
    s.transition_to_running();
    assert!(!s.transition_to_shutdown()); // cancelled while running
    let before = s.load().0;
    assert!(!Snapshot(before).is_notified());
    assert!(!s.transition_to_notified_and_cancel());
    assert_eq!(s.load().0, before);
}

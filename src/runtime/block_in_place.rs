//! `task::block_in_place`, the user's side of `scheduler/handoff.rs`: when
//! it may hand the worker away, and when it may not.

use super::context;
use crate::scheduler;

/// Runs `f`, which may block, on this thread, after moving this worker's
/// queue to a new thread so that the runtime's other tasks go on meanwhile
/// (tokio's `block_in_place`). Unlike [`spawn_blocking`](crate::spawn_blocking),
/// `f` may borrow from the task, and its result needs no `.await`.
///
/// The task that calls it stays on this thread, blocked, until `f` returns;
/// other futures in the same task (a `join!` or `select!` beside it) wait
/// too. Outside a runtime, on a thread that may block already (a
/// `spawn_blocking` job), or on a multi-thread runtime's `block_on` thread
/// (which runs no task but its own future, outside a `LocalSet`), it just
/// calls `f`. Inside `f`, `Handle::block_on` may be used to wait on a
/// future, except where the worker could not be handed over: outside a
/// task's poll (an `on_thread_park` hook, a waker the driver runs), `f`
/// runs in place and blocks the worker, which may not block on the
/// runtime. Each hand-over goes to a thread an earlier one left behind,
/// which waits for one as a spare for the keep-alive
/// ([`Builder::thread_keep_alive`](crate::runtime::Builder::thread_keep_alive)),
/// or starts one; these threads are not counted against
/// `max_blocking_threads`.
///
/// # Panics
///
/// On a current-thread runtime (inside its `block_on` or one of its
/// tasks): its one thread *is* the runtime, and nothing could take its
/// place (as in tokio). Likewise inside a [`LocalSet`](crate::task::LocalSet)
/// (its tasks, or the future of its `run_until` or `block_on`), whose
/// tasks only its own thread runs (as in tokio). Use `spawn_blocking`
/// there.
///
/// When the OS refuses the thread the worker would go to, before `f` runs
/// (as tokio's does): the task ends with that panic, and the worker goes
/// on with its other tasks.
///
/// # Examples
///
/// ```
/// let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
/// let total = runtime.block_on(async {
///     let numbers = vec![1, 2, 3];
///     corio::spawn(async move {
///         // Borrows `numbers`: no `'static` closure, no handle to await.
///         corio::task::block_in_place(|| numbers.iter().sum::<u32>())
///     })
///     .await
///     .unwrap()
/// });
/// assert_eq!(total, 6);
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    // Blocking code is not held to the task's coop budget (tokio unsets
    // it too): a budget spent before the call would make every corio
    // future polled inside `f` return `Pending`, and a foreign executor
    // there (`futures_lite::future::block_on`) would poll it for ever.
    let f = move || crate::task::unconstrained_sync(f);
    match scheduler::hand_off() {
        scheduler::HandOff::Done(back) => {
            // This thread is no worker while `f` runs: it may block, and
            // wait on the runtime itself.
            let allowed = context::allow_blocking();
            let output = f();
            drop(allowed);
            drop(back); // take the core back if it is still free
            output
        }
        scheduler::HandOff::Inline => f(),
        scheduler::HandOff::Refused(error) => {
            panic!("block_in_place could not start a thread to take over its worker: {error}")
        }
        // Decided by the scheduler this thread runs, not by the runtime
        // entered last: a current-thread runtime's `block_on` with another
        // runtime's handle entered still refuses, and a multi-thread
        // runtime's `block_on` with a current-thread handle entered runs
        // `f` (it decided by the handle, refusing the one and allowing the
        // other, against tokio).
        scheduler::HandOff::CurrentThread => refuse_on_current_thread(),
        // A current-thread `block_on` whose thread waits for its future
        // while another thread holds the core: refused as when it holds
        // the core, or the answer would hang on who got the core first.
        scheduler::HandOff::NotAWorker if context::in_current_thread_block_on() => {
            refuse_on_current_thread()
        }
        // A `LocalSet` run by a runtime's `block_on` (its tasks, or its
        // `run_until` future): this thread is the only one that runs the
        // set's tasks. A set run by another executor, outside any runtime,
        // may block there, as in tokio.
        scheduler::HandOff::NotAWorker
            if super::local::a_turn_runs_here() && !context::may_block() =>
        {
            panic!(
                "block_in_place was called inside a LocalSet, whose one thread runs \
                 every task of the set: none could go on while it blocks. Use \
                 `spawn_blocking` there"
            )
        }
        scheduler::HandOff::NotAWorker => {
            // A `spawn_blocking` job, or a multi-thread runtime's
            // `block_on` thread, which runs no task but its own future
            // (blocking there is forbidden until this call lifts it).
            let _allowed = context::allow_blocking();
            f()
        }
    }
}

/// The panic of a call on a current-thread runtime (as tokio's).
#[track_caller]
fn refuse_on_current_thread() -> ! {
    panic!(
        "block_in_place was called on a current-thread runtime, whose one thread \
         runs every task: nothing could go on while it blocks. Use \
         `spawn_blocking` there, or a multi-thread runtime"
    )
}

#[cfg(test)]
mod tests {
    use super::block_in_place;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    /// The thread a hand-over leaves behind waits as a spare, and the next
    /// hand-over goes to it: twenty hand-overs start one thread, not twenty.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn the_next_hand_over_goes_to_a_spare_thread() {
        let started = Arc::new(AtomicUsize::new(0));
        let counter = started.clone();
        let runtime = crate::Runtime::builder()
            .worker_threads(2)
            .on_thread_start(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        let workers = runtime.workers.clone();
        let test = async move {
            crate::spawn(async move {
                let deadline = Instant::now() + Duration::from_secs(20);
                for _ in 0..20 {
                    block_in_place(|| ());
                    // The poll must end for a thread that gave its core
                    // away to leave the loop: yield until one waits.
                    while workers.idle_spares() == 0 {
                        assert!(Instant::now() < deadline, "no thread became a spare");
                        crate::task::yield_now().await;
                    }
                }
                workers.idle_spares()
            })
            .await
            .unwrap()
        };
        let within = async { crate::time::timeout(Duration::from_secs(30), test).await };
        let spares_seen = runtime.block_on(within).expect("the test took over 30 s");
        assert_eq!(spares_seen, 1);
        // Counted after the drop, which joins every thread: the second
        // worker may not have reached its start hook while the task ran.
        drop(runtime);
        assert_eq!(
            started.load(Ordering::SeqCst),
            3,
            "the two workers, and one thread for all twenty hand-overs"
        );
    }

    /// When no thread can be started for the worker, the task gets a panic
    /// before its closure runs, and the worker, its core back, goes on: on
    /// a one-worker runtime, where a closure waiting on the runtime would
    /// hang it for good, the next task still runs.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn a_refused_thread_panics_the_task_and_the_worker_goes_on() {
        let (done, finished) = std::sync::mpsc::channel();
        // A thread of its own, so that a hang fails the test in bounded time.
        std::thread::spawn(move || {
            let runtime = crate::Runtime::builder()
                .worker_threads(1)
                .slow_poll_threshold(None)
                .build()
                .unwrap();
            let outcome = runtime.block_on(async {
                let failed = crate::spawn(async {
                    crate::scheduler::FAIL_NEXT_START.with(|fail| fail.set(true));
                    block_in_place(|| {
                        crate::Handle::current()
                            .block_on(crate::time::sleep(Duration::from_millis(1)))
                    })
                })
                .await;
                let next = crate::spawn(async { 7 }).await.unwrap();
                (failed, next)
            });
            done.send(outcome).unwrap();
        });
        let (failed, next) = finished
            .recv_timeout(Duration::from_secs(20))
            .expect("the runtime hung after the refused thread");
        let error = failed.expect_err("block_in_place ran its closure without a thread to hand to");
        assert!(error.is_panic());
        let message = error.into_panic();
        let message = message.downcast_ref::<String>().unwrap();
        assert!(message.contains("could not start a thread"), "{message}");
        assert_eq!(next, 7);
    }
}

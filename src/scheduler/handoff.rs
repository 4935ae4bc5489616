//! `block_in_place`: blocking inside a task without stalling its worker.
//!
//! A task that must call something blocking (a synchronous database
//! driver, a long computation it cannot move) would hold its worker's
//! queue hostage for as long as the call takes: the tasks queued behind it
//! wait, and the LIFO slot's task with them. `spawn_blocking` avoids that
//! by moving the *call* to another thread, but the closure must then be
//! `'static` and the task waits on a handle. `block_in_place` moves the
//! *worker* instead (tokio's idea): the thread stays with the call, and the
//! worker's core, its queue, its LIFO slot and its place among the
//! workers, goes to another thread that runs the worker loop with it: a
//! spare one an earlier hand-over left, or a new one
//! (`runtime/workers.rs`).
//!
//! ```text
//!   worker thread A, polling task T       spare (or new) thread B
//!   ──────────────────────────────        ────────────
//!   T calls block_in_place(f)
//!     core → Shared's free list ───────►  takes the core, runs the loop:
//!     f() blocks on A                     the queue, timers, I/O go on
//!     f returns; core still free?
//!       yes: A takes it back, B finds     (B is a spare again: no core)
//!            none (not once the
//!            shutdown has begun)
//!       no:  A finishes T's poll without
//!            a core, ends its loop, and
//!            waits as a spare
//! ```
//!
//! While detached, thread A is no worker: the wakes and spawns of the rest
//! of T's poll go to the injector, and the poll's length is no slow poll.
//! The core is never shared: it moves through `Shared::put_core` and
//! `take_core`, under their lock, as a current-thread runtime's `block_on`
//! hands it over (`block_on.rs`).

use std::cell::Cell;
use std::sync::atomic::Ordering;

use super::queue::Core;
use super::remote::WorkerStats;
use super::worker::{CURRENT, Context};

/// What `block_in_place` found it could do on this thread.
pub(crate) enum HandOff {
    /// The core went to another thread; the caller runs its closure, then
    /// drops this (which takes the core back if it is still free).
    Done(TakeBack),
    /// A worker that cannot hand its core over here (outside a task's poll:
    /// a park hook, a waker the driver runs; or inside the loop's own
    /// bookkeeping): the closure runs in place, blocking the worker.
    Inline,
    /// This thread runs a current-thread runtime's tasks (its `block_on`):
    /// nothing could go on while it blocks, so the caller refuses.
    CurrentThread,
    /// Not a worker of a runtime: the closure may just run.
    NotAWorker,
    /// No thread could be started to take the worker over (the OS refused
    /// one), and the core came back to this thread: the caller panics, as
    /// tokio's does, without running its closure.
    Refused(std::io::Error),
}

/// Hands this worker's core to a new thread, if this thread is a worker
/// of a multi-thread runtime polling a task.
pub(crate) fn hand_off() -> HandOff {
    let ptr = CURRENT.with(Cell::get);
    // SAFETY: CURRENT is set only while `Context::enter` keeps the context
    // alive on this thread's stack.
    let Some(cx) = (unsafe { ptr.as_ref() }) else {
        return HandOff::NotAWorker;
    };
    // The current-thread flavour has no LIFO slot, and one core its
    // `block_on` needs back: no hand-off there (the caller refuses).
    let shared = &cx.shared;
    if !shared.config.lifo_slot {
        return HandOff::CurrentThread;
    }
    let Some(threads) = shared.respawn.get() else {
        return HandOff::NotAWorker;
    };
    // Outside a task's poll the loop would go on with no core.
    if !cx.polling.get() || cx.from_driver.get() {
        return HandOff::Inline;
    }
    // Borrowed: we are inside a push of the worker loop itself.
    let Ok(mut core) = cx.core.try_borrow_mut() else {
        return HandOff::Inline;
    };
    let given = std::mem::replace(&mut *core, Box::new(Core::placeholder(cx.index)));
    let remote = &shared.remotes[cx.index];
    // The LIFO slot's task joins the queue, where the other workers can
    // steal it while the new thread starts (its start hook is user code,
    // and may take a while). The stand-in stays borrowed meanwhile: a push
    // that grows the queue may wake tasks here (crossbeam-epoch's garbage,
    // see `worker.rs`), and a wake that found it free would queue its task
    // on the stand-in, which is dropped, task and all
    // (tests/epoch_reentry_hand_off.rs). Busy, it sends them to the
    // injector.
    if let Some(task) = remote.lifo.take() {
        given.local.push(task);
    }
    drop(core);
    // What this thread did as the worker until now is its busy time; the
    // new thread counts from here.
    cx.count_busy();
    cx.detached.set(true);
    CURRENT.with(|c| c.set(std::ptr::null()));
    // The watchdog looks at this worker's stats: it runs no task now.
    let task = remote.stats.current_task.swap(0, Ordering::AcqRel);
    threads.set_detached(true);
    let queued = !given.local.is_empty();
    // Read while this thread still holds the core: no one else counts yet.
    let stats = &remote.stats;
    let turns = (
        stats.polls.load(Ordering::Relaxed),
        stats.parks.load(Ordering::Relaxed),
    );
    shared.put_core(given);
    if queued {
        shared.notify_parked();
    }
    let back = TakeBack {
        cx: ptr,
        task,
        turns,
    };
    let started = if start_fails() {
        Err(std::io::Error::other("a test refused the thread"))
    } else {
        threads.start(cx.index)
    };
    if let Err(error) = started
        && back.try_now()
    {
        // No thread to be had (the OS refused one). Running `f` here
        // anyway could hang for good: with the core parked, or held by a
        // thread blocked in `f`, a one-worker runtime runs nothing while
        // `f` waits on it (a `Handle::block_on` of a timer or a task). So
        // the core came back, and the caller panics, as tokio's does; the
        // worker goes on with its other tasks. (If the core did not come
        // back, a spare an earlier hand-off called for took it after all,
        // or the shutdown did: `f` runs as after a successful start.)
        return HandOff::Refused(error);
    }
    HandOff::Done(back)
}

#[cfg(test)]
thread_local! {
    /// Makes this thread's next hand-off find no thread to start, as when
    /// the OS refuses one (a test's stand-in for `EAGAIN`).
    pub(crate) static FAIL_NEXT_START: Cell<bool> = const { Cell::new(false) };
}

/// Whether a test asked this thread's next start to fail.
fn start_fails() -> bool {
    #[cfg(test)]
    return FAIL_NEXT_START.with(|fail| fail.replace(false));
    #[cfg(not(test))]
    false
}

/// Takes the core back when dropped (after the closure, or in its
/// unwind), if the new thread has not claimed it yet and the runtime is
/// not shutting down.
pub(crate) struct TakeBack {
    /// The worker context, alive on this thread's stack for the whole poll
    /// that made this (`block_in_place` drops it before it returns).
    cx: *const Context,
    /// The task this worker was polling, for the watchdog.
    task: u64,
    /// The worker's poll and park counts when the core left: changed when
    /// it comes back if another thread ran the worker meanwhile.
    turns: (u64, u64),
}

impl TakeBack {
    /// Takes the core back if it is still free; whether it did.
    fn try_now(&self) -> bool {
        // SAFETY: see the field: the context outlives this value.
        let cx = unsafe { &*self.cx };
        if !cx.detached.get() {
            return false;
        }
        // Counted among the running threads before the core is taken: a
        // shutdown waiting for them (`wait_running`) must not find none
        // while this thread holds the core and is back in the task's poll
        // (the thread standing in may exit in between). Counted out
        // again if the core is gone, or the shutdown has begun (the wait
        // may have ended before the count: `take_core_back`).
        let threads = cx.shared.respawn.get();
        if let Some(threads) = threads {
            threads.set_detached(false);
        }
        let Some(core) = cx.shared.take_core_back(cx.index) else {
            if let Some(threads) = threads {
                threads.set_detached(true);
            }
            return false;
        };
        let placeholder = std::mem::replace(&mut *cx.core.borrow_mut(), core);
        drop(placeholder); // empty: nothing was queued on it
        cx.detached.set(false);
        CURRENT.with(|c| c.set(cx));
        // A worker again, polling the same task. If no other thread ran the
        // worker meanwhile, the poll is timed as any other, `f` included
        // (a short `f`, the usual case here).
        let stats = &cx.shared.remotes[cx.index].stats;
        let turns = (
            stats.polls.load(Ordering::Relaxed),
            stats.parks.load(Ordering::Relaxed),
        );
        if turns != self.turns {
            // Another thread ran it, and counted its own busy time and
            // polls: this thread's busy time starts again from now, and
            // what is left of the poll counts as a new one for the
            // watchdog, which would else take it for the other thread's
            // last poll (reported already, say). Its end is not checked:
            // its length from its start is no stall of this worker.
            cx.restart_busy();
            WorkerStats::bump(&stats.polls, 1);
            stats.resumed_poll.store(turns.0 + 1, Ordering::Relaxed);
        }
        stats.current_task.store(self.task, Ordering::Release);
        true
    }
}

impl Drop for TakeBack {
    fn drop(&mut self) {
        self.try_now();
    }
}

//! `block_on` on a current-thread runtime: the calling thread *is* the
//! worker.
//!
//! asyncio's event loop and JavaScript's run tasks on the one thread that
//! started them. Here the thread that calls `block_on` claims worker 0's
//! core and alternates between its own future and the queued tasks:
//!
//! ```text
//!   loop {
//!       main future woken?  poll it; Ready → done
//!       run up to event_interval queued tasks
//!       nothing ran and main not woken → park (on the driver: timers, I/O)
//!       event_interval polls since the driver turned, and no park turned
//!         it → poll the driver without blocking
//!   }
//! ```
//!
//! The main future's waker unparks worker 0, so a wake from a task on this
//! thread, from the driver or from another thread all reach it. The task
//! type, the queues, the driver and the budget are the multi-thread ones;
//! only who runs the queue differs.
//!
//! Two threads may call `block_on` at once. The second finds the core taken
//! and polls its own future on its own thread, parked in between; it is
//! also woken when the first hands the core back (`Shared::put_core`), and
//! then claims it and runs the tasks, timers and I/O itself, so its future
//! does not wait for a driver nobody turns (tokio does the same hand-over).

use std::cell::Cell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Wake, Waker};

use super::worker;
use super::{Handle, Shared};
use crate::blocking::WaitingJob;
use crate::task;

thread_local! {
    /// Polls made inside the main future's poll that the loop below would
    /// not see otherwise: the tasks of the `LocalSet` it runs.
    static INNER_POLLS: Cell<u32> = const { Cell::new(0) };
}

/// Counts `n` task polls made inside a poll of the main future (a
/// `LocalSet`'s turn), so that `block_on` turns the driver every
/// `event_interval` polls however they are made. A no-op elsewhere.
pub(crate) fn count_polls(n: usize) {
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    INNER_POLLS.with(|c| c.set(c.get().saturating_add(n)));
}

struct MainWaker {
    woken: AtomicBool,
    shared: Weak<Shared>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.woken.swap(true, Ordering::AcqRel)
            && let Some(shared) = self.shared.upgrade()
        {
            shared.remotes[0].parker.unpark(&*shared.driver);
        }
    }
}

/// Runs `future` on this thread as worker 0, running the runtime's tasks
/// while it waits. Returns `None` at once if another thread holds the core
/// (it is in `block_on` already): the caller then waits on the future until
/// the core comes back (`Shared::core_is_free`) and tries again. Also
/// `None`, with the future still pending, if the runtime shuts down
/// meanwhile (dropped by another thread, or inside this very future): it
/// runs no spawned task any more, and the caller drives the future on its
/// own, as a multi-thread runtime's `block_on` does (tokio panics instead).
///
/// `job` is the blocking-pool job this thread runs, if any: while it drives
/// the runtime it parks on the driver itself, and must not hold its own
/// paused clock back, so it counts as sleeping until it hands the core
/// back.
pub(crate) fn block_on<F: Future>(
    shared: &Handle,
    mut future: Pin<&mut F>,
    job: Option<&WaitingJob>,
) -> Option<F::Output> {
    let core = shared.take_core(0)?;
    let driving = job.map(WaitingJob::sleeping);
    let main = Arc::new(MainWaker {
        woken: AtomicBool::new(true),
        shared: Arc::downgrade(shared),
    });
    let waker = Waker::from(main.clone());
    let mut cx = Context::from_waker(&waker);
    let batch = shared.config.event_interval;
    let mut result = None;
    let context = worker::Context::new(shared.clone(), core);
    let core = context.enter(|worker| {
        result = Some(catch_unwind(AssertUnwindSafe(|| {
            // Polls (the main future's included) since the driver last ran.
            let mut since_driver: u32 = 0;
            INNER_POLLS.with(|c| c.set(0));
            loop {
                if main.woken.swap(false, Ordering::AcqRel)
                    && let Poll::Ready(out) = task::with_budget(|| future.as_mut().poll(&mut cx))
                {
                    return Some(out);
                }
                since_driver = since_driver.saturating_add(INNER_POLLS.with(|c| c.replace(0)));
                if worker.shared().is_shutdown() {
                    return None;
                }
                let ran = worker.run_some(batch);
                // Parking turns the driver, unless work or a wake of the
                // main future came first and it returned at once.
                let turned_driver = ran == 0
                    && !main.woken.load(Ordering::Acquire)
                    && worker.park(&|| main.woken.load(Ordering::Acquire));
                if turned_driver {
                    since_driver = 0;
                } else {
                    // Busy, or a main future that keeps waking itself (a
                    // loop of `yield_now`): timers and I/O must still come
                    // in every `event_interval` polls.
                    since_driver = since_driver.saturating_add(ran).saturating_add(1);
                    if since_driver >= batch {
                        worker.poll_driver();
                        since_driver = 0;
                    }
                }
            }
        })));
    });
    // The job runs again *before* the core is free: the thread that takes
    // it next must not see this job idle and jump a paused clock while the
    // job goes on with its own code.
    drop(driving);
    // Hand the core back before a panic goes on, so the runtime keeps its queue.
    shared.put_core(core);
    match result.expect("the closure ran") {
        Ok(output) => output,
        Err(panic) => resume_unwind(panic),
    }
}

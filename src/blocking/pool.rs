//! The pool's threads, queue and shutdown.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use crate::lock::{self, Condvar, Mutex};

use crate::task::{JoinHandle, Notified, Schedule, Task, new_task};

/// A hook run on each new or exiting pool thread.
pub(crate) type ThreadHook = Arc<dyn Fn() + Send + Sync>;

/// Runs a user's `on_thread_start` / `on_thread_stop` hook, if set. A hook
/// that panics has its message printed by the panic hook as usual, but the
/// unwind stops here: it would end the thread outside its loop, and a worker
/// that never runs its loop strands its queue (with one worker, the whole
/// runtime), a pool thread the job it was started for.
pub(crate) fn run_thread_hook(hook: Option<&ThreadHook>) {
    if let Some(hook) = hook
        && let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook()))
    {
        crate::task::discard_panic(payload);
    }
}

/// Makes a pool thread enter its runtime; the returned guard lives as long
/// as the thread (`None` if the runtime is already gone).
pub(crate) type EnterHook = Arc<dyn Fn() -> Option<Box<dyn std::any::Any>> + Send + Sync>;

/// How the pool's threads are made.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) max_threads: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) thread_name: crate::runtime::ThreadName,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_thread_start: Option<ThreadHook>,
    pub(crate) on_thread_stop: Option<ThreadHook>,
    pub(crate) enter: Option<EnterHook>,
    /// Told `true` when a job is queued and `false` when it has ended (run
    /// or cancelled): how a paused clock knows real work is under way.
    pub(crate) on_job: Option<JobHook>,
}

/// See [`Config::on_job`].
pub(crate) type JobHook = Arc<dyn Fn(bool) + Send + Sync>;

/// A closure dressed as a future that completes in its first poll.
struct BlockingTask<F>(Option<F>);

impl<F> Unpin for BlockingTask<F> {}

impl<R, F: FnOnce() -> R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.0.take().expect("a blocking task runs once");
        // The closure may run a long time: it must not be cut short by the
        // cooperative budget of whatever runs inside it.
        Poll::Ready(crate::task::unconstrained_sync(f))
    }
}

/// Blocking tasks never return `Pending` and are not in any owned list, so
/// their scheduler is trivial.
#[derive(Clone, Copy)]
struct NoSchedule;

impl Schedule for NoSchedule {
    fn schedule(&self, task: Notified<Self>) {
        // Only an abort of a queued job gets here, and that never queues
        // (the job is already NOTIFIED). Dropping the reference is correct.
        drop(task);
    }

    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }
}

/// A queued job. A *mandatory* one (a file's flush) still runs when the
/// runtime shuts down, where the others are cancelled: its bytes would be
/// lost otherwise.
struct Queued {
    job: Notified<NoSchedule>,
    mandatory: bool,
    /// Counted as running (`Inner::note_job`, for a paused clock): at once
    /// if a thread was free to take it, else only when a thread pops it.
    /// Counted while it waits behind busy threads, it would hold a paused
    /// clock still, and a running job that sleeps on that clock (its
    /// `Handle::block_on` of a timer) would never wake to free its thread.
    counted: bool,
}

struct State {
    queue: VecDeque<Queued>,
    num_threads: usize,
    num_idle: usize,
    /// Wake-ups sent to idle threads and not yet consumed.
    num_notify: usize,
    shutdown: bool,
    threads: Vec<thread::JoinHandle<()>>,
    /// Threads that left the count idle past the keep-alive and still run
    /// their stop hook, inside the runtime: `shutdown` waits for them too.
    leaving: Vec<thread::ThreadId>,
    next_id: usize,
}

struct Inner {
    state: Mutex<State>,
    condvar: Condvar,
    /// Signalled when a thread exits, for `shutdown`'s wait.
    exited: Condvar,
    config: Config,
}

/// A handle to the pool (clone it freely).
#[derive(Clone)]
pub(crate) struct Pool {
    inner: Arc<Inner>,
}

impl Pool {
    pub(crate) fn new(config: Config) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    num_threads: 0,
                    num_idle: 0,
                    num_notify: 0,
                    shutdown: false,
                    threads: Vec::new(),
                    leaving: Vec::new(),
                    next_id: 0,
                }),
                condvar: Condvar::new(),
                exited: Condvar::new(),
                config,
            }),
        }
    }

    /// Queues `f`, starting a thread if none is idle. A `mandatory` job
    /// queued when shutdown begins still runs (see [`Queued`]).
    pub(crate) fn spawn<F, R>(
        &self,
        f: F,
        location: &'static Location<'static>,
        mandatory: bool,
    ) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (task, notified, handle) = new_task(BlockingTask(Some(f)), NoSchedule, location, None);
        // Not tracked by an owned list: the queue is where shutdown finds it.
        drop(task);
        let mut state = self.inner.state.lock();
        if state.shutdown {
            drop(state);
            if mandatory {
                // No thread takes new jobs any more; this one may not be
                // dropped, so it runs here.
                let _ = notified.run();
            } else {
                Task::from(notified).shutdown();
            }
            return handle;
        }
        state.queue.push_back(Queued {
            job: notified,
            mandatory,
            counted: false,
        });
        // Whether a thread takes it now (then it counts as running now),
        // or it waits behind busy ones (then it counts once popped).
        let taken_now = if state.num_idle > state.num_notify {
            state.num_notify += 1;
            self.inner.condvar.notify_one();
            true
        } else if state.num_threads < self.inner.config.max_threads {
            match self.add_thread(&mut state) {
                Ok(()) => true,
                // The job stays queued; a running thread will take it.
                Err(_) if state.num_threads > 0 => false,
                Err(err) => {
                    // No thread at all: take the job back out so that it
                    // does not run later behind the caller's back.
                    let queued = state.queue.pop_back();
                    drop(state);
                    if let Some(queued) = queued {
                        if queued.mandatory {
                            // It may not be dropped (a File's buffered
                            // bytes): run it here, as after shutdown.
                            self.inner.note_job(true);
                            let _ = queued.job.run();
                            self.inner.note_job(false);
                            return handle;
                        }
                        Task::from(queued.job).shutdown();
                    }
                    panic!("corio could not start a blocking-pool thread: {err}");
                }
            }
        } else {
            false
        };
        // The thread takes the queue's first job not yet counted: that one
        // counts now (it is this one unless others wait uncounted).
        if taken_now && let Some(queued) = state.queue.iter_mut().find(|q| !q.counted) {
            queued.counted = true;
            self.inner.note_job(true);
        }
        handle
    }

    /// Starts one more thread and counts it; on failure nothing is counted.
    /// Called with the state locked, so the new thread sees the count.
    fn add_thread(&self, state: &mut State) -> std::io::Result<()> {
        let config = &self.inner.config;
        let id = state.next_id;
        state.next_id += 1;
        let name = config.thread_name.for_thread(format_args!("blocking-{id}"));
        let mut builder = thread::Builder::new().name(name);
        if let Some(size) = config.stack_size {
            builder = builder.stack_size(size);
        }
        let inner = self.inner.clone();
        let thread = builder.spawn(move || inner.run())?;
        state.num_threads += 1;
        state.threads.push(thread);
        Ok(())
    }

    /// Threads alive and idle, and jobs waiting (for metrics). A thread
    /// handed a job (notified, not yet awake) is not idle, as in tokio:
    /// else the one thread of a pool shows as idle beside the job it is
    /// about to take.
    pub(crate) fn counts(&self) -> (usize, usize, usize) {
        let state = self.inner.state.lock();
        let idle = state.num_idle.saturating_sub(state.num_notify);
        (state.num_threads, idle, state.queue.len())
    }

    /// The start of shutdown: takes no more jobs (from now on `spawn` runs a
    /// mandatory one on the caller's thread and cancels the others),
    /// cancels the queued ones but the mandatory, and wakes the idle threads
    /// to run those and exit. Called as the runtime begins to shut down, as
    /// tokio's pool does, so that no queued job starts on a thread freed
    /// while the runtime waits for its workers. Running jobs go on; a
    /// second call does nothing.
    pub(crate) fn close(&self) {
        let mut state = self.inner.state.lock();
        if std::mem::replace(&mut state.shutdown, true) {
            return;
        }
        let (mandatory, cancelled): (VecDeque<_>, VecDeque<_>) =
            state.queue.drain(..).partition(|queued| queued.mandatory);
        state.queue = mandatory;
        let me = thread::current().id();
        // A runtime dropped from one of its own blocking jobs: that thread
        // is still inside the job, and exits after it.
        let this_thread = usize::from(state.threads.iter().any(|t| t.thread().id() == me));
        // Somebody must run the jobs that may not be cancelled, before this
        // returns: another pool thread, or this one if none is left and
        // none can start (this thread, inside a job, would run them only
        // after it).
        let stranded = if !state.queue.is_empty()
            && state.num_threads <= this_thread
            && self.add_thread(&mut state).is_err()
        {
            std::mem::take(&mut state.queue)
        } else {
            VecDeque::new()
        };
        self.inner.condvar.notify_all();
        drop(state);
        for queued in stranded {
            if !queued.counted {
                self.inner.note_job(true);
            }
            let _ = queued.job.run();
            self.inner.note_job(false);
        }
        for queued in cancelled {
            Task::from(queued.job).shutdown();
            if queued.counted {
                self.inner.note_job(false);
            }
        }
    }

    /// Closes the pool (if [`close`](Pool::close) has not) and waits up to
    /// `timeout` for running jobs. Returns true if every thread exited in
    /// time.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> bool {
        // The clock starts now: if the pool is still open, the cancelled
        // jobs' drops and any stranded mandatory job run on this thread,
        // inside the time given (`Runtime::shutdown` closed it earlier,
        // inside its own deadline).
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        self.close();
        let me = thread::current().id();
        let mut state = self.inner.state.lock();
        let this_thread = usize::from(state.threads.iter().any(|t| t.thread().id() == me));
        let exited;
        (state, exited) = lock::wait_while_until(&self.inner.exited, state, deadline, |state| {
            state.num_threads > this_thread || state.leaving.iter().any(|&id| id != me)
        });
        if !exited {
            return false;
        }
        let threads = std::mem::take(&mut state.threads);
        drop(state);
        // Every thread has left its loop and run its stop hook; what is left
        // is its thread-locals' drops (a job's value with a slow `Drop`,
        // even after `is_finished`). With a deadline the threads are left
        // to end on their own, not joined past it; in a drop, joined.
        if deadline.is_none() {
            for thread in threads {
                if thread.thread().id() != me {
                    let _ = thread.join();
                }
            }
        }
        true
    }
}

thread_local! {
    /// The pool whose job this thread is running, if any.
    static RUNNING_JOB_OF: std::cell::Cell<*const Inner> =
        const { std::cell::Cell::new(std::ptr::null()) };
}

impl Pool {
    /// Called by `Handle::block_on` and the `blocking_*` methods: if this
    /// thread is running one of this pool's jobs, the job is about to wait
    /// on the runtime, and a paused clock must be free to advance while it
    /// sleeps (see `Config::on_job`). The returned handle says when it
    /// sleeps and when it runs again.
    pub(crate) fn waiting_job(&self) -> Option<WaitingJob> {
        let running = RUNNING_JOB_OF.with(std::cell::Cell::get);
        if !std::ptr::eq(running, Arc::as_ptr(&self.inner)) || self.inner.config.on_job.is_none() {
            return None;
        }
        Some(WaitingJob(self.inner.clone()))
    }
}

/// A job of the pool that waits on its runtime (see
/// [`Pool::waiting_job`]). It counts as running, as every job does, except
/// between [`sleeps`](Self::sleeps) and [`runs`](Self::runs).
///
/// Who calls `runs` matters: the *waker* of the job's thread does, before
/// it unparks the thread. Were it the thread itself, once awake, a paused
/// clock could see every job idle in between (tens of microseconds) and
/// jump, firing a timeout that the woken job was about to beat.
#[derive(Clone)]
pub(crate) struct WaitingJob(Arc<Inner>);

impl WaitingJob {
    /// The job's thread is about to park: call only after a `Pending`
    /// poll, so that the timers the job waits for are registered first.
    pub(crate) fn sleeps(&self) {
        self.0.note_job(false);
    }

    /// The job was woken (or is done waiting): it counts as running again.
    pub(crate) fn runs(&self) {
        self.0.note_job(true);
    }

    /// Counts the job as sleeping until the guard drops: for a job that
    /// drives a current-thread runtime itself (it is then the one that
    /// parks on the driver, and must not hold its own clock back).
    pub(crate) fn sleeping(&self) -> Sleeping<'_> {
        self.sleeps();
        Sleeping(self)
    }
}

/// See [`WaitingJob::sleeping`].
pub(crate) struct Sleeping<'a>(&'a WaitingJob);

impl Drop for Sleeping<'_> {
    fn drop(&mut self) {
        self.0.runs();
    }
}

impl Inner {
    fn note_job(&self, started: bool) {
        if let Some(hook) = &self.config.on_job {
            hook(started);
        }
    }

    fn run(self: Arc<Self>) {
        // Entered first: the hooks run inside the runtime, as tokio's do.
        let enter = self.config.enter.as_ref().and_then(|enter| enter());
        run_thread_hook(self.config.on_thread_start.as_ref());
        let mut state = self.state.lock();
        // A job that ended and still counts as running: its count goes
        // only after the next job (if any) counts, so that a paused clock
        // never sees the pool idle between two jobs of one thread.
        let mut ended = false;
        'outer: loop {
            while let Some(Queued { job, counted, .. }) = state.queue.pop_front() {
                if !counted {
                    self.note_job(true);
                }
                if std::mem::take(&mut ended) {
                    self.note_job(false);
                }
                drop(state);
                // A blocking job finishes in its one poll: it never yields.
                RUNNING_JOB_OF.with(|c| c.set(Arc::as_ptr(&self)));
                let _ = job.run();
                RUNNING_JOB_OF.with(|c| c.set(std::ptr::null()));
                ended = true;
                state = self.state.lock();
            }
            if std::mem::take(&mut ended) {
                self.note_job(false);
            }
            if state.shutdown {
                break;
            }
            state.num_idle += 1;
            loop {
                let timed_out;
                (state, timed_out) = self.condvar.wait_for(state, self.config.keep_alive);
                if state.num_notify > 0 {
                    state.num_notify -= 1;
                    state.num_idle -= 1;
                    continue 'outer;
                }
                if state.shutdown {
                    // Run what shutdown left queued (mandatory jobs), then
                    // exit.
                    state.num_idle -= 1;
                    continue 'outer;
                }
                if timed_out {
                    state.num_idle -= 1;
                    break 'outer;
                }
            }
        }
        if state.shutdown {
            // The stop hook runs before this thread counts as gone, inside
            // the wait that `shutdown` bounds (as a worker's does). No job
            // can be queued meanwhile: after shutdown `spawn` runs them.
            drop(state);
            run_thread_hook(self.config.on_thread_stop.as_ref());
            let mut state = self.state.lock();
            state.num_threads -= 1;
            self.exited.notify_all();
            return;
        }
        // Idle past the keep-alive: leave the count at once, so a job queued
        // while the hook runs starts a thread rather than waiting for this
        // one; and forget our own JoinHandle. Until the hook has run and
        // this thread has left the runtime, it is `leaving`, which a
        // shutdown waits for: a dropped runtime has run every stop hook.
        state.num_threads -= 1;
        let me = thread::current().id();
        state.threads.retain(|t| t.thread().id() != me);
        state.leaving.push(me);
        drop(state);
        // Off the list even if leaving the runtime panics (a job that broke
        // the nesting of its `enter` guards, or forgot one): a shutdown
        // would wait for this thread for ever.
        let _left = Left { pool: &self, me };
        run_thread_hook(self.config.on_thread_stop.as_ref());
        drop(enter);
    }
}

/// Takes a thread that left on its keep-alive off `leaving` when dropped.
struct Left<'a> {
    pool: &'a Inner,
    me: thread::ThreadId,
}

impl Drop for Left<'_> {
    fn drop(&mut self) {
        let mut state = self.pool.state.lock();
        state.leaving.retain(|&id| id != self.me);
        self.pool.exited.notify_all();
    }
}

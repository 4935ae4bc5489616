//! smol's single-thread flavour as a contender: an
//! `async_executor::LocalExecutor` run on the calling thread by
//! `smol::block_on(ex.run(..))` (async-io's, which drives the reactor on
//! that thread), the counterpart of a current-thread runtime.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use async_executor::{LocalExecutor, Task};

use super::contender::Contender;
use super::signal::Signal;
use super::smol_rt::{self, AsyncChannel, SmolOneshot};

thread_local! {
    /// The executor of this thread, so a task can spawn a sibling without
    /// carrying a handle, like `tokio::spawn` and `corio::spawn`.
    static EXECUTOR: RefCell<Option<Rc<LocalExecutor<'static>>>> = const { RefCell::new(None) };
}

/// A `LocalExecutor` owned by the thread that started it.
pub struct SmolLocal(Rc<LocalExecutor<'static>>);

impl Contender for SmolLocal {
    const NAME: &'static str = "smol";
    const NO_REMOTE_SPAWN: Option<&'static str> =
        Some("LocalExecutor has no remote spawn (it is !Send)");

    type Oneshot = SmolOneshot;
    type Channel = AsyncChannel;
    type Mpmc = AsyncChannel;
    type Semaphore = smol::lock::Semaphore;
    type Task = Task<()>;
    type Net = super::net::SmolNet;

    fn start(_workers: usize) -> io::Result<SmolLocal> {
        let executor = Rc::new(LocalExecutor::new());
        EXECUTOR.with(|cell| *cell.borrow_mut() = Some(executor.clone()));
        Ok(SmolLocal(executor))
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(future: F) {
        EXECUTOR.with(|cell| {
            let executor = cell.borrow();
            let executor = executor
                .as_ref()
                .expect("SmolLocal::spawn called off the executor's thread");
            executor.spawn(future).detach();
        });
    }

    /// Spawns from outside `run`, on the executor's own thread: the only
    /// place a `LocalExecutor` takes tasks from.
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        self.spawn_kept(future).detach();
    }

    fn spawn_kept<F: Future<Output = ()> + Send + 'static>(&self, future: F) -> Self::Task {
        self.0.spawn(future)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }

    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send {
        smol_rt::sleep_until(deadline)
    }

    fn timeout<F: Future + Send>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = Option<F::Output>> + Send {
        smol_rt::timeout(duration, future)
    }

    fn wait(&self, done: &Signal) {
        // async-io's `block_on`, as smol's own: this thread drives the
        // reactor while it waits.
        smol::block_on(self.0.run(done.wait()));
    }
}

impl Drop for SmolLocal {
    fn drop(&mut self) {
        EXECUTOR.with(|cell| {
            let mut cell = cell.borrow_mut();
            if cell.as_ref().is_some_and(|ex| Rc::ptr_eq(ex, &self.0)) {
                *cell = None;
            }
        });
    }
}

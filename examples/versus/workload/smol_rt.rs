//! smol as a contender: one `async_executor::Executor` run by `workers`
//! threads, each in `smol::block_on(ex.run(..))` (async-io's `block_on`),
//! which is how smol runs its global executor: a thread blocked there
//! drives async-io's reactor itself, so timers and sockets need no extra
//! thread and no cross-thread wake-up.

use std::cell::OnceCell;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use async_executor::{Executor, Task};

use super::contender::{Channel, Contender, Oneshot, Semaphore};

thread_local! {
    /// The executor this worker thread runs, so a task can spawn a sibling
    /// without carrying a handle, like `tokio::spawn` and `corio::spawn`.
    static EXECUTOR: OnceCell<Arc<Executor<'static>>> = const { OnceCell::new() };
}

/// An executor and the threads that run it.
pub struct Smol {
    executor: Arc<Executor<'static>>,
    /// Dropping it ends every worker's `run`.
    stop: Option<async_channel::Sender<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl Contender for Smol {
    const NAME: &'static str = "smol";

    type Oneshot = SmolOneshot;
    type Channel = AsyncChannel;
    type Mpmc = AsyncChannel;
    type Semaphore = smol::lock::Semaphore;
    type Task = Task<()>;
    type Net = super::net::SmolNet;

    fn start(workers: usize) -> io::Result<Smol> {
        let executor = Arc::new(Executor::new());
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let workers = (0..workers)
            .map(|i| {
                let executor = executor.clone();
                let stopped = stopped.clone();
                thread::Builder::new()
                    .name(format!("smol-{i}"))
                    .spawn(move || {
                        // A fresh thread: the cell is empty, `set` cannot fail.
                        EXECUTOR.with(|cell| cell.set(executor.clone()).ok());
                        // `Err(RecvError)` is the stop signal: the sender was dropped.
                        let _ = smol::block_on(executor.run(stopped.recv()));
                    })
            })
            .collect::<io::Result<_>>()?;
        Ok(Smol {
            executor,
            stop: Some(stop),
            workers,
        })
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(future: F) {
        EXECUTOR.with(|cell| {
            let executor = cell
                .get()
                .expect("Smol::spawn called outside a smol worker");
            executor.spawn(future).detach();
        });
    }

    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        self.spawn_kept(future).detach();
    }

    fn spawn_kept<F: Future<Output = ()> + Send + 'static>(&self, future: F) -> Self::Task {
        self.executor.spawn(future)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }

    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send {
        sleep_until(deadline)
    }

    fn timeout<F: Future + Send>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = Option<F::Output>> + Send {
        timeout(duration, future)
    }
}

/// smol's timer (`async_io::Timer`, re-exported as `smol::Timer`).
pub async fn sleep_until(deadline: Instant) {
    smol::Timer::at(deadline).await;
}

/// smol has no `timeout`: its users race the future against a `Timer`.
pub async fn timeout<F: Future>(duration: Duration, future: F) -> Option<F::Output> {
    let expire = async {
        smol::Timer::after(duration).await;
        None
    };
    smol::future::or(async { Some(future.await) }, expire).await
}

impl Drop for Smol {
    fn drop(&mut self) {
        drop(self.stop.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// smol has no oneshot; `async_channel::bounded(1)` is what its users reach for.
pub struct SmolOneshot;

impl Oneshot for SmolOneshot {
    type Sender = async_channel::Sender<()>;
    type Receiver = async_channel::Receiver<()>;

    fn channel() -> (Self::Sender, Self::Receiver) {
        async_channel::bounded(1)
    }

    fn send(tx: Self::Sender) {
        tx.try_send(()).expect("the channel is empty and open");
    }

    async fn recv(rx: Self::Receiver) {
        rx.recv()
            .await
            .expect("the sender sends before it is dropped");
    }
}

/// `async_channel::bounded` (smol's `smol::channel`): multi-producer
/// multi-consumer, so it serves both channel rows.
pub struct AsyncChannel;

impl Channel for AsyncChannel {
    type Sender = async_channel::Sender<u64>;
    type Receiver = async_channel::Receiver<u64>;

    fn bounded(capacity: usize) -> (Self::Sender, Self::Receiver) {
        async_channel::bounded(capacity)
    }

    async fn send(tx: &Self::Sender, value: u64) {
        tx.send(value).await.expect("a receiver is alive");
    }

    async fn recv(rx: &mut Self::Receiver) -> Option<u64> {
        rx.recv().await.ok()
    }
}

/// `async_lock::Semaphore`, re-exported as `smol::lock::Semaphore`.
impl Semaphore for smol::lock::Semaphore {
    fn new(permits: usize) -> Self {
        smol::lock::Semaphore::new(permits)
    }

    async fn with_permit<F: Future<Output = ()> + Send>(&self, work: F) {
        let _permit = self.acquire().await;
        work.await;
    }
}

//! tokio as a contender: the multi-thread runtime, drivers enabled, as
//! `#[tokio::main]` builds it, or the current-thread one.

use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use super::contender::{Channel, Contender, Oneshot, Semaphore};
use super::signal::Signal;
use super::smol_rt::AsyncChannel;

/// A tokio runtime: current-thread if `CURRENT_THREAD`, else multi-thread.
pub struct TokioRt<const CURRENT_THREAD: bool>(tokio::runtime::Runtime);

/// tokio's multi-thread runtime.
pub type Tokio = TokioRt<false>;
/// tokio's current-thread runtime.
pub type TokioCurrentThread = TokioRt<true>;

impl<const CURRENT_THREAD: bool> Contender for TokioRt<CURRENT_THREAD> {
    const NAME: &'static str = "tokio";

    type Oneshot = TokioOneshot;
    type Channel = TokioMpsc;
    /// tokio has no multi-consumer channel: its users reach for
    /// `async-channel`, which the `channel_mpmc` row runs on tokio.
    type Mpmc = AsyncChannel;
    type Semaphore = tokio::sync::Semaphore;
    type Task = tokio::task::JoinHandle<()>;
    type Net = super::net::TokioNet;

    fn start(workers: usize) -> io::Result<Self> {
        let mut builder = if CURRENT_THREAD {
            tokio::runtime::Builder::new_current_thread()
        } else {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(workers);
            builder
        };
        builder.enable_all().build().map(TokioRt)
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(future: F) {
        drop(tokio::spawn(future));
    }

    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        drop(self.spawn_kept(future));
    }

    fn spawn_kept<F: Future<Output = ()> + Send + 'static>(&self, future: F) -> Self::Task {
        self.0.handle().spawn(future)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }

    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send {
        tokio::time::sleep_until(deadline.into())
    }

    async fn timeout<F: Future + Send>(duration: Duration, future: F) -> Option<F::Output> {
        tokio::time::timeout(duration, future).await.ok()
    }

    fn wait(&self, done: &Signal) {
        if CURRENT_THREAD {
            self.0.block_on(done.wait());
        } else {
            done.wait_blocking();
        }
    }
}

/// `tokio::sync::oneshot`.
pub struct TokioOneshot;

impl Oneshot for TokioOneshot {
    type Sender = tokio::sync::oneshot::Sender<()>;
    type Receiver = tokio::sync::oneshot::Receiver<()>;

    fn channel() -> (Self::Sender, Self::Receiver) {
        tokio::sync::oneshot::channel()
    }

    fn send(tx: Self::Sender) {
        tx.send(()).expect("the receiver is awaiting");
    }

    async fn recv(rx: Self::Receiver) {
        rx.await.expect("the sender sends before it is dropped");
    }
}

/// `tokio::sync::mpsc`, bounded.
pub struct TokioMpsc;

impl Channel for TokioMpsc {
    type Sender = tokio::sync::mpsc::Sender<u64>;
    type Receiver = tokio::sync::mpsc::Receiver<u64>;

    fn bounded(capacity: usize) -> (Self::Sender, Self::Receiver) {
        tokio::sync::mpsc::channel(capacity)
    }

    async fn send(tx: &Self::Sender, value: u64) {
        tx.send(value).await.expect("the receiver is alive");
    }

    fn recv(rx: &mut Self::Receiver) -> impl Future<Output = Option<u64>> + Send {
        rx.recv()
    }
}

impl Semaphore for tokio::sync::Semaphore {
    fn new(permits: usize) -> Self {
        tokio::sync::Semaphore::new(permits)
    }

    async fn with_permit<F: Future<Output = ()> + Send>(&self, work: F) {
        let _permit = self.acquire().await.expect("the semaphore stays open");
        work.await;
    }
}

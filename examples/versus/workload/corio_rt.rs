//! corio as a contender, with its default `Builder` settings: the
//! multi-thread runtime, or the current-thread one.

use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use super::contender::{Channel, Contender, Oneshot, Semaphore};
use super::signal::Signal;

/// `VERSUS_CORIO_IO_EVENTS=N`: corio's runtimes take at most `N` I/O
/// events a look at the kernel (`Builder::max_io_events_per_tick`), to
/// measure what the size of a harvest does to `tcp_echo`'s tail
/// (docs/work-stealing.md, "How many events a look takes"). `Err` for a
/// value that is not a positive number; one too large is left to the
/// builder, which refuses it.
pub fn io_events() -> Result<Option<usize>, String> {
    super::positive_var("VERSUS_CORIO_IO_EVENTS")
}

/// A corio runtime: current-thread if `CURRENT_THREAD`, else multi-thread.
pub struct CorioRt<const CURRENT_THREAD: bool>(corio::Runtime);

/// corio's multi-thread runtime.
pub type Corio = CorioRt<false>;
/// corio's current-thread runtime.
pub type CorioCurrentThread = CorioRt<true>;

impl<const CURRENT_THREAD: bool> Contender for CorioRt<CURRENT_THREAD> {
    const NAME: &'static str = "corio";

    type Oneshot = CorioOneshot;
    type Channel = CorioChannel;
    type Mpmc = CorioChannel;
    type Semaphore = corio::sync::Semaphore;
    type Task = corio::JoinHandle<()>;
    type Net = super::net::CorioNet;

    fn start(workers: usize) -> io::Result<Self> {
        let mut builder = if CURRENT_THREAD {
            corio::runtime::Builder::new_current_thread()
        } else {
            let mut builder = corio::Runtime::builder();
            builder.worker_threads(workers);
            builder
        };
        // Default settings, observability included; this switch only serves
        // to measure what the watchdog costs (without it the workers tick
        // the coarse clock as they park and wake).
        if std::env::var_os("VERSUS_CORIO_NO_WATCHDOG").is_some() {
            builder.slow_poll_threshold(None);
        }
        if let Some(events) =
            io_events().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?
        {
            builder.max_io_events_per_tick(events);
        }
        builder.build().map(CorioRt)
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(future: F) {
        drop(corio::spawn(future));
    }

    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        drop(self.spawn_kept(future));
    }

    fn spawn_kept<F: Future<Output = ()> + Send + 'static>(&self, future: F) -> Self::Task {
        self.0.handle().spawn(future)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        corio::task::yield_now()
    }

    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send {
        corio::time::sleep_until(deadline.into())
    }

    async fn timeout<F: Future + Send>(duration: Duration, future: F) -> Option<F::Output> {
        corio::time::timeout(duration, future).await.ok()
    }

    fn wait(&self, done: &Signal) {
        if CURRENT_THREAD {
            self.0.block_on(done.wait());
        } else {
            done.wait_blocking();
        }
    }
}

/// `corio::sync::oneshot`.
pub struct CorioOneshot;

impl Oneshot for CorioOneshot {
    type Sender = corio::sync::oneshot::Sender<()>;
    type Receiver = corio::sync::oneshot::Receiver<()>;

    fn channel() -> (Self::Sender, Self::Receiver) {
        corio::sync::oneshot::channel()
    }

    fn send(tx: Self::Sender) {
        tx.send(()).expect("the receiver is awaiting");
    }

    async fn recv(rx: Self::Receiver) {
        rx.await.expect("the sender sends before it is dropped");
    }
}

/// `corio::sync::channel`: multi-producer multi-consumer, so it serves both
/// channel rows.
pub struct CorioChannel;

impl Channel for CorioChannel {
    type Sender = corio::sync::channel::Sender<u64>;
    type Receiver = corio::sync::channel::Receiver<u64>;

    fn bounded(capacity: usize) -> (Self::Sender, Self::Receiver) {
        corio::sync::channel::bounded(capacity)
    }

    async fn send(tx: &Self::Sender, value: u64) {
        tx.send(value).await.expect("a receiver is alive");
    }

    fn recv(rx: &mut Self::Receiver) -> impl Future<Output = Option<u64>> + Send {
        rx.recv()
    }
}

impl Semaphore for corio::sync::Semaphore {
    fn new(permits: usize) -> Self {
        corio::sync::Semaphore::new(permits)
    }

    async fn with_permit<F: Future<Output = ()> + Send>(&self, work: F) {
        let _permit = self.acquire().await.expect("the semaphore stays open");
        work.await;
    }
}

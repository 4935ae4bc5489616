//! What a runtime must offer to be measured: the primitives the workloads
//! are written against.

use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use super::signal::Signal;

/// A runtime under test, started with a given number of worker threads
/// (a current-thread flavour ignores the number).
pub trait Contender: Sized + 'static {
    /// The column's name.
    const NAME: &'static str;

    /// Why [`Contender::spawn_remote`] is not a spawn from another thread
    /// on this runtime, if it is not: rows that measure remote spawns skip
    /// the cell with this note.
    const NO_REMOTE_SPAWN: Option<&'static str> = None;

    /// The one-shot channel `ping_pong` and `idle_tasks` wait on.
    type Oneshot: Oneshot;
    /// The bounded channel of the `channel` row (one producer).
    type Channel: Channel;
    /// The bounded channel of the `channel_mpmc` row (receivers clone).
    type Mpmc: Channel<Receiver: Clone>;
    /// The semaphore of the `semaphore` row.
    type Semaphore: Semaphore;
    /// A spawned task's handle, kept by `idle_tasks`.
    type Task;
    /// The TCP sockets of the `tcp_echo` row.
    type Net: super::net::Net;

    /// Starts the runtime with `workers` worker threads.
    fn start(workers: usize) -> io::Result<Self>;

    /// Spawns a detached task from inside a task of this runtime, the way a
    /// user would (`corio::spawn`, `tokio::spawn`, `smol::spawn`).
    fn spawn<F: Future<Output = ()> + Send + 'static>(future: F);

    /// Spawns a detached task from outside the runtime's tasks, through
    /// the runtime's handle.
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, future: F);

    /// [`Contender::spawn_remote`], keeping the task's handle.
    fn spawn_kept<F: Future<Output = ()> + Send + 'static>(&self, future: F) -> Self::Task;

    /// The runtime's own `yield_now`.
    fn yield_now() -> impl Future<Output = ()> + Send;

    /// The runtime's own timer, until `deadline`.
    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send;

    /// The runtime's own timeout: `None` if `duration` passed first.
    fn timeout<F: Future + Send>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = Option<F::Output>> + Send;

    /// Blocks the calling thread (outside the runtime) until `done` is set.
    /// A current-thread flavour runs its tasks meanwhile: that is the only
    /// time they run.
    fn wait(&self, done: &Signal) {
        done.wait_blocking();
    }

    /// Runs `body` as a task of the runtime and blocks the calling thread
    /// until it has finished. "From inside the runtime" in the workload
    /// definitions means from inside such a body.
    fn run_inside<F: Future<Output = ()> + Send + 'static>(&self, body: F) {
        let done = std::sync::Arc::new(Signal::default());
        let notify = done.clone();
        self.spawn_remote(async move {
            body.await;
            notify.notify();
        });
        self.wait(&done);
    }
}

/// A one-shot channel carrying `()`: `ping_pong`'s "B answers A by
/// oneshot" goes through each runtime's own channel, named by
/// [`Contender::Oneshot`].
pub trait Oneshot {
    /// The sending half.
    type Sender: Send + 'static;
    /// The receiving half.
    type Receiver: Send + 'static;

    /// A connected pair.
    fn channel() -> (Self::Sender, Self::Receiver);

    /// Sends the answer.
    fn send(tx: Self::Sender);

    /// Waits for the answer.
    fn recv(rx: Self::Receiver) -> impl Future<Output = ()> + Send;
}

/// A bounded channel of `u64`, as each runtime's users would pick it.
pub trait Channel {
    /// The sending half; clones are more producers.
    type Sender: Clone + Send + Sync + 'static;
    /// The receiving half.
    type Receiver: Send + 'static;

    /// A connected pair holding at most `capacity` messages.
    fn bounded(capacity: usize) -> (Self::Sender, Self::Receiver);

    /// Sends `value`, waiting for room.
    fn send(tx: &Self::Sender, value: u64) -> impl Future<Output = ()> + Send;

    /// The next message; `None` once every sender is gone and the channel
    /// is drained.
    fn recv(rx: &mut Self::Receiver) -> impl Future<Output = Option<u64>> + Send;
}

/// A counting semaphore, as each runtime's users would pick it.
pub trait Semaphore: Send + Sync + 'static {
    /// A semaphore holding `permits` permits.
    fn new(permits: usize) -> Self;

    /// Runs `work` while holding one permit.
    fn with_permit<F: Future<Output = ()> + Send>(
        &self,
        work: F,
    ) -> impl Future<Output = ()> + Send;
}

//! What a runtime must offer to be measured: the primitives the workloads
//! are written against.

use std::future::Future;
use std::io;

use super::signal::Signal;

/// A runtime under test, started with a given number of worker threads.
pub trait Contender: Sized + 'static {
    /// The column's name.
    const NAME: &'static str;

    /// The one-shot channel `ping_pong` answers through.
    type Oneshot: Oneshot;

    /// Starts the runtime with `workers` worker threads.
    fn start(workers: usize) -> io::Result<Self>;

    /// Spawns a detached task from inside a task of this runtime, the way a
    /// user would (`corio::spawn`, `tokio::spawn`, `smol::spawn`).
    fn spawn<F: Future<Output = ()> + Send + 'static>(future: F);

    /// Spawns a detached task from a thread outside the runtime, through the
    /// runtime's handle.
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, future: F);

    /// The runtime's own `yield_now`.
    fn yield_now() -> impl Future<Output = ()> + Send;

    /// Runs `body` as a task on one of the workers and blocks the calling
    /// thread until it has finished. "From inside the runtime" in the
    /// workload definitions means from inside such a body.
    fn run_inside<F: Future<Output = ()> + Send + 'static>(&self, body: F) {
        let done = std::sync::Arc::new(Signal::default());
        let notify = done.clone();
        self.spawn_remote(async move {
            body.await;
            notify.notify();
        });
        done.wait_blocking();
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

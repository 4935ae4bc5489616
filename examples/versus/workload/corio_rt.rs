//! corio as a contender, with its default `Builder` settings.

use std::future::Future;
use std::io;

use super::contender::{Contender, Oneshot};

/// A corio multi-thread runtime.
pub struct Corio(corio::Runtime);

impl Contender for Corio {
    const NAME: &'static str = "corio";

    type Oneshot = CorioOneshot;

    fn start(workers: usize) -> io::Result<Corio> {
        corio::Runtime::builder()
            .worker_threads(workers)
            .build()
            .map(Corio)
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(future: F) {
        drop(corio::spawn(future));
    }

    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        drop(self.0.handle().spawn(future));
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        corio::task::yield_now()
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

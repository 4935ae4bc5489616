//! tokio as a contender: the multi-thread runtime, drivers enabled, as
//! `#[tokio::main]` builds it.

use std::future::Future;
use std::io;

use super::contender::{Contender, Oneshot};

/// A tokio multi-thread runtime.
pub struct Tokio(tokio::runtime::Runtime);

impl Contender for Tokio {
    const NAME: &'static str = "tokio";

    type Oneshot = TokioOneshot;

    fn start(workers: usize) -> io::Result<Tokio> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .map(Tokio)
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(future: F) {
        drop(tokio::spawn(future));
    }

    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        drop(self.0.handle().spawn(future));
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
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

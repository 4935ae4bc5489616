//! tokio as a contender: the multi-thread runtime, drivers enabled, as
//! `#[tokio::main]` builds it.

use std::future::Future;
use std::io;

use super::contender::Contender;
use super::signal::SignalOneshot;

/// A tokio multi-thread runtime.
pub struct Tokio(tokio::runtime::Runtime);

impl Contender for Tokio {
    const NAME: &'static str = "tokio";

    // Once `corio::sync` lands, switch all three columns to their runtime's
    // own channel: here a `tokio::sync::oneshot` implementation of `Oneshot`.
    type Oneshot = SignalOneshot;

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

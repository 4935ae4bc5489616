//! corio as a contender, with its default `Builder` settings.

use std::future::Future;
use std::io;

use super::contender::Contender;
use super::signal::SignalOneshot;

/// A corio multi-thread runtime.
pub struct Corio(corio::Runtime);

impl Contender for Corio {
    const NAME: &'static str = "corio";

    // Once `corio::sync` lands: a `corio::sync::oneshot` implementation of
    // `Oneshot`, named here.
    type Oneshot = SignalOneshot;

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

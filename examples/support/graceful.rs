//! Graceful shutdown for a TCP server, the pattern every production server
//! needs and the one shape shared by `echo_server` and `hyper_server`.
//!
//! A server that simply exits on ctrl-c cuts every client off mid-request.
//! Shutting down *gracefully* means three steps:
//!
//! ```text
//!   signal ──► 1. stop accepting   (drop the listener: new connects are refused)
//!          ──► 2. tell connections (close the `done` channel they all hold)
//!          ──► 3. drain, bounded   (await the JoinSet under a `timeout`)
//!                    │ deadline passed?
//!                    └─► abort whatever is still open, report it, exit
//! ```
//!
//! The pieces, each a corio primitive:
//!
//! - **a shutdown future** (ctrl-c or SIGTERM, see [`shutdown_signal`]; a
//!   test passes a `Notify` instead) raced against `accept`;
//! - **a `JoinSet`** holding every connection task, so that the server knows
//!   what is still in flight and can wait for it, or abort it, as a group;
//! - **a channel closed on the signal**, Go's `done` channel: nobody ever
//!   sends on it, so `recv()` only returns (with `None`) once it is closed,
//!   and every connection task, even one accepted a microsecond before the
//!   close, sees it. A connection uses it to wind down politely (hyper stops
//!   keep-alive after the current response); an echo connection ignores it
//!   and runs until its client is done;
//! - **`corio::time::timeout`** on the drain, so one stuck client cannot
//!   hold the process hostage.

use std::fmt;
use std::future::Future;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use corio::net::{TcpListener, TcpStream};
use corio::signal::unix::{SignalKind, signal};
use corio::sync::channel::{self, Receiver};
use corio::task::JoinSet;
use futures_lite::future;

/// The environment variable that overrides the drain deadline, in
/// milliseconds (tests set it low).
pub const DRAIN_ENV: &str = "CORIO_DRAIN_MS";

/// How long in-flight connections get to finish after the signal, unless
/// [`DRAIN_ENV`] says otherwise.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(5);

/// What a connection task receives to learn that the server is shutting
/// down: `done.recv().await` returns `None` at that moment.
pub type Done = Receiver<()>;

/// The server's final report, printed as its last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Connections accepted over the server's life.
    pub served: usize,
    /// Connections still open when the drain deadline passed (aborted).
    pub still_open: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "served {} connections, {} still open at exit",
            self.served, self.still_open
        )
    }
}

/// The drain deadline: [`DRAIN_ENV`] in milliseconds, else [`DEFAULT_DRAIN`].
pub fn drain_deadline() -> Duration {
    match std::env::var(DRAIN_ENV) {
        Ok(ms) => Duration::from_millis(
            ms.parse()
                .unwrap_or_else(|_| panic!("{DRAIN_ENV}={ms:?} is not a number of milliseconds")),
        ),
        Err(_) => DEFAULT_DRAIN,
    }
}

/// A future that completes at the first ctrl-c (SIGINT) or SIGTERM.
///
/// The listeners are made *here*, before the future is first polled: making
/// a listener installs corio's handler, so a signal that arrives between this
/// call and the first poll is kept rather than killing the process. Call it
/// before announcing that the server is up.
pub fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        // `None` means the runtime is shutting down: a reason to stop too.
        future::or(interrupt.recv(), terminate.recv()).await;
    })
}

/// Prints the bound address as the server's first line (flushed), so that a
/// script or a test that started it on port 0 learns where to connect.
pub fn announce(addr: SocketAddr) -> io::Result<()> {
    println!("listening on {addr}");
    io::stdout().flush()
}

/// A whole server's life: binds `addr`, listens for ctrl-c and SIGTERM,
/// announces the address, serves with `connection` until a signal, drains
/// for [`drain_deadline`], and prints the [`Summary`] as its last line.
pub async fn run<C, F>(addr: &str, connection: C) -> io::Result<Summary>
where
    C: Fn(TcpStream, Done) -> F,
    F: Future<Output = io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind(addr).await?;
    // Handlers first, announcement second: from the moment anyone can see
    // the address, a ctrl-c is ours to handle.
    let shutdown = shutdown_signal()?;
    announce(listener.local_addr()?)?;
    let summary = serve(listener, shutdown, drain_deadline(), connection).await;
    println!("{summary}");
    Ok(summary)
}

/// What one turn of the accept loop woke up for.
enum Event {
    Shutdown,
    Accepted(io::Result<(TcpStream, SocketAddr)>),
    Finished(Result<io::Result<()>, corio::task::JoinError>),
}

/// Serves `listener` until `shutdown` completes, running `connection` as a
/// task per accepted stream, then drains as the module doc describes.
///
/// Must run inside a corio runtime.
pub async fn serve<C, F>(
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
    connection: C,
) -> Summary
where
    C: Fn(TcpStream, Done) -> F,
    F: Future<Output = io::Result<()>> + Send + 'static,
{
    let mut shutdown = pin!(shutdown);
    let (close_on_shutdown, done) = channel::bounded::<()>(1);
    let mut connections = JoinSet::new();
    let mut served = 0;

    loop {
        // Race the three things that can happen. `or` polls left first, so a
        // pending shutdown wins over a ready `accept`, and a finished
        // connection is reaped before the next `accept`: with `accept`
        // first, a backlog that never empties would starve the reaping.
        // Both `accept` and `join_next` are cancel-safe: the losers lose
        // nothing when dropped.
        let event = future::or(
            async {
                shutdown.as_mut().await;
                Event::Shutdown
            },
            future::or(
                async {
                    // Reaping finished tasks as we go keeps the set from
                    // growing with every connection ever served. An empty
                    // set would answer `None` at once, so wait on accept
                    // alone then.
                    match connections.join_next().await {
                        Some(result) => Event::Finished(result),
                        None => future::pending().await,
                    }
                },
                async { Event::Accepted(listener.accept().await) },
            ),
        )
        .await;
        match event {
            Event::Shutdown => break,
            Event::Accepted(Ok((stream, _peer))) => {
                served += 1;
                connections.spawn(connection(stream, done.clone()));
            }
            Event::Accepted(Err(e)) => {
                // Typically EMFILE: out of descriptors. Retrying at once would
                // spin; a finished connection frees one, so pause briefly.
                eprintln!("accept failed: {e}");
                corio::time::sleep(Duration::from_millis(100)).await;
            }
            Event::Finished(result) => report(result),
        }
    }

    // 1. Stop accepting: a closed listener makes new connects fail at once
    //    instead of queueing in a backlog nobody will read.
    drop(listener);
    // 2. Tell every connection, present and future, that we are closing.
    close_on_shutdown.close();
    // 3. Drain, bounded by the deadline.
    println!(
        "shutting down: draining {} connections (up to {drain:?})",
        connections.len()
    );
    let drained = corio::time::timeout(drain, async {
        while let Some(result) = connections.join_next().await {
            report(result);
        }
    })
    .await;
    // A connection that ended just as the deadline passed is still in the
    // set, finished: it is reported here, not counted as cut.
    while let Some(result) = connections.try_join_next() {
        report(result);
    }
    let still_open = if drained.is_ok() {
        0
    } else {
        connections.len()
    };
    // Past the deadline: cancel the stragglers (their sockets close as their
    // futures are dropped) and wait until they are gone.
    connections.shutdown().await;
    Summary { served, still_open }
}

/// Logs how a connection task ended, if it ended badly.
fn report(result: Result<io::Result<()>, corio::task::JoinError>) {
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("connection failed: {e}"),
        Err(e) => eprintln!("connection task failed: {e}"),
    }
}

//! hyper 1.x serving "Hello, World!" on corio, with graceful shutdown.
//!
//! ```text
//! cargo run --release --example hyper_server -- [ADDR] [--workers N] [--runtime corio|tokio]
//! curl http://127.0.0.1:3000/                    # Hello, World!
//! ```
//!
//! ADDR defaults to `127.0.0.1:3000` (use port 0 for any free port: the
//! first line printed is `listening on <addr>`), `--workers` to 2.
//!
//! On corio, ctrl-c or SIGTERM stops accepting, tells each connection to
//! close after its current response (hyper's `graceful_shutdown`), waits up
//! to 5 s (or `CORIO_DRAIN_MS`) and prints a summary line; see
//! `examples/support/graceful.rs`.
//!
//! `--runtime tokio` serves the same service on tokio, the way a tokio user
//! would, as the baseline for `benches/http.sh`. It has no graceful shutdown
//! (tokio's `signal` feature is not enabled here): a signal just ends it.

#[path = "support/graceful.rs"]
mod graceful;
#[path = "support/hello_http.rs"]
mod hello_http;
#[path = "support/hyper_io.rs"]
#[allow(dead_code)] // `CorioExecutor`: an HTTP/1 server spawns nothing for hyper
mod hyper_io;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::server::conn::http1;
use hyper::service::service_fn;

use hello_http::hello;

/// Command-line options.
struct Args {
    addr: String,
    workers: usize,
    tokio: bool,
}

fn parse_args() -> Args {
    const USAGE: &str = "usage: hyper_server [ADDR] [--workers N] [--runtime corio|tokio]";
    let mut args = Args {
        addr: "127.0.0.1:3000".to_owned(),
        workers: 2,
        tokio: false,
    };
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--workers" => {
                args.workers = argv
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("--workers takes a number; {USAGE}"));
            }
            "--runtime" => {
                args.tokio = match argv.next().as_deref() {
                    Some("corio") => false,
                    Some("tokio") => true,
                    _ => panic!("--runtime takes corio or tokio; {USAGE}"),
                };
            }
            addr if !addr.starts_with('-') => args.addr = addr.to_owned(),
            _ => panic!("unknown argument {arg:?}; {USAGE}"),
        }
    }
    args
}

fn main() -> io::Result<()> {
    let args = parse_args();
    if args.tokio {
        return on_tokio::serve(&args);
    }
    let runtime = corio::Runtime::builder()
        .worker_threads(args.workers)
        .build()?;
    runtime.block_on(graceful::run(&args.addr, hello_http::connection))?;
    Ok(())
}

/// The tokio baseline: the same service, on tokio's runtime and sockets.
mod on_tokio {
    use super::*;

    pub fn serve(args: &Args) -> io::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.workers)
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind(args.addr.as_str()).await?;
            graceful::announce(listener.local_addr()?)?;
            loop {
                let (stream, _) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of descriptors, say: pause rather than spin.
                        eprintln!("accept failed: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                };
                // A peer that reset already makes this fail: not a reason
                // to stop serving the others.
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    // hyper's timeouts on tokio's timers, as corio's side
                    // has them on corio's.
                    let conn = http1::Builder::new()
                        .timer(TokioTimer)
                        .serve_connection(TokioIo(stream), service_fn(hello));
                    if let Err(e) = conn.await {
                        eprintln!("connection failed: {e}");
                    }
                });
            }
        })
    }

    /// tokio's timers as hyper's clock: what `hyper-util`'s `TokioTimer`
    /// does, without the dependency.
    #[derive(Clone, Copy)]
    struct TokioTimer;

    impl hyper::rt::Timer for TokioTimer {
        fn sleep(&self, duration: std::time::Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
            Box::pin(TokioSleep(tokio::time::sleep(duration)))
        }

        fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
            Box::pin(TokioSleep(tokio::time::sleep_until(deadline.into())))
        }
    }

    /// tokio's `Sleep` (not `Unpin`: pinned in its box) as hyper's `Sleep`.
    struct TokioSleep(tokio::time::Sleep);

    impl std::future::Future for TokioSleep {
        type Output = ();

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            // SAFETY: the field is never moved out of the pinned wrapper.
            unsafe { self.map_unchecked_mut(|s| &mut s.0) }.poll(cx)
        }
    }

    impl hyper::rt::Sleep for TokioSleep {}

    /// tokio's streams seen as a hyper connection: what `hyper-util`'s
    /// `TokioIo` does, without the dependency. tokio's `ReadBuf` can read
    /// into uninitialised memory, so nothing is zeroed here.
    struct TokioIo(tokio::net::TcpStream);

    impl hyper::rt::Read for TokioIo {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            mut buf: hyper::rt::ReadBufCursor<'_>,
        ) -> Poll<io::Result<()>> {
            // SAFETY: tokio's `ReadBuf` never de-initialises bytes.
            let mut tokio_buf = tokio::io::ReadBuf::uninit(unsafe { buf.as_mut() });
            std::task::ready!(tokio::io::AsyncRead::poll_read(
                Pin::new(&mut self.0),
                cx,
                &mut tokio_buf
            ))?;
            let n = tokio_buf.filled().len();
            // SAFETY: `ReadBuf` says the first `n` bytes were filled.
            unsafe { buf.advance(n) };
            Poll::Ready(Ok(()))
        }
    }

    impl hyper::rt::Write for TokioIo {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            tokio::io::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            tokio::io::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            tokio::io::AsyncWrite::poll_shutdown(Pin::new(&mut self.0), cx)
        }

        fn is_write_vectored(&self) -> bool {
            tokio::io::AsyncWrite::is_write_vectored(&self.0)
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            tokio::io::AsyncWrite::poll_write_vectored(Pin::new(&mut self.0), cx, bufs)
        }
    }
}

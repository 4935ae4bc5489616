//! The HTTP hello-world served by hyper on a corio connection.
//!
//! Shared by `examples/hyper_server.rs` and `tests/hyper.rs`, which include
//! it (with `graceful.rs` and `hyper_io.rs`, which it builds on) through
//! `#[path]`.

use std::convert::Infallible;
use std::io;
use std::pin::pin;

use corio::net::TcpStream;
use futures_lite::future;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

use crate::graceful::Done;
use crate::hyper_io::{CorioTimer, HyperIo};

/// The whole application: every request gets the same answer.
pub async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

/// Serves HTTP/1 on one connection until the client leaves or, once the
/// server closes `done`, until the response in progress is written.
pub async fn connection(stream: TcpStream, done: Done) -> io::Result<()> {
    // Each response is one write; do not let Nagle hold it back.
    stream.set_nodelay(true)?;
    // hyper's timeouts on corio's timers: a client that sends no complete
    // request header within 30 s is cut off, instead of holding its task
    // and descriptor for good. The same timer starts as hyper waits for
    // the next request, so it is also the idle keep-alive limit.
    let mut conn = pin!(
        http1::Builder::new()
            .timer(CorioTimer)
            .serve_connection(HyperIo(stream), service_fn(hello))
    );
    let ended = future::or(async { Some(conn.as_mut().await) }, async {
        // `recv` returns `None` once the server closes the channel.
        done.recv().await;
        None
    })
    .await;
    let result = match ended {
        Some(result) => result,
        None => {
            // Finish the request in flight (if any), then close instead of
            // waiting for the next one on this keep-alive connection.
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    match result {
        // A client silent for 30 s (idle keep-alive, or a header never
        // finished) was let go: the timeout's purpose, not a failure.
        Err(err) if err.is_timeout() => Ok(()),
        result => result.map_err(io::Error::other),
    }
}

//! A real HTTP stack on corio, both ends: hyper's client calls the hyper
//! hello-world server of `examples/hyper_server.rs`, on one corio runtime,
//! through the adapter in `examples/support/hyper_io.rs`.

// The example stops on SIGTERM and ctrl-c: it needs the `signal` feature
// (on by default).
#![cfg(feature = "signal")]

mod common;

#[path = "../examples/support/graceful.rs"]
#[allow(dead_code)] // the tests call `serve`, not the signal-driven `run`
mod graceful;
#[path = "../examples/support/hello_http.rs"]
mod hello_http;
#[path = "../examples/support/hyper_io.rs"]
mod hyper_io;

use std::net::SocketAddr;
use std::sync::Arc;

use corio::net::{TcpListener, TcpStream};
use corio::sync::Notify;
use corio::task::JoinHandle;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, StatusCode};

use graceful::Summary;
use hyper_io::{CorioExecutor, HyperIo};

/// A hello-world server running as a task, and the switch that stops it.
struct Server {
    addr: SocketAddr,
    stop: Arc<Notify>,
    task: JoinHandle<Summary>,
}

impl Server {
    async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(Notify::new());
        let shutdown = {
            let stop = stop.clone();
            async move { stop.notified().await }
        };
        let task = corio::spawn(graceful::serve(
            listener,
            shutdown,
            common::LIMIT,
            hello_http::connection,
        ));
        Server { addr, stop, task }
    }

    /// Triggers the graceful shutdown and returns the server's summary.
    async fn stop(self) -> Summary {
        // `notify_one` keeps a permit if the server is not waiting yet.
        self.stop.notify_one();
        self.task.await.unwrap()
    }
}

/// Opens an HTTP/1 client connection to `addr`; its driver runs as a task
/// spawned through hyper's `Executor`, as hyper's own examples do.
async fn client(addr: SocketAddr) -> SendRequest<Empty<Bytes>> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = http1::handshake(HyperIo(stream)).await.unwrap();
    hyper::rt::Executor::execute(&CorioExecutor, async move {
        // The server closing the connection at shutdown ends this cleanly.
        conn.await.expect("the client connection failed");
    });
    sender
}

/// `GET /` on `sender`'s connection: the status and the whole body.
async fn get(sender: &mut SendRequest<Empty<Bytes>>, addr: SocketAddr) -> (StatusCode, Bytes) {
    sender.ready().await.unwrap();
    let request = Request::get("/")
        .header(hyper::header::HOST, addr.to_string())
        .body(Empty::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, body)
}

#[test]
fn a_hyper_client_gets_hello_world_from_the_hyper_server_on_corio() {
    common::block_on(async {
        let server = Server::start().await;
        let mut sender = client(server.addr).await;

        let (status, body) = get(&mut sender, server.addr).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, "Hello, World!");

        // The connection is idle in keep-alive: shutting down closes it at
        // once (hyper's graceful shutdown) instead of waiting out the drain.
        let summary = server.stop().await;
        assert_eq!(
            summary,
            Summary {
                served: 1,
                still_open: 0
            }
        );
        // The connection is gone: a second request fails instead of hanging.
        let request = Request::get("/").body(Empty::new()).unwrap();
        assert!(sender.send_request(request).await.is_err());
    });
}

#[test]
fn fifty_sequential_requests_share_one_keep_alive_connection() {
    common::block_on(async {
        let server = Server::start().await;
        let mut sender = client(server.addr).await;
        for i in 0..50 {
            let (status, body) = get(&mut sender, server.addr).await;
            assert_eq!(status, StatusCode::OK, "request {i}");
            assert_eq!(body, "Hello, World!", "request {i}");
        }
        // All 50 went over the one connection the server accepted.
        assert_eq!(server.stop().await.served, 1);
    });
}

/// hyper's timeouts run on corio's timers through `CorioTimer`: a client
/// that sends half a request header and goes silent is cut off when the
/// header read timeout passes, instead of holding the connection for good.
#[test]
fn a_silent_client_is_cut_off_by_the_header_read_timeout() {
    use futures_lite::AsyncReadExt;
    use hyper::server::conn::http1 as server_http1;
    use hyper::service::service_fn;
    use std::time::Duration;

    common::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = corio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let service = service_fn(|_request| async {
                Ok::<_, std::convert::Infallible>(hyper::Response::new(Empty::<Bytes>::new()))
            });
            server_http1::Builder::new()
                .timer(hyper_io::CorioTimer)
                .header_read_timeout(Duration::from_millis(100))
                .serve_connection(HyperIo(stream), service)
                .await
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        // The rest of the header never comes: the server gives up and closes.
        let mut rest = Vec::new();
        let read = common::bounded(client.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "{read:?}");
        let served = common::bounded(server).await.unwrap();
        assert!(served.is_err(), "the connection ended in a timeout error");
    });
}

//! The demo: the server and a client in one process, as `--demo` runs it
//! and as the tests do.

use std::net::SocketAddr;
use std::time::Duration;

use corio::net::{TcpListener, TcpStream};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};

use super::App;
use super::http::serve;
use super::hyper_io::{CorioExecutor, HyperIo};

/// The texts the demo submits.
pub const DEMO_TEXTS: [&str; 4] = [
    "the quick brown fox jumps over the lazy dog",
    "to be or not to be that is the question",
    "async tasks wait without blocking threads; blocking work goes to the blocking pool",
    "one two two three three three",
];

/// Starts the server on a free port, submits `DEMO_TEXTS` over HTTP, polls
/// each job until it is done, prints the answers and stops. Returns the
/// final JSON of each job, in submission order.
pub fn demo() -> Vec<String> {
    corio::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let (app, workers) = App::start();
        let server = corio::spawn(serve(listener, app.clone()));
        println!("server on http://{addr}");

        let answers = corio::time::timeout(Duration::from_secs(10), client(addr))
            .await
            .expect("the demo finishes within 10 s")
            .expect("the HTTP calls succeed");

        server.abort();
        app.stop(workers).await;
        answers
    })
}

/// What a user would do with curl: POST each text, then GET each job until
/// it reports `done`.
async fn client(addr: SocketAddr) -> hyper::Result<Vec<String>> {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(HyperIo(stream)).await?;
    // The client connection's driver runs as its own task.
    hyper::rt::Executor::execute(&CorioExecutor, async move {
        let _ = connection.await;
    });

    let mut ids = Vec::new();
    for text in DEMO_TEXTS {
        let (status, body) = call(&mut sender, addr, Method::POST, "/jobs", text).await?;
        println!("POST /jobs {text:?}\n  -> {status} {body}");
        ids.push(json_id(&body));
    }
    let mut answers = Vec::new();
    for id in ids {
        let path = format!("/jobs/{id}");
        loop {
            let (_, body) = call(&mut sender, addr, Method::GET, &path, "").await?;
            if body.contains(r#""status":"done""#) || body.contains(r#""status":"failed""#) {
                println!("GET {path}\n  -> {body}");
                answers.push(body);
                break;
            }
            // Not done yet: ask again shortly, as a polling client does.
            corio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    Ok(answers)
}

/// One HTTP call on the client connection: the status and the body.
async fn call(
    sender: &mut SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    method: Method,
    path: &str,
    body: &str,
) -> hyper::Result<(StatusCode, String)> {
    // HTTP/1 sends one request at a time on a connection: wait for it.
    sender.ready().await?;
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, addr.to_string())
        .body(Full::new(Bytes::copy_from_slice(body.as_bytes())))
        .expect("a valid request");
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).trim().to_string()))
}

/// The `id` of `{"id":N,...}`.
fn json_id(body: &str) -> u64 {
    body.strip_prefix(r#"{"id":"#)
        .and_then(|rest| rest.split(',').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no job id in {body:?}"))
}

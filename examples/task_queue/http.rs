//! The HTTP API of the job platform: `POST /jobs` puts a job on the queue
//! (or answers `503` when it is full), `GET /jobs/ID` reads its status.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use corio::net::TcpListener;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};

use super::hyper_io::{self, HyperIo};
use super::{App, MAX_BODY, Status};

/// Accepts connections until dropped; each connection is served by its own
/// task, so a slow client holds up nobody else.
pub async fn serve(listener: TcpListener, app: Arc<App>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // One failed accept (a client that reset before we took it,
            // or no descriptors left: EMFILE) must not end the server. A
            // short pause lets descriptors free up instead of retrying hot.
            Err(err) => {
                eprintln!("accept failed: {err}");
                corio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Nagle's delay only slows small responses; a socket that refuses
        // the option still works.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        corio::spawn(async move {
            let service = service_fn(move |request| route(app.clone(), request));
            // With corio's timers, hyper closes a connection whose client
            // sends no complete request header within 30 s (a silent client
            // would otherwise hold its task and descriptor for good); the
            // same timer is the idle keep-alive limit, so it is no failure.
            if let Err(err) = http1::Builder::new()
                .timer(hyper_io::CorioTimer)
                .serve_connection(HyperIo(stream), service)
                .await
                && !err.is_timeout()
            {
                eprintln!("connection failed: {err}");
            }
        });
    }
}

/// The routes: `POST /jobs` and `GET /jobs/ID`.
async fn route(
    app: Arc<App>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_string();
    let response = match (request.method(), path.trim_end_matches('/')) {
        (&Method::POST, "/jobs") => {
            // `Limited` refuses bodies over the limit instead of buffering
            // whatever a client sends.
            match Limited::new(request.into_body(), MAX_BODY).collect().await {
                Err(_) => reply(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    r#"{"error":"body too large"}"#.into(),
                ),
                Ok(body) => match String::from_utf8(body.to_bytes().to_vec()) {
                    Ok(text) if !text.trim().is_empty() => match app.submit(text) {
                        Ok(id) => reply(
                            StatusCode::ACCEPTED,
                            format!(r#"{{"id":{id},"status":"queued"}}"#),
                        ),
                        Err(why) => reply(
                            StatusCode::SERVICE_UNAVAILABLE,
                            format!(r#"{{"error":"{why}"}}"#),
                        ),
                    },
                    _ => reply(
                        StatusCode::BAD_REQUEST,
                        r#"{"error":"send some UTF-8 text"}"#.into(),
                    ),
                },
            }
        }
        (&Method::GET, id) if id.starts_with("/jobs/") => {
            let status = id["/jobs/".len()..]
                .parse()
                .ok()
                .and_then(|id| Some((id, app.status(id)?)));
            match status {
                Some((id, status)) => reply(StatusCode::OK, to_json(id, &status)),
                None => reply(StatusCode::NOT_FOUND, r#"{"error":"no such job"}"#.into()),
            }
        }
        _ => reply(
            StatusCode::NOT_FOUND,
            r#"{"error":"try POST /jobs or GET /jobs/ID"}"#.into(),
        ),
    };
    Ok(response)
}

fn reply(status: StatusCode, json: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(json + "\n")));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        "application/json".parse().unwrap(),
    );
    response
}

/// A job as JSON, written by hand to keep the example free of serde.
pub(crate) fn to_json(id: u64, status: &Status) -> String {
    match status {
        Status::Queued => format!(r#"{{"id":{id},"status":"queued"}}"#),
        Status::Running => format!(r#"{{"id":{id},"status":"running"}}"#),
        Status::Done(a) => format!(
            r#"{{"id":{id},"status":"done","words":{},"unique":{},"top":"{}","checksum":"{:016x}"}}"#,
            a.words, a.unique, a.top, a.checksum
        ),
        Status::Failed(why) => format!(
            r#"{{"id":{id},"status":"failed","error":"{}"}}"#,
            json_escape(why)
        ),
    }
}

/// `text` as the inside of a JSON string: quotes, backslashes and control
/// characters escaped (Rust's `{:?}` is not JSON: it writes `\u{1b}`).
fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

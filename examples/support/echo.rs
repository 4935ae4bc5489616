//! The echo service: every byte a client sends comes straight back.
//!
//! Shared by `examples/echo_server.rs` and `tests/echo_example.rs`, which
//! include it (with `graceful.rs`, which serves it) through `#[path]`.

use std::io;

use corio::net::TcpStream;

use crate::graceful::Done;

/// Echoes one connection until its client closes its write side.
///
/// It ignores the shutdown notice (`_done`): what an echo connection has in
/// flight is whatever its client still sends, so it runs until the client is
/// done or the drain deadline cuts it off.
pub async fn echo(mut stream: TcpStream, _done: Done) -> io::Result<()> {
    let mut buf = vec![0; 16 * 1024];
    loop {
        match stream.read(&mut buf).await? {
            0 => return Ok(()),
            n => stream.write_all(&buf[..n]).await?,
        }
    }
}

//! Name resolution off the workers.
//!
//! Turning `"example.com:443"` into addresses is `getaddrinfo`, a blocking
//! call that can take seconds when a DNS server does not answer. On a
//! worker it would stall every task queued there, so [`lookup_host`] runs
//! it on the blocking pool, as tokio's does. The socket types' `connect`
//! and `bind` take std's `ToSocketAddrs` and resolve a *name* on the
//! calling thread (an address such as `"127.0.0.1:80"` is only parsed);
//! resolve names first with `lookup_host` where that matters.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `host` to socket addresses on the blocking pool.
///
/// `host` is anything std can resolve that can move to another thread: a
/// `String` such as `"example.com:80"`, a `(String, u16)`, a `SocketAddr`.
/// The result feeds `TcpStream::connect` (a slice of addresses is tried in
/// turn).
///
/// # Errors
///
/// What the resolver says (no such host, no network), or an error if the
/// runtime shut down first.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let addrs: Vec<_> = corio::net::lookup_host("localhost:8080".to_string()).await?.collect();
///     assert!(addrs.iter().all(|a| a.port() == 8080 && a.ip().is_loopback()));
///     Ok(())
/// })
/// # }
/// ```
pub async fn lookup_host<T>(host: T) -> io::Result<impl Iterator<Item = SocketAddr>>
where
    T: ToSocketAddrs + Send + 'static,
{
    let addrs = crate::blocking::asyncify("corio::net::lookup_host", move || {
        host.to_socket_addrs().map(Iterator::collect::<Vec<_>>)
    })
    .await?;
    Ok(addrs.into_iter())
}

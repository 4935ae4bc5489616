//! Name resolution off the workers, for a program that wants the addresses
//! themselves.
//!
//! Turning `"example.com:443"` into addresses is `getaddrinfo`, a blocking
//! call that can take seconds when a DNS server does not answer. On a
//! worker it would stall every task queued there, so [`lookup_host`] runs
//! it on the blocking pool, as tokio's does. The socket types' `connect`,
//! `bind` and `send_to` do the same with a name they are given (see
//! `addr/mod.rs`).

use std::io;
use std::net::SocketAddr;

use super::addr::{self, ToSocketAddrs};

/// Resolves `host` to socket addresses, on the blocking pool when it is a
/// name.
///
/// `host` is any [`ToSocketAddrs`]: `"example.com:80"`,
/// `("example.com", 80)`, a `SocketAddr` (returned as it is). The result
/// feeds `TcpStream::connect` (a slice of addresses is tried in turn).
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
///     let addrs: Vec<_> = corio::net::lookup_host("localhost:8080").await?.collect();
///     assert!(addrs.iter().all(|a| a.port() == 8080 && a.ip().is_loopback()));
///     Ok(())
/// })
/// # }
/// ```
pub async fn lookup_host(host: impl ToSocketAddrs) -> io::Result<impl Iterator<Item = SocketAddr>> {
    addr::resolve(&host).await
}

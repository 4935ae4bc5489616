//! What the socket types accept as an address, and where a name is
//! resolved.
//!
//! std's `ToSocketAddrs` resolves a name such as `"example.com:443"` with
//! `getaddrinfo`, a blocking call that can take seconds when a DNS server
//! does not answer. Called on a worker, it would stall every task queued
//! there. So corio's `connect`, `bind`, `send_to` and
//! [`lookup_host`](super::lookup_host) take corio's own [`ToSocketAddrs`]
//! (tokio has the same sealed trait), which sorts an address into one of
//! three kinds *without* resolving anything:
//!
//! ```text
//!   SocketAddr, (IpAddr, u16), "127.0.0.1:80"  ─► one address: used at once
//!   &[SocketAddr]                              ─► a list: tried in turn by
//!                                                 connect and bind (send_to
//!                                                 takes the first)
//!   "example.com:80", ("example.com", 80)      ─► a name: getaddrinfo on the
//!                                                 blocking pool, awaited
//! ```
//!
//! Only names go to the blocking pool, so a `send_to` with a `SocketAddr`
//! allocates nothing and never leaves the worker.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// An address the socket types accept: anything std's `ToSocketAddrs`
/// takes that can be named without a system call, and host names, which
/// corio resolves on its blocking pool instead of on the calling worker.
///
/// Implemented for `SocketAddr` (and its `V4`/`V6`), `(IpAddr, u16)` (and
/// its `Ipv4Addr`/`Ipv6Addr`), `[SocketAddr]` slices, `str` and `String`
/// (`"host:port"`), `(&str, u16)` and `(String, u16)`, and references to
/// any of them. It is sealed: the set of types is corio's to change.
///
/// # Examples
///
/// ```
/// use std::net::{Ipv4Addr, SocketAddr};
///
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     // An address, a tuple and a string all name the same thing.
///     let a = corio::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?;
///     let b = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
///     let to: SocketAddr = b.local_addr()?;
///     a.send_to(b"hi", to).await?;
///     let mut buf = [0; 2];
///     assert_eq!(b.recv_from(&mut buf).await?.0, 2);
///     Ok(())
/// })
/// # }
/// ```
pub trait ToSocketAddrs: sealed::Target {}

mod sealed;

use sealed::{Kind, Target};

macro_rules! one_address {
    ($($ty:ty),*) => {$(
        impl Target for $ty {
            fn kind(&self) -> Kind {
                Kind::One(SocketAddr::from(*self))
            }
        }
        impl ToSocketAddrs for $ty {}
    )*};
}

one_address!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl Target for [SocketAddr] {
    fn kind(&self) -> Kind {
        match self {
            [one] => Kind::One(*one),
            many => Kind::Many(many.to_vec()),
        }
    }
}
impl ToSocketAddrs for [SocketAddr] {}

impl Target for str {
    fn kind(&self) -> Kind {
        // A literal address is only parsed, as std does before resolving.
        match self.parse() {
            Ok(addr) => Kind::One(addr),
            Err(_) => Kind::Name(self.to_owned()),
        }
    }
}
impl ToSocketAddrs for str {}

impl Target for String {
    fn kind(&self) -> Kind {
        self.as_str().kind()
    }
}
impl ToSocketAddrs for String {}

impl Target for (&str, u16) {
    fn kind(&self) -> Kind {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Kind::One(SocketAddr::new(ip, port)),
            Err(_) => Kind::HostPort(host.to_owned(), port),
        }
    }
}
impl ToSocketAddrs for (&str, u16) {}

impl Target for (String, u16) {
    fn kind(&self) -> Kind {
        (self.0.as_str(), self.1).kind()
    }
}
impl ToSocketAddrs for (String, u16) {}

impl<T: Target + ?Sized> Target for &T {
    fn kind(&self) -> Kind {
        (**self).kind()
    }
}
impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}

/// The addresses `addr` stands for, resolving a name on the blocking pool.
/// The future does not borrow `addr`.
pub(crate) fn resolve(
    addr: &(impl ToSocketAddrs + ?Sized),
) -> impl Future<Output = io::Result<Addrs>> + Send + 'static {
    let kind = addr.kind();
    async move {
        let resolved = match kind {
            Kind::One(addr) => return Ok(Addrs::One(Some(addr))),
            Kind::Many(addrs) => addrs,
            Kind::Name(name) => {
                lookup(move || std::net::ToSocketAddrs::to_socket_addrs(&name)).await?
            }
            Kind::HostPort(host, port) => {
                lookup(move || std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)))
                    .await?
            }
        };
        Ok(Addrs::Many(resolved.into_iter()))
    }
}

/// Runs one std resolution on the blocking pool.
async fn lookup<I>(
    resolve: impl FnOnce() -> io::Result<I> + Send + 'static,
) -> io::Result<Vec<SocketAddr>>
where
    I: Iterator<Item = SocketAddr>,
{
    crate::blocking::asyncify("corio::net name resolution", move || {
        resolve().map(Iterator::collect)
    })
    .await
}

/// The addresses an address stood for, in the resolver's order.
#[derive(Debug)]
pub(crate) enum Addrs {
    One(Option<SocketAddr>),
    Many(std::vec::IntoIter<SocketAddr>),
}

impl Iterator for Addrs {
    type Item = SocketAddr;

    fn next(&mut self) -> Option<SocketAddr> {
        match self {
            Addrs::One(one) => one.take(),
            Addrs::Many(many) => many.next(),
        }
    }
}

/// The error for an address that stood for none.
pub(crate) fn no_address() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "the address resolved to nothing",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(kind: Kind) -> Option<SocketAddr> {
        match kind {
            Kind::One(addr) => Some(addr),
            _ => None,
        }
    }

    #[test]
    fn addresses_are_parsed_in_place_and_names_kept_for_the_resolver() {
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(one("127.0.0.1:80".kind()), Some(v4));
        assert_eq!(one("[::1]:80".kind()), Some(v6));
        assert_eq!(
            one(("::1", 80).kind()),
            Some(v6),
            "a bare IPv6 host with its port"
        );
        assert_eq!(one((String::from("127.0.0.1"), 80).kind()), Some(v4));
        assert_eq!(one((v4.ip(), 80).kind()), Some(v4));
        assert_eq!(one((&&v6).kind()), Some(v6), "through references");
        assert_eq!(one([v4][..].kind()), Some(v4));
        assert!(matches!([v4, v6][..].kind(), Kind::Many(list) if list == [v4, v6]));
        assert!(matches!("localhost:80".kind(), Kind::Name(name) if name == "localhost:80"));
        assert!(
            matches!(("localhost", 80).kind(), Kind::HostPort(host, 80) if host == "localhost")
        );
    }

    #[test]
    fn an_address_stands_for_itself_once() {
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let mut addrs = Addrs::One(Some(v4));
        assert_eq!(addrs.next(), Some(v4));
        assert_eq!(addrs.next(), None);
        assert_eq!(no_address().kind(), io::ErrorKind::InvalidInput);
    }
}

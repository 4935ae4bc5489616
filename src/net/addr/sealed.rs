//! The hidden half of `ToSocketAddrs`: `pub` so that the public trait may
//! name it, in a private module so that no user can implement or call it.

use std::net::SocketAddr;

/// What an address is before anything is resolved.
pub enum Kind {
    One(SocketAddr),
    Many(Vec<SocketAddr>),
    /// `"host:port"`.
    Name(String),
    /// A host and a port given apart.
    HostPort(String, u16),
}

/// Sorts an address into its [`Kind`], with no system call.
pub trait Target {
    fn kind(&self) -> Kind;
}

//! The hidden half of `Split`: `pub` so that the public trait may name it,
//! in a private module so that no user can implement or call it.

use std::io;

use crate::io::Async;
use crate::io::byte_stream::ByteStream;

/// What the halves need from their stream.
pub trait Sealed {
    /// The std socket inside.
    type Io: ByteStream;
    /// The socket, registered with the reactor.
    fn io(&self) -> &Async<Self::Io>;
    /// Shuts the write side down (the peer reads end-of-file).
    fn shutdown_write(&self) -> io::Result<()>;
    /// The stream's own `local_addr` and `peer_addr`.
    fn addr(&self, peer: bool) -> io::Result<<Self as super::Split>::Addr>
    where
        Self: super::Split;
}

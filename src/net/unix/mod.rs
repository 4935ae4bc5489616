//! Unix-domain sockets: TCP-like streams and UDP-like datagrams between
//! processes on one machine, addressed by filesystem paths.
//!
//! They ride the same reactor as TCP and UDP. One difference: `connect` to a
//! Unix socket usually completes at once in the kernel (there is no
//! handshake over a network); it is still made non-blocking
//! (`net/socket.rs`), since to a listener whose backlog is full a blocking
//! one would wait with no limit.

mod datagram;
mod listener;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use stream::UnixStream;

//! Unix-domain sockets: TCP-like streams and UDP-like datagrams between
//! processes on one machine, addressed by filesystem paths.
//!
//! They ride the same reactor as TCP and UDP. One difference: `connect` to a
//! Unix socket completes at once in the kernel (there is no handshake over a
//! network), so `UnixStream::connect` calls std's `connect` directly; it
//! could only block if the listener's backlog were full.

mod datagram;
mod listener;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use stream::UnixStream;

//! Networking: TCP, UDP and Unix-domain sockets on top of the reactor.
//!
//! Each socket type is a typed wrapper around an [`Async`](crate::io::Async)
//! of the matching `std` socket: the kernel does the networking, `std` names
//! the calls, and the reactor turns every `WouldBlock` into a task that
//! sleeps until the socket is ready. The methods mirror tokio's, so moving a
//! program between the two is a search-and-replace.
//!
//! ```text
//!   TcpStream ─┐
//!   UdpSocket ─┼─► io::Async<std socket> ─► Registration ─► Reactor (epoll/kqueue)
//!   UnixStream ┘
//! ```
//!
//! A [`TcpSocket`] is a TCP socket before it connects or listens, for the
//! options that only count if set first (`SO_REUSEADDR`, `SO_REUSEPORT`,
//! the buffer sizes).
//!
//! Errors are part of the contract: a refused connect, a reset connection or
//! a broken pipe is an `io::Error`, and `accept` under `EMFILE` returns the
//! error instead of spinning.

mod addr;
mod lookup;
mod socket;
mod split;
pub mod tcp;
mod udp;
pub mod unix;

pub use addr::ToSocketAddrs;
pub use lookup::lookup_host;
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixSocket, UnixStream};

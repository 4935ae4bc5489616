//! TCP: a listener that accepts, and streams that read and write.
//!
//! - `listener.rs`: [`TcpListener`], `accept` and the `incoming` stream;
//! - `stream.rs`: [`TcpStream`], including the non-blocking connect;
//! - `ready.rs`: its `readable`/`writable` and `try_read`/`try_write`, for
//!   a caller doing its own I/O;
//! - `options.rs`: a stream's addresses, `TCP_NODELAY`, `SO_LINGER`, the TTL
//!   and `shutdown`;
//! - `socket/`: [`TcpSocket`], a socket before it connects or listens,
//!   and (`options.rs`) the options that must come first (`SO_REUSEADDR`,
//!   `SO_REUSEPORT`, buffer sizes);
//! - `split.rs`: the names of a stream's borrowed and owned halves, and
//!   their TCP-only methods (the halves are `net/split/`'s, shared with
//!   Unix streams).

mod listener;
mod options;
mod ready;
mod socket;
mod split;
mod stream;

pub use crate::net::split::{Reader, Split, Writer};
pub use listener::{Incoming, TcpListener};
pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;

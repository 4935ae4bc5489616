//! TCP: a listener that accepts, and streams that read and write.
//!
//! - `listener.rs`: [`TcpListener`], `accept` and the `incoming` stream;
//! - `stream.rs`: [`TcpStream`], including the non-blocking connect;
//! - `options.rs`: a stream's addresses, `TCP_NODELAY` and `shutdown`;
//! - `split.rs`: borrowed and owned read/write halves of a stream.

mod listener;
mod options;
mod split;
mod stream;

pub use listener::{Incoming, TcpListener};
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, Reader, WriteHalf, Writer};
pub use stream::TcpStream;

//! The network row: `tcp_echo`, 50 connections (or
//! `VERSUS_TCP_CONNECTIONS`) x 2,000 round trips of 64 bytes over
//! loopback (500 a `versus` sample, 2,000 in the criterion group), server
//! and clients on the same runtime.
//!
//! Each runtime brings its own sockets ([`Net`]): `corio::net`,
//! `tokio::net`, `smol::net` (async-io). The row reports the time per round
//! trip across all connections (the inverse of throughput) and the p99 of
//! one round trip's latency, both lower-is-better.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};

use super::contender::Contender;
use super::signal::Countdown;

/// A runtime's TCP sockets, as its users would write an echo exchange.
pub trait Net {
    type Listener: Send + Sync + 'static;
    type Stream: Send + 'static;

    /// A listener on a free loopback port, and its address.
    fn bind() -> impl Future<Output = io::Result<(Self::Listener, SocketAddr)>> + Send;
    fn accept(listener: &Self::Listener) -> impl Future<Output = io::Result<Self::Stream>> + Send;
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> + Send;
    fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;
    fn read_exact<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;
}

/// `corio::net`.
pub struct CorioNet;

impl Net for CorioNet {
    type Listener = corio::net::TcpListener;
    type Stream = corio::net::TcpStream;

    async fn bind() -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = corio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        stream.write_all(buf)
    }

    async fn read_exact<'a>(stream: &'a mut Self::Stream, buf: &'a mut [u8]) -> io::Result<()> {
        corio::net::TcpStream::read_exact(stream, buf)
            .await
            .map(drop)
    }
}

/// `tokio::net`.
pub struct TokioNet;

impl Net for TokioNet {
    type Listener = tokio::net::TcpListener;
    type Stream = tokio::net::TcpStream;

    async fn bind() -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn write_all<'a>(stream: &'a mut Self::Stream, buf: &'a [u8]) -> io::Result<()> {
        tokio::io::AsyncWriteExt::write_all(stream, buf).await
    }

    async fn read_exact<'a>(stream: &'a mut Self::Stream, buf: &'a mut [u8]) -> io::Result<()> {
        tokio::io::AsyncReadExt::read_exact(stream, buf)
            .await
            .map(drop)
    }
}

/// `smol::net` (async-io's reactor).
pub struct SmolNet;

impl Net for SmolNet {
    type Listener = smol::net::TcpListener;
    type Stream = smol::net::TcpStream;

    async fn bind() -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = smol::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = smol::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn write_all<'a>(stream: &'a mut Self::Stream, buf: &'a [u8]) -> io::Result<()> {
        AsyncWriteExt::write_all(stream, buf).await
    }

    async fn read_exact<'a>(stream: &'a mut Self::Stream, buf: &'a mut [u8]) -> io::Result<()> {
        AsyncReadExt::read_exact(stream, buf).await
    }
}

/// 50 connections x 2,000 round trips of 64 bytes, 500 a `versus` sample
/// (`VERSUS_TCP_CONNECTIONS=N` opens `N` connections instead).
pub struct TcpEcho;

/// The soft limit on this process's open files (`ulimit -n`).
fn open_files_limit() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes one `rlimit` through a pointer to a live,
    // writable one.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return usize::MAX;
    }
    usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
}

/// One run's figures.
pub struct EchoFigures {
    /// Wall time per round trip, all connections together.
    pub per_round_trip: Duration,
    /// The 99th percentile of one round trip's latency.
    pub p99: Duration,
}

impl TcpEcho {
    pub const NAME: &'static str = "tcp_echo";
    /// The performance table's connections, which its bars are set for.
    pub const CONNECTIONS: usize = 50;
    /// The performance table's round trips per connection (the criterion group's;
    /// `versus` samples a quarter of them, see its `measure.rs`).
    #[allow(dead_code, reason = "used by benches/runtimes.rs, not by versus")]
    pub const ROUND_TRIPS: usize = 2_000;

    /// Whether the run opens another number of connections than the
    /// row's [`TcpEcho::CONNECTIONS`], for which its bars are set.
    #[allow(dead_code, reason = "used by versus, not by benches/runtimes.rs")]
    pub fn off_the_table() -> bool {
        Self::connections() != Ok(Self::CONNECTIONS)
    }

    /// The connections a run opens: [`TcpEcho::CONNECTIONS`], unless
    /// `VERSUS_TCP_CONNECTIONS=N` asks for `N`, to see how a runtime serves
    /// many sockets ready at once (docs/work-stealing.md, "How many events
    /// a look takes"). `Err` for a value that is not a positive number, or
    /// that needs more open files than this process may have (two a
    /// connection, the client's and the server's end, and a third to
    /// spare for the ends of the run before that are still closing).
    pub fn connections() -> Result<usize, String> {
        let Some(n) = super::positive_var("VERSUS_TCP_CONNECTIONS")? else {
            return Ok(Self::CONNECTIONS);
        };
        // 64 to spare for the runtimes' own descriptors (epoll, wake-ups).
        let needed = n.saturating_mul(3).saturating_add(64);
        let limit = open_files_limit();
        if needed > limit {
            return Err(format!(
                "VERSUS_TCP_CONNECTIONS={n} needs about {needed} open files, and this process may open {limit} (`ulimit -n` raises it)"
            ));
        }
        Ok(n)
    }

    /// Runs the exchange once on `rt`: `connections` connections, each
    /// making `round_trips` round trips.
    pub fn run_trips<C: Contender>(rt: &C, connections: usize, round_trips: usize) -> EchoFigures {
        let latencies = Arc::new(Mutex::new(Vec::with_capacity(connections * round_trips)));
        let all = latencies.clone();
        let start = Instant::now();
        rt.run_inside(async move {
            let (listener, addr) = C::Net::bind().await.expect("bind on loopback");
            let listener = Arc::new(listener);
            let countdown = Countdown::new(connections);
            for _ in 0..connections {
                let listener = listener.clone();
                C::spawn(async move {
                    let mut stream = C::Net::accept(&listener).await.expect("accept");
                    let mut buf = [0u8; 64];
                    while C::Net::read_exact(&mut stream, &mut buf).await.is_ok() {
                        if C::Net::write_all(&mut stream, &buf).await.is_err() {
                            break;
                        }
                    }
                });
                let countdown = countdown.clone();
                let all = all.clone();
                C::spawn(async move {
                    let mut stream = C::Net::connect(addr).await.expect("connect");
                    let mut out = [7u8; 64];
                    let mut back = [0u8; 64];
                    let mut mine = Vec::with_capacity(round_trips);
                    for i in 0..round_trips {
                        out[0] = i as u8;
                        let sent = Instant::now();
                        C::Net::write_all(&mut stream, &out).await.expect("write");
                        C::Net::read_exact(&mut stream, &mut back)
                            .await
                            .expect("read");
                        mine.push(sent.elapsed());
                        assert_eq!(back[0], out[0], "the echo came back");
                    }
                    all.lock().unwrap().extend(mine);
                    countdown.tick();
                });
            }
            countdown.done().wait().await;
        });
        let elapsed = start.elapsed();
        let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
        latencies.sort_unstable();
        let total = (connections * round_trips) as u32;
        EchoFigures {
            per_round_trip: elapsed / total,
            p99: latencies[(latencies.len() * 99).div_ceil(100) - 1],
        }
    }
}

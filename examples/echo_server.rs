//! A TCP echo server on corio that shuts down gracefully.
//!
//! ```text
//! cargo run --example echo_server [ADDR]        # default 127.0.0.1:7878
//! nc 127.0.0.1 7878                              # type; each line comes back
//! ```
//!
//! The first line printed is `listening on <addr>` (so port 0 works). On
//! ctrl-c or SIGTERM the server stops accepting, gives open connections up
//! to 5 s (or `CORIO_DRAIN_MS` milliseconds) to finish, and exits with a
//! summary line such as `served 3 connections, 0 still open at exit`. The
//! pattern is explained in `examples/support/graceful.rs`.

#[path = "support/echo.rs"]
mod echo;
#[path = "support/graceful.rs"]
mod graceful;

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7878".to_owned());
    let runtime = corio::Runtime::builder().worker_threads(2).build()?;
    runtime.block_on(graceful::run(&addr, echo::echo))?;
    Ok(())
}

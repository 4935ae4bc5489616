//! The low-latency article's stream job on `corio::fs`: records read from a
//! file as a stream, each sent through an async function, the results
//! written to another file in the order they came.
//!
//! ```text
//! cargo run --example file_pipeline
//! ```
//!
//! The article sketches it with Flink:
//!
//! ```python
//! input_stream = api.streaming.from_file("input.txt")
//! output_stream = api.streaming.to_file("output.txt")
//! async_function(input_stream, output_stream)   # await async_task(record) for each
//! ```
//!
//! * **Reading.** A `corio::fs::File` is an `AsyncBufRead`: it reads ahead
//!   in 64 KiB chunks on the blocking pool, so `lines()` (from
//!   `futures-lite`, or `futures-util`) is a stream of lines with one
//!   system call per chunk, not per line, and no buffer of its own.
//! * **The async step.** Each record's step (an upstream call, say) runs as
//!   a task of its own, with at most [`IN_FLIGHT`] at once: once that many
//!   are running, the line read next waits for the oldest step to be done
//!   before its own starts, so a huge input never
//!   becomes a huge queue of tasks (back-pressure), and results leave in
//!   input order (the oldest is always the one awaited).
//! * **Writing.** A `File`'s writes go to the blocking pool in the
//!   background: `write_all` returns once the bytes are handed over.
//!   `flush` waits until they reached the OS (an error such as a full disk
//!   shows there), and `sync_all` until they are on the disk.

use std::collections::VecDeque;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use corio::fs::File;
use corio::task::JoinHandle;
use futures_lite::{AsyncBufReadExt, AsyncWriteExt, StreamExt};

/// Steps running at once, at most.
pub const IN_FLIGHT: usize = 4;

/// The input: a record per line.
const INPUT: &str = "the quick brown fox\n\
                     jumps over\n\
                     the lazy dog\n\
                     \n\
                     a stream of lines in, a stream of lines out\n\
                     in the order they came\n";

/// What the run saw, for `tests/examples.rs` to check.
#[derive(Debug)]
pub struct Report {
    /// Lines read from the input file.
    pub lines_in: usize,
    /// The output file, read back.
    pub output: String,
    /// The most steps seen running at once.
    pub most_running: usize,
}

fn main() {
    let report = run();
    println!("{}", report.output.trim_end());
    println!(
        "{} lines in, {} out; at most {} steps ran at once (limit {IN_FLIGHT})",
        report.lines_in,
        report.output.lines().count(),
        report.most_running
    );
}

/// Runs the job in a directory of its own under the system's temp dir,
/// removed afterwards.
pub fn run() -> Report {
    let dir = std::env::temp_dir().join(format!("corio-file-pipeline-{}", std::process::id()));
    let report = corio::block_on(pipeline(&dir));
    let _ = std::fs::remove_dir_all(&dir);
    report.expect("the file pipeline failed")
}

async fn pipeline(dir: &Path) -> io::Result<Report> {
    corio::fs::create_dir_all(dir).await?;
    let (input, output) = (dir.join("input.txt"), dir.join("output.txt"));
    corio::fs::write(&input, INPUT).await?;

    let mut lines = File::open(&input).await?.lines(); // from_file
    let mut out = File::create(&output).await?; // to_file
    let running = Arc::new(AtomicUsize::new(0));
    let most_running = Arc::new(AtomicUsize::new(0));
    let mut in_flight: VecDeque<JoinHandle<String>> = VecDeque::new();
    let mut lines_in = 0;
    while let Some(line) = lines.next().await {
        let line = line?;
        lines_in += 1;
        if in_flight.len() == IN_FLIGHT {
            let oldest = in_flight.pop_front().expect("IN_FLIGHT steps are queued");
            write_result(&mut out, oldest).await?;
        }
        let step = Step {
            running: running.clone(),
            most: most_running.clone(),
        };
        in_flight.push_back(corio::spawn(step.run(line)));
    }
    for step in in_flight {
        write_result(&mut out, step).await?;
    }
    out.flush().await?;
    out.sync_all().await?;

    Ok(Report {
        lines_in,
        output: corio::fs::read_to_string(&output).await?,
        most_running: most_running.load(Ordering::SeqCst),
    })
}

/// Awaits one step and writes its result as a line.
async fn write_result(out: &mut File, step: JoinHandle<String>) -> io::Result<()> {
    let result = step.await.map_err(io::Error::other)?;
    out.write_all(result.as_bytes()).await?;
    out.write_all(b"\n").await
}

/// The article's `async_task`, counting how many run at once.
struct Step {
    running: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

impl Step {
    /// The record's word count and the record: a stand-in for an upstream
    /// call, which takes a moment (longer for longer lines, so the steps
    /// finish out of order and the output order is the pipeline's doing).
    async fn run(self, line: String) -> String {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        let words = line.split_whitespace().count();
        corio::time::sleep(Duration::from_millis(words as u64)).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        format!("{words}\t{line}")
    }
}

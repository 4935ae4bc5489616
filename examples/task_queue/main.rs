//! An async job platform: an HTTP API accepts jobs, a queue holds them,
//! worker tasks process them, and results are served by job id.
//!
//! ```text
//! cargo run --example task_queue                  # serve on 127.0.0.1:3000
//! cargo run --example task_queue -- 127.0.0.1:0   # any free port
//! cargo run --example task_queue -- --demo        # submit a few jobs to itself, print, exit
//!
//! curl -d 'the quick brown fox jumps over the lazy dog' http://127.0.0.1:3000/jobs
//! {"id":1,"status":"queued"}
//! curl http://127.0.0.1:3000/jobs/1
//! {"id":1,"status":"done","words":9,"unique":8,"top":"the","checksum":"..."}
//! ```
//!
//! The article ("asyncio综合案例") sketches this platform with aiohttp, a Redis
//! list and MySQL: the web server turns each request into a job on the
//! queue; worker coroutines `brpop` jobs, call an upstream API, and write
//! the result to the database. Here every piece is in one process:
//!
//! ```text
//!  curl ──POST /jobs──► hyper on corio ──try_send──► [ queue: bounded channel ]
//!                          │                                 │ recv (the article's brpop)
//!                          │                     ┌───────────┼───────────┐
//!                          │                  worker 1    worker 2    worker 3   (the concurrency limit)
//!                          │                     │ upstream call (I/O, awaited on the loop)
//!                          │                     │ analysis (CPU, on the blocking pool)
//!                          ▼                     ▼
//!  curl ──GET /jobs/ID──► [ results: Mutex<HashMap<id, Status>> ]  (the article's MySQL)
//! ```
//!
//! * The queue is a bounded channel: when it is full, `POST` answers
//!   `503 Service Unavailable` at once instead of letting memory grow
//!   (back-pressure the client can see).
//! * Three worker tasks range over the queue: at most three jobs are in
//!   progress, however many are submitted.
//! * The results keep the last 1,000 finished jobs: a long-running server
//!   must not remember every job it ever ran (the article's database would
//!   expire old rows the same way).
//! * The CPU-bound part of a job runs on the blocking pool
//!   (`spawn_blocking`, asyncio's `run_in_executor`), so the HTTP side stays
//!   responsive while jobs are analysed.
//!
//! The HTTP routes are in `http.rs`, the `--demo` client in `demo.rs`;
//! hyper talks to corio's sockets through `examples/support/hyper_io.rs`.

#[path = "../support/hyper_io.rs"]
mod hyper_io;

mod demo;
pub(crate) mod http;

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corio::net::TcpListener;
use corio::signal::unix::{SignalKind, signal};
use corio::sync::channel::{self, TrySendError};
use corio::task::JoinSet;

pub use demo::{DEMO_TEXTS, demo};
use http::serve;

/// Jobs waiting for a worker before `POST` starts answering 503.
const QUEUE_CAPACITY: usize = 100;
/// Jobs in progress at once.
const WORKERS: usize = 3;
/// The largest job body accepted.
const MAX_BODY: usize = 64 * 1024;
/// How long a stop waits for the queued jobs before it aborts the workers.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// Finished jobs whose results `GET` still answers; older ones are forgotten.
pub(crate) const KEPT_RESULTS: usize = 1_000;

fn main() -> io::Result<()> {
    let mut addr = "127.0.0.1:3000".to_string();
    let mut demo_mode = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--demo" => demo_mode = true,
            _ if !arg.starts_with('-') => addr = arg,
            _ => panic!("unknown argument {arg:?}; usage: task_queue [ADDR] [--demo]"),
        }
    }
    if demo_mode {
        demo();
        return Ok(());
    }
    corio::block_on(async {
        let listener = TcpListener::bind(addr.as_str()).await?;
        let addr = listener.local_addr()?;
        // The handlers are installed here, before the address is announced:
        // a ctrl-c, or the SIGTERM of `kill`, `docker stop` or systemd, from
        // then on stops accepting, lets the workers finish the queued jobs
        // and exits, instead of killing the process with the default
        // action (and the jobs with it). Connections stay open meanwhile,
        // and a new job is refused (503); they are cut when the process
        // exits. `echo_server` and `hyper_server` show how to drain them.
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        println!("listening on {addr}");
        println!("  curl -d 'some text to analyse' http://{addr}/jobs");
        println!("  curl http://{addr}/jobs/1");
        let (app, workers) = App::start();
        corio::select! {
            () = serve(listener, app.clone()) => unreachable!("serve never returns"),
            // `None`: the runtime is shutting down, a reason to stop too.
            _ = interrupt.recv() => println!("ctrl-c: stopping"),
            _ = terminate.recv() => println!("SIGTERM: stopping"),
        }
        app.stop(workers).await;
        Ok(())
    })
}

// ----------------------------------------------------------------------------
// The jobs.

/// A job as it travels on the queue.
#[derive(Debug)]
struct Job {
    id: u64,
    text: String,
}

/// What the platform knows about a job: the row the article writes to MySQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// On the queue.
    Queued,
    /// A worker has it.
    Running,
    /// Finished.
    Done(Analysis),
    /// The upstream timed out, the analysis panicked (the worker went on
    /// with the next job), or the job was dropped at shutdown.
    Failed(String),
}

/// The result of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// Words in the text.
    pub words: usize,
    /// Distinct words (case-insensitive).
    pub unique: usize,
    /// The most frequent word (the first alphabetically on a tie).
    pub top: String,
    /// A checksum of the text, computed the slow way on purpose.
    pub checksum: u64,
}

/// The CPU-bound part of a job (in the article, parsing the fetched HTML). It
/// is synchronous: it never awaits, so on a worker it would hold the thread
/// for its whole length. It runs on the blocking pool instead.
pub fn analyse(text: &str) -> Analysis {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut words = 0;
    for word in text.split_whitespace() {
        // Words are reduced to lowercase letters and digits, which also
        // keeps them safe to print inside JSON strings without escaping.
        let word: String = word
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        if !word.is_empty() {
            words += 1;
            *counts.entry(word).or_default() += 1;
        }
    }
    let top = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(word, _)| word.clone())
        .unwrap_or_default();
    // FNV-1a, re-hashed many times: a stand-in for real CPU work.
    let mut checksum = 0xcbf2_9ce4_8422_2325_u64;
    for _ in 0..2_000 {
        for byte in text.bytes().chain(checksum.to_le_bytes()) {
            checksum = (checksum ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    Analysis {
        words,
        unique: counts.len(),
        top,
        checksum,
    }
}

/// The platform's shared state: the queue's sending side and the results.
pub struct App {
    queue: channel::Sender<Job>,
    // A std Mutex, not corio's: it is never held across an `.await`, and
    // then a plain lock is simpler and faster.
    jobs: Mutex<Results>,
    next_id: AtomicU64,
}

/// Every job's status, and the finished ones in the order they finished.
#[derive(Default)]
struct Results {
    statuses: HashMap<u64, Status>,
    finished: VecDeque<u64>,
}

impl App {
    /// Creates the queue and starts the workers (inside a runtime).
    pub fn start() -> (Arc<App>, JoinSet<()>) {
        let (queue, jobs) = channel::bounded(QUEUE_CAPACITY);
        let app = Arc::new(App {
            queue,
            jobs: Mutex::new(Results::default()),
            next_id: AtomicU64::new(1),
        });
        let mut workers = JoinSet::new();
        for n in 1..=WORKERS {
            workers.spawn(worker(n, app.clone(), jobs.clone()));
        }
        (app, workers)
    }

    /// Stops taking jobs; the workers finish the queued ones and exit. A
    /// job stuck upstream must not hold the process forever: after
    /// [`STOP_GRACE`] the workers are aborted, dropping the jobs they ran
    /// and those still queued, and each of those is marked failed, not
    /// left "queued" or "running" for good. (Here the results live in
    /// memory and end with the process. The drain is what the article's
    /// platform needs, whose workers write each result to MySQL: within
    /// the grace no job taken off the queue is lost half-done, and after
    /// it the failed ones are on record, to be queued again at the next
    /// start.) A job's CPU part on the blocking pool cannot be aborted:
    /// the runtime's drop waits for it, so the grace bounds the exit only
    /// as long as that part is short, as it is here.
    pub async fn stop(&self, workers: JoinSet<()>) {
        self.stop_within(STOP_GRACE, workers).await;
    }

    /// [`stop`](Self::stop) with a grace of `grace`.
    pub async fn stop_within(&self, grace: Duration, mut workers: JoinSet<()>) {
        self.queue.close();
        let drained = async { while workers.join_next().await.is_some() {} };
        if corio::time::timeout(grace, drained).await.is_err() {
            // One that finished as the grace ran out is done, not busy.
            while workers.try_join_next().is_some() {}
            println!(
                "  {} workers still busy after {grace:?}: aborting them",
                workers.len()
            );
            workers.shutdown().await;
        }
        // Every worker has ended (or died: a panic ends one too): what is
        // still queued or running will not be run.
        let dropped = self.fail_unfinished("dropped at shutdown");
        if dropped > 0 {
            println!("  {dropped} unfinished jobs marked failed");
        }
    }

    /// Marks every job still queued or running as failed with `why`;
    /// returns how many. Under one hold of the lock: a `submit` refused
    /// meanwhile removes its entry either before (not counted) or after
    /// (its failed entry goes with it).
    fn fail_unfinished(&self, why: &str) -> usize {
        let mut jobs = self.jobs.lock().unwrap();
        let Results { statuses, finished } = &mut *jobs;
        let mut count = 0;
        for (id, status) in statuses.iter_mut() {
            if matches!(status, Status::Queued | Status::Running) {
                *status = Status::Failed(why.to_string());
                finished.push_back(*id);
                count += 1;
            }
        }
        // As `set` keeps them: the latest `KEPT_RESULTS` finished.
        while finished.len() > KEPT_RESULTS {
            if let Some(oldest) = finished.pop_front() {
                statuses.remove(&oldest);
            }
        }
        count
    }

    /// Puts a job on the queue and returns its id, or why it was refused.
    pub fn submit(&self, text: String) -> Result<u64, &'static str> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        // Record the job first, so a GET right after the POST finds it.
        self.set(id, Status::Queued);
        let refused = match self.queue.try_send(Job { id, text }) {
            Ok(()) => return Ok(id),
            Err(TrySendError::Full(_)) => "queue full",
            Err(TrySendError::Closed(_)) => "shutting down",
        };
        self.jobs.lock().unwrap().statuses.remove(&id);
        Err(refused)
    }

    pub(crate) fn set(&self, id: u64, status: Status) {
        let finished = matches!(status, Status::Done(_) | Status::Failed(_));
        let mut jobs = self.jobs.lock().unwrap();
        jobs.statuses.insert(id, status);
        if finished {
            jobs.finished.push_back(id);
            if jobs.finished.len() > KEPT_RESULTS
                && let Some(oldest) = jobs.finished.pop_front()
            {
                jobs.statuses.remove(&oldest);
            }
        }
    }

    pub(crate) fn status(&self, id: u64) -> Option<Status> {
        self.jobs.lock().unwrap().statuses.get(&id).cloned()
    }
}

/// How long a worker waits for the upstream call before it fails the job.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(5);

/// A worker: takes jobs from the queue until it is closed and drained.
async fn worker(n: usize, app: Arc<App>, queue: channel::Receiver<Job>) {
    while let Some(Job { id, text }) = queue.recv().await {
        app.set(id, Status::Running);
        // The article's `call_baidu`: an upstream request. Awaiting it frees
        // this thread for other tasks; a sleep stands in for the network.
        // Bounded, as the article's timeouts are: an upstream that hangs would
        // otherwise hold this worker, and with all of them held, the queue.
        let upstream = corio::time::sleep(Duration::from_millis(30));
        if corio::time::timeout(UPSTREAM_TIMEOUT, upstream)
            .await
            .is_err()
        {
            println!("  worker {n}: job {id}'s upstream timed out");
            app.set(id, Status::Failed("upstream timed out".to_string()));
            continue;
        }
        // The CPU part goes to the blocking pool; the worker task just waits.
        // A panic there comes back as an error: the job is marked failed
        // and this worker takes the next one, instead of dying with the job
        // left "running" for good.
        let status = match corio::spawn_blocking(move || analyse(&text)).await {
            Ok(analysis) => Status::Done(analysis),
            Err(err) => Status::Failed(err.to_string()),
        };
        println!("  worker {n} finished job {id}");
        // The article's `write_result_to_db`.
        app.set(id, status);
    }
}

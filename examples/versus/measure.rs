//! Turning a row into figures: each contender's cell is prepared (started
//! and warmed up) on its own thread, then the cells take samples in turns,
//! and each figure is the median of its cell's samples.
//!
//! Taking turns matters on a shared machine: a burst of background load
//! lands on all three columns alike instead of on whichever ran during it.
//! A per-operation sample is a batch of runs sized from the warm-up to last
//! about [`SAMPLE`], so a 100 us workload is not timed at the clock's
//! granularity. Sampling stops after [`MAX_SAMPLES`] rounds, or after
//! [`BUDGET`] once [`MIN_SAMPLES`] are in: a row costs one to three seconds.
//!
//! A sample may hold several figures (the mean and the p99 of one run): each
//! gets its own median. A cell that panics or hangs becomes its column's
//! error text; a cell the contender cannot run is skipped with a note; the
//! table goes on. A panic inside one of the workload's tasks is caught by
//! its runtime, and what waited for the task then waits for good: the
//! panic hook ([`watch_panics`]) notes it, and the cell fails with its
//! message at once instead of after [`TIMEOUT`].

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::child;
use crate::rows::CONTENDERS;
use crate::workload::{self, Contender, EchoFigures, Lateness, TcpEcho, Timers, Workload};

const WARM_UP: Duration = Duration::from_millis(100);
const SAMPLE: Duration = Duration::from_millis(40);
pub const MIN_SAMPLES: usize = 5;
/// Eight, not ten: two rounds fewer keep the run itself to about 35-40 s
/// (the README's fresh clone adds 40-110 s of building to it).
pub const MAX_SAMPLES: usize = 8;
const BUDGET: Duration = Duration::from_secs(2);
/// A cell silent for this long is reported as hung, and its thread is left
/// behind: a stuck runtime cannot be stopped from outside.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The first panic of each contender's threads since the last look, as
/// the hook of [`watch_panics`] saw it: the first, as the ones after it
/// often follow from it (a receiver that finds its sender gone). A thread
/// is told by its name: each contender's have it in theirs
/// (`corio-worker-0`, `tokio-runtime-worker`, `smol-1`, and the cell's own
/// `versus-NAME`, where a current-thread flavour runs its tasks).
static FIRST_PANICS: Mutex<[Option<String>; 3]> = Mutex::new([None, None, None]);

/// Installs a panic hook that notes each panic's message for the cell
/// waiting on it, on one line, then prints it as before.
pub fn watch_panics() {
    let print = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let thread = thread::current();
        let name = thread.name().unwrap_or_default();
        if let Some(contender) = CONTENDERS.iter().position(|c| name.contains(c)) {
            let place = info
                .location()
                .map_or_else(|| "?".into(), |l| l.to_string());
            let text = format!("{} at {place}", panic_text(info.payload()));
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut panics = FIRST_PANICS.lock().unwrap_or_else(|e| e.into_inner());
            panics[contender].get_or_insert(text);
        }
        print(info);
    }));
}

/// Takes the panic noted for `contender` since the last look, if any.
fn take_panic(contender: usize) -> Option<String> {
    FIRST_PANICS.lock().unwrap_or_else(|e| e.into_inner())[contender].take()
}

/// Takes one sample of a prepared cell: one value per figure of its row.
/// It owns the cell's runtime, so it lives and dies on the cell's thread.
pub type Sampler = Box<dyn FnMut() -> Vec<f64>>;

/// Prepares a cell with the given number of workers: starts the runtime,
/// warms it up, and returns its sampler.
pub type Prepare = fn(usize) -> Result<Sampler, Missing>;

/// Why a cell has no figures.
pub enum Missing {
    /// The contender has no such feature; the text says which.
    Skipped(&'static str),
    /// It failed to start, panicked or hung; the text says how.
    Failed(String),
}

/// Starts `C`, or says why it did not.
fn start<C: Contender>(workers: usize) -> Result<C, Missing> {
    C::start(workers).map_err(|e| Missing::Failed(format!("{} failed to start: {e}", C::NAME)))
}

/// Prepares `W` on a fresh `C`; its samples are nanoseconds per operation.
pub fn ns_per_op<W: Workload, C: Contender>(workers: usize) -> Result<Sampler, Missing> {
    if let Some(why) = workload::unsupported::<W, C>() {
        return Err(Missing::Skipped(why));
    }
    let rt = start::<C>(workers)?;

    let warm_up = Instant::now();
    let mut runs = 0u32;
    while runs == 0 || warm_up.elapsed() < WARM_UP {
        W::run(&rt);
        runs += 1;
    }
    let per_run = warm_up.elapsed() / runs;
    let batch = (SAMPLE.as_nanos() / per_run.as_nanos().max(1)).clamp(1, 10_000) as u32;

    Ok(Box::new(move || {
        let start = Instant::now();
        for _ in 0..batch {
            W::run(&rt);
        }
        vec![start.elapsed().as_nanos() as f64 / (f64::from(batch) * W::OPS as f64)]
    }))
}

/// Prepares [`Timers`] on a fresh `C`; each sample is one run's mean and
/// p99 lateness, in microseconds.
pub fn lateness<C: Contender>(workers: usize) -> Result<Sampler, Missing> {
    let rt = start::<C>(workers)?;
    Timers::lateness(&rt);
    Ok(Box::new(move || {
        let Lateness { mean, p99 } = Timers::lateness(&rt);
        [mean, p99].map(|d| d.as_nanos() as f64 / 1e3).to_vec()
    }))
}

/// Round trips per connection in one `versus` sample of `tcp_echo`: a
/// quarter of the performance table's 2,000, as the channel row sends a tenth of its
/// messages. The per-trip figures are the same (the connects are timed
/// too: with the row's 50 connections about a millisecond of a run's
/// 0.2-0.4 s), and the run stays short on a slow machine; the criterion
/// group runs the full 2,000.
pub const ECHO_TRIPS: usize = 500;

/// Prepares [`TcpEcho`] on a fresh `C`; each sample is one run's time per
/// round trip (ns) and p99 round-trip latency (µs).
pub fn tcp_echo<C: Contender>(workers: usize) -> Result<Sampler, Missing> {
    let connections = TcpEcho::connections().map_err(Missing::Failed)?;
    let rt = start::<C>(workers)?;
    TcpEcho::run_trips(&rt, connections, ECHO_TRIPS);
    Ok(Box::new(move || {
        let EchoFigures {
            per_round_trip,
            p99,
        } = TcpEcho::run_trips(&rt, connections, ECHO_TRIPS);
        vec![
            per_round_trip.as_nanos() as f64,
            p99.as_nanos() as f64 / 1e3,
        ]
    }))
}

/// Weighs `idle_tasks` on `C` in a child process, once: memory does not
/// jitter like time, and a child costs a second or two. Every sample
/// repeats that one figure.
pub fn idle_tasks<C: Contender>(workers: usize) -> Result<Sampler, Missing> {
    let figures = child::weigh_idle_tasks(C::NAME, workers).map_err(Missing::Failed)?;
    Ok(Box::new(move || figures.clone()))
}

/// Measures one row: prepares its cells one after the other, samples them
/// in turns, and returns each cell's medians or why it has none, in the
/// order of [`CONTENDERS`]. Each round starts with the next contender, and
/// every other round goes backwards, so what one leaves behind (sockets
/// closing, threads winding down) lands on each neighbour's sample as
/// often as on the other's.
pub fn row(prepare: [Prepare; 3], workers: usize) -> [Result<Vec<f64>, Missing>; 3] {
    let mut cells: [Cell; 3] = std::array::from_fn(|i| Cell::start(i, prepare[i], workers));
    let sampling = Instant::now();
    for round in 0..MAX_SAMPLES {
        if round >= MIN_SAMPLES && sampling.elapsed() > BUDGET {
            break;
        }
        let n = cells.len();
        for i in 0..n {
            let step = if round % 2 == 0 { i } else { n - i };
            cells[(round + step) % n].sample();
        }
    }
    cells.map(Cell::medians)
}

/// What a cell's thread reports.
enum Report {
    Ready,
    Sample(Vec<f64>),
    Missing(Missing),
}

/// One contender's column in a row, run on a thread of its own.
struct Cell {
    /// Its contender's place in [`CONTENDERS`].
    contender: usize,
    /// Each message asks for one sample; dropping it stops the thread.
    turn: Option<Sender<()>>,
    reports: Receiver<Report>,
    samples: Vec<Vec<f64>>,
    error: Option<Missing>,
    /// `None` once the thread is left behind as hung.
    thread: Option<JoinHandle<()>>,
}

impl Cell {
    /// Starts the cell's thread, named after its contender so a profile
    /// tells the columns apart, and waits until it is prepared.
    fn start(contender: usize, prepare: Prepare, workers: usize) -> Cell {
        let (turn, turns) = mpsc::channel::<()>();
        let (report, reports) = mpsc::channel();
        let thread = thread::Builder::new()
            .name(format!("versus-{}", CONTENDERS[contender]))
            .spawn(move || {
                let mut sampler = match guarded(|| prepare(workers)) {
                    Ok(sampler) => sampler,
                    Err(why) => {
                        let _ = report.send(Report::Missing(why));
                        return;
                    }
                };
                let _ = report.send(Report::Ready);
                for () in turns {
                    let sample = guarded(|| Ok(sampler()));
                    let failed = sample.is_err();
                    let _ = report.send(sample.map_or_else(Report::Missing, Report::Sample));
                    if failed {
                        return;
                    }
                }
            });
        let mut cell = Cell {
            contender,
            turn: Some(turn),
            reports,
            samples: Vec::new(),
            error: None,
            thread: None,
        };
        match thread {
            Ok(thread) => {
                cell.thread = Some(thread);
                cell.await_report();
            }
            Err(e) => cell.error = Some(Missing::Failed(format!("could not start a thread: {e}"))),
        }
        cell
    }

    /// Takes one more sample, unless the cell has failed.
    fn sample(&mut self) {
        if self.error.is_none() && self.turn.as_ref().is_some_and(|t| t.send(()).is_ok()) {
            self.await_report();
        }
    }

    /// Waits for the cell's report, in slices: a panic on its contender's
    /// threads meanwhile (in one of its tasks, caught by the runtime) fails
    /// the cell at once, and its thread, waiting for that task, is left
    /// behind.
    fn await_report(&mut self) {
        const SLICE: Duration = Duration::from_millis(50);
        let started = Instant::now();
        take_panic(self.contender);
        let report = loop {
            match self.reports.recv_timeout(SLICE) {
                Err(RecvTimeoutError::Timeout) if started.elapsed() < TIMEOUT => {
                    if let Some(text) = take_panic(self.contender) {
                        self.error = Some(Missing::Failed(format!("a task {text}")));
                        self.thread = None;
                        return;
                    }
                }
                report => break report,
            }
        };
        // A panic the cell's own thread caught comes back as its report.
        take_panic(self.contender);
        match report {
            Ok(Report::Ready) => {}
            Ok(Report::Sample(figures)) => self.samples.push(figures),
            Ok(Report::Missing(why)) => self.error = Some(why),
            Err(RecvTimeoutError::Timeout) => {
                self.error = Some(Missing::Failed(format!(
                    "hung: no result after {TIMEOUT:?}"
                )));
                self.thread = None;
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.error = Some(Missing::Failed("its thread died".into()));
            }
        }
    }

    /// The median of each figure over the samples.
    fn medians(mut self) -> Result<Vec<f64>, Missing> {
        if let Some(why) = self.error.take() {
            return Err(why);
        }
        let figures = self.samples.first().map_or(0, Vec::len);
        Ok((0..figures)
            .map(|i| median(&mut self.samples.iter().map(|s| s[i]).collect::<Vec<_>>()))
            .collect())
    }
}

impl Drop for Cell {
    /// Stops the thread and waits for its runtime to shut down, so the next
    /// row does not share the cores with a teardown.
    fn drop(&mut self) {
        drop(self.turn.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `f()`, with a panic turned into its message.
fn guarded<T>(f: impl FnOnce() -> Result<T, Missing>) -> Result<T, Missing> {
    panic::catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(Missing::Failed(panic_text(&*payload))))
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("panicked: {text}")
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 {
        samples[mid]
    } else {
        (samples[mid - 1] + samples[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}

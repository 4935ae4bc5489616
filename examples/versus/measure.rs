//! Turning a workload into one figure: a warm-up, then samples of a batch of
//! runs each, and the median of the per-operation times.
//!
//! A sample is a batch of runs sized from the warm-up to last about
//! [`SAMPLE`], so a workload that takes 100 us is not timed at the clock's
//! granularity. Sampling stops after [`MAX_SAMPLES`], or after [`BUDGET`]
//! once [`MIN_SAMPLES`] are in: a cell costs about a second.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::workload::{Contender, Workload};

const WARM_UP: Duration = Duration::from_millis(100);
const SAMPLE: Duration = Duration::from_millis(40);
const MIN_SAMPLES: usize = 5;
const MAX_SAMPLES: usize = 10;
const BUDGET: Duration = Duration::from_secs(1);
/// A cell still running after this is reported as hung (its thread is left
/// behind: a stuck runtime cannot be stopped from outside).
const TIMEOUT: Duration = Duration::from_secs(30);

/// Measures one cell: `W` on a fresh `C` with `workers` threads, in
/// nanoseconds per operation.
pub fn ns_per_op<W: Workload, C: Contender>(workers: usize) -> Result<f64, String> {
    let rt = C::start(workers).map_err(|e| format!("{} failed to start: {e}", C::NAME))?;

    let warm_up = Instant::now();
    let mut runs = 0u32;
    while runs == 0 || warm_up.elapsed() < WARM_UP {
        W::run(&rt);
        runs += 1;
    }
    let per_run = warm_up.elapsed() / runs;
    let batch = (SAMPLE.as_nanos() / per_run.as_nanos().max(1)).clamp(1, 10_000) as u32;

    let mut samples = Vec::with_capacity(MAX_SAMPLES);
    let sampling = Instant::now();
    while samples.len() < MAX_SAMPLES
        && (samples.len() < MIN_SAMPLES || sampling.elapsed() < BUDGET)
    {
        let start = Instant::now();
        for _ in 0..batch {
            W::run(&rt);
        }
        let ops = f64::from(batch) * W::OPS as f64;
        samples.push(start.elapsed().as_nanos() as f64 / ops);
    }
    Ok(median(&mut samples))
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

/// Runs `measure(workers)` on its own thread, so a panic or a hang becomes
/// the cell's error text instead of ending the table.
pub fn isolated(measure: fn(usize) -> Result<f64, String>, workers: usize) -> Result<f64, String> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("versus-cell".into())
        .spawn(move || {
            let result = panic::catch_unwind(AssertUnwindSafe(|| measure(workers)));
            let _ = tx.send(result.unwrap_or_else(|payload| Err(panic_text(&*payload))));
        })
        .map_err(|e| format!("could not start a thread: {e}"))?;
    match rx.recv_timeout(TIMEOUT) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("hung: no result after {TIMEOUT:?}")),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("the cell's thread died".into()),
    }
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("panicked: {text}")
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

//! `idle_tasks` weighs each runtime in a child process of its own: the
//! versus binary runs itself again with the hidden `--child idle_tasks
//! NAME`, and the child prints its figure on stdout.
//!
//! A process of its own is the only clean scale: a parent that has run
//! other rows holds freed memory in its allocator, and the peak resident
//! set (`VmHWM`) can only grow. The child starts its runtime, reads its
//! resident set, parks [`TASKS`] tasks, and reads the peak; the difference
//! is what the tasks cost, their handles and senders included.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::workload::{Contender, Corio, IdleTasks, Smol, Tokio};

/// Tasks a child parks.
pub const TASKS: usize = 1_000_000;
/// A child still running after this is killed. Under the 30 s after which
/// `measure.rs` gives up on a cell (`TIMEOUT`), so that a slow child is
/// reported as killed, not as hung, and is gone before the next starts.
const DEADLINE: Duration = Duration::from_secs(25);
/// How the child's answer starts.
const ANSWER: &str = "idle_tasks_bytes ";

/// Runs the child side for `row` on `contender`, printing the answer.
pub fn run(row: &str, contender: &str, workers: usize) -> Result<(), String> {
    if row != "idle_tasks" {
        return Err(format!("--child knows only idle_tasks, not {row:?}"));
    }
    let bytes = match contender {
        "corio" => park::<Corio>(workers),
        "tokio" => park::<Tokio>(workers),
        "smol" => park::<Smol>(workers),
        _ => return Err(format!("no contender named {contender:?}")),
    }?;
    println!("{ANSWER}{bytes}");
    Ok(())
}

/// Parks the tasks on a fresh `C` and returns the peak resident set they
/// added, in bytes. The runtime and the tasks are leaked: the process ends
/// next, and tearing down a million tasks would only cost time.
fn park<C: Contender>(workers: usize) -> Result<u64, String> {
    let rt = C::start(workers).map_err(|e| format!("{} failed to start: {e}", C::NAME))?;
    let before = status_bytes("VmRSS")?;
    let parked = IdleTasks::park(&rt, TASKS);
    let peak = status_bytes("VmHWM")?;
    std::mem::forget((parked, rt));
    Ok(peak.saturating_sub(before))
}

/// A `kB` line of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| format!("no {field} in /proc/self/status"))
}

/// The parent side: runs a child for `contender` and returns its figures,
/// peak RSS in MB and bytes per task.
pub fn weigh_idle_tasks(contender: &str, workers: usize) -> Result<Vec<f64>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the versus binary: {e}"))?;
    let mut child = Command::new(exe)
        .args(["--child", "idle_tasks", contender, "--workers"])
        .arg(workers.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start a child process: {e}"))?;
    // Both pipes are read as the child writes: one it filled (a long
    // panic message) would else block it until the deadline.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the child ran past {DEADLINE:?} and was killed"));
        }
        thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout.join().unwrap_or_default();
    let bytes: u64 = String::from_utf8_lossy(&stdout)
        .lines()
        .find_map(|line| line.strip_prefix(ANSWER)?.parse().ok())
        .ok_or_else(|| {
            let stderr = stderr.join().unwrap_or_default();
            let stderr = String::from_utf8_lossy(&stderr);
            let why = stderr.lines().last().unwrap_or("no output");
            format!("the child failed ({status}): {why}")
        })?;
    Ok(vec![bytes as f64 / 1e6, bytes as f64 / TASKS as f64])
}

/// Reads a child's pipe to its end on a thread of its own.
fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

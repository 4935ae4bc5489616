//! The tables' rows: which workload, in which unit, against which bar.
//!
//! A row prepares each contender's cell with one [`Prepare`] function, whose
//! sampler returns one value per [`Figure`] of the row per call; the table
//! shows each figure's median on a line of its own. Rows timed per
//! operation use [`per_op`]; `timers` and `idle_tasks` supply their own.

use crate::measure::{self, Prepare};
use crate::workload::{
    ChainedSpawn, Corio, CurrentThread, Flavour, MpmcChannel, MultiThread, PingPong,
    SemaphoreContention, Smol, SpawnMany, SpawnManyRemote, SpscChannel, TcpEcho, TimerChurn,
    Timers, Tokio, Workload, YieldMany,
};

/// One workload of a table.
pub struct Row {
    pub name: &'static str,
    /// What each sample measures, in the order the sampler returns it.
    pub figures: Vec<Figure>,
    /// corio, tokio, smol: the order of [`CONTENDERS`].
    pub prepare: [Prepare; 3],
    /// What a reader should know about the row, if anything.
    pub note: Option<&'static str>,
    /// Measured after every other row of every table (its place in the
    /// table stays): `idle_tasks` children fault in gigabytes, and the row
    /// measured right after them ran up to 2x slow.
    pub runs_last: bool,
}

/// One line of the table: a figure of a row.
pub struct Figure {
    /// Follows the row's name on its line; empty for a row's only figure.
    pub label: &'static str,
    pub unit: &'static str,
    pub bar: Bar,
}

/// A table: the rows of one flavour of runtime.
pub struct Table {
    pub title: &'static str,
    pub rows: Vec<Row>,
}

/// The columns, in the order of [`Row::prepare`].
pub const CONTENDERS: [&str; 3] = ["corio", "tokio", "smol"];

/// What corio must achieve on a figure (every figure is a cost: lower wins).
#[derive(Clone, Copy)]
pub enum Bar {
    /// corio / tokio must be at most this.
    RatioAtMost(f64),
    /// corio's own figure must be at most this, in the figure's unit.
    CorioAtMost(f64),
    /// Measured for comparison only.
    None,
}

impl Bar {
    /// Whether corio's figure, and its ratio to tokio's if tokio ran, meet
    /// the bar; `None` when there is no bar or nothing to judge.
    pub fn met(self, corio: f64, ratio: Option<f64>) -> Option<bool> {
        match self {
            Bar::RatioAtMost(limit) => ratio.map(|r| r <= limit),
            Bar::CorioAtMost(limit) => Some(corio <= limit),
            Bar::None => None,
        }
    }

    /// How the bar reads in the table: `<= 0.6` (a ratio) or
    /// `corio <= 50` (an absolute figure).
    pub fn text(self) -> String {
        match self {
            Bar::RatioAtMost(limit) => format!("<= {}", (limit * 1000.0).floor() / 1000.0),
            Bar::CorioAtMost(limit) => format!("corio <= {limit}"),
            Bar::None => "-".into(),
        }
    }
}

impl Row {
    /// The row, with a note for the reader.
    fn note(mut self, note: &'static str) -> Row {
        self.note = Some(note);
        self
    }
}

/// A row timed in nanoseconds per operation of `W`.
fn per_op<F: Flavour, W: Workload>(unit: &'static str, bar: Bar) -> Row {
    Row {
        name: W::NAME,
        figures: vec![Figure {
            label: "",
            unit,
            bar,
        }],
        prepare: [
            measure::ns_per_op::<W, F::Corio>,
            measure::ns_per_op::<W, F::Tokio>,
            measure::ns_per_op::<W, F::Smol>,
        ],
        note: None,
        runs_last: false,
    }
}

/// The `timers` row: mean and p99 lateness of a sleep.
fn timers<F: Flavour>(mean: Bar, p99: Bar) -> Row {
    Row {
        name: Timers::NAME,
        figures: vec![
            Figure {
                label: "mean",
                unit: "us late",
                bar: mean,
            },
            Figure {
                label: "p99",
                unit: "us late",
                bar: p99,
            },
        ],
        prepare: [
            measure::lateness::<F::Corio>,
            measure::lateness::<F::Tokio>,
            measure::lateness::<F::Smol>,
        ],
        note: None,
        runs_last: false,
    }
}

/// The `tcp_echo` row: time per round trip (the inverse of throughput:
/// 1.1x tokio's throughput is a ratio of 1/1.1) and the p99 latency.
/// The bars are set for [`TcpEcho::CONNECTIONS`]; with another number of
/// connections (`VERSUS_TCP_CONNECTIONS`) the row quotes the ratios
/// against no bar.
fn tcp_echo<F: Flavour>(time: Bar, p99: Bar, note: &'static str) -> Row {
    let (time, p99) = if TcpEcho::off_the_table() {
        (Bar::None, Bar::None)
    } else {
        (time, p99)
    };
    Row {
        name: TcpEcho::NAME,
        figures: vec![
            Figure {
                label: "time",
                unit: "ns/trip",
                bar: time,
            },
            Figure {
                label: "p99",
                unit: "us",
                bar: p99,
            },
        ],
        prepare: [
            measure::tcp_echo::<F::Corio>,
            measure::tcp_echo::<F::Tokio>,
            measure::tcp_echo::<F::Smol>,
        ],
        note: Some(note),
        runs_last: false,
    }
}

/// The `idle_tasks` row: the memory a million parked tasks take.
fn idle_tasks(bar: Bar) -> Row {
    Row {
        name: "idle_tasks",
        figures: vec![
            Figure {
                label: "RSS added",
                unit: "MB",
                bar,
            },
            Figure {
                label: "per task",
                unit: "bytes",
                bar,
            },
        ],
        prepare: [
            measure::idle_tasks::<Corio>,
            measure::idle_tasks::<Tokio>,
            measure::idle_tasks::<Smol>,
        ],
        note: Some("1,000,000 tasks, one child process per runtime: 1 MB = 1 byte a task"),
        runs_last: true,
    }
}

/// `tcp_echo`'s note: how many connections and round trips a run makes,
/// then `tail` (or, off the row's 50 connections, that no bar applies).
/// Leaked: a table is built once and lives as long as `versus`.
fn echo_note(tail: &str) -> &'static str {
    let connections = TcpEcho::connections().unwrap_or(TcpEcho::CONNECTIONS);
    let trips = measure::ECHO_TRIPS;
    let no_bar = format!(
        "; no bar: the bars are set for {} connections",
        TcpEcho::CONNECTIONS
    );
    let tail = if TcpEcho::off_the_table() {
        no_bar.as_str()
    } else {
        tail
    };
    format!("{connections} connections x {trips} round trips of 64 bytes a run{tail}").leak()
}

const MPMC_NOTE: &str = "tokio has no MPMC channel: its column is async-channel on tokio";
const CHANNEL_NOTE: &str = "100,000 messages a run";

/// The multi-thread table, against corio's performance bars (listed in
/// docs/benchmarks.md).
fn multi_thread() -> Table {
    type F = MultiThread;
    Table {
        title: F::NAME,
        rows: vec![
            per_op::<F, SpawnMany>("ns/task", Bar::RatioAtMost(0.6)),
            per_op::<F, SpawnManyRemote>("ns/task", Bar::RatioAtMost(0.55)),
            per_op::<F, YieldMany>("ns/yield", Bar::RatioAtMost(0.9)),
            per_op::<F, PingPong>("ns/round", Bar::RatioAtMost(0.8)),
            per_op::<F, ChainedSpawn>("ns/spawn", Bar::RatioAtMost(0.8)),
            per_op::<F, TimerChurn>("ns/timeout", Bar::RatioAtMost(0.6)),
            timers::<F>(Bar::CorioAtMost(50.0), Bar::CorioAtMost(250.0)),
            per_op::<F, SpscChannel>("ns/message", Bar::RatioAtMost(0.7)).note(CHANNEL_NOTE),
            per_op::<F, MpmcChannel>("ns/message", Bar::None).note(MPMC_NOTE),
            per_op::<F, SemaphoreContention>("ns/acquire", Bar::None),
            // Throughput >= 1.1x tokio's is time <= 1/1.1 (0.909...).
            tcp_echo::<F>(
                Bar::RatioAtMost(1.0 / 1.1),
                Bar::RatioAtMost(1.0),
                echo_note("; throughput >= 1.1x tokio is time <= 1/1.1"),
            ),
            idle_tasks(Bar::RatioAtMost(0.8)),
        ],
    }
}

/// The current-thread table: corio at or below tokio on every row.
fn current_thread() -> Table {
    type F = CurrentThread;
    const BAR: Bar = Bar::RatioAtMost(1.0);
    Table {
        title: F::NAME,
        rows: vec![
            per_op::<F, SpawnMany>("ns/task", BAR),
            per_op::<F, SpawnManyRemote>("ns/task", BAR),
            per_op::<F, YieldMany>("ns/yield", BAR),
            per_op::<F, PingPong>("ns/round", BAR),
            per_op::<F, ChainedSpawn>("ns/spawn", BAR),
            per_op::<F, TimerChurn>("ns/timeout", BAR),
            timers::<F>(BAR, BAR),
            per_op::<F, SpscChannel>("ns/message", BAR).note(CHANNEL_NOTE),
            per_op::<F, MpmcChannel>("ns/message", BAR).note(MPMC_NOTE),
            per_op::<F, SemaphoreContention>("ns/acquire", BAR),
            tcp_echo::<F>(BAR, BAR, echo_note("")),
        ],
    }
}

/// The tables named in `tables` (every table if empty), each with the rows
/// named in `only` (every row if empty), in table order.
pub fn select(tables: &[String], only: &[String]) -> Result<Vec<Table>, String> {
    let mut all = vec![multi_thread(), current_thread()];
    if let Some(unknown) = tables
        .iter()
        .find(|n| !all.iter().any(|t| t.title == n.as_str()))
    {
        let titles: Vec<_> = all.iter().map(|t| t.title).collect();
        return Err(format!(
            "no table named {unknown:?}; the tables are: {}",
            titles.join(", ")
        ));
    }
    if !tables.is_empty() {
        all.retain(|t| tables.iter().any(|n| n == t.title));
    }
    if let Some(unknown) = only.iter().find(|n| {
        !all.iter()
            .flat_map(|t| &t.rows)
            .any(|r| r.name == n.as_str())
    }) {
        let mut names: Vec<&str> = Vec::new();
        for row in all.iter().flat_map(|t| &t.rows) {
            if !names.contains(&row.name) {
                names.push(row.name);
            }
        }
        return Err(format!(
            "no row named {unknown:?}; the rows are: {}",
            names.join(", ")
        ));
    }
    if !only.is_empty() {
        for table in &mut all {
            table.rows.retain(|r| only.iter().any(|n| n == r.name));
        }
        all.retain(|t| !t.rows.is_empty());
    }
    Ok(all)
}

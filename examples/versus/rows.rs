//! The table's rows: which workload, in which unit, against which bar.
//!
//! A row prepares each contender's cell with one [`Prepare`] function, whose
//! sampler returns one figure in the row's unit per call; the table shows
//! the median. Rows timed per operation use [`per_op`]; a row with another
//! kind of figure (latency, throughput, bytes) supplies its own three.

use crate::measure::{self, Prepare};
use crate::workload::{
    ChainedSpawn, Corio, PingPong, Smol, SpawnMany, SpawnManyRemote, Tokio, Workload, YieldMany,
};

/// One line of the table.
pub struct Row {
    pub name: &'static str,
    pub unit: &'static str,
    pub bar: Bar,
    /// corio, tokio, smol: the order of [`CONTENDERS`].
    pub prepare: [Prepare; 3],
}

/// The columns, in the order of [`Row::measure`].
pub const CONTENDERS: [&str; 3] = ["corio", "tokio", "smol"];

/// What corio must achieve on a row.
#[derive(Clone, Copy)]
pub enum Bar {
    /// corio / tokio must be at most this (the figure is a cost: lower wins).
    RatioAtMost(f64),
}

impl Bar {
    /// Whether `ratio` (corio / tokio) meets the bar.
    pub fn met(self, ratio: f64) -> bool {
        match self {
            Bar::RatioAtMost(limit) => ratio <= limit,
        }
    }

    /// How the bar reads in the table, e.g. `<= 0.6`.
    pub fn text(self) -> String {
        match self {
            Bar::RatioAtMost(limit) => format!("<= {limit}"),
        }
    }
}

/// A row timed in nanoseconds per operation of `W`.
fn per_op<W: Workload>(unit: &'static str, bar: Bar) -> Row {
    Row {
        name: W::NAME,
        unit,
        bar,
        prepare: [
            measure::ns_per_op::<W, Corio>,
            measure::ns_per_op::<W, Tokio>,
            measure::ns_per_op::<W, Smol>,
        ],
    }
}

/// Every row, in table order.
fn all() -> Vec<Row> {
    vec![
        per_op::<SpawnMany>("ns/task", Bar::RatioAtMost(0.6)),
        per_op::<SpawnManyRemote>("ns/task", Bar::RatioAtMost(0.55)),
        per_op::<YieldMany>("ns/yield", Bar::RatioAtMost(0.9)),
        per_op::<PingPong>("ns/round", Bar::RatioAtMost(0.8)),
        per_op::<ChainedSpawn>("ns/spawn", Bar::RatioAtMost(0.8)),
    ]
}

/// The rows named in `only`, in table order; every row if `only` is empty.
pub fn select(only: &[String]) -> Result<Vec<Row>, String> {
    let mut rows = all();
    if let Some(unknown) = only
        .iter()
        .find(|n| !rows.iter().any(|r| r.name == n.as_str()))
    {
        let names: Vec<_> = rows.iter().map(|r| r.name).collect();
        return Err(format!(
            "no row named {unknown:?}; the rows are: {}",
            names.join(", ")
        ));
    }
    if !only.is_empty() {
        rows.retain(|r| only.iter().any(|n| n == r.name));
    }
    Ok(rows)
}

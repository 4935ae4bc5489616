//! Printing the results: one aligned table, and optionally the same as JSON.

use std::fmt::Write as _;

use crate::rows::{Bar, CONTENDERS};

/// A row after it ran: one result per contender.
pub struct Outcome {
    pub name: &'static str,
    pub unit: &'static str,
    pub bar: Bar,
    pub results: [Result<f64, String>; 3],
}

impl Outcome {
    /// corio / tokio, when both ran.
    fn ratio(&self) -> Option<f64> {
        match &self.results {
            [Ok(corio), Ok(tokio), _] => Some(corio / tokio),
            _ => None,
        }
    }

    /// The failures, as `contender: why`.
    fn errors(&self) -> impl Iterator<Item = (&'static str, &str)> {
        CONTENDERS
            .into_iter()
            .zip(&self.results)
            .filter_map(|(name, r)| Some((name, r.as_ref().err()?.as_str())))
    }
}

/// The table, header included, with every column padded to its widest cell.
pub fn table(outcomes: &[Outcome]) -> String {
    let header = [
        "workload",
        "unit",
        "corio",
        "tokio",
        "smol",
        "corio/tokio",
        "bar",
        "met",
        "note",
    ];
    let mut lines = vec![header.map(str::to_owned)];
    for o in outcomes {
        let figure =
            |r: &Result<f64, String>| r.as_ref().map_or("failed".into(), |v| format!("{v:.1}"));
        let ratio = o.ratio();
        let note = o
            .errors()
            .map(|(name, why)| format!("{name}: {why}"))
            .collect::<Vec<_>>()
            .join("; ");
        lines.push([
            o.name.into(),
            o.unit.into(),
            figure(&o.results[0]),
            figure(&o.results[1]),
            figure(&o.results[2]),
            ratio.map_or("-".into(), |r| format!("{r:.2}")),
            o.bar.text(),
            ratio
                .map_or("-", |r| if o.bar.met(r) { "yes" } else { "NO" })
                .into(),
            note,
        ]);
    }
    let mut widths = [0; 9];
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    for line in &lines {
        let mut text = String::new();
        for (i, (cell, width)) in line.iter().zip(widths).enumerate() {
            // Names left-aligned, figures right-aligned.
            match i {
                0 | 1 | 6 | 8 => write!(text, "{cell:<width$}  ").unwrap(),
                _ => write!(text, "{cell:>width$}  ").unwrap(),
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// The results as a JSON document.
pub fn json(cores: usize, workers: usize, outcomes: &[Outcome]) -> String {
    let number = |v: Option<f64>| {
        v.filter(|v| v.is_finite())
            .map_or("null".into(), |v| format!("{v}"))
    };
    let mut out = format!("{{\n  \"cores\": {cores},\n  \"workers\": {workers},\n  \"rows\": [");
    for (i, o) in outcomes.iter().enumerate() {
        let ratio = o.ratio();
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        write!(
            out,
            "    {{\"workload\": {}, \"unit\": {}",
            string(o.name),
            string(o.unit)
        )
        .unwrap();
        for (name, r) in CONTENDERS.iter().zip(&o.results) {
            write!(out, ", \"{name}\": {}", number(r.as_ref().ok().copied())).unwrap();
        }
        let met = ratio.map_or("null", |r| if o.bar.met(r) { "true" } else { "false" });
        write!(
            out,
            ", \"ratio\": {}, \"bar\": {}, \"met\": {met}",
            number(ratio),
            string(&o.bar.text())
        )
        .unwrap();
        let errors: Vec<_> = o
            .errors()
            .map(|(name, why)| format!("\"{name}\": {}", string(why)))
            .collect();
        write!(out, ", \"errors\": {{{}}}}}", errors.join(", ")).unwrap();
    }
    out.push_str("\n  ]\n}\n");
    out
}

/// `s` as a JSON string literal.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => write!(out, "\\u{:04x}", u32::from(c)).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::string;

    #[test]
    fn json_string_escapes() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\u0001""#);
    }
}

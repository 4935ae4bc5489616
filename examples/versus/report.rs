//! Printing the results: one aligned table per flavour, and optionally all
//! of them as JSON.

use std::fmt::Write as _;

use crate::measure::Missing;
use crate::rows::{Bar, CONTENDERS, Figure};

/// A row after it ran: each contender's figures, or why it has none.
pub struct Outcome {
    pub name: &'static str,
    pub figures: Vec<Figure>,
    pub note: Option<&'static str>,
    pub results: [Result<Vec<f64>, Missing>; 3],
}

/// A table after it ran.
pub struct Report {
    pub title: &'static str,
    pub outcomes: Vec<Outcome>,
}

/// One figure of an outcome, as a line of the table.
struct Line<'a> {
    workload: &'static str,
    figure: &'a Figure,
    values: [Option<f64>; 3],
    note: String,
}

impl Line<'_> {
    /// The line's name in the table: the workload, then the figure's label.
    fn name(&self) -> String {
        match self.figure.label {
            "" => self.workload.to_owned(),
            label => format!("{} {label}", self.workload),
        }
    }

    /// corio / tokio, when both ran.
    fn ratio(&self) -> Option<f64> {
        match self.values {
            [Some(corio), Some(tokio), _] => Some(corio / tokio),
            _ => None,
        }
    }

    /// The ratio as the table prints it: two decimals, or three (or four,
    /// or all it has) where two would put it on the other side of its bar (0.906 against
    /// `<= 0.909` would read `0.91`, 1.003 against `<= 1` would read
    /// `1.00`).
    fn ratio_text(&self) -> String {
        let Some(ratio) = self.ratio() else {
            return "-".into();
        };
        let Bar::RatioAtMost(limit) = self.figure.bar else {
            return format!("{ratio:.2}");
        };
        (2..=4)
            .map(|decimals| format!("{ratio:.decimals$}"))
            .find(|text| {
                text.parse()
                    .is_ok_and(|shown: f64| (shown <= limit) == (ratio <= limit))
            })
            // Within 0.00005 of the bar: every digit it takes.
            .unwrap_or_else(|| format!("{ratio}"))
    }

    /// Whether corio meets the bar; `None` if there is none, or if only a
    /// peer failed to run. A corio that failed to run misses its bar: the
    /// table says `NO`, not `-`, so a count of misses sees it.
    fn met(&self) -> Option<bool> {
        match self.values[0] {
            Some(corio) => self.figure.bar.met(corio, self.ratio()),
            None => self.figure.bar.met(f64::INFINITY, Some(f64::INFINITY)),
        }
    }
}

impl Outcome {
    /// The outcome's lines, one per figure; every line carries the row's
    /// note and why a contender has no figures.
    fn lines(&self) -> impl Iterator<Item = Line<'_>> {
        let mut notes: Vec<String> = self.note.iter().map(|n| n.to_string()).collect();
        for (name, result) in CONTENDERS.iter().zip(&self.results) {
            match result {
                Err(Missing::Skipped(why)) => notes.push(format!("{name} skipped: {why}")),
                Err(Missing::Failed(why)) => notes.push(format!("{name}: {why}")),
                Ok(_) => {}
            }
        }
        let note = notes.join("; ");
        self.figures
            .iter()
            .enumerate()
            .map(move |(i, figure)| Line {
                workload: self.name,
                figure,
                values: std::array::from_fn(|c| self.results[c].as_ref().ok()?.get(i).copied()),
                note: note.clone(),
            })
    }
}

/// A cell with no figure: skipped (`n/a`) or failed.
fn absent(result: &Result<Vec<f64>, Missing>) -> &'static str {
    match result {
        Err(Missing::Skipped(_)) => "n/a",
        _ => "failed",
    }
}

/// The report as a table under its title, header included, with every
/// column padded to its widest cell.
pub fn table(report: &Report) -> String {
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
    for o in &report.outcomes {
        for line in o.lines() {
            let figure = |c: usize| {
                line.values[c].map_or(absent(&o.results[c]).into(), |v| format!("{v:.1}"))
            };
            let met = match line.met() {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "-",
            };
            lines.push([
                line.name(),
                line.figure.unit.into(),
                figure(0),
                figure(1),
                figure(2),
                line.ratio_text(),
                line.figure.bar.text(),
                met.into(),
                line.note.clone(),
            ]);
        }
    }
    let mut widths = [0; 9];
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = format!("{}\n", report.title);
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

/// The settings `versus`'s environment variables may move off their
/// defaults, written into the JSON so that figures from a non-default run
/// are marked as such.
pub struct Settings {
    /// Whether corio ran with its slow-poll watchdog
    /// (`VERSUS_CORIO_NO_WATCHDOG` turns it off).
    pub corio_watchdog: bool,
    /// corio's I/O events a look, if `VERSUS_CORIO_IO_EVENTS` set them
    /// (`null` in the JSON: the default).
    pub corio_io_events: Option<usize>,
    /// The connections `tcp_echo` opened (`VERSUS_TCP_CONNECTIONS`; 50
    /// by default).
    pub tcp_connections: usize,
}

/// Every table as one JSON document.
pub fn json(cores: usize, workers: usize, settings: Settings, reports: &[Report]) -> String {
    let Settings {
        corio_watchdog,
        corio_io_events,
        tcp_connections,
    } = settings;
    let corio_io_events = corio_io_events.map_or("null".into(), |n| n.to_string());
    let number = |v: Option<f64>| {
        v.filter(|v| v.is_finite())
            .map_or("null".into(), |v| format!("{v}"))
    };
    let mut out = format!(
        "{{\n  \"cores\": {cores},\n  \"workers\": {workers},\n  \"corio_watchdog\": {corio_watchdog},\n  \"corio_io_events\": {corio_io_events},\n  \"tcp_connections\": {tcp_connections},\n  \"tables\": ["
    );
    for (t, report) in reports.iter().enumerate() {
        out.push_str(if t == 0 { "\n" } else { ",\n" });
        write!(
            out,
            "    {{\"flavour\": {}, \"rows\": [",
            string(report.title)
        )
        .unwrap();
        let lines = report.outcomes.iter().flat_map(Outcome::lines);
        for (i, line) in lines.enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            let label = match line.figure.label {
                "" => "null".into(),
                label => string(label),
            };
            write!(
                out,
                "      {{\"workload\": {}, \"figure\": {label}, \"unit\": {}",
                string(line.workload),
                string(line.figure.unit)
            )
            .unwrap();
            for (name, value) in CONTENDERS.iter().zip(line.values) {
                write!(out, ", \"{name}\": {}", number(value)).unwrap();
            }
            let met = line
                .met()
                .map_or("null", |m| if m { "true" } else { "false" });
            write!(
                out,
                ", \"ratio\": {}, \"bar\": {}, \"met\": {met}, \"note\": {}}}",
                number(line.ratio()),
                string(&line.figure.bar.text()),
                string(&line.note)
            )
            .unwrap();
        }
        out.push_str("\n    ]}");
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
    use super::{Bar, Figure, Line, Settings, json, string};

    /// The printed ratio of corio at `corio` against tokio at 1.0.
    fn ratio_text(bar: Bar, corio: f64) -> String {
        let figure = Figure {
            label: "",
            unit: "ns",
            bar,
        };
        let line = Line {
            workload: "row",
            figure: &figure,
            values: [Some(corio), Some(1.0), None],
            note: String::new(),
        };
        line.ratio_text()
    }

    #[test]
    fn a_ratio_is_never_printed_on_the_wrong_side_of_its_bar() {
        let throughput = Bar::RatioAtMost(1.0 / 1.1);
        assert_eq!(
            ratio_text(throughput, 0.906),
            "0.906",
            "0.91 would read as a miss"
        );
        assert_eq!(ratio_text(throughput, 0.88), "0.88");
        assert_eq!(
            ratio_text(Bar::RatioAtMost(1.0), 1.003),
            "1.003",
            "1.00 would read as met"
        );
        assert_eq!(
            ratio_text(Bar::RatioAtMost(1.0), 0.996),
            "1.00",
            "still met as printed"
        );
        assert_eq!(ratio_text(Bar::RatioAtMost(1.0), 1.000_01), "1.00001");
        assert_eq!(ratio_text(Bar::CorioAtMost(50.0), 0.0123), "0.01");
        assert_eq!(ratio_text(Bar::None, 1.004), "1.00");
    }

    #[test]
    fn json_marks_a_run_off_its_defaults() {
        let settings = |corio_watchdog, corio_io_events, tcp_connections| Settings {
            corio_watchdog,
            corio_io_events,
            tcp_connections,
        };
        let default = json(2, 2, settings(true, None, 50), &[]);
        assert!(default.contains("\"corio_watchdog\": true"), "{default}");
        assert!(default.contains("\"corio_io_events\": null"), "{default}");
        assert!(default.contains("\"tcp_connections\": 50"), "{default}");
        let changed = json(2, 2, settings(false, Some(8), 500), &[]);
        assert!(changed.contains("\"corio_watchdog\": false"), "{changed}");
        assert!(changed.contains("\"corio_io_events\": 8"), "{changed}");
        assert!(changed.contains("\"tcp_connections\": 500"), "{changed}");
    }

    #[test]
    fn json_string_escapes() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\u0001""#);
    }
}

//! The monitoring page: a drift report ([`retain_score::monitor::DriftReport`]) as a table of
//! every column and, for each drifted column, its bins reference against now.

use crate::chart::{BarChart, Chart, Figure};
use crate::report::{Report, Table};
use retain_score::monitor::{ColumnDrift, DriftReport, Group};

fn group(g: Group) -> &'static str {
    match g {
        Group::Feature => "input",
        Group::Summary => "summary",
        Group::Output => "output",
    }
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.digits$}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// The plot of one column's bins, reference against now (shares in percent).
fn figure(c: &ColumnDrift) -> Figure {
    let name: String = c
        .column
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
        .collect();
    let psi = c.psi.unwrap_or(0.0);
    Figure {
        name: format!("drift_{name}"),
        caption: format!(
            "{}: share of rows per bin (the reference's deciles for numbers, its levels for \
             categories), training reference against now. PSI {psi:.3}, {}.",
            c.column,
            c.verdict.label()
        ),
        chart: Chart::Bar(BarChart {
            title: format!("{} — PSI {psi:.3} ({})", c.column, c.verdict.label()),
            x_label: "Bin".into(),
            y_label: "Share of rows (%)".into(),
            categories: c.bins.iter().map(|b| b.label.clone()).collect(),
            series: vec![
                (
                    "Reference".into(),
                    c.bins.iter().map(|b| 100.0 * b.reference).collect(),
                ),
                (
                    "Now".into(),
                    c.bins.iter().map(|b| 100.0 * b.current).collect(),
                ),
            ],
            horizontal: c.bins.len() > 12,
        }),
    }
}

/// The page of a drift report; `source` names the data compared.
pub fn monitor_report(d: &DriftReport, source: &str) -> Report {
    let rows = d
        .columns
        .iter()
        .map(|c| {
            vec![
                c.column.clone(),
                group(c.group).into(),
                opt(c.psi, 4),
                opt(c.ks, 4),
                opt(c.js_distance, 4),
                pct(c.missing_reference),
                pct(c.missing_current),
                pct(c.unseen_share),
                c.verdict.label().into(),
            ]
        })
        .collect();
    let header = [
        "column",
        "kind",
        "PSI",
        "KS",
        "JS distance",
        "missing (ref.)",
        "missing (now)",
        "unseen",
        "verdict",
    ];
    let mut notes = vec![format!(
        "Verdicts from the population stability index over the reference's deciles (numbers) \
         or levels (categories), with missing and unseen values as bins of their own: below \
         {} stable, from {} moderate, from {} significant. KS is the two-sample \
         Kolmogorov–Smirnov statistic; the Jensen–Shannon distance uses base-2 logarithms \
         (0 same, 1 disjoint).",
        d.thresholds.moderate, d.thresholds.moderate, d.thresholds.significant
    )];
    notes.extend(d.notes.iter().cloned());
    notes.extend(
        d.columns
            .iter()
            .filter_map(|c| c.note.as_ref().map(|n| format!("{}: {n}", c.column))),
    );
    Report {
        title: format!("Drift of {} — {}", d.model, d.verdict.label()),
        subtitle: format!(
            "Model {} (version {}, {}) on {source}: {} rows against the {}.",
            d.model, d.model_version, d.kind, d.rows, d.reference
        ),
        tables: vec![Table {
            title: "Columns".into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows,
        }],
        figures: d.drifted().map(figure).collect(),
        notes,
    }
}

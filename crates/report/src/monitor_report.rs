//! The monitoring page: a drift report ([`retain_score::monitor::DriftReport`]) as a table of
//! every column and, for each drifted column, its bins reference against now; with earlier
//! scores, today's outputs against theirs and their realised quality with its band.

use crate::chart::{BarChart, Chart, Figure};
use crate::report::{Report, Table};
use retain_score::monitor::{ColumnDrift, Group, MonitorReport, Realised, RealisedQuality};

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

fn column_rows(columns: &[ColumnDrift]) -> Vec<Vec<String>> {
    columns
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
        .collect()
}

/// Rows (what, predicted total, actual total, MAE, Gini, top-decile lift) of a quality.
fn quality_rows(q: &RealisedQuality) -> Vec<Vec<String>> {
    let parts: [(&str, &Option<Realised>); 3] = [
        ("churn (expected vs actual churners)", &q.churn),
        ("purchases", &q.purchases),
        (q.value_column.as_deref().unwrap_or("value"), &q.value),
    ];
    parts
        .into_iter()
        .filter_map(|(what, r)| {
            r.as_ref().map(|r| {
                vec![
                    what.to_string(),
                    format!("{:.2}", r.predicted_total),
                    format!("{:.2}", r.actual_total),
                    format!("{:.4}", r.mae),
                    opt(r.gini, 3),
                    opt(r.top_decile_lift, 2),
                ]
            })
        })
        .collect()
}

/// The calibration of the prediction the band is of, by decile.
fn calibration(q: &RealisedQuality) -> Option<Table> {
    let r = q.churn.as_ref().or(q.purchases.as_ref())?;
    Some(Table {
        title: "Calibration by decile of the prediction (1 = highest)".into(),
        header: ["decile", "customers", "mean predicted", "mean actual"]
            .iter()
            .map(|h| h.to_string())
            .collect(),
        rows: r
            .calibration
            .iter()
            .map(|d| {
                vec![
                    d.decile.to_string(),
                    d.customers.to_string(),
                    format!("{:.4}", d.mean_predicted),
                    format!("{:.4}", d.mean_actual),
                ]
            })
            .collect(),
    })
}

/// The page of a monitoring run; `source` names the data compared.
pub fn monitor_report(m: &MonitorReport, source: &str) -> Report {
    let d = &m.drift;
    let rows = column_rows(&d.columns);
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
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut tables = vec![Table {
        title: "Columns".into(),
        header: header.clone(),
        rows,
    }];
    if !m.against_previous.is_empty() {
        tables.push(Table {
            title: "Outputs against the earlier scores (not part of the verdict)".into(),
            header,
            rows: column_rows(&m.against_previous),
        });
    }
    let mut title = format!("Drift of {} — {}", d.model, d.verdict.label());
    if let Some(q) = &m.realised {
        title.push_str(&format!(
            "; prediction quality {:.0}/100, {}",
            q.band.score,
            q.band.band.label()
        ));
        let mut summary = vec![
            vec!["scores".into(), q.scores.clone()],
            vec!["outcome".into(), q.outcome.clone()],
            vec!["customers judged".into(), q.customers.to_string()],
            vec![
                "prediction quality".into(),
                format!(
                    "{:.1} / 100 — {} ({})",
                    q.band.score,
                    q.band.band.label(),
                    q.band.basis
                ),
            ],
        ];
        if let Some(auc) = q.churn_roc_auc {
            summary.push(vec!["churn ROC AUC".into(), format!("{auc:.4}")]);
        }
        if let Some(auc) = q.no_purchase_roc_auc {
            summary.push(vec![
                "ROC AUC of P(no purchase)".into(),
                format!("{auc:.4}"),
            ]);
        }
        tables.push(Table {
            title: "Realised quality of the earlier scores".into(),
            header: vec!["".into(), "".into()],
            rows: summary,
        });
        tables.push(Table {
            title: "Predicted against actual".into(),
            header: [
                "prediction",
                "predicted total",
                "actual total",
                "MAE",
                "Gini",
                "top-decile lift",
            ]
            .iter()
            .map(|h| h.to_string())
            .collect(),
            rows: quality_rows(q),
        });
        tables.extend(calibration(q));
        notes.push(
            "Prediction quality = 100 × the normalised Gini of the ranking (2·AUC − 1 for \
             churn), rounded to 0.1 and clamped to 0–100: Excellent from 60, Good from 40, \
             Fair from 20, Poor from 10, Not usable below 10."
                .into(),
        );
    }
    Report {
        title,
        subtitle: format!(
            "Model {} (version {}, {}) on {source}: {} rows against the {}.",
            d.model, d.model_version, d.kind, d.rows, d.reference
        ),
        tables,
        figures: d.drifted().map(figure).collect(),
        notes,
    }
}

//! The churn-classifier report: [`ChurnData`] turned into tables and charts.

use crate::ReportError;
use crate::chart::{BarChart, Chart, Corner, Figure, LineChart, LineStyle, Series};
use crate::churn_data::{ChurnData, churn_data};
use crate::figures::value_risk_figure;
use crate::report::{Report, Table};
use retain_core::features::RawTable;
use retain_score::artefact::ChurnArtefact;

/// Drivers shown in the drivers plot.
pub const TOP_DRIVERS: usize = 15;

/// Builds the report of `art` on the labelled `table` (`source` names it on the page).
pub fn churn_report(
    art: &ChurnArtefact,
    table: RawTable,
    source: &str,
) -> Result<Report, ReportError> {
    let d = churn_data(art, table)?;
    let model = art.fitted.model.name();
    let m = &d.metrics;
    let unit = (0.0, 1.0);
    let line = |name: &str, pts: Vec<(f64, f64)>, style, colour| Series {
        name: name.into(),
        points: pts,
        style,
        colour,
    };
    let chance = |pts| line("Chance", pts, LineStyle::Dashed, 7);
    let mut figures = vec![
        Figure {
            name: "roc_curve".into(),
            caption: "True-positive rate (churners found) against false-positive rate (stayers \
                      flagged) as the churn-probability threshold falls."
                .into(),
            chart: Chart::Line(LineChart {
                title: format!("ROC curve (AUC {:.4})", m.roc_auc),
                x_label: "False-positive rate".into(),
                y_label: "True-positive rate".into(),
                series: vec![
                    line(model, d.roc.points(), LineStyle::Solid, 0),
                    chance(vec![(0.0, 0.0), (1.0, 1.0)]),
                ],
                vertical: vec![],
                point_labels: vec![],
                range: Some((unit, unit)),
                legend: Corner::LowerRight,
            }),
        },
        Figure {
            name: "precision_recall".into(),
            caption: format!(
                "Precision (share of flagged customers who churned) against recall (share of \
                 churners flagged); the dashed line is the base rate {:.3}.",
                m.positives as f64 / m.count as f64
            ),
            chart: Chart::Line(LineChart {
                title: format!("Precision–recall curve (AP {:.4})", m.pr_auc),
                x_label: "Recall".into(),
                y_label: "Precision".into(),
                series: vec![
                    line(model, d.pr.points(), LineStyle::Solid, 0),
                    chance({
                        let base = m.positives as f64 / m.count as f64;
                        vec![(0.0, base), (1.0, base)]
                    }),
                ],
                vertical: vec![],
                point_labels: vec![],
                range: Some((unit, (0.0, 1.05))),
                legend: Corner::UpperRight,
            }),
        },
        Figure {
            name: "cumulative_gains".into(),
            caption: "Share of all churners reached when contacting the customers with the \
                      highest churn probability first."
                .into(),
            chart: Chart::Line(LineChart {
                title: "Cumulative gains".into(),
                x_label: "Share of customers contacted".into(),
                y_label: "Share of churners reached".into(),
                series: vec![
                    line(
                        model,
                        pts(&d.gains.contacted, &d.gains.captured),
                        LineStyle::Solid,
                        0,
                    ),
                    chance(vec![(0.0, 0.0), (1.0, 1.0)]),
                ],
                vertical: vec![],
                point_labels: vec![],
                range: Some((unit, unit)),
                legend: Corner::LowerRight,
            }),
        },
        Figure {
            name: "lift".into(),
            caption: format!(
                "Churn rate among the top share of customers by churn probability, over the \
                 base rate; top-decile lift {:.2}.",
                d.gains.top_decile_lift
            ),
            chart: Chart::Line(LineChart {
                title: format!("Lift (top decile {:.2})", d.gains.top_decile_lift),
                x_label: "Share of customers contacted".into(),
                y_label: "Lift over the base rate".into(),
                series: vec![
                    line(
                        model,
                        pts(&d.gains.contacted[1..], &d.gains.lift),
                        LineStyle::Solid,
                        0,
                    ),
                    chance(vec![(0.0, 1.0), (1.0, 1.0)]),
                ],
                vertical: vec![],
                point_labels: vec![],
                range: None,
                legend: Corner::UpperRight,
            }),
        },
        calibration_figure(&d, model),
        drivers_figure(&d),
    ];
    if let Some(g) = &d.value_risk {
        figures.push(value_risk_figure(g));
    }
    Ok(Report {
        title: format!("{} — churn classifier report", art.name),
        subtitle: format!(
            "{model} ({}) on {source}: {} customers, {} churned.",
            art.name, m.count, m.positives
        ),
        tables: vec![Table {
            title: "Metrics".into(),
            header: vec!["metric".into(), "value".into()],
            rows: vec![
                vec!["Customers".into(), m.count.to_string()],
                vec!["Churned".into(), m.positives.to_string()],
                vec!["ROC AUC".into(), format!("{:.4}", m.roc_auc)],
                vec![
                    "Average precision (PR AUC)".into(),
                    format!("{:.4}", m.pr_auc),
                ],
                vec!["Log loss".into(), format!("{:.4}", m.log_loss)],
                vec!["Brier score".into(), format!("{:.4}", m.brier)],
                vec![
                    "Top-decile lift".into(),
                    format!("{:.2}", m.top_decile_lift),
                ],
                vec!["Model".into(), model.to_string()],
                vec!["Chosen because".into(), art.selection.clone()],
            ],
        }],
        figures,
        notes: vec![
            "Probabilities are the calibrated ones `retain score` reports; metrics on the \
             table given, which is in-sample if it is the training table."
                .into(),
        ],
    })
}

fn pts(x: &[f64], y: &[f64]) -> Vec<(f64, f64)> {
    x.iter().copied().zip(y.iter().copied()).collect()
}

fn calibration_figure(d: &ChurnData, model: &str) -> Figure {
    let bins: Vec<_> = d.calibration.iter().filter(|b| b.count > 0).collect();
    Figure {
        name: "calibration".into(),
        caption: format!(
            "Observed churn rate against the mean predicted probability in {} equal-width bins; \
             n = customers in the bin. On the diagonal, predictions are calibrated.",
            d.calibration.len()
        ),
        chart: Chart::Line(LineChart {
            title: "Calibration (reliability) curve".into(),
            x_label: "Mean predicted churn probability".into(),
            y_label: "Observed churn rate".into(),
            series: vec![
                Series {
                    name: model.into(),
                    points: bins
                        .iter()
                        .map(|b| (b.mean_predicted, b.observed_rate))
                        .collect(),
                    style: LineStyle::Markers,
                    colour: 0,
                },
                Series {
                    name: "Perfect calibration".into(),
                    points: vec![(0.0, 0.0), (1.0, 1.0)],
                    style: LineStyle::Dashed,
                    colour: 7,
                },
            ],
            vertical: vec![],
            range: Some(((0.0, 1.0), (0.0, 1.0))),
            legend: Corner::UpperLeft,
            point_labels: bins
                .iter()
                .map(|b| (b.mean_predicted, b.observed_rate, format!("n={}", b.count)))
                .collect(),
        }),
    }
}

fn drivers_figure(d: &ChurnData) -> Figure {
    let top: Vec<_> = d.drivers.iter().take(TOP_DRIVERS).collect();
    Figure {
        name: "drivers".into(),
        caption: format!(
            "Mean absolute contribution of each input column to the log-odds of churn over the \
             {} customers (exact for logistic regression, TreeSHAP for trees; one-hot levels \
             summed into their column); the top {}.",
            d.y.len(),
            top.len()
        ),
        chart: Chart::Bar(BarChart {
            title: "Top drivers of churn".into(),
            x_label: "Mean |contribution to the log-odds|".into(),
            y_label: String::new(),
            categories: top.iter().map(|d| d.column.clone()).collect(),
            series: vec![(
                "mean |contribution|".into(),
                top.iter().map(|d| d.mean_abs).collect(),
            )],
            horizontal: true,
        }),
    }
}

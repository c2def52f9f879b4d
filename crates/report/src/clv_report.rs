//! The CLV report: [`ClvData`] turned into tables and charts.

use crate::ReportError;
use crate::chart::{BarChart, Chart, Corner, Figure, HeatMap, LineChart, LineStyle, Series};
use crate::clv_data::{ClvData, ClvOptions, clv_data};
use crate::figures::value_risk_figure;
use crate::matrix::FrequencyRecency;
use crate::report::{Report, Table};
use retain_core::time::iso;
use retain_core::transactions::TransactionLog;
use retain_score::artefact::{ClvArtefact, FitInfo};

/// Builds the report of `art` on `log` (`source` names the log on the page).
pub fn clv_report(
    art: &ClvArtefact,
    log: &TransactionLog,
    o: &ClvOptions,
    source: &str,
) -> Result<Report, ReportError> {
    let d = clv_data(art, log, o)?;
    let model = art.purchase.kind().display_name();
    let units = art.time_unit.plural();
    let mut figures = vec![
        period_figure(&d, model, units),
        tracking_figure(&d, model, units, o, true),
        tracking_figure(&d, model, units, o, false),
    ];
    if let Some(f) = holdout_figure(&d, model, units) {
        figures.insert(1, f);
    }
    figures.push(heat_figure(
        "p_alive_matrix",
        &d.p_alive,
        units,
        "P(alive)",
        format!(
            "P(alive) of a customer first seen {} {units} ago, by their repeat purchases and \
             the time of their last one. Blank cells are impossible histories.",
            fmt(d.p_alive.age)
        ),
    ));
    figures.push(heat_figure(
        "expected_purchases_matrix",
        &d.expected_next,
        units,
        &format!("Expected purchases next {}", art.time_unit.name()),
        format!(
            "Purchases the model expects in the next {} from a customer first seen {} {units} \
             ago, by frequency and recency.",
            art.time_unit.name(),
            fmt(d.expected_next.age)
        ),
    ));
    if let Some(c) = &d.cohorts {
        figures.push(cohort_figure(c));
    }
    if let Some(g) = &d.value_risk {
        figures.push(value_risk_figure(g));
    }
    Ok(Report {
        title: format!("{} — {model} report", art.name),
        subtitle: format!(
            "{model} ({} version {}) on {source}: calibration to {}, holdout to {}, time unit {}.",
            art.name,
            art.version,
            iso(o.calibration_end),
            iso(o.observation_end),
            art.time_unit.name()
        ),
        tables: tables(art, &d, o),
        figures,
        notes: notes(units),
    })
}

fn fmt(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn param_rows(fit: &FitInfo, rows: &mut Vec<Vec<String>>, model: &str) {
    for p in &fit.params {
        rows.push(vec![
            model.to_string(),
            p.name.clone(),
            format!("{:.4}", p.value),
            p.std_error.map_or("n/a".into(), |s| format!("{s:.4}")),
        ]);
    }
}

fn tables(art: &ClvArtefact, d: &ClvData, o: &ClvOptions) -> Vec<Table> {
    let s = &d.summaries;
    let name = art.purchase.kind().display_name();
    let mut params = Vec::new();
    param_rows(&art.purchase_fit, &mut params, name);
    if let Some(f) = &art.spend_fit {
        param_rows(f, &mut params, "Gamma-Gamma");
    }
    let repeaters = s.x.iter().filter(|&&x| x > 0).count();
    let mut data = vec![
        vec![
            "Customers (first purchase by the calibration end)".into(),
            s.len().to_string(),
        ],
        vec!["Repeat buyers in calibration".into(), repeaters.to_string()],
        vec![
            "Customers first seen after the calibration end (left out)".into(),
            s.excluded_new.to_string(),
        ],
        vec![
            "Calibration repeat purchases".into(),
            s.x.iter().map(|&x| u64::from(x)).sum::<u64>().to_string(),
        ],
        vec!["Calibration end".into(), iso(o.calibration_end)],
        vec!["Observation end".into(), iso(o.observation_end)],
        vec![
            "Model log-likelihood (training)".into(),
            format!("{:.2}", art.purchase_fit.log_likelihood),
        ],
    ];
    let units = art.time_unit.plural();
    if let Some(h) = &d.holdout {
        let err = if h.actual_total > 0.0 {
            format!(
                "{:+.1}%",
                100.0 * (h.predicted_total / h.actual_total - 1.0)
            )
        } else {
            "n/a".into()
        };
        data.extend([
            vec![
                "Holdout length".into(),
                format!("{} {units}", fmt(h.length)),
            ],
            vec![
                "Holdout purchases, actual".into(),
                format!("{:.0}", h.actual_total),
            ],
            vec![
                "Holdout purchases, predicted".into(),
                format!("{:.1} ({err})", h.predicted_total),
            ],
            vec!["Holdout MAE per customer".into(), format!("{:.4}", h.mae)],
            vec!["Holdout RMSE per customer".into(), format!("{:.4}", h.rmse)],
        ]);
    }
    let mut out = vec![
        Table {
            title: "Parameters".into(),
            header: vec![
                "model".into(),
                "parameter".into(),
                "value".into(),
                "std. error".into(),
            ],
            rows: params,
        },
        Table {
            title: "Data and holdout".into(),
            header: vec!["".into(), "".into()],
            rows: data,
        },
    ];
    if art.candidates.len() > 1 {
        out.push(Table {
            title: "Candidates".into(),
            header: vec![
                "model".into(),
                "log-likelihood".into(),
                "holdout predicted".into(),
                "holdout MAE".into(),
            ],
            rows: art
                .candidates
                .iter()
                .map(|c| {
                    let h = c.holdout.as_ref();
                    vec![
                        c.model.kind().display_name().to_string(),
                        format!("{:.2}", c.fit.log_likelihood),
                        h.map_or("n/a".into(), |h| format!("{:.1}", h.predicted_total)),
                        h.map_or("n/a".into(), |h| format!("{:.4}", h.mae)),
                    ]
                })
                .collect(),
        });
    }
    out
}

fn period_figure(d: &ClvData, model: &str, units: &str) -> Figure {
    let p = &d.period_transactions;
    Figure {
        name: "period_transactions".into(),
        caption: format!(
            "Customers by number of repeat purchases in the calibration period. Model: \
             Σ over the {} customers of P(X(T) = k) for a new customer observed for their own \
             T {units}; the last bar is everything from 7 up.",
            p.customers
        ),
        chart: Chart::Bar(BarChart {
            title: "Repeat purchases in the calibration period".into(),
            x_label: "Repeat purchases".into(),
            y_label: "Customers".into(),
            categories: p.labels.clone(),
            series: vec![
                ("Actual".into(), p.actual.clone()),
                (model.into(), p.model.clone()),
            ],
            horizontal: false,
        }),
    }
}

fn holdout_figure(d: &ClvData, model: &str, units: &str) -> Option<Figure> {
    let h = d.holdout.as_ref()?;
    let rows: Vec<_> = h.by_frequency.iter().filter(|r| r.customers > 0).collect();
    let last = retain_score::holdout::FREQUENCY_CAP;
    Some(Figure {
        name: "holdout_by_frequency".into(),
        caption: format!(
            "Mean purchases per customer in the {} {units} of the holdout, grouped by the \
             customer's repeat purchases in calibration (n = customers in the group).",
            fmt(h.length)
        ),
        chart: Chart::Bar(BarChart {
            title: "Holdout purchases by calibration frequency".into(),
            x_label: "Calibration repeat purchases".into(),
            y_label: "Mean holdout purchases per customer".into(),
            categories: rows
                .iter()
                .map(|r| {
                    let plus = if r.x == last { "+" } else { "" };
                    format!("{}{plus} (n={})", r.x, r.customers)
                })
                .collect(),
            series: vec![
                ("Actual".into(), rows.iter().map(|r| r.actual).collect()),
                (model.into(), rows.iter().map(|r| r.predicted).collect()),
            ],
            horizontal: false,
        }),
    })
}

fn tracking_figure(
    d: &ClvData,
    model: &str,
    units: &str,
    o: &ClvOptions,
    cumulative: bool,
) -> Figure {
    let t = &d.tracking;
    let (actual, expected) = if cumulative {
        (&t.actual_cumulative, &t.model_cumulative)
    } else {
        (&t.actual, &t.model)
    };
    let pts = |v: &[f64]| -> Vec<(f64, f64)> {
        t.period_end
            .iter()
            .copied()
            .zip(v.iter().copied())
            .collect()
    };
    let unit = t.unit.name();
    let (name, title, y_label) = if cumulative {
        (
            "tracking_cumulative",
            "Cumulative repeat purchases".to_string(),
            "Cumulative repeat purchases".to_string(),
        )
    } else {
        (
            "tracking_per_period",
            format!("Repeat purchases per {unit}"),
            format!("Repeat purchases per {unit}"),
        )
    };
    Figure {
        name: name.into(),
        caption: format!(
            "Repeat purchases of the {} calibration customers, actual and expected \
             (Σ E[X(t − first purchase)]), per {unit} and up to {}; the dashed vertical line \
             is the end of calibration ({}).",
            d.summaries.len(),
            iso(o.observation_end),
            iso(o.calibration_end)
        ),
        chart: Chart::Line(LineChart {
            title,
            x_label: format!("{} since {}", capitalise(units), iso(t.origin)),
            y_label,
            series: vec![
                Series {
                    name: "Actual".into(),
                    points: pts(actual),
                    style: LineStyle::Solid,
                    colour: 0,
                },
                Series {
                    name: model.into(),
                    points: pts(expected),
                    style: LineStyle::Dashed,
                    colour: 1,
                },
            ],
            vertical: vec![(t.calibration_end, "end of calibration".into())],
            point_labels: vec![],
            range: None,
            legend: if cumulative {
                Corner::UpperLeft
            } else {
                Corner::UpperRight
            },
        }),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn heat_figure(
    name: &str,
    m: &FrequencyRecency,
    units: &str,
    what: &str,
    caption: String,
) -> Figure {
    Figure {
        name: name.into(),
        caption,
        chart: Chart::Heat(HeatMap {
            title: format!(
                "{what} by frequency and recency (age {} {units})",
                fmt(m.age)
            ),
            x_label: format!("Recency: {units} from first to last purchase"),
            y_label: "Frequency: repeat purchases".into(),
            columns: m.recency.iter().map(|&r| fmt(r)).collect(),
            rows: m.frequency.iter().map(|f| f.to_string()).collect(),
            values: m.values.clone(),
            annotations: None,
            scale_label: what.into(),
        }),
    }
}

fn cohort_figure(c: &crate::cohorts::CohortRetention) -> Figure {
    let width = c.retention.iter().map(Vec::len).max().unwrap_or(0);
    // The first cohort on top: rows run bottom to top.
    let order: Vec<usize> = (0..c.cohorts.len()).rev().collect();
    let shares: Vec<Vec<Option<f64>>> = order
        .iter()
        .map(|&i| (0..width).map(|k| c.retention[i].get(k).copied()).collect())
        .collect();
    let annotations = shares
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| v.map_or(String::new(), |v| format!("{:.0}%", 100.0 * v)))
                .collect()
        })
        .collect();
    // Month 0 is 100 % by definition: left uncoloured so the scale shows the later months.
    let values = shares
        .into_iter()
        .map(|row| {
            row.into_iter()
                .enumerate()
                .map(|(k, v)| v.filter(|_| k > 0))
                .collect()
        })
        .collect();
    Figure {
        name: "cohort_retention".into(),
        caption: "Share of each monthly acquisition cohort (customers by month of first \
                  purchase, size in brackets) that bought in each later month."
            .into(),
        chart: Chart::Heat(HeatMap {
            title: "Cohort retention by month".into(),
            x_label: "Months since the first purchase".into(),
            y_label: "Cohort".into(),
            columns: (0..width).map(|k| k.to_string()).collect(),
            rows: order
                .iter()
                .map(|&i| {
                    format!(
                        "{} ({})",
                        &c.cohorts[i][..7.min(c.cohorts[i].len())],
                        c.sizes[i]
                    )
                })
                .collect(),
            values,
            annotations: Some(annotations),
            scale_label: "Share buying".into(),
        }),
    }
}

fn notes(units: &str) -> Vec<String> {
    vec![
        format!(
            "x = repeat purchase days in calibration (same-day purchases count once), t_x = \
             {units} from the first to the last calibration purchase, T = {units} from the first \
             purchase to the calibration end."
        ),
        "Customers whose first purchase is after the calibration end are left out of the \
         calibration figures and the tracking plot; the cohort plot covers the whole log."
            .into(),
    ]
}

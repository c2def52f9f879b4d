//! Summaries, CLV fits and churn training from tables, through the CLI's own code
//! (retain-core summaries, retain-train fits and artefacts).

use crate::arrow::{frame_from_stream, frame_to_stream};
use crate::error::value_error;
use crate::model::Model;
use crate::options::{LogColumns, day, parse, parse_opt, unit};
use polars::prelude::*;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use retain_core::features::PipelineSpec;
use retain_core::patterns::Patterns;
use retain_core::summary::{SummaryOptions, summarise as summarise_log};
use retain_core::time::{DiscountRate, Duration, Zone};
use retain_io::read::read_transactions_frame;
use retain_io::summary_table::{SummaryColumns, SummaryFrame};
use retain_io::table::table_from_frame;
use retain_io::write::summaries_frame;
use retain_models::btyd::PurchaseKind;
use retain_models::fit::FitOptions;
use retain_score::artefact::{Artefact, ClvDefaults, DataFormat, DataInfo, version_of};
use retain_score::churn_value::{RiskTiers, ValueSpec};
use retain_score::metrics::MetricKind;
use retain_score::segments::ReferenceBase;
use retain_train::artefact::{ChurnMeta, ClvMeta, churn_artefact, clv_artefact};
use retain_train::churn_train::{ChurnSpec, parse_candidates, split_label, train_churn as train};
use retain_train::clv_train::{ClvTraining, train_on_patterns};

/// A transaction log → one row per customer, as `retain summarise` writes it.
#[pyfunction]
#[pyo3(signature = (table, source, customer_col, date_col, amount_col, date_format, timezone, time_unit, calibration_end, observation_end))]
#[allow(clippy::too_many_arguments)]
pub fn summarise<'py>(
    py: Python<'py>,
    table: &Bound<'py, PyCapsule>,
    source: &str,
    customer_col: &str,
    date_col: &str,
    amount_col: &str,
    date_format: Option<&str>,
    timezone: Option<&str>,
    time_unit: &str,
    calibration_end: &str,
    observation_end: Option<&str>,
) -> PyResult<Bound<'py, PyCapsule>> {
    let columns = LogColumns {
        customer_col,
        date_col,
        amount_col,
        date_format,
        zone: parse_opt::<Zone>("timezone", timezone)?.unwrap_or(Zone::Utc),
    };
    let read = columns.read_options()?;
    let unit = unit("time_unit", time_unit)?;
    let mut opts = SummaryOptions::new(unit, day("calibration_end", calibration_end)?);
    if let Some(end) = observation_end {
        opts = opts.with_holdout(day("observation_end", end)?);
    }
    let df = frame_from_stream(table)?;
    let out = py.detach(|| -> Result<DataFrame, String> {
        let (log, _) = read_transactions_frame(df, source, &read).map_err(|e| e.to_string())?;
        let s = summarise_log(&log, &opts).map_err(|e| e.to_string())?;
        let holdout = observation_end.map(|_| opts.holdout_length());
        summaries_frame(&s, unit, holdout).map_err(|e| e.to_string())
    });
    frame_to_stream(py, out.map_err(value_error)?)
}

/// Fits BTYD purchase models (and Gamma-Gamma spend) on summaries or on a pattern table.
#[pyfunction]
#[pyo3(signature = (table, source, patterns, customer_col, count_col, weights_col, time_unit, model, spend, penalty, clv_step, discount, name, call, spend_table=None))]
#[allow(clippy::too_many_arguments)]
pub fn fit_clv(
    py: Python<'_>,
    table: &Bound<'_, PyCapsule>,
    source: &str,
    patterns: bool,
    customer_col: Option<&str>,
    count_col: Option<&str>,
    weights_col: Option<&str>,
    time_unit: &str,
    model: &str,
    spend: bool,
    penalty: f64,
    clv_step: &str,
    discount: &str,
    name: &str,
    call: &str,
    spend_table: Option<&Bound<'_, PyCapsule>>,
) -> PyResult<Model> {
    if !(penalty >= 0.0 && penalty.is_finite()) {
        return Err(value_error(format!(
            "penalty must be a finite number >= 0, got {penalty}"
        )));
    }
    let kinds = match model {
        "all" => PurchaseKind::ALL.to_vec(),
        m => vec![parse::<PurchaseKind>("model", m)?],
    };
    let unit = unit("time_unit", time_unit)?;
    let clv = ClvDefaults {
        step: parse::<Duration>("clv_step", clv_step)?,
        discount: parse::<DiscountRate>("discount", discount)?,
    };
    let counts = count_col.or(weights_col);
    if patterns && spend && spend_table.is_none() {
        return Err(value_error(
            "spend: a pattern table (x, t_x, T, count) has no spend; fit it with spend=False \
             (Gamma-Gamma needs each repeat buyer's mean spend)",
        ));
    }
    if weights_col.is_some() && spend && spend_table.is_none() {
        return Err(value_error(
            "weights: the Gamma-Gamma spend model is fitted unweighted; pass spend=False with weights",
        ));
    }
    let df = frame_from_stream(table)?;
    let spend_df = spend_table.map(frame_from_stream).transpose()?;
    let training = ClvTraining {
        kinds,
        fit: FitOptions {
            penalty,
            ..FitOptions::default()
        },
        compress: true,
    };
    let art = py.detach(|| -> Result<Artefact, String> {
        let weights = match counts {
            Some(c) => Some(column_f64(&df, c, source)?),
            None => None,
        };
        let (df, id) = match customer_col {
            Some(id) if !patterns => (df, id.to_string()),
            // Pattern rows have no customer: their row number stands in for the id.
            _ => (
                df.with_row_index("__row".into(), None)
                    .map_err(|e| e.to_string())?,
                "__row".to_string(),
            ),
        };
        let cols = SummaryColumns {
            id,
            ..SummaryColumns::default()
        };
        // Mean spend is read from the summaries only when spend is fitted on them.
        let monetary = spend && spend_df.is_none() && !patterns;
        let s = SummaryFrame::from_frame(df, source, &cols, unit, unit, monetary)
            .and_then(|f| f.whole())
            .map_err(|e| e.to_string())?;
        let p = match &weights {
            Some(w) => Patterns::weighted(&s.x, &s.t_x, &s.t, w)
                .map_err(|e| format!("{source}: column {:?}: {e}", counts.unwrap_or_default()))?,
            None => Patterns::compress(&s.x, &s.t_x, &s.t).map_err(|e| e.to_string())?,
        };
        let spend_rows = match &spend_df {
            Some(t) => Some(spend_rows(t, counts, source)?),
            None => None,
        };
        let spend_data = match &spend_rows {
            Some((x, m)) => Some((x.as_slice(), m.as_slice())),
            None => spend.then_some((s.x.as_slice(), s.monetary.as_slice())),
        };
        let trained =
            train_on_patterns(&p, None, spend_data, &training).map_err(|e| e.to_string())?;
        let meta = ClvMeta {
            name: name.to_string(),
            training_command: call.to_string(),
            time_unit: unit,
            data: DataInfo {
                file: source.to_string(),
                fingerprint: fingerprint(&p),
                transactions: 0,
                skipped_rows: 0,
                customers: p.customers().round() as usize,
                calibration_end: String::new(),
                observation_end: String::new(),
                format: default_format(),
            },
            clv,
            reference: (!patterns && weights.is_none())
                .then(|| ReferenceBase::sample(&s, "the training summaries".into())),
        };
        let (mut art, _) = clv_artefact(trained, meta);
        art.version = version_of(&art).map_err(|e| e.to_string())?;
        Ok(Artefact::Clv(Box::new(art)))
    });
    Ok(Model {
        art: art.map_err(value_error)?,
    })
}

/// The (x, mean spend) rows of a spend table (`frequency`, `monetary_value` and optionally
/// the count column: identical repeat buyers aggregated), one row per customer again: the
/// Gamma-Gamma likelihood does not factor into patterns, so a spend table is not compressed
/// beyond exact duplicates.
fn spend_rows(
    df: &DataFrame,
    counts: Option<&str>,
    source: &str,
) -> Result<(Vec<u32>, Vec<f64>), String> {
    let x = column_f64(df, "frequency", source)?;
    let m = column_f64(df, "monetary_value", source)?;
    let n = match counts {
        Some(c) if df.column(c).is_ok() => column_f64(df, c, source)?,
        _ => vec![1.0; x.len()],
    };
    let (mut xs, mut ms) = (Vec::new(), Vec::new());
    for row in 0..x.len() {
        let whole = |v: f64| v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v);
        if !whole(x[row]) || !whole(n[row]) {
            return Err(format!(
                "{source}: row {}: frequency and count must be whole numbers >= 0",
                row + 1
            ));
        }
        for _ in 0..n[row] as u64 {
            xs.push(x[row] as u32);
            ms.push(m[row]);
        }
    }
    Ok((xs, ms))
}

/// The read format recorded for a model fitted from a table: retain's own column names.
fn default_format() -> DataFormat {
    DataFormat {
        customer_col: "customer_id".into(),
        date_col: "date".into(),
        amount_col: "amount".into(),
        date_format: None,
        delimiter: ",".into(),
        header: true,
        timezone: None,
    }
}

/// The training data's fingerprint: SHA-256 of the patterns fitted (x, t_x, T, count).
fn fingerprint(p: &Patterns) -> String {
    let mut bytes = Vec::with_capacity(p.len() * 28);
    for i in 0..p.len() {
        bytes.extend_from_slice(&p.x[i].to_le_bytes());
        bytes.extend_from_slice(&p.t_x[i].to_le_bytes());
        bytes.extend_from_slice(&p.t[i].to_le_bytes());
        bytes.extend_from_slice(&p.weight[i].to_le_bytes());
    }
    retain_io::fingerprint::of_bytes(&bytes)
}

/// A numeric column with no missing value, errors naming the column and row.
fn column_f64(df: &DataFrame, name: &str, source: &str) -> Result<Vec<f64>, String> {
    let c = df.column(name).map_err(|_| {
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        format!(
            "{source}: no column {name:?} (columns: {})",
            names.join(", ")
        )
    })?;
    if !c.dtype().is_primitive_numeric() {
        return Err(format!(
            "{source}: column {name:?}: expected numbers, found {}",
            c.dtype()
        ));
    }
    let f = c.cast(&DataType::Float64).map_err(|e| e.to_string())?;
    f.f64()
        .map_err(|e| e.to_string())?
        .iter()
        .enumerate()
        .map(|(row, v)| {
            v.ok_or_else(|| format!("{source}: row {}, column {name:?}: missing value", row + 1))
        })
        .collect()
}

/// Trains churn classifiers on a labelled customer table, as `retain train churn` does.
#[pyfunction]
#[pyo3(signature = (table, source, target, positive, id, drop, categorical, model, metric, folds, seed, alpha, calibrate, margin, margin_rate, period, discount, horizon, high_risk, medium_risk, name, call))]
#[allow(clippy::too_many_arguments)]
pub fn train_churn(
    py: Python<'_>,
    table: &Bound<'_, PyCapsule>,
    source: &str,
    target: &str,
    positive: &str,
    id: Option<&str>,
    drop: Vec<String>,
    categorical: Vec<String>,
    model: &str,
    metric: &str,
    folds: usize,
    seed: u64,
    alpha: f64,
    calibrate: bool,
    margin: Option<&str>,
    margin_rate: f64,
    period: &str,
    discount: &str,
    horizon: Option<&str>,
    high_risk: f64,
    medium_risk: f64,
    name: &str,
    call: &str,
) -> PyResult<Model> {
    let candidates = parse_candidates(model).map_err(value_error)?;
    let metric: MetricKind = parse("metric", metric)?;
    let tiers = RiskTiers::new(high_risk, medium_risk).map_err(value_error)?;
    let value = match margin {
        Some(column) => {
            let v = ValueSpec {
                margin_column: column.to_string(),
                margin_rate,
                period: parse("period", period)?,
                discount: parse("discount", discount)?,
                horizon: parse_opt("horizon", horizon)?,
            };
            v.subscription().map_err(value_error)?;
            Some(v)
        }
        None => None,
    };
    let df = frame_from_stream(table)?;
    let art = py.detach(|| -> Result<Artefact, String> {
        let fingerprint = frame_fingerprint(&df)?;
        let table = table_from_frame(df, source).map_err(|e| e.to_string())?;
        if let Some(v) = &value {
            if !table.names.contains(&v.margin_column) {
                return Err(format!(
                    "margin: column {:?} not found; columns: {}",
                    v.margin_column,
                    table.names.join(", ")
                ));
            }
            v.margins(&table).map_err(|e| e.to_string())?;
        }
        let training = table.clone();
        let data = split_label(table, target, positive, id).map_err(|e| e.to_string())?;
        let spec = ChurnSpec {
            target: target.to_string(),
            positive: positive.to_string(),
            id: id.map(str::to_string),
            pipeline: PipelineSpec {
                categorical,
                drop,
                ..PipelineSpec::default()
            },
            folds,
            seed,
            alpha,
            candidates,
            metric,
            calibrate,
        };
        let trained = train(&data, &spec).map_err(|e| e.to_string())?;
        let meta = ChurnMeta {
            name: name.to_string(),
            training_command: call.to_string(),
            file: source.to_string(),
            fingerprint,
            target: target.to_string(),
            positive: positive.to_string(),
            id: id.map(str::to_string),
            seed,
            tiers,
            value,
        };
        let mut art = churn_artefact(trained, &data, meta, training).map_err(|e| e.to_string())?;
        art.version = version_of(&art).map_err(|e| e.to_string())?;
        Ok(Artefact::Churn(Box::new(art)))
    });
    Ok(Model {
        art: art.map_err(value_error)?,
    })
}

/// SHA-256 of a table's content as Arrow IPC-free text: each column's values rendered.
fn frame_fingerprint(df: &DataFrame) -> Result<String, String> {
    let mut text = String::new();
    for c in df.columns() {
        text.push_str(c.name());
        let s = c.cast(&DataType::String).map_err(|e| e.to_string())?;
        for v in s.str().map_err(|e| e.to_string())?.iter() {
            text.push('\u{1f}');
            text.push_str(v.unwrap_or("\u{0}"));
        }
        text.push('\u{1e}');
    }
    Ok(retain_io::fingerprint::of_bytes(text.as_bytes()))
}

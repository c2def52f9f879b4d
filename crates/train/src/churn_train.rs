//! Training churn classifiers on customer tables: label extraction, stratified cross-validation
//! with pooled out-of-fold metrics, and the final refit on all rows.
//!
//! The feature pipeline is fitted inside each fold on that fold's training rows only, so the
//! cross-validated metrics contain no information from the held-out rows.

use crate::TrainError;
use crate::cv::stratified_folds;
use crate::metrics::{MeanStd, MetricKind, Metrics};
use retain_core::features::{FeaturePipeline, PipelineSpec, RawColumn, RawTable};
use retain_models::classifier::logistic::Logistic;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What to train.
#[derive(Debug, Clone)]
pub struct ChurnSpec {
    /// Target column.
    pub target: String,
    /// The target's value that means "churned" (compared case-insensitively).
    pub positive: String,
    /// Optional customer id column (not a feature; must be unique).
    pub id: Option<String>,
    /// Feature pipeline settings (forced categoricals, dropped columns).
    pub pipeline: PipelineSpec,
    /// Cross-validation folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// L2 strength of the logistic regression.
    pub alpha: f64,
}

/// A customer table split into features, labels and ids.
#[derive(Debug, Clone)]
pub struct Labelled {
    /// Feature columns (target and id removed).
    pub features: RawTable,
    /// true = churned.
    pub y: Vec<bool>,
    /// Customer ids, when an id column was named.
    pub ids: Option<Vec<String>>,
}

fn take(table: &mut RawTable, name: &str) -> Result<RawColumn, TrainError> {
    let i = table.names.iter().position(|n| n == name).ok_or_else(|| {
        TrainError::Invalid(format!(
            "column {name:?} not found; columns: {}",
            table.names.join(", ")
        ))
    })?;
    table.names.remove(i);
    Ok(table.columns.remove(i))
}

fn cell_text(c: &RawColumn, i: usize) -> Option<String> {
    match c {
        RawColumn::Numeric(v) => v[i].map(|x| {
            if x.fract() == 0.0 {
                format!("{}", x as i64)
            } else {
                x.to_string()
            }
        }),
        RawColumn::Text(v) => v[i].clone(),
        RawColumn::Bool(v) => v[i].map(|b| b.to_string()),
    }
}

/// Removes the target (and id) columns and maps the target to booleans; refuses a target that
/// is not binary, lacks the positive label, or has missing cells, and duplicate ids.
pub fn split_label(
    mut table: RawTable,
    target: &str,
    positive: &str,
    id: Option<&str>,
) -> Result<Labelled, TrainError> {
    let col = take(&mut table, target)?;
    let n = table
        .columns
        .first()
        .map(column_len)
        .unwrap_or_else(|| column_len(&col));
    let texts: Vec<Option<String>> = (0..column_len(&col)).map(|i| cell_text(&col, i)).collect();
    if let Some(row) = texts.iter().position(|t| t.is_none()) {
        return Err(TrainError::Invalid(format!(
            "target {target:?} is missing on data row {}",
            row + 1
        )));
    }
    let mut distinct: Vec<String> = texts
        .iter()
        .flatten()
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    distinct.sort();
    let is_pos = |t: &str| {
        t.eq_ignore_ascii_case(positive) || (positive.eq_ignore_ascii_case("true") && t == "1")
    };
    if distinct.len() != 2 || !distinct.iter().any(|t| is_pos(t)) {
        return Err(TrainError::Invalid(format!(
            "target {target:?} must have exactly two values, one of them {positive:?}; found {}: {}",
            distinct.len(),
            distinct
                .iter()
                .take(10)
                .map(|d| format!("{d:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let y: Vec<bool> = texts
        .iter()
        .map(|t| t.as_deref().is_some_and(is_pos))
        .collect();
    let ids = match id {
        None => None,
        Some(name) => {
            let c = take(&mut table, name)?;
            let ids: Vec<String> = (0..n)
                .map(|i| cell_text(&c, i).unwrap_or_default())
                .collect();
            let mut seen = HashSet::with_capacity(n);
            if let Some((row, dup)) = ids
                .iter()
                .enumerate()
                .find(|(_, v)| !seen.insert(v.as_str()))
            {
                return Err(TrainError::Invalid(format!(
                    "id column {name:?} has a duplicate {dup:?} on data row {}",
                    row + 1
                )));
            }
            Some(ids)
        }
    };
    Ok(Labelled {
        features: table,
        y,
        ids,
    })
}

fn column_len(c: &RawColumn) -> usize {
    match c {
        RawColumn::Numeric(v) => v.len(),
        RawColumn::Text(v) => v.len(),
        RawColumn::Bool(v) => v.len(),
    }
}

/// The rows `rows` of a table.
pub fn take_rows(t: &RawTable, rows: &[usize]) -> RawTable {
    RawTable {
        names: t.names.clone(),
        columns: t
            .columns
            .iter()
            .map(|c| match c {
                RawColumn::Numeric(v) => RawColumn::Numeric(rows.iter().map(|&i| v[i]).collect()),
                RawColumn::Text(v) => RawColumn::Text(rows.iter().map(|&i| v[i].clone()).collect()),
                RawColumn::Bool(v) => RawColumn::Bool(rows.iter().map(|&i| v[i]).collect()),
            })
            .collect(),
    }
}

/// A fitted pipeline with its model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedLogistic {
    /// Feature transforms.
    pub pipeline: FeaturePipeline,
    /// The classifier on the transformed features.
    pub model: Logistic,
}

impl FittedLogistic {
    /// P(churn) of every row of `table`.
    pub fn predict(&self, table: &RawTable) -> Result<Vec<f64>, TrainError> {
        let x = self.pipeline.transform(table)?;
        Ok(x.data
            .chunks(x.n_features.max(1))
            .take(x.n_rows)
            .map(|row| self.model.predict(row))
            .collect())
    }
}

/// Fits the pipeline and the logistic regression on `rows` of `data`.
pub fn fit_logistic(
    data: &Labelled,
    rows: &[usize],
    spec: &ChurnSpec,
) -> Result<FittedLogistic, TrainError> {
    let table = take_rows(&data.features, rows);
    let y: Vec<bool> = rows.iter().map(|&i| data.y[i]).collect();
    let t0 = std::time::Instant::now();
    let pipeline = FeaturePipeline::fit(&table, &spec.pipeline)?;
    let x = pipeline.transform(&table)?;
    let t1 = std::time::Instant::now();
    let model = Logistic::fit(&x.data, x.n_features, &y, spec.alpha, 500)?;
    tracing::info!(
        rows = rows.len(),
        features = x.n_features,
        pipeline_ms = (t1 - t0).as_secs_f64() * 1e3,
        fit_ms = t1.elapsed().as_secs_f64() * 1e3,
        "logistic regression fitted"
    );
    Ok(FittedLogistic { pipeline, model })
}

/// Cross-validation results of one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    /// Candidate name.
    pub model: String,
    /// Folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Metrics of each fold's held-out rows.
    pub per_fold: Vec<Metrics>,
    /// Mean ± std over folds of each metric, by metric name.
    pub summary: Vec<(String, MeanStd)>,
    /// Metrics of the pooled out-of-fold predictions.
    pub pooled: Metrics,
}

/// Stratified k-fold cross-validation of the logistic pipeline; returns the report and the
/// out-of-fold probabilities.
pub fn cross_validate_logistic(
    data: &Labelled,
    spec: &ChurnSpec,
) -> Result<(CvReport, Vec<f64>), TrainError> {
    let fold = stratified_folds(&data.y, spec.folds, spec.seed)?;
    let n = data.y.len();
    let mut oof = vec![0.0; n];
    let mut per_fold = Vec::with_capacity(spec.folds);
    for k in 0..spec.folds {
        let (test, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| fold[i] == k);
        let fitted = fit_logistic(data, &train, spec)?;
        let p = fitted.predict(&take_rows(&data.features, &test))?;
        let y: Vec<bool> = test.iter().map(|&i| data.y[i]).collect();
        per_fold.push(Metrics::compute(&y, &p)?);
        for (&i, v) in test.iter().zip(p) {
            oof[i] = v;
        }
    }
    let pooled = Metrics::compute(&data.y, &oof)?;
    let kinds = [
        MetricKind::RocAuc,
        MetricKind::PrAuc,
        MetricKind::LogLoss,
        MetricKind::Brier,
        MetricKind::Lift,
    ];
    let summary = kinds
        .iter()
        .map(|k| {
            (
                k.to_string(),
                MeanStd::of(&per_fold.iter().map(|m| k.value(m)).collect::<Vec<_>>()),
            )
        })
        .collect();
    let report = CvReport {
        model: "logistic".into(),
        folds: spec.folds,
        seed: spec.seed,
        per_fold,
        summary,
        pooled,
    };
    Ok((report, oof))
}

//! Training churn classifiers on customer tables: label extraction, stratified cross-validation
//! with pooled out-of-fold metrics, and the final refit on all rows.
//!
//! The feature pipeline is fitted inside each fold on that fold's training rows only, so the
//! cross-validated metrics contain no information from the held-out rows.

use crate::TrainError;
use crate::cv::stratified_folds;
use linfa::prelude::*;
use ndarray::{Array1, Array2, Ix1};
use rayon::prelude::*;
use retain_core::features::{FeaturePipeline, PipelineSpec, RawColumn, RawTable};
use retain_models::classifier::calibration::{Calibrator, choose_calibration};
use retain_models::classifier::logistic::Logistic;
use retain_models::classifier::model::Classifier;
use retain_models::classifier::trees::forest::Forest;
use retain_models::classifier::trees::gbdt::Gbdt;
use retain_score::churn_model::{CvReport, FittedChurn};
use retain_score::metrics::{MeanStd, MetricKind, Metrics};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// A candidate classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Candidate {
    /// L2 logistic regression.
    Logistic,
    /// Gradient-boosted trees.
    Gbdt,
    /// Random forest.
    Forest,
}

impl Candidate {
    /// Every candidate, in the order `auto` tries them.
    pub const ALL: [Candidate; 3] = [Candidate::Logistic, Candidate::Gbdt, Candidate::Forest];

    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Candidate::Logistic => "logistic",
            Candidate::Gbdt => "gbdt",
            Candidate::Forest => "forest",
        }
    }

    /// What it is, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Candidate::Logistic => "L2 logistic regression",
            Candidate::Gbdt => "gradient-boosted trees",
            Candidate::Forest => "random forest",
        }
    }
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `auto` or one candidate.
pub fn parse_candidates(s: &str) -> Result<Vec<Candidate>, TrainError> {
    match s.to_ascii_lowercase().as_str() {
        "auto" => Ok(Candidate::ALL.to_vec()),
        other => Candidate::ALL
            .iter()
            .find(|c| c.name() == other)
            .map(|c| vec![*c])
            .ok_or_else(|| {
                TrainError::setting(
                    "--model",
                    format!("unknown model {s:?}: use auto, logistic, gbdt or forest"),
                )
            }),
    }
}

impl FromStr for Candidate {
    type Err = TrainError;
    fn from_str(s: &str) -> Result<Self, TrainError> {
        match parse_candidates(s)?.as_slice() {
            [one] => Ok(*one),
            _ => Err(TrainError::setting(
                "--model",
                format!("{s:?} is not a single model"),
            )),
        }
    }
}

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
    /// Candidates to cross-validate (one, or all for `auto`).
    pub candidates: Vec<Candidate>,
    /// Metric that picks the candidate.
    pub metric: MetricKind,
    /// Choose Platt / isotonic / no calibration by cross-validation (else none).
    pub calibrate: bool,
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
        TrainError::data(
            format!("column {name:?}"),
            format!("not found; columns: {}", table.names.join(", ")),
        )
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
        return Err(TrainError::data(
            format!("target {target:?}"),
            format!("missing on data row {}", row + 1),
        ));
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
        return Err(TrainError::data(
            format!("target {target:?}"),
            format!(
                "must have exactly two values, one of them {positive:?}; found {}: {}",
                distinct.len(),
                distinct
                    .iter()
                    .take(10)
                    .map(|d| format!("{d:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
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
                return Err(TrainError::data(
                    format!("id column {name:?}"),
                    format!("has a duplicate {dup:?} on data row {}", row + 1),
                ));
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

/// A linfa dataset of the fitted pipeline's row-major output and churn labels (true = churned);
/// the matrix is moved, not copied.
pub fn churn_dataset(
    x: Vec<f64>,
    n_features: usize,
    y: Vec<bool>,
) -> Result<Dataset<f64, bool, Ix1>, TrainError> {
    let records = Array2::from_shape_vec((y.len(), n_features), x)
        .map_err(|e| retain_models::classifier::FitError::Linfa(e.into()))?;
    Ok(Dataset::new(records, Array1::from_vec(y)))
}

/// Fits one candidate through linfa's `Fit` on a dataset of transformed features, with the
/// spec's settings (the logistic regression's `alpha`; the seed of the boosting validation split
/// and of the forest).
pub fn fit_classifier(
    dataset: &Dataset<f64, bool, Ix1>,
    spec: &ChurnSpec,
    candidate: Candidate,
) -> Result<Classifier, TrainError> {
    Ok(match candidate {
        Candidate::Logistic => Classifier::Logistic(
            Logistic::params()
                .alpha(spec.alpha)
                .max_iterations(500)
                .fit(dataset)?,
        ),
        Candidate::Gbdt => Classifier::Gbdt(Gbdt::params().seed(spec.seed).fit(dataset)?),
        Candidate::Forest => Classifier::Forest(Forest::params().seed(spec.seed).fit(dataset)?),
    })
}

/// Fits the pipeline and one candidate on `rows` of `data` (no calibration).
pub fn fit_candidate(
    data: &Labelled,
    rows: &[usize],
    spec: &ChurnSpec,
    candidate: Candidate,
) -> Result<FittedChurn, TrainError> {
    let table = take_rows(&data.features, rows);
    let y: Vec<bool> = rows.iter().map(|&i| data.y[i]).collect();
    let t0 = std::time::Instant::now();
    // Rows of `table` are `rows` of the data: errors name the data row (1-based).
    let data_row = |r: usize| rows.get(r.wrapping_sub(1)).map_or(r, |&i| i + 1);
    let pipeline =
        FeaturePipeline::fit(&table, &spec.pipeline).map_err(|e| e.renumber_rows(data_row))?;
    let x = pipeline
        .transform(&table)
        .map_err(|e| e.renumber_rows(data_row))?;
    let t1 = std::time::Instant::now();
    let n_features = x.n_features;
    let dataset = churn_dataset(x.data, n_features, y)?;
    let model = fit_classifier(&dataset, spec, candidate)?;
    tracing::info!(
        model = candidate.name(),
        rows = rows.len(),
        features = n_features,
        pipeline_ms = (t1 - t0).as_secs_f64() * 1e3,
        fit_ms = t1.elapsed().as_secs_f64() * 1e3,
        "classifier fitted"
    );
    Ok(FittedChurn {
        pipeline,
        model,
        calibrator: Calibrator::Identity,
    })
}

/// Stratified k-fold cross-validation of one candidate (folds run in parallel).
///
/// The folds are ours ([`stratified_folds`]), not linfa's `fold`/`iter_fold`: those cut the
/// rows in order without stratification, and they split an already-transformed dataset, while
/// here the feature pipeline is refitted on each fold's raw training rows (medians, scales and
/// one-hot vocabularies must not see the held-out rows). Each fold's model is then fitted
/// through linfa's `Fit` on a `Dataset` of that fold's transformed rows. Calibration,
/// when asked for, is chosen on the out-of-fold probabilities, and the reported metrics use
/// cross-fitted calibration (each fold's map is fitted on the other folds' predictions), so
/// they stay honest. Returns the report and the uncalibrated out-of-fold probabilities.
pub fn cross_validate(
    data: &Labelled,
    spec: &ChurnSpec,
    candidate: Candidate,
) -> Result<(CvReport, Vec<f64>), TrainError> {
    let started = std::time::Instant::now();
    let fold = stratified_folds(&data.y, spec.folds, spec.seed)?;
    let n = data.y.len();
    // (held-out rows, their probabilities) of each fold.
    type FoldResult = Result<(Vec<usize>, Vec<f64>), TrainError>;
    let results: Vec<FoldResult> = (0..spec.folds)
        .into_par_iter()
        .map(|k| {
            let (test, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| fold[i] == k);
            let fitted = fit_candidate(data, &train, spec, candidate)?;
            let p = fitted
                .predict(&take_rows(&data.features, &test))
                .map_err(|e| match e {
                    // Name the row of the data, not of the held-out fold.
                    retain_score::ScoreError::Feature(f) => TrainError::Feature(
                        f.renumber_rows(|r| test.get(r.wrapping_sub(1)).map_or(r, |&i| i + 1)),
                    ),
                    other => other.into(),
                })?;
            Ok((test, p))
        })
        .collect();
    let mut oof = vec![0.0; n];
    for r in results {
        let (test, p) = r?;
        for (&i, v) in test.iter().zip(p) {
            oof[i] = v;
        }
    }
    let uncalibrated = Metrics::compute(&data.y, &oof)?;
    let (calibrated, calibration) = if spec.calibrate {
        let choice = choose_calibration(&oof, &data.y, &fold, spec.folds)?;
        let mut cal = oof.clone();
        if choice.calibrator != Calibrator::Identity {
            for k in 0..spec.folds {
                let (test, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| fold[i] == k);
                let p: Vec<f64> = train.iter().map(|&i| oof[i]).collect();
                let y: Vec<bool> = train.iter().map(|&i| data.y[i]).collect();
                let c = match choice.calibrator {
                    Calibrator::Platt { .. } => Calibrator::fit_platt(&p, &y)?,
                    _ => Calibrator::fit_isotonic(&p, &y)?,
                };
                for &i in &test {
                    cal[i] = c.apply(oof[i]);
                }
            }
        }
        (cal, Some(choice))
    } else {
        (oof.clone(), None)
    };
    let per_fold = (0..spec.folds)
        .map(|k| {
            let rows: Vec<usize> = (0..n).filter(|&i| fold[i] == k).collect();
            let y: Vec<bool> = rows.iter().map(|&i| data.y[i]).collect();
            let p: Vec<f64> = rows.iter().map(|&i| calibrated[i]).collect();
            Metrics::compute(&y, &p)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let pooled = Metrics::compute(&data.y, &calibrated)?;
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
        model: candidate.name().into(),
        folds: spec.folds,
        seed: spec.seed,
        per_fold,
        summary,
        pooled,
        uncalibrated,
        calibration,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok((report, oof))
}

/// The outcome of training: every candidate's CV, the choice and the refitted model.
#[derive(Debug, Clone)]
pub struct Trained {
    /// Cross-validation of every candidate, in the order tried.
    pub cv: Vec<CvReport>,
    /// The chosen candidate.
    pub chosen: Candidate,
    /// Why it was chosen.
    pub selection: String,
    /// The chosen candidate refitted on all rows, with its calibration.
    pub fitted: FittedChurn,
}

/// Cross-validates every candidate, picks the best by `spec.metric` (mean over folds), and
/// refits it on all rows with the calibration chosen on its out-of-fold predictions.
pub fn train_churn(data: &Labelled, spec: &ChurnSpec) -> Result<Trained, TrainError> {
    if spec.candidates.is_empty() {
        return Err(TrainError::setting(
            "--model",
            "no candidate model to train",
        ));
    }
    let mut cv = Vec::with_capacity(spec.candidates.len());
    for &c in &spec.candidates {
        let (report, _) = cross_validate(data, spec, c)?;
        tracing::info!(
            model = c.name(),
            roc_auc = report.mean(MetricKind::RocAuc),
            log_loss = report.mean(MetricKind::LogLoss),
            seconds = report.seconds,
            "candidate cross-validated"
        );
        cv.push(report);
    }
    let metric = spec.metric;
    let better = |a: f64, b: f64| {
        if metric.higher_is_better() {
            a > b
        } else {
            a < b
        }
    };
    let mut best = 0;
    for i in 1..cv.len() {
        if better(cv[i].mean(metric), cv[best].mean(metric)) {
            best = i;
        }
    }
    let chosen = spec.candidates[best];
    let selection = if cv.len() == 1 {
        format!("only candidate: {}", chosen.describe())
    } else {
        let others: Vec<String> = cv
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != best)
            .map(|(_, r)| format!("{} {:.4}", r.model, r.mean(metric)))
            .collect();
        format!(
            "{} has the {} mean {} over {} folds ({:.4}; {})",
            chosen.describe(),
            if metric.higher_is_better() {
                "highest"
            } else {
                "lowest"
            },
            metric,
            spec.folds,
            cv[best].mean(metric),
            others.join(", ")
        )
    };
    let all: Vec<usize> = (0..data.y.len()).collect();
    let mut fitted = fit_candidate(data, &all, spec, chosen)?;
    if let Some(choice) = &cv[best].calibration {
        fitted.calibrator = choice.calibrator.clone();
    }
    Ok(Trained {
        cv,
        chosen,
        selection,
        fitted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use retain_models::classifier::FitError;

    /// 120 rows; row 100 (1-based) holds a value the numeric column refuses.
    fn data_with_a_bad_row_100() -> Labelled {
        let mut tenure: Vec<Option<f64>> = (0..120).map(|i| Some(f64::from(i % 17))).collect();
        tenure[99] = Some(f64::INFINITY);
        Labelled {
            features: RawTable {
                names: vec!["tenure".into(), "plan".into()],
                columns: vec![
                    RawColumn::Numeric(tenure),
                    RawColumn::Text((0..120).map(|i| Some(format!("p{}", i % 3))).collect()),
                ],
            },
            y: (0..120).map(|i| i % 4 == 0).collect(),
            ids: None,
        }
    }

    #[test]
    fn the_linfa_dataset_keeps_rows_and_a_bad_setting_names_itself() {
        let ds = churn_dataset(vec![1.0, 2.0, 3.0, 4.0], 2, vec![true, false]).unwrap();
        assert_eq!(ds.records().row(1).to_vec(), vec![3.0, 4.0]);
        assert_eq!(ds.targets().to_vec(), vec![true, false]);
        let e = churn_dataset(vec![1.0, 2.0, 3.0], 2, vec![true, false]).unwrap_err();
        assert!(
            matches!(
                e,
                TrainError::Fit(FitError::Linfa(linfa::Error::NdShape(_)))
            ),
            "{e}"
        );
        let data = data_with_a_bad_row_100();
        let spec = ChurnSpec {
            alpha: -1.0,
            ..spec()
        };
        let x: Vec<f64> = (0..120).map(f64::from).collect();
        let ds = churn_dataset(x, 1, data.y).unwrap();
        let e = fit_classifier(&ds, &spec, Candidate::Logistic).unwrap_err();
        assert!(e.to_string().contains("alpha must be finite"), "{e}");
    }

    fn spec() -> ChurnSpec {
        ChurnSpec {
            target: "churn".into(),
            positive: "yes".into(),
            id: None,
            pipeline: Default::default(),
            folds: 3,
            seed: 1,
            alpha: 1.0,
            candidates: vec![Candidate::Logistic],
            metric: "roc-auc".parse().unwrap(),
            calibrate: false,
        }
    }

    #[test]
    fn a_bad_value_is_reported_at_its_data_row_not_its_fold_row() {
        let data = data_with_a_bad_row_100();
        // A fold holding data rows 80..120: row 100 is the fold's 20th.
        let rows: Vec<usize> = (80..120).collect();
        let spec = ChurnSpec {
            target: "churn".into(),
            positive: "yes".into(),
            id: None,
            pipeline: Default::default(),
            folds: 3,
            seed: 1,
            alpha: 1.0,
            candidates: vec![Candidate::Logistic],
            metric: "roc-auc".parse().unwrap(),
            calibrate: false,
        };
        let Err(e) = fit_candidate(&data, &rows, &spec, Candidate::Logistic) else {
            panic!("an infinite value is refused");
        };
        let e = e.to_string();
        assert!(e.contains("row 100"), "{e}");
        // Cross-validation (the value in a fold's training or held-out rows) says the same.
        let Err(e) = cross_validate(&data, &spec, Candidate::Logistic) else {
            panic!("an infinite value is refused");
        };
        let e = e.to_string();
        assert!(e.contains("row 100"), "{e}");
    }
}

//! A fitted churn classifier (feature pipeline, classifier, calibration) and its
//! cross-validation report: what a churn artefact stores and scoring runs.

use crate::ScoreError;
use crate::metrics::{MeanStd, MetricKind, Metrics};
use retain_core::features::{FeaturePipeline, RawTable};
use retain_models::classifier::calibration::{CalibrationChoice, Calibrator};
use retain_models::classifier::model::Classifier;
use serde::{Deserialize, Serialize};

/// A fitted pipeline, classifier and probability calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedChurn {
    /// Feature transforms.
    pub pipeline: FeaturePipeline,
    /// The classifier on the transformed features.
    pub model: Classifier,
    /// Map from the classifier's probability to a calibrated one.
    pub calibrator: Calibrator,
}

impl FittedChurn {
    /// Calibrated P(churn) of every row of `table`.
    pub fn predict(&self, table: &RawTable) -> Result<Vec<f64>, ScoreError> {
        let x = self.pipeline.transform(table)?;
        let mut p = vec![0.0; x.n_rows];
        self.model.predict_batch(&x.data, x.n_features, &mut p);
        for v in &mut p {
            *v = self.calibrator.apply(*v);
        }
        Ok(p)
    }

    /// Checks a fitted model loaded from an artefact.
    pub fn validate(&self) -> Result<(), ScoreError> {
        self.model.validate(self.pipeline.n_features())?;
        self.calibrator.validate()?;
        Ok(())
    }
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
    /// Metrics of each fold's held-out rows (calibrated as chosen).
    pub per_fold: Vec<Metrics>,
    /// Mean ± std over folds of each metric, by metric name.
    pub summary: Vec<(String, MeanStd)>,
    /// Metrics of the pooled out-of-fold predictions (calibrated as chosen).
    pub pooled: Metrics,
    /// Pooled metrics before calibration.
    pub uncalibrated: Metrics,
    /// The calibration chosen and each method's cross-validated log loss.
    pub calibration: Option<CalibrationChoice>,
    /// Wall time of this candidate's cross-validation, seconds.
    pub seconds: f64,
}

impl CvReport {
    /// Mean over folds of `metric`.
    pub fn mean(&self, metric: MetricKind) -> f64 {
        self.summary
            .iter()
            .find(|(n, _)| n == metric.name())
            .map_or(f64::NAN, |(_, ms)| ms.mean)
    }
}

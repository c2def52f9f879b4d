//! All metrics of one set of predictions at once, metric names, and mean ± std over folds.

use super::calibration::{CalibrationBin, calibration_table};
use super::probability::{brier, log_loss};
use super::ranking::{average_precision_ordered, descending, lift_ordered, roc_auc_ordered};
use super::{MetricError, check, require_both_classes};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Bins of the calibration table in [`Metrics`].
const CALIBRATION_BINS: usize = 10;

/// Every metric of one set of churn predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Area under the ROC curve; see [`super::roc_auc`].
    pub roc_auc: f64,
    /// Average precision (PR AUC); see [`super::average_precision`].
    pub pr_auc: f64,
    /// Log loss; see [`super::log_loss`].
    pub log_loss: f64,
    /// Brier score; see [`super::brier`].
    pub brier: f64,
    /// Lift in the top 10% by score; see [`super::lift_at`].
    pub top_decile_lift: f64,
    /// Rows that churned.
    pub positives: usize,
    /// All rows.
    pub count: usize,
    /// Calibration table, 10 equal-width bins; see [`super::calibration_table`].
    pub calibration: Vec<CalibrationBin>,
}

impl Metrics {
    /// Computes every metric, with a 10-bin calibration table. Fails on invalid input and, since
    /// AUC needs them, unless both classes are present.
    pub fn compute(y: &[bool], p: &[f64]) -> Result<Metrics, MetricError> {
        check(y, p)?;
        let positives = require_both_classes(MetricKind::RocAuc, y)?;
        // One sort serves the three ranking metrics.
        let order = descending(p);
        Ok(Metrics {
            roc_auc: roc_auc_ordered(y, p, &order),
            pr_auc: average_precision_ordered(y, p, &order),
            log_loss: log_loss(y, p)?,
            brier: brier(y, p)?,
            top_decile_lift: lift_ordered(y, &order, 0.1),
            positives,
            count: y.len(),
            calibration: calibration_table(y, p, CALIBRATION_BINS)?,
        })
    }
}

/// A scalar metric of [`Metrics`], by name: `roc-auc`, `pr-auc`, `log-loss`, `brier`, `lift`
/// (the top-decile lift).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MetricKind {
    /// Area under the ROC curve.
    RocAuc,
    /// Average precision (PR AUC).
    PrAuc,
    /// Log loss.
    LogLoss,
    /// Brier score.
    Brier,
    /// Top-decile lift.
    Lift,
}

impl MetricKind {
    /// Every metric, in the order of their names above.
    pub const ALL: [MetricKind; 5] = [
        MetricKind::RocAuc,
        MetricKind::PrAuc,
        MetricKind::LogLoss,
        MetricKind::Brier,
        MetricKind::Lift,
    ];

    /// The metric's name, as parsed by [`FromStr`] and shown by [`Display`](fmt::Display).
    pub fn name(self) -> &'static str {
        match self {
            MetricKind::RocAuc => "roc-auc",
            MetricKind::PrAuc => "pr-auc",
            MetricKind::LogLoss => "log-loss",
            MetricKind::Brier => "brier",
            MetricKind::Lift => "lift",
        }
    }

    /// Whether a larger value is a better model (false for the losses).
    pub fn higher_is_better(self) -> bool {
        match self {
            MetricKind::RocAuc | MetricKind::PrAuc | MetricKind::Lift => true,
            MetricKind::LogLoss | MetricKind::Brier => false,
        }
    }

    /// This metric's value in `m`.
    pub fn value(self, m: &Metrics) -> f64 {
        match self {
            MetricKind::RocAuc => m.roc_auc,
            MetricKind::PrAuc => m.pr_auc,
            MetricKind::LogLoss => m.log_loss,
            MetricKind::Brier => m.brier,
            MetricKind::Lift => m.top_decile_lift,
        }
    }
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MetricKind {
    type Err = MetricError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MetricKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| MetricError::UnknownMetric { name: s.into() })
    }
}

/// Mean and sample standard deviation of a metric over folds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    /// Arithmetic mean (NaN for no values).
    pub mean: f64,
    /// Sample standard deviation (divisor n − 1); 0 for fewer than two values.
    pub std: f64,
}

impl MeanStd {
    /// Mean and sample standard deviation of `values`.
    pub fn of(values: &[f64]) -> MeanStd {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let std = if values.len() < 2 {
            0.0
        } else {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        };
        MeanStd { mean, std }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn metric_names_round_trip_and_unknown_names_are_refused() {
        for k in MetricKind::ALL {
            assert_eq!(k.to_string().parse::<MetricKind>(), Ok(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{k}\""));
        }
        let e = "auc".parse::<MetricKind>().unwrap_err();
        assert_eq!(e, MetricError::UnknownMetric { name: "auc".into() });
        assert!(
            e.to_string()
                .contains("roc-auc, pr-auc, log-loss, brier, lift")
        );
    }

    #[test]
    fn losses_are_the_metrics_where_lower_is_better() {
        let lower: Vec<MetricKind> = MetricKind::ALL
            .into_iter()
            .filter(|k| !k.higher_is_better())
            .collect();
        assert_eq!(lower, [MetricKind::LogLoss, MetricKind::Brier]);
    }

    #[test]
    fn value_picks_the_named_field() {
        let m = Metrics {
            roc_auc: 0.1,
            pr_auc: 0.2,
            log_loss: 0.3,
            brier: 0.4,
            top_decile_lift: 0.5,
            positives: 1,
            count: 2,
            calibration: Vec::new(),
        };
        let values: Vec<f64> = MetricKind::ALL.iter().map(|k| k.value(&m)).collect();
        assert_eq!(values, [0.1, 0.2, 0.3, 0.4, 0.5]);
    }

    #[test]
    fn mean_std_uses_the_sample_standard_deviation() {
        // numpy 2.4.6: np.std([1, 2, 3, 4], ddof=1) = 1.2909944487358056;
        // np.mean / np.std(ddof=1) of [0.81, 0.79, 0.84, 0.80, 0.83] = 0.8140000000000001,
        // 0.020736441353327684.
        let s = MeanStd::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.mean, 2.5);
        assert_abs_diff_eq!(s.std, 1.2909944487358056, epsilon = 1e-15);
        let s = MeanStd::of(&[0.81, 0.79, 0.84, 0.80, 0.83]);
        assert_abs_diff_eq!(s.mean, 0.8140000000000001, epsilon = 1e-15);
        assert_abs_diff_eq!(s.std, 0.020736441353327684, epsilon = 1e-15);
        assert_eq!(
            MeanStd::of(&[0.7]),
            MeanStd {
                mean: 0.7,
                std: 0.0
            }
        );
        let empty = MeanStd::of(&[]);
        assert!(empty.mean.is_nan() && empty.std == 0.0);
    }

    #[test]
    fn compute_needs_both_classes_and_names_auc() {
        let e = Metrics::compute(&[true, true], &[0.4, 0.6]).unwrap_err();
        assert_eq!(
            e,
            MetricError::SingleClass {
                metric: MetricKind::RocAuc,
                churned: true,
                count: 2
            }
        );
    }
}

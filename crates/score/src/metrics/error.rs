//! What can make a metric uncomputable.

use super::MetricKind;
use thiserror::Error;

/// Why a metric could not be computed from the given labels and probabilities.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricError {
    /// There are no rows.
    #[error("no rows to evaluate")]
    Empty,
    /// Labels and probabilities differ in length.
    #[error("{labels} labels but {probabilities} probabilities")]
    LengthMismatch {
        /// Number of labels.
        labels: usize,
        /// Number of probabilities.
        probabilities: usize,
    },
    /// Only one class is present, so the metric is undefined (AUC needs both classes; average
    /// precision and lift need at least one churner).
    #[error(
        "{metric} is undefined with a single class: all {count} rows are {}",
        if *churned { "churners" } else { "non-churners" }
    )]
    SingleClass {
        /// The metric that cannot be computed.
        metric: MetricKind,
        /// The one class present: `true` if every row churned, `false` if none did.
        churned: bool,
        /// Number of rows.
        count: usize,
    },
    /// A probability is NaN, infinite or outside `[0, 1]`.
    #[error("probability {value} at row {index} is not in [0, 1]")]
    InvalidProbability {
        /// Row of the offending value (0-based).
        index: usize,
        /// The value.
        value: f64,
    },
    /// The lift fraction is not in `(0, 1]`.
    #[error("lift fraction {fraction} is not in (0, 1]")]
    InvalidFraction {
        /// The fraction asked for.
        fraction: f64,
    },
    /// A calibration table was asked for with zero bins.
    #[error("a calibration table needs at least one bin")]
    NoBins,
    /// A metric name that is not one of [`MetricKind::ALL`].
    #[error("unknown metric {name:?}: expected one of roc-auc, pr-auc, log-loss, brier, lift")]
    UnknownMetric {
        /// The name given.
        name: String,
    },
}

//! Binary-classification metrics for churn models: ranking quality (ROC AUC, average precision,
//! lift), probability quality (log loss, Brier score) and calibration tables.
//!
//! Inputs are the labels (`true` = churned, the positive class) and the predicted probability
//! of churn for each row. Every function checks its input: equal non-zero lengths and
//! probabilities that are finite and in `[0, 1]`. Ranking metrics are exact (tied scores count
//! half, as in scikit-learn) and sort once, O(n log n).
//!
//! # Layout
//! - `ranking`: [`roc_auc`], [`average_precision`], [`lift_at`], [`top_decile_lift`].
//! - `probability`: [`log_loss`], [`brier`].
//! - `calibration`: [`calibration_table`] of [`CalibrationBin`]s.
//! - `summary`: [`Metrics`] (all of the above at once), [`MetricKind`], [`MeanStd`].
//! - `error`: [`MetricError`].
//!
//! # Example
//! ```
//! use retain_score::metrics::{Metrics, MetricKind, roc_auc};
//!
//! let churned = [true, false, true, false, false];
//! let p = [0.9, 0.2, 0.6, 0.6, 0.1];
//! // 6 (churner, stayer) pairs: 5 ranked right, 1 tied (counts half).
//! assert_eq!(roc_auc(&churned, &p)?, 5.5 / 6.0);
//!
//! let m = Metrics::compute(&churned, &p)?;
//! assert_eq!((m.count, m.positives), (5, 2));
//! assert_eq!(m.calibration.len(), 10);
//! let auc: MetricKind = "roc-auc".parse()?;
//! assert!(auc.higher_is_better());
//! # Ok::<(), retain_score::metrics::MetricError>(())
//! ```

mod calibration;
mod error;
mod probability;
mod ranking;
mod summary;

#[cfg(test)]
mod parity;

pub use calibration::{CalibrationBin, calibration_table};
pub use error::MetricError;
pub use probability::{LOG_LOSS_CLIP, brier, log_loss};
pub use ranking::{
    average_precision, cumulative_churners, lift_at, roc_auc, score_groups, top_decile_lift,
    top_rows,
};
pub use summary::{MeanStd, MetricKind, Metrics};

/// Checks that labels and probabilities pair up and that every probability is a probability.
fn check(y: &[bool], p: &[f64]) -> Result<(), MetricError> {
    if y.len() != p.len() {
        return Err(MetricError::LengthMismatch {
            labels: y.len(),
            probabilities: p.len(),
        });
    }
    if y.is_empty() {
        return Err(MetricError::Empty);
    }
    match p.iter().position(|v| !(0.0..=1.0).contains(v)) {
        // `contains` is false for NaN, so this also rejects non-finite values.
        Some(index) => Err(MetricError::InvalidProbability {
            index,
            value: p[index],
        }),
        None => Ok(()),
    }
}

/// Number of positive (churned) labels.
fn positives(y: &[bool]) -> usize {
    y.iter().filter(|&&churned| churned).count()
}

/// Fails unless both classes are present, naming the metric that needs them.
fn require_both_classes(metric: MetricKind, y: &[bool]) -> Result<usize, MetricError> {
    let pos = positives(y);
    if pos == 0 || pos == y.len() {
        return Err(MetricError::SingleClass {
            metric,
            churned: pos == y.len(),
            count: y.len(),
        });
    }
    Ok(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_mismatch_is_refused_with_both_lengths() {
        let e = roc_auc(&[true, false, true], &[0.1, 0.2]).unwrap_err();
        assert_eq!(
            e,
            MetricError::LengthMismatch {
                labels: 3,
                probabilities: 2
            }
        );
        assert_eq!(e.to_string(), "3 labels but 2 probabilities");
        assert!(matches!(
            log_loss(&[true], &[]),
            Err(MetricError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn empty_input_is_refused_by_every_metric() {
        assert_eq!(roc_auc(&[], &[]), Err(MetricError::Empty));
        assert_eq!(average_precision(&[], &[]), Err(MetricError::Empty));
        assert_eq!(log_loss(&[], &[]), Err(MetricError::Empty));
        assert_eq!(brier(&[], &[]), Err(MetricError::Empty));
        assert_eq!(top_decile_lift(&[], &[]), Err(MetricError::Empty));
        assert_eq!(calibration_table(&[], &[], 10), Err(MetricError::Empty));
        assert_eq!(Metrics::compute(&[], &[]), Err(MetricError::Empty));
    }

    #[test]
    fn out_of_range_or_non_finite_probability_is_refused_with_its_row() {
        let y = [true, false, true, false];
        for bad in [1.5, -0.01, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let p = [0.3, 0.2, bad, 0.4];
            match Metrics::compute(&y, &p) {
                Err(MetricError::InvalidProbability { index, value }) => {
                    assert_eq!(index, 2);
                    assert!(value == bad || (value.is_nan() && bad.is_nan()), "{value}");
                }
                other => panic!("{bad}: {other:?}"),
            }
            assert!(brier(&y, &p).is_err() && log_loss(&y, &p).is_err());
        }
        let e = brier(&y, &[0.3, 0.2, 1.5, 0.4]).unwrap_err().to_string();
        assert_eq!(e, "probability 1.5 at row 2 is not in [0, 1]");
    }

    #[test]
    fn boundary_probabilities_are_accepted() {
        assert!(check(&[true, false], &[0.0, 1.0]).is_ok());
        assert!(check(&[true, false], &[-0.0, 1.0]).is_ok());
    }
}

//! Proper scoring rules: how good the probabilities are, not just their order.

use super::{MetricError, check};

/// Log loss clips probabilities to `[LOG_LOSS_CLIP, 1 - LOG_LOSS_CLIP]`, so a confident wrong
/// prediction costs about 34.5 instead of infinity. 1e-15 is scikit-learn's historical default
/// `eps` (releases since 1.5 clip at `f64::EPSILON` instead; the two agree unless some
/// probability is within 1e-15 of 0 or 1).
pub const LOG_LOSS_CLIP: f64 = 1e-15;

/// Mean negative log-likelihood of the labels under the probabilities (natural log), with
/// probabilities clipped to `[LOG_LOSS_CLIP, 1 - LOG_LOSS_CLIP]`. Lower is better; defined
/// with a single class present.
pub fn log_loss(y: &[bool], p: &[f64]) -> Result<f64, MetricError> {
    check(y, p)?;
    let total: f64 = y
        .iter()
        .zip(p)
        .map(|(&churned, &v)| {
            let v = v.clamp(LOG_LOSS_CLIP, 1.0 - LOG_LOSS_CLIP);
            if churned { -v.ln() } else { -(-v).ln_1p() }
        })
        .sum();
    Ok(total / y.len() as f64)
}

/// Brier score: mean squared difference between the probability and the label (1 = churned).
/// Lower is better; 0.25 is what a constant 0.5 scores.
pub fn brier(y: &[bool], p: &[f64]) -> Result<f64, MetricError> {
    check(y, p)?;
    let total: f64 = y
        .iter()
        .zip(p)
        .map(|(&churned, &v)| (v - f64::from(u8::from(churned))).powi(2))
        .sum();
    Ok(total / y.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn certain_wrong_predictions_are_clipped_not_infinite() {
        // numpy 2.4.6, the pre-1.5 scikit-learn formula:
        //   p = np.clip([0.0, 1.0], 1e-15, 1 - 1e-15)
        //   np.mean([-np.log(p[0]), -np.log(1 - p[1])])  -> 34.53917619362578
        let loss = log_loss(&[true, false], &[0.0, 1.0]).unwrap();
        assert_abs_diff_eq!(loss, 34.53917619362578, epsilon = 1e-12);
        assert!(log_loss(&[true, false], &[1.0, 0.0]).unwrap() < 1e-14);
    }

    #[test]
    fn log_loss_and_brier_are_defined_for_one_class() {
        // -ln(0.8) = 0.2231435513142097 (numpy 2.4.6, np.log).
        let y = [false, false];
        assert_abs_diff_eq!(
            log_loss(&y, &[0.2, 0.2]).unwrap(),
            0.2231435513142097,
            epsilon = 1e-15
        );
        assert_abs_diff_eq!(brier(&y, &[0.2, 0.2]).unwrap(), 0.04, epsilon = 1e-15);
    }

    #[test]
    fn constant_half_scores_a_quarter_brier_and_ln_two_log_loss() {
        let y = [true, false, false, true, false];
        let p = [0.5; 5];
        assert_abs_diff_eq!(brier(&y, &p).unwrap(), 0.25, epsilon = 1e-15);
        assert_abs_diff_eq!(
            log_loss(&y, &p).unwrap(),
            std::f64::consts::LN_2,
            epsilon = 1e-15
        );
    }
}

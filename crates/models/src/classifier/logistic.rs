//! L2-regularised logistic regression, fitted with linfa-logistic.
//!
//! linfa's binary `predict_probabilities` returns the probability of whichever class it took as
//! positive (the majority class of the training data, i.e. "stays" for churn data). The fitted
//! coefficients are re-oriented here so that [`Logistic::predict`] is always P(churn).

use crate::ModelError;
use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// A fitted logistic regression: P(churn | x) = σ(intercept + coefficients · x).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    /// Intercept (log-odds of churn at x = 0, i.e. at the training means of standardised features).
    pub intercept: f64,
    /// One coefficient per feature, on the log-odds scale.
    pub coefficients: Vec<f64>,
    /// L2 strength used (linfa's `alpha`, applied to the summed log-loss).
    pub alpha: f64,
}

/// σ(z) without overflow for large |z|.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Logistic {
    /// Fits on a row-major matrix `x` (`n_rows × n_features`) and labels `y` (true = churned).
    pub fn fit(
        x: &[f64],
        n_features: usize,
        y: &[bool],
        alpha: f64,
        max_iterations: u64,
    ) -> Result<Self, ModelError> {
        let n_rows = y.len();
        if n_features == 0 || x.len() != n_rows * n_features {
            return Err(ModelError::InvalidInput {
                field: "features",
                reason: format!(
                    "{} values for {n_rows} rows × {n_features} features",
                    x.len()
                ),
            });
        }
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(ModelError::InvalidParam {
                name: "alpha",
                reason: format!("must be finite and >= 0, got {alpha}"),
            });
        }
        let positives = y.iter().filter(|&&v| v).count();
        if positives == 0 || positives == n_rows {
            return Err(ModelError::NotEnoughData(
                "both classes are needed to fit a classifier".into(),
            ));
        }
        let records = Array2::from_shape_vec((n_rows, n_features), x.to_vec())
            .map_err(|e| ModelError::Numerical(e.to_string()))?;
        let targets = Array1::from_vec(y.to_vec());
        let data = Dataset::new(records, targets);
        let fitted = LogisticRegression::default()
            .alpha(alpha)
            .max_iterations(max_iterations)
            .fit(&data)
            .map_err(|e| ModelError::Numerical(format!("logistic regression: {e}")))?;
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        let m = Logistic {
            intercept: sign * fitted.intercept(),
            coefficients: fitted.params().iter().map(|w| sign * w).collect(),
            alpha,
        };
        if !m.intercept.is_finite() || m.coefficients.iter().any(|w| !w.is_finite()) {
            return Err(ModelError::Numerical(
                "logistic regression produced non-finite coefficients".into(),
            ));
        }
        Ok(m)
    }

    /// Log-odds of churn for one row.
    pub fn logit(&self, row: &[f64]) -> f64 {
        self.intercept
            + self
                .coefficients
                .iter()
                .zip(row)
                .map(|(w, v)| w * v)
                .sum::<f64>()
    }

    /// P(churn) for one row.
    pub fn predict(&self, row: &[f64]) -> f64 {
        sigmoid(self.logit(row))
    }

    /// Exact additive decomposition of the log-odds: contribution j = coefficient_j · x_j, so
    /// that intercept + Σ contributions = logit. With standardised features, x = 0 is the
    /// training mean, so each contribution is the feature's push away from an average customer.
    pub fn contributions(&self, row: &[f64]) -> Vec<f64> {
        self.coefficients
            .iter()
            .zip(row)
            .map(|(w, v)| w * v)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Deterministic data where churn rises with feature 0 and falls with feature 1; churners
    /// are the minority, so linfa's own orientation is "stays".
    fn data() -> (Vec<f64>, Vec<bool>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..400 {
            let a = ((i * 37) % 100) as f64 / 50.0 - 1.0;
            let b = ((i * 53) % 100) as f64 / 50.0 - 1.0;
            x.extend([a, b]);
            y.push(2.0 * a - 1.5 * b - 1.0 + (((i * 71) % 100) as f64 / 100.0 - 0.5) > 0.0);
        }
        (x, y)
    }

    #[test]
    fn predicts_churn_not_the_majority_class() {
        let (x, y) = data();
        let churners = y.iter().filter(|&&v| v).count();
        assert!(churners < y.len() / 2);
        let m = Logistic::fit(&x, 2, &y, 1.0, 200).unwrap();
        assert!(m.coefficients[0] > 0.0 && m.coefficients[1] < 0.0, "{m:?}");
        // Mean predicted probability is close to the churn rate (logistic regression with an
        // intercept matches the base rate up to regularisation).
        let mean: f64 = (0..y.len())
            .map(|i| m.predict(&x[2 * i..2 * i + 2]))
            .sum::<f64>()
            / y.len() as f64;
        assert_relative_eq!(mean, churners as f64 / y.len() as f64, epsilon = 0.01);
        let row = [0.3, -0.2];
        let c = m.contributions(&row);
        assert_relative_eq!(
            m.intercept + c.iter().sum::<f64>(),
            m.logit(&row),
            epsilon = 1e-12
        );
    }

    #[test]
    fn sigmoid_is_stable() {
        assert_eq!(sigmoid(800.0), 1.0);
        assert_eq!(sigmoid(-800.0), 0.0);
        assert_relative_eq!(sigmoid(0.0), 0.5);
    }

    #[test]
    fn refuses_one_class_and_bad_shapes() {
        assert!(Logistic::fit(&[1.0, 2.0], 1, &[true, true], 1.0, 100).is_err());
        assert!(Logistic::fit(&[1.0, 2.0, 3.0], 1, &[true, false], 1.0, 100).is_err());
        assert!(Logistic::fit(&[1.0, 2.0], 1, &[true, false], -1.0, 100).is_err());
    }
}

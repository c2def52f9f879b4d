//! The closed set of churn classifiers, behind one interface for training, scoring and
//! explanation.

use super::logistic::{Logistic, sigmoid};
use super::trees::forest::Forest;
use super::trees::gbdt::Gbdt;
use crate::ModelError;
use serde::{Deserialize, Serialize};

/// A fitted churn classifier on a transformed feature matrix. Its probabilities are
/// uncalibrated; calibration is applied on top (see [`super::calibration`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Classifier {
    /// L2 logistic regression.
    Logistic(Logistic),
    /// Gradient-boosted trees.
    Gbdt(Gbdt),
    /// Random forest.
    Forest(Forest),
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-7, 1.0 - 1e-7);
    (p / (1.0 - p)).ln()
}

impl Classifier {
    /// Candidate name as on the command line: `logistic`, `gbdt` or `forest`.
    pub fn name(&self) -> &'static str {
        match self {
            Classifier::Logistic(_) => "logistic",
            Classifier::Gbdt(_) => "gbdt",
            Classifier::Forest(_) => "forest",
        }
    }

    /// Uncalibrated P(churn) of one row.
    pub fn predict(&self, row: &[f64]) -> f64 {
        match self {
            Classifier::Logistic(m) => m.predict_row(row),
            Classifier::Gbdt(m) => m.predict_row(row),
            Classifier::Forest(m) => m.predict_row(row),
        }
    }

    /// Uncalibrated P(churn) of every row of a row-major matrix into `out`.
    pub fn predict_batch(&self, x: &[f64], n_features: usize, out: &mut [f64]) {
        match self {
            Classifier::Logistic(m) => {
                debug_assert_eq!(m.coefficients.len(), n_features);
                m.predict_batch(x, out)
            }
            Classifier::Gbdt(m) => m.predict_batch(x, out),
            Classifier::Forest(m) => m.predict_batch(x, out),
        }
    }

    /// Per-feature contributions to the log-odds of churn and the base log-odds they start
    /// from. Exact for logistic regression (coefficient × standardised value) and for boosted
    /// trees (TreeSHAP on the log-odds). The forest's TreeSHAP values are on the probability
    /// scale; they are rescaled by (logit p − logit base)/(p − base), which keeps their signs
    /// and ratios and makes them add up to the log-odds like the others.
    pub fn contributions(&self, row: &[f64]) -> (f64, Vec<f64>) {
        match self {
            Classifier::Logistic(m) => (m.intercept, m.contributions(row)),
            Classifier::Gbdt(m) => (m.expected_logit(), m.contributions(row)),
            Classifier::Forest(m) => {
                let base = m.expected_value().clamp(1e-7, 1.0 - 1e-7);
                let mut phi = m.contributions(row);
                let total: f64 = phi.iter().sum();
                let p = (base + total).clamp(1e-7, 1.0 - 1e-7);
                let factor = if total.abs() > 1e-9 {
                    (logit(p) - logit(base)) / total
                } else {
                    1.0 / (base * (1.0 - base))
                };
                for v in &mut phi {
                    *v *= factor;
                }
                (logit(base), phi)
            }
        }
    }

    /// Checks a model loaded from an artefact against the pipeline's feature count.
    pub fn validate(&self, n_features: usize) -> Result<(), ModelError> {
        match self {
            Classifier::Logistic(m) => {
                if m.coefficients.len() != n_features
                    || !m.intercept.is_finite()
                    || m.coefficients.iter().any(|w| !w.is_finite())
                {
                    return Err(ModelError::InvalidParam {
                        name: "logistic",
                        reason: format!(
                            "{} coefficients for {n_features} features, or non-finite values",
                            m.coefficients.len()
                        ),
                    });
                }
                Ok(())
            }
            Classifier::Gbdt(m) => m.validate(n_features),
            Classifier::Forest(m) => m.validate(n_features),
        }
    }

    /// Probability from log-odds (re-exported for callers that add contributions up).
    pub fn probability(log_odds: f64) -> f64 {
        sigmoid(log_odds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::estimators::dataset;
    use linfa::prelude::*;

    #[test]
    fn forest_contributions_add_up_to_the_log_odds() {
        let x: Vec<f64> = (0..600).map(|i| ((i * 37) % 101) as f64 / 100.0).collect();
        let y: Vec<bool> = x.chunks(2).map(|r| r[0] + 0.3 * r[1] > 0.6).collect();
        let f = Forest::params()
            .n_trees(20)
            .seed(1)
            .fit(&dataset(&x, 2, &y))
            .unwrap();
        let c = Classifier::Forest(f);
        for row in x.chunks(2).take(30) {
            let (base, phi) = c.contributions(row);
            let p = c.predict(row).clamp(1e-7, 1.0 - 1e-7);
            let s = base + phi.iter().sum::<f64>();
            assert!((s - logit(p)).abs() < 1e-6, "{s} vs {} (p {p})", logit(p));
        }
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.starts_with("{\"kind\":\"forest\""));
        let back: Classifier = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        assert!(back.validate(2).is_ok());
        assert!(back.validate(3).is_err());
    }
}

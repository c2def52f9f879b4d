//! A numeric column: median imputation, then standardisation.
//!
//! Mean and standard deviation are those of the *imputed* training column, with the population
//! (n) denominator: the same as scikit-learn's `SimpleImputer(strategy="median")` followed by
//! `StandardScaler()`, so fitted values can be checked against it.

use serde::{Deserialize, Serialize};

/// Fitted transform of a numeric column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct NumericTransform {
    /// Value given to missing cells.
    pub(crate) median: f64,
    /// Mean subtracted.
    pub(crate) mean: f64,
    /// Divisor; 1 where the training column had no spread.
    pub(crate) std: f64,
    /// Whether a `{col}__missing` output follows (the training column had gaps).
    pub(crate) missing_indicator: bool,
}

impl NumericTransform {
    /// Fits on the training values; `None` when there is no value at all.
    pub(crate) fn fit(values: &[Option<f64>]) -> Option<Self> {
        let mut present: Vec<f64> = values.iter().flatten().copied().collect();
        if present.is_empty() {
            return None;
        }
        present.sort_by(f64::total_cmp);
        let mid = present.len() / 2;
        let median = if present.len().is_multiple_of(2) {
            (present[mid - 1] + present[mid]) / 2.0
        } else {
            present[mid]
        };
        let n = values.len() as f64;
        let imputed = || values.iter().map(|v| v.unwrap_or(median));
        let mean = imputed().sum::<f64>() / n;
        let var = imputed().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let std = var.sqrt();
        Some(NumericTransform {
            median,
            mean,
            std: if std > 0.0 && std.is_finite() {
                std
            } else {
                1.0
            },
            missing_indicator: present.len() < values.len(),
        })
    }

    /// Number of outputs.
    pub(crate) fn width(&self) -> usize {
        1 + usize::from(self.missing_indicator)
    }

    /// Writes the outputs of one value into `out` (of length [`Self::width`]).
    pub(crate) fn encode(&self, value: Option<f64>, out: &mut [f64]) {
        out[0] = (value.unwrap_or(self.median) - self.mean) / self.std;
        if self.missing_indicator {
            out[1] = f64::from(u8::from(value.is_none()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn standardises_with_population_std_of_imputed_values() {
        // Imputed column: [1, 2, 2, 4, 2] (median of 1, 2, 4 is 2).
        // Mean 11/5 = 2.2; variance (1.44 + 0.04 + 0.04 + 3.24 + 0.04) / 5 = 0.96.
        let t = NumericTransform::fit(&[Some(1.0), Some(2.0), None, Some(4.0), None]).unwrap();
        assert_eq!(t.median, 2.0);
        assert_abs_diff_eq!(t.mean, 2.2, epsilon = 1e-12);
        assert_abs_diff_eq!(t.std, 0.96f64.sqrt(), epsilon = 1e-12);
        assert!(t.missing_indicator);
        let mut out = [0.0; 2];
        t.encode(None, &mut out);
        assert_abs_diff_eq!(out[0], (2.0 - 2.2) / 0.96f64.sqrt(), epsilon = 1e-12);
        assert_eq!(out[1], 1.0);
        t.encode(Some(4.0), &mut out);
        assert_abs_diff_eq!(out[0], 1.8 / 0.96f64.sqrt(), epsilon = 1e-12);
        assert_eq!(out[1], 0.0);
    }

    #[test]
    fn even_count_median_averages_the_middle_pair_and_no_gaps_means_no_indicator() {
        let t = NumericTransform::fit(&[Some(4.0), Some(1.0), Some(3.0), Some(10.0)]).unwrap();
        assert_eq!(t.median, 3.5);
        assert!(!t.missing_indicator);
        assert_eq!(t.width(), 1);
    }

    #[test]
    fn zero_spread_divides_by_one() {
        let t = NumericTransform::fit(&[Some(5.0), None]).unwrap();
        assert_eq!(t.std, 1.0);
        assert!(NumericTransform::fit(&[None, None]).is_none());
    }
}

//! Calibration tables: in equal-width probability bins, the mean prediction against the share
//! that actually churned.

use super::{MetricError, check};
use serde::{Deserialize, Serialize};

/// One probability bin of a calibration table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge (inclusive).
    pub lower: f64,
    /// Upper edge (exclusive, except for the last bin, which includes 1).
    pub upper: f64,
    /// Rows whose probability falls in the bin.
    pub count: usize,
    /// Mean predicted probability of those rows (0 when the bin is empty).
    pub mean_predicted: f64,
    /// Share of those rows that churned (0 when the bin is empty).
    pub observed_rate: f64,
}

/// Calibration table with `bins` equal-width bins on `[0, 1]`, lowest first; bin `i` holds
/// probabilities in `[i / bins, (i + 1) / bins)`, the last also 1. Empty bins are kept (count 0)
/// so tables of different models line up. The non-empty bins match scikit-learn's
/// `calibration_curve(strategy="uniform")` except for probabilities exactly on an inner edge,
/// which scikit-learn's `linspace` edges (0.30000000000000004) can put one bin lower.
///
/// Fails with [`MetricError::NoBins`] when `bins` is 0.
pub fn calibration_table(
    y: &[bool],
    p: &[f64],
    bins: usize,
) -> Result<Vec<CalibrationBin>, MetricError> {
    check(y, p)?;
    if bins == 0 {
        return Err(MetricError::NoBins);
    }
    let mut count = vec![0usize; bins];
    let mut sum_p = vec![0.0; bins];
    let mut churned = vec![0usize; bins];
    for (&label, &v) in y.iter().zip(p) {
        let i = bin_of(v, bins);
        count[i] += 1;
        sum_p[i] += v;
        churned[i] += usize::from(label);
    }
    Ok((0..bins)
        .map(|i| {
            let n = count[i];
            let mean = |total: f64| if n == 0 { 0.0 } else { total / n as f64 };
            CalibrationBin {
                lower: edge(i, bins),
                upper: edge(i + 1, bins),
                count: n,
                mean_predicted: mean(sum_p[i]),
                observed_rate: mean(churned[i] as f64),
            }
        })
        .collect())
}

/// Edge `i` of `bins` equal-width bins: `i / bins`, correctly rounded.
fn edge(i: usize, bins: usize) -> f64 {
    i as f64 / bins as f64
}

/// The bin of probability `v` in `[0, 1]`, consistent with [`edge`].
fn bin_of(v: f64, bins: usize) -> usize {
    // `v * bins` can round across an edge; correct the guess against the edges the table
    // reports (at most one step in practice).
    let mut i = ((v * bins as f64) as usize).min(bins - 1);
    while i > 0 && v < edge(i, bins) {
        i -= 1;
    }
    while i + 1 < bins && v >= edge(i + 1, bins) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_go_to_the_upper_bin_and_one_to_the_last() {
        let y = [true, false, true, false, true];
        let p = [0.0, 0.3, 0.7, 0.99, 1.0];
        let t = calibration_table(&y, &p, 10).unwrap();
        let counts: Vec<usize> = t.iter().map(|b| b.count).collect();
        assert_eq!(counts, [1, 0, 0, 1, 0, 0, 0, 1, 0, 2]);
        assert_eq!((t[3].lower, t[3].upper), (0.3, 0.4));
        assert_eq!((t[9].lower, t[9].upper), (0.9, 1.0));
        assert_eq!(t[9].mean_predicted, (0.99 + 1.0) / 2.0);
        assert_eq!(t[9].observed_rate, 0.5);
    }

    #[test]
    fn every_edge_value_lands_in_the_bin_it_opens() {
        for bins in [3, 7, 10, 20, 100] {
            for i in 0..bins {
                assert_eq!(bin_of(edge(i, bins), bins), i, "{i}/{bins}");
                let below = edge(i + 1, bins).next_down();
                assert_eq!(bin_of(below, bins), i, "below {}/{bins}", i + 1);
            }
        }
    }

    #[test]
    fn empty_bins_are_kept_with_zero_means() {
        let t = calibration_table(&[true, false], &[0.95, 0.05], 4).unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(
            t[1],
            CalibrationBin {
                lower: 0.25,
                upper: 0.5,
                count: 0,
                mean_predicted: 0.0,
                observed_rate: 0.0
            }
        );
        assert_eq!((t[0].count, t[0].observed_rate), (1, 0.0));
        assert_eq!((t[3].count, t[3].observed_rate), (1, 1.0));
        let total: usize = t.iter().map(|b| b.count).sum();
        assert_eq!(total, 2);
    }

    #[test]
    fn zero_bins_is_refused() {
        assert_eq!(
            calibration_table(&[true], &[0.5], 0),
            Err(MetricError::NoBins)
        );
    }
}

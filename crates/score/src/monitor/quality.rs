//! Realised quality of predictions once their outcome window has passed: predicted against
//! actual totals, mean absolute error, calibration by decile of the prediction, the normalised
//! Gini coefficient and the top-decile lift. Shared by `retain evaluate` (backtests) and
//! `retain monitor`.
//!
//! Gini and lift come from the cumulative accuracy (CAP) curve: customers in decreasing order
//! of prediction against their cumulative share of the actual outcome. Customers with equal
//! predictions form one straight segment of the curve (the expectation over their orders), so
//! the figures do not depend on how ties happen to be ordered: in CDNOW most customers share
//! the prediction of a one-time buyer.

use serde::{Deserialize, Serialize};

/// One decile of the prediction (decile 1 holds the highest predictions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecileRow {
    /// 1 (highest predictions) to 10.
    pub decile: usize,
    /// Customers in it.
    pub customers: usize,
    /// Mean prediction.
    pub mean_predicted: f64,
    /// Mean actual outcome.
    pub mean_actual: f64,
}

/// Realised quality of one prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Realised {
    /// Customers evaluated.
    pub customers: usize,
    /// Σ predicted.
    pub predicted_total: f64,
    /// Σ actual.
    pub actual_total: f64,
    /// Mean absolute error per customer.
    pub mae: f64,
    /// Calibration by decile of the prediction.
    pub calibration: Vec<DecileRow>,
    /// Normalised Gini: the model's Gini over the perfect ordering's (1 perfect, 0 random;
    /// `None` when nothing happened or every customer had the same outcome).
    pub gini: Option<f64>,
    /// Share of the actual total in the top 10% of predictions, over 10% (`None` when the
    /// actual total is 0).
    pub top_decile_lift: Option<f64>,
}

/// The CAP curve's points (share of customers, share of the actual total) of `actual` taken
/// in decreasing order of `key`, one point per group of equal keys.
fn cap(key: &[f64], actual: &[f64]) -> Vec<(f64, f64)> {
    let n = key.len();
    let total: f64 = actual.iter().sum();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| key[j].total_cmp(&key[i]));
    let mut points = vec![(0.0, 0.0)];
    let (mut seen, mut cum) = (0usize, 0.0);
    let mut i = 0;
    while i < n {
        let k = key[order[i]];
        while i < n && key[order[i]] == k {
            cum += actual[order[i]];
            seen += 1;
            i += 1;
        }
        points.push((seen as f64 / n as f64, cum / total));
    }
    points
}

/// Area under a piecewise-linear curve.
fn area(points: &[(f64, f64)]) -> f64 {
    points
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0)
        .sum()
}

/// The curve's height at `x` (linear between points).
fn at(points: &[(f64, f64)], x: f64) -> f64 {
    for w in points.windows(2) {
        if x <= w[1].0 {
            let span = w[1].0 - w[0].0;
            return if span > 0.0 {
                w[0].1 + (w[1].1 - w[0].1) * (x - w[0].0) / span
            } else {
                w[1].1
            };
        }
    }
    points.last().map_or(0.0, |p| p.1)
}

/// Realised quality of `predicted` against `actual` (same length, finite; negative actual
/// outcomes such as net refunds are kept in totals and errors).
pub fn realised(predicted: &[f64], actual: &[f64]) -> Realised {
    let n = predicted.len().min(actual.len());
    let (predicted, actual) = (&predicted[..n], &actual[..n]);
    let predicted_total: f64 = predicted.iter().sum();
    let actual_total: f64 = actual.iter().sum();
    let mae = if n == 0 {
        0.0
    } else {
        predicted
            .iter()
            .zip(actual)
            .map(|(p, a)| (p - a).abs())
            .sum::<f64>()
            / n as f64
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| predicted[j].total_cmp(&predicted[i]).then(i.cmp(&j)));
    let calibration = (0..10)
        .filter_map(|d| {
            let rows = &order[d * n / 10..(d + 1) * n / 10];
            (!rows.is_empty()).then(|| DecileRow {
                decile: d + 1,
                customers: rows.len(),
                mean_predicted: rows.iter().map(|&i| predicted[i]).sum::<f64>() / rows.len() as f64,
                mean_actual: rows.iter().map(|&i| actual[i]).sum::<f64>() / rows.len() as f64,
            })
        })
        .collect();
    let usable = n > 0 && actual_total.is_finite() && actual_total > 0.0;
    let (gini, top_decile_lift) = if usable {
        let model = cap(predicted, actual);
        let best = cap(actual, actual);
        let g_best = 2.0 * area(&best) - 1.0;
        let g_model = 2.0 * area(&model) - 1.0;
        (
            (g_best > 0.0).then(|| g_model / g_best),
            Some(at(&model, 0.1) / 0.1),
        )
    } else {
        (None, None)
    };
    Realised {
        customers: n,
        predicted_total,
        actual_total,
        mae,
        calibration,
        gini,
        top_decile_lift,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn a_perfect_ordering_has_gini_one_and_a_reversed_one_minus_one() {
        let actual = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
        let r = realised(&actual, &actual);
        assert_abs_diff_eq!(r.gini.unwrap(), 1.0, epsilon = 1e-12);
        assert_eq!(r.mae, 0.0);
        // Top 10% = the 9 of a total of 45: lift 0.2 / 0.1 = 2.
        assert_abs_diff_eq!(r.top_decile_lift.unwrap(), 2.0, epsilon = 1e-12);
        let reversed: Vec<f64> = actual.iter().map(|v| -v).collect();
        assert_abs_diff_eq!(
            realised(&reversed, &actual).gini.unwrap(),
            -1.0,
            epsilon = 1e-12
        );
    }

    #[test]
    fn ties_count_as_their_average_order() {
        // Every prediction equal: the CAP curve is the diagonal, Gini 0 and lift 1, whatever
        // the order of the rows.
        let actual = [5.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0];
        let r = realised(&[1.0; 10], &actual);
        assert_abs_diff_eq!(r.gini.unwrap(), 0.0, epsilon = 1e-12);
        assert_abs_diff_eq!(r.top_decile_lift.unwrap(), 1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(r.predicted_total, 10.0);
        assert_abs_diff_eq!(r.actual_total, 8.0);
        // MAE by hand: |1−5| + 7·|1−0| + |1−1| + |1−2| = 4 + 7 + 0 + 1 = 12 → 1.2.
        assert_abs_diff_eq!(r.mae, 1.2, epsilon = 1e-12);
    }

    #[test]
    fn gini_and_lift_by_hand() {
        // Predictions 4, 3, 2, 1 with actual 1, 0, 1, 0 (total 2). CAP points (0,0), (.25,.5),
        // (.5,.5), (.75,1), (1,1): area = .0625 + .125 + .1875 + .25 = .625, Gini 0.25.
        // Perfect: (0,0), (.25,.5), (.5,1), (.75,1), (1,1): area .75, Gini .5. Normalised 0.5.
        // Lift: the curve at 0.1 is 0.2 → 2.
        let r = realised(&[4.0, 3.0, 2.0, 1.0], &[1.0, 0.0, 1.0, 0.0]);
        assert_abs_diff_eq!(r.gini.unwrap(), 0.5, epsilon = 1e-12);
        assert_abs_diff_eq!(r.top_decile_lift.unwrap(), 2.0, epsilon = 1e-12);
        assert_eq!(realised(&[1.0, 2.0], &[0.0, 0.0]).gini, None);
    }

    #[test]
    fn calibration_deciles_split_the_ranked_customers() {
        let predicted: Vec<f64> = (0..100).map(f64::from).collect();
        let actual: Vec<f64> = predicted.iter().map(|p| p * 2.0).collect();
        let r = realised(&predicted, &actual);
        assert_eq!(r.calibration.len(), 10);
        assert_eq!(r.calibration[0].customers, 10);
        assert_abs_diff_eq!(r.calibration[0].mean_predicted, 94.5);
        assert_abs_diff_eq!(r.calibration[0].mean_actual, 189.0);
        assert_abs_diff_eq!(r.calibration[9].mean_predicted, 4.5);
    }
}

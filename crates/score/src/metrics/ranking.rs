//! Ranking metrics: how well the scores order churners before non-churners. Each sorts the rows
//! once by descending score (stable, so tied rows keep their original order) and walks the
//! groups of tied scores.

use super::{MetricError, MetricKind, check, positives, require_both_classes};

/// Row indices by descending probability; a stable sort, so ties keep their original order.
pub(super) fn descending(p: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    // Inputs are checked finite, so `total_cmp` is the numeric order (except -0.0 < 0.0, which
    // `tie_groups` treats as one score).
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    order
}

/// (churners, non-churners) in each group of equal scores, highest score first: the steps of
/// the ROC and precision–recall curves whose areas are [`roc_auc`] and [`average_precision`].
///
/// Fails like [`roc_auc`] on empty, mismatched or non-finite input.
pub fn score_groups(y: &[bool], p: &[f64]) -> Result<Vec<(f64, f64)>, MetricError> {
    check(y, p)?;
    Ok(tie_groups(y, p, &descending(p)))
}

/// Churners among the top `k` rows by descending score, for `k = 0..=n` (ties in original row
/// order, as [`lift_at`] counts them): the cumulative gains curve.
///
/// Fails like [`roc_auc`] on empty, mismatched or non-finite input.
pub fn cumulative_churners(y: &[bool], p: &[f64]) -> Result<Vec<usize>, MetricError> {
    check(y, p)?;
    let mut running = Vec::with_capacity(y.len() + 1);
    running.push(0usize);
    for i in descending(p) {
        running.push(running[running.len() - 1] + usize::from(y[i]));
    }
    Ok(running)
}

/// How many rows the top `fraction` of `n` rows is: `ceil(fraction * n)`, at least one and at
/// most `n`.
pub fn top_rows(n: usize, fraction: f64) -> usize {
    // `fraction * n` can land just above an integer (0.7 * 10 = 7.000000000000001); the
    // tolerance keeps that from taking an extra row.
    ((fraction * n as f64 - 1e-9).ceil() as usize).clamp(1, n.max(1))
}

/// (churners, non-churners) in each group of equal scores, highest score first.
fn tie_groups(y: &[bool], p: &[f64], order: &[usize]) -> Vec<(f64, f64)> {
    let mut groups: Vec<(f64, f64)> = Vec::new();
    let mut previous: Option<f64> = None;
    for &i in order {
        let (pos, neg) = if y[i] { (1.0, 0.0) } else { (0.0, 1.0) };
        match groups.last_mut() {
            Some(last) if previous == Some(p[i]) => {
                last.0 += pos;
                last.1 += neg;
            }
            _ => groups.push((pos, neg)),
        }
        previous = Some(p[i]);
    }
    groups
}

/// Area under the ROC curve: the probability that a random churner scores above a random
/// non-churner, ties counting one half (the trapezoid rule; equal to the Mann–Whitney U with
/// average ranks, and to scikit-learn's `roc_auc_score`).
///
/// Fails with [`MetricError::SingleClass`] unless both classes are present.
pub fn roc_auc(y: &[bool], p: &[f64]) -> Result<f64, MetricError> {
    check(y, p)?;
    require_both_classes(MetricKind::RocAuc, y)?;
    Ok(roc_auc_ordered(y, p, &descending(p)))
}

/// [`roc_auc`] of checked input with both classes, given [`descending`] order.
pub(super) fn roc_auc_ordered(y: &[bool], p: &[f64], order: &[usize]) -> f64 {
    let (mut tp, mut area) = (0.0, 0.0);
    for (pos, neg) in tie_groups(y, p, order) {
        // Each non-churner in the group is beaten by every churner above it, tied with the
        // churners beside it. Counts are integers (or halves) far below 2^53: exact in f64.
        area += neg * (tp + pos / 2.0);
        tp += pos;
    }
    let pos = positives(y) as f64;
    area / (pos * (y.len() as f64 - pos))
}

/// Average precision (area under the precision–recall curve, step-wise): the sum over score
/// thresholds of the gain in recall times the precision there, with tied scores forming one
/// threshold, as scikit-learn's `average_precision_score`.
///
/// Fails with [`MetricError::SingleClass`] when there is no churner (recall is undefined); it
/// is 1 when every row churned.
pub fn average_precision(y: &[bool], p: &[f64]) -> Result<f64, MetricError> {
    check(y, p)?;
    require_churner(MetricKind::PrAuc, y)?;
    Ok(average_precision_ordered(y, p, &descending(p)))
}

/// [`average_precision`] of checked input with a churner, given [`descending`] order.
pub(super) fn average_precision_ordered(y: &[bool], p: &[f64], order: &[usize]) -> f64 {
    let total = positives(y) as f64;
    let (mut tp, mut fp, mut ap) = (0.0, 0.0, 0.0);
    for (pos, neg) in tie_groups(y, p, order) {
        tp += pos;
        fp += neg;
        if pos > 0.0 {
            ap += pos / total * (tp / (tp + fp));
        }
    }
    ap
}

/// Lift in the top `fraction` of rows by score: their churn rate divided by the overall churn
/// rate. The top `fraction` is `ceil(fraction * n)` rows (at least one), the highest scores
/// first; ties at the cut are broken by original row order, so the result is deterministic.
///
/// Fails with [`MetricError::InvalidFraction`] unless `0 < fraction <= 1`, and with
/// [`MetricError::SingleClass`] when there is no churner.
pub fn lift_at(y: &[bool], p: &[f64], fraction: f64) -> Result<f64, MetricError> {
    check(y, p)?;
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(MetricError::InvalidFraction { fraction });
    }
    require_churner(MetricKind::Lift, y)?;
    Ok(lift_ordered(y, &descending(p), fraction))
}

/// Lift in the top 10% of rows by score; see [`lift_at`].
pub fn top_decile_lift(y: &[bool], p: &[f64]) -> Result<f64, MetricError> {
    lift_at(y, p, 0.1)
}

/// [`lift_at`] of checked input with a churner and a valid fraction, given [`descending`] order.
pub(super) fn lift_ordered(y: &[bool], order: &[usize], fraction: f64) -> f64 {
    let n = y.len();
    let k = top_rows(n, fraction);
    let top = order[..k].iter().filter(|&&i| y[i]).count();
    (top as f64 / k as f64) / (positives(y) as f64 / n as f64)
}

/// Fails unless at least one row churned.
fn require_churner(metric: MetricKind, y: &[bool]) -> Result<(), MetricError> {
    if positives(y) == 0 {
        return Err(MetricError::SingleClass {
            metric,
            churned: false,
            count: y.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn tied_scores_count_half_as_scikit_learn() {
        // roc_auc_score / average_precision_score, scikit-learn 1.9.1:
        //   ([1,0,1,0,0], [0.4]*5)                    -> 0.5, 0.4
        //   ([1,0,1,0], [0.8,0.8,0.3,0.3])            -> 0.5, 0.5
        //   ([0,1,1,0,1,0], [0.9,0.9,0.5,0.5,0.5,0.1]) -> 0.6111111111111112, 0.5666666666666667
        let cases: [(&[bool], &[f64], f64, f64); 3] = [
            (&[true, false, true, false, false], &[0.4; 5], 0.5, 0.4),
            (&[true, false, true, false], &[0.8, 0.8, 0.3, 0.3], 0.5, 0.5),
            (
                &[false, true, true, false, true, false],
                &[0.9, 0.9, 0.5, 0.5, 0.5, 0.1],
                0.6111111111111112,
                0.5666666666666667,
            ),
        ];
        for (y, p, auc, ap) in cases {
            assert_abs_diff_eq!(roc_auc(y, p).unwrap(), auc, epsilon = 1e-15);
            assert_abs_diff_eq!(average_precision(y, p).unwrap(), ap, epsilon = 1e-15);
        }
    }

    #[test]
    fn negative_zero_ties_with_zero() {
        let y = [true, false];
        assert_eq!(roc_auc(&y, &[0.0, -0.0]).unwrap(), 0.5);
        assert_eq!(roc_auc(&y, &[-0.0, 0.0]).unwrap(), 0.5);
    }

    #[test]
    fn perfect_and_reversed_rankings_give_auc_one_and_zero() {
        let y = [true, true, false, false, false];
        let p = [0.9, 0.8, 0.3, 0.2, 0.1];
        assert_eq!(roc_auc(&y, &p).unwrap(), 1.0);
        assert_eq!(average_precision(&y, &p).unwrap(), 1.0);
        let reversed: Vec<f64> = p.iter().map(|v| 1.0 - v).collect();
        assert_eq!(roc_auc(&y, &reversed).unwrap(), 0.0);
    }

    #[test]
    fn one_class_is_refused_naming_the_metric() {
        let none = [false, false, false];
        let all = [true, true, true];
        let p = [0.1, 0.5, 0.9];
        let e = roc_auc(&none, &p).unwrap_err();
        assert_eq!(
            e,
            MetricError::SingleClass {
                metric: MetricKind::RocAuc,
                churned: false,
                count: 3
            }
        );
        assert_eq!(
            e.to_string(),
            "roc-auc is undefined with a single class: all 3 rows are non-churners"
        );
        let e = roc_auc(&all, &p).unwrap_err().to_string();
        assert_eq!(
            e,
            "roc-auc is undefined with a single class: all 3 rows are churners"
        );
        assert!(matches!(
            average_precision(&none, &p),
            Err(MetricError::SingleClass {
                metric: MetricKind::PrAuc,
                ..
            })
        ));
        assert!(matches!(
            top_decile_lift(&none, &p),
            Err(MetricError::SingleClass {
                metric: MetricKind::Lift,
                ..
            })
        ));
        // With every row a churner, precision is 1 at every threshold and lift is 1.
        assert_eq!(average_precision(&all, &p).unwrap(), 1.0);
        assert_eq!(top_decile_lift(&all, &p).unwrap(), 1.0);
    }

    #[test]
    fn perfect_ranking_lift_is_one_over_base_rate_when_churners_fill_the_top_decile() {
        // 100 rows, churners scored highest: the top 10 rows are all churners, so the top
        // decile's churn rate is 1 and lift = 1 / base rate.
        for churners in [10, 25, 50] {
            let y: Vec<bool> = (0..100).map(|i| i < churners).collect();
            let p: Vec<f64> = (0..100).map(|i| 1.0 - i as f64 / 100.0).collect();
            let base_rate = churners as f64 / 100.0;
            assert_abs_diff_eq!(
                top_decile_lift(&y, &p).unwrap(),
                1.0 / base_rate,
                epsilon = 1e-12
            );
        }
        // Fewer churners than the top decile holds: lift is capped at 1 / fraction (here
        // 5 churners in the top 10: rate 0.5 over base 0.05 = 10, not 1 / 0.05 = 20).
        let y: Vec<bool> = (0..100).map(|i| i < 5).collect();
        let p: Vec<f64> = (0..100).map(|i| 1.0 - i as f64 / 100.0).collect();
        assert_abs_diff_eq!(top_decile_lift(&y, &p).unwrap(), 10.0, epsilon = 1e-12);
    }

    #[test]
    fn lift_breaks_ties_at_the_cut_by_original_order() {
        // 10 rows, top decile = 1 row; rows 0 and 1 tie at the top score.
        let p = [0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
        let mut y = [false; 10];
        y[1] = true;
        // Row 0 (a non-churner) comes first: the top row holds no churner.
        assert_eq!(top_decile_lift(&y, &p).unwrap(), 0.0);
        y.swap(0, 1);
        assert_eq!(top_decile_lift(&y, &p).unwrap(), 10.0);
    }

    #[test]
    fn lift_rounds_the_top_share_up_without_float_noise() {
        // 0.7 * 10 = 7.000000000000001 in f64: still the top 7 rows, not 8.
        let y = [
            true, true, true, true, true, true, true, false, false, false,
        ];
        let p: Vec<f64> = (0..10).map(|i| 1.0 - i as f64 / 10.0).collect();
        assert_abs_diff_eq!(lift_at(&y, &p, 0.7).unwrap(), 1.0 / 0.7, epsilon = 1e-12);
        // 0.15 * 10 = 1.5 rounds up to 2 rows; a tiny fraction still takes one row.
        assert_abs_diff_eq!(lift_at(&y, &p, 0.15).unwrap(), 1.0 / 0.7, epsilon = 1e-12);
        assert_abs_diff_eq!(lift_at(&y, &p, 1e-6).unwrap(), 1.0 / 0.7, epsilon = 1e-12);
        assert_abs_diff_eq!(lift_at(&y, &p, 1.0).unwrap(), 1.0, epsilon = 1e-12);
    }

    #[test]
    fn lift_fraction_outside_zero_one_is_refused() {
        let (y, p) = ([true, false], [0.8, 0.2]);
        for fraction in [0.0, -0.1, 1.01, f64::NAN] {
            assert!(
                matches!(
                    lift_at(&y, &p, fraction),
                    Err(MetricError::InvalidFraction { .. })
                ),
                "{fraction}"
            );
        }
    }
}

//! Parity with scikit-learn on a 40-row dataset with tied scores, some ties across classes
//! (0.26, 0.38, 0.41) and a tie at the top-decile cut (0.59: row 30 non-churner, row 33
//! churner).
//!
//! Reference values from scikit-learn 1.9.1 / numpy 2.4.6 (Python 3), with `y` and `p` below as
//! numpy arrays:
//! ```text
//! roc_auc_score(y, p)              = 0.8290598290598291
//! average_precision_score(y, p)    = 0.6770517640254481
//! log_loss(y, p)                   = 0.48958609488954463
//! brier_score_loss(y, p)           = 0.16294749999999997
//! calibration_curve(y, p, n_bins=10, strategy="uniform")
//!   prob_true = [0.0, 0.0, 0.125, 0.5, 0.42857142857142855, 0.75, 0.0, 1.0]
//!   prob_pred = [0.04666666666666667, 0.15142857142857144, 0.2475, 0.35,
//!                0.4328571428571429, 0.5499999999999999, 0.64, 0.75]
//! ```
//! and bin counts `np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], p, side="right"))`
//! = [3, 7, 8, 8, 7, 4, 1, 2, 0, 0] (no `p` lies on an edge). scikit-learn has no lift; it was
//! computed in numpy as `o = np.argsort(-p, kind="stable"); y[o[:k]].mean() / y.mean()` with
//! k = ceil(fraction * 40).

use super::*;
use approx::assert_abs_diff_eq;

const Y: [u8; 40] = [
    1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1,
    0, 1, 1, 0, 0, 0, 1, 0,
];

const P: [f64; 40] = [
    0.33, 0.03, 0.16, 0.19, 0.26, 0.44, 0.22, 0.23, 0.13, 0.25, 0.51, 0.46, 0.11, 0.26, 0.51, 0.41,
    0.08, 0.41, 0.03, 0.35, 0.15, 0.27, 0.33, 0.16, 0.25, 0.24, 0.41, 0.74, 0.31, 0.76, 0.59, 0.41,
    0.64, 0.59, 0.49, 0.36, 0.16, 0.36, 0.38, 0.38,
];

fn labels() -> Vec<bool> {
    Y.iter().map(|&v| v == 1).collect()
}

#[test]
fn ranking_metrics_match_scikit_learn_with_ties() {
    let y = labels();
    assert_abs_diff_eq!(
        roc_auc(&y, &P).unwrap(),
        0.8290598290598291,
        epsilon = 1e-12
    );
    assert_abs_diff_eq!(
        average_precision(&y, &P).unwrap(),
        0.6770517640254481,
        epsilon = 1e-12
    );
}

#[test]
fn probability_metrics_match_scikit_learn() {
    let y = labels();
    assert_abs_diff_eq!(
        log_loss(&y, &P).unwrap(),
        0.48958609488954463,
        epsilon = 1e-12
    );
    assert_abs_diff_eq!(brier(&y, &P).unwrap(), 0.16294749999999997, epsilon = 1e-12);
}

#[test]
fn lift_matches_numpy_with_stable_tie_breaking() {
    // numpy values (see module docs). At 0.1 the cut (k = 4) falls inside the 0.59 tie: row 30
    // (non-churner) precedes row 33 (churner), giving 2 churners in 4, not 3.
    let y = labels();
    let expected = [
        (0.1, 1.5384615384615383),
        (0.2, 2.3076923076923075),
        (0.25, 2.1538461538461537),
        (0.3, 1.794871794871795),
        (1.0, 1.0),
    ];
    for (fraction, lift) in expected {
        assert_abs_diff_eq!(lift_at(&y, &P, fraction).unwrap(), lift, epsilon = 1e-12);
    }
    assert_eq!(top_decile_lift(&y, &P), lift_at(&y, &P, 0.1));
}

#[test]
fn calibration_table_matches_scikit_learn_calibration_curve() {
    let y = labels();
    let t = calibration_table(&y, &P, 10).unwrap();
    let counts: Vec<usize> = t.iter().map(|b| b.count).collect();
    assert_eq!(counts, [3, 7, 8, 8, 7, 4, 1, 2, 0, 0]);
    let prob_true = [0.0, 0.0, 0.125, 0.5, 0.42857142857142855, 0.75, 0.0, 1.0];
    let prob_pred = [
        0.04666666666666667,
        0.15142857142857144,
        0.2475,
        0.35,
        0.4328571428571429,
        0.5499999999999999,
        0.64,
        0.75,
    ];
    let filled: Vec<&CalibrationBin> = t.iter().filter(|b| b.count > 0).collect();
    assert_eq!(filled.len(), prob_true.len());
    for ((b, obs), pred) in filled.iter().zip(prob_true).zip(prob_pred) {
        assert_abs_diff_eq!(b.observed_rate, obs, epsilon = 1e-12);
        assert_abs_diff_eq!(b.mean_predicted, pred, epsilon = 1e-12);
    }
    for (i, b) in t.iter().enumerate() {
        assert_abs_diff_eq!(b.lower, i as f64 / 10.0, epsilon = 1e-15);
        assert_abs_diff_eq!(b.upper, (i + 1) as f64 / 10.0, epsilon = 1e-15);
    }
}

#[test]
fn compute_gathers_the_same_values_and_survives_json() {
    let y = labels();
    let m = Metrics::compute(&y, &P).unwrap();
    assert_eq!((m.count, m.positives), (40, 13));
    assert_abs_diff_eq!(m.roc_auc, 0.8290598290598291, epsilon = 1e-12);
    assert_abs_diff_eq!(m.pr_auc, 0.6770517640254481, epsilon = 1e-12);
    assert_abs_diff_eq!(m.log_loss, 0.48958609488954463, epsilon = 1e-12);
    assert_abs_diff_eq!(m.brier, 0.16294749999999997, epsilon = 1e-12);
    assert_abs_diff_eq!(m.top_decile_lift, 1.5384615384615383, epsilon = 1e-12);
    assert_eq!(m.calibration, calibration_table(&y, &P, 10).unwrap());
    let json = serde_json::to_string(&m).unwrap();
    let back: Metrics = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m);
}

//! Platt and isotonic probability calibration, chosen by cross-validation.
//!
//! A classifier's probabilities can rank customers well yet be systematically too high or too
//! low. A calibrator is a monotone map p ↦ p′ fitted on out-of-fold predictions:
//! - **Platt scaling**: p′ = σ(a·logit(p) + b), two parameters fitted by Newton's method on the
//!   (convex) log loss, with Platt's smoothed targets as in scikit-learn.
//! - **Isotonic**: the least-squares monotone non-decreasing fit by pool-adjacent-violators,
//!   applied by linear interpolation between knots and clipped outside them, as scikit-learn's
//!   `IsotonicRegression(out_of_bounds="clip")`.
//!
//! [`choose_calibration`] picks between none, Platt and isotonic by cross-validated log loss.
//! Both methods are a few dozen lines, so we write our own rather than add a dependency; the
//! tests check them against scikit-learn.
//!
//! Every calibrated probability is clamped to [1e-7, 1 − 1e-7] so log loss stays finite.

use super::logistic::sigmoid;
use crate::ModelError;
use serde::{Deserialize, Serialize};

/// Calibrated probabilities are kept in [`P_EPS`, 1 − `P_EPS`].
const P_EPS: f64 = 1e-7;

/// A more complex calibrator must beat a simpler one by more than this much mean log loss.
const SIMPLER_MARGIN: f64 = 1e-3;

/// A map from a model's probability to a calibrated probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Calibrator {
    /// Probabilities used as the model gives them.
    Identity,
    /// Platt scaling on the log-odds of the model's probability: p' = σ(a·logit(p) + b).
    Platt {
        /// Slope on logit(p); 1 with b = 0 is the identity.
        a: f64,
        /// Intercept on the log-odds scale.
        b: f64,
    },
    /// Isotonic (monotone non-decreasing) map, piecewise linear between knots, clipped outside.
    Isotonic {
        /// Knot positions (model probabilities), strictly increasing.
        x: Vec<f64>,
        /// Calibrated probability at each knot, non-decreasing, in [0, 1].
        y: Vec<f64>,
    },
}

/// Clamps into [`P_EPS`, 1 − `P_EPS`]; NaN (which no caller should pass) maps to 0.5.
fn clamp_p(p: f64) -> f64 {
    if p.is_nan() {
        0.5
    } else {
        p.clamp(P_EPS, 1.0 - P_EPS)
    }
}

/// logit(p) with p clamped first, so it is finite (|logit| ≤ about 16.1).
fn logit(p: f64) -> f64 {
    let p = clamp_p(p);
    (p / (1.0 - p)).ln()
}

/// Log loss of one prediction (clamped so it is finite).
fn log_loss(p: f64, y: bool) -> f64 {
    let p = clamp_p(p);
    if y { -p.ln() } else { -(1.0 - p).ln() }
}

/// Same length, non-empty, every probability finite and in [0, 1].
fn check_inputs(p: &[f64], y: &[bool]) -> Result<(), ModelError> {
    if p.len() != y.len() {
        return Err(ModelError::InvalidInput {
            field: "p",
            reason: format!("{} probabilities for {} labels", p.len(), y.len()),
        });
    }
    if p.is_empty() {
        return Err(ModelError::NotEnoughData(
            "calibration needs at least one prediction".into(),
        ));
    }
    if let Some(bad) = p
        .iter()
        .find(|v| !(v.is_finite() && (0.0..=1.0).contains(*v)))
    {
        return Err(ModelError::InvalidInput {
            field: "p",
            reason: format!("probabilities must be finite and in [0, 1], got {bad}"),
        });
    }
    Ok(())
}

impl Calibrator {
    /// Fits Platt scaling p′ = σ(a·logit(p) + b) on probabilities `p` and labels `y`.
    ///
    /// Minimises Σ log-loss against Platt's smoothed targets t₊ = (N₊ + 1)/(N₊ + 2) and
    /// t₋ = 1/(N₋ + 2) (as scikit-learn does; this also keeps the optimum finite when the
    /// classes are separable) by Newton steps on the 2×2 system, halving the step until the
    /// loss does not increase. Needs both classes.
    pub fn fit_platt(p: &[f64], y: &[bool]) -> Result<Self, ModelError> {
        check_inputs(p, y)?;
        let n_pos = y.iter().filter(|&&v| v).count();
        let n_neg = y.len() - n_pos;
        if n_pos == 0 || n_neg == 0 {
            return Err(ModelError::NotEnoughData(
                "both classes are needed to fit Platt scaling".into(),
            ));
        }
        let t_pos = (n_pos as f64 + 1.0) / (n_pos as f64 + 2.0);
        let t_neg = 1.0 / (n_neg as f64 + 2.0);
        let f: Vec<f64> = p.iter().map(|&v| logit(v)).collect();
        let t: Vec<f64> = y.iter().map(|&v| if v { t_pos } else { t_neg }).collect();
        // Σ log(1 + e^z) − t z, stably.
        let loss = |a: f64, b: f64| -> f64 {
            f.iter()
                .zip(&t)
                .map(|(&fi, &ti)| {
                    let z = a * fi + b;
                    z.max(0.0) + (-z.abs()).exp().ln_1p() - ti * z
                })
                .sum()
        };
        // Start where scikit-learn does: a = 0, b = log-odds of the smoothed base rate.
        let (mut a, mut b) = (0.0, ((n_pos as f64 + 1.0) / (n_neg as f64 + 1.0)).ln());
        let mut current = loss(a, b);
        let n = p.len() as f64;
        for _ in 0..100 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (&fi, &ti) in f.iter().zip(&t) {
                let mu = sigmoid(a * fi + b);
                let r = mu - ti;
                let w = (mu * (1.0 - mu)).max(1e-12);
                ga += r * fi;
                gb += r;
                haa += w * fi * fi;
                hab += w * fi;
                hbb += w;
            }
            if ga.abs().max(gb.abs()) < 1e-12 * n {
                break;
            }
            // A tiny ridge keeps the system solvable when every logit(p) is equal.
            haa += 1e-10;
            hbb += 1e-10;
            let det = haa * hbb - hab * hab;
            if !(det.is_finite() && det > 0.0) {
                return Err(ModelError::Numerical(
                    "Platt scaling Hessian is singular".into(),
                ));
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            // Halve the step until the loss does not increase.
            let mut step = 1.0;
            let next = loop {
                let cand = loss(a - step * da, b - step * db);
                if cand <= current || step < 1e-8 {
                    a -= step * da;
                    b -= step * db;
                    break cand;
                }
                step *= 0.5;
            };
            let decrease = current - next;
            current = next;
            if decrease.abs() <= 1e-14 * (1.0 + current.abs()) {
                break;
            }
        }
        if !(a.is_finite() && b.is_finite()) {
            return Err(ModelError::Numerical(
                "Platt scaling produced non-finite parameters".into(),
            ));
        }
        Ok(Calibrator::Platt { a, b })
    }

    /// Fits an isotonic (monotone non-decreasing) map by pool-adjacent-violators.
    ///
    /// Points are sorted by `p`; tied `p` values are merged first into one point weighted by
    /// their count with the mean label. PAV then pools adjacent blocks while a block's mean is
    /// not below the next one's. Each block contributes a knot at its lowest and highest `p`
    /// with the block's mean label, which is scikit-learn's representation, so interpolation
    /// matches `IsotonicRegression(out_of_bounds="clip")`.
    pub fn fit_isotonic(p: &[f64], y: &[bool]) -> Result<Self, ModelError> {
        check_inputs(p, y)?;
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));

        // One block of pooled points: Σ weight·label, Σ weight, and its range of p.
        struct Block {
            sum_y: f64,
            weight: f64,
            x_lo: f64,
            x_hi: f64,
        }
        impl Block {
            fn mean(&self) -> f64 {
                self.sum_y / self.weight
            }
        }
        let mut blocks: Vec<Block> = Vec::new();
        let mut k = 0;
        while k < order.len() {
            // Merge the run of tied p values into one point.
            let x = p[order[k]];
            let mut sum_y = 0.0;
            let mut weight = 0.0;
            while k < order.len() && p[order[k]] == x {
                sum_y += if y[order[k]] { 1.0 } else { 0.0 };
                weight += 1.0;
                k += 1;
            }
            let mut cur = Block {
                sum_y,
                weight,
                x_lo: x,
                x_hi: x,
            };
            // Pool with the previous blocks while they violate monotonicity.
            while let Some(prev) = blocks.last() {
                if prev.mean() < cur.mean() {
                    break;
                }
                let prev = blocks.pop().expect("checked non-empty");
                cur = Block {
                    sum_y: prev.sum_y + cur.sum_y,
                    weight: prev.weight + cur.weight,
                    x_lo: prev.x_lo,
                    x_hi: cur.x_hi,
                };
            }
            blocks.push(cur);
        }
        let mut xs = Vec::with_capacity(2 * blocks.len());
        let mut ys = Vec::with_capacity(2 * blocks.len());
        for blk in &blocks {
            let v = blk.mean().clamp(0.0, 1.0);
            xs.push(blk.x_lo);
            ys.push(v);
            if blk.x_hi > blk.x_lo {
                xs.push(blk.x_hi);
                ys.push(v);
            }
        }
        Ok(Calibrator::Isotonic { x: xs, y: ys })
    }

    /// The calibrated probability, always finite and in [1e-7, 1 − 1e-7] (the identity clamps
    /// the same way). A NaN input, which callers should never pass, gives 0.5.
    pub fn apply(&self, p: f64) -> f64 {
        match self {
            Calibrator::Identity => clamp_p(p),
            Calibrator::Platt { a, b } => clamp_p(sigmoid(a * logit(p) + b)),
            Calibrator::Isotonic { x, y } => {
                if p.is_nan() || x.is_empty() || x.len() != y.len() {
                    return 0.5;
                }
                let last = x.len() - 1;
                if p <= x[0] {
                    return clamp_p(y[0]);
                }
                if p >= x[last] {
                    return clamp_p(y[last]);
                }
                // First knot strictly above p; 1 ≤ hi ≤ last because x[0] < p < x[last].
                let hi = x.partition_point(|&v| v <= p);
                let lo = hi - 1;
                let w = (p - x[lo]) / (x[hi] - x[lo]);
                clamp_p(y[lo] + w * (y[hi] - y[lo]))
            }
        }
    }

    /// Short name: "none", "platt" or "isotonic".
    pub fn name(&self) -> &'static str {
        match self {
            Calibrator::Identity => "none",
            Calibrator::Platt { .. } => "platt",
            Calibrator::Isotonic { .. } => "isotonic",
        }
    }

    /// Checks a calibrator loaded from an artefact: finite parameters; for isotonic, equal
    /// lengths ≥ 1, x strictly increasing, y non-decreasing and in [0, 1].
    pub fn validate(&self) -> Result<(), ModelError> {
        match self {
            Calibrator::Identity => Ok(()),
            Calibrator::Platt { a, b } => {
                for (name, v) in [("a", *a), ("b", *b)] {
                    if !v.is_finite() {
                        return Err(ModelError::InvalidParam {
                            name,
                            reason: format!("Platt parameter must be finite, got {v}"),
                        });
                    }
                }
                Ok(())
            }
            Calibrator::Isotonic { x, y } => {
                let bad = |name, reason: String| Err(ModelError::InvalidParam { name, reason });
                if x.is_empty() || x.len() != y.len() {
                    return bad(
                        "x",
                        format!(
                            "isotonic knots need equal lengths >= 1, got {} x and {} y",
                            x.len(),
                            y.len()
                        ),
                    );
                }
                if let Some(v) = x.iter().find(|v| !v.is_finite()) {
                    return bad("x", format!("isotonic knot must be finite, got {v}"));
                }
                if let Some(v) = y
                    .iter()
                    .find(|v| !(v.is_finite() && (0.0..=1.0).contains(*v)))
                {
                    return bad("y", format!("isotonic value must be in [0, 1], got {v}"));
                }
                if x.windows(2).any(|w| w[0] >= w[1]) {
                    return bad("x", "isotonic knots must be strictly increasing".into());
                }
                if y.windows(2).any(|w| w[0] > w[1]) {
                    return bad("y", "isotonic values must be non-decreasing".into());
                }
                Ok(())
            }
        }
    }
}

/// Cross-validated log loss of each method on out-of-fold predictions, and the winner refitted on all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationChoice {
    /// The chosen method, refitted on every row.
    pub calibrator: Calibrator,
    /// ("none" | "platt" | "isotonic", mean out-of-fold log loss), in that order.
    pub cv_log_loss: Vec<(String, f64)>,
}

/// Chooses between no calibration, Platt and isotonic by cross-validated log loss.
///
/// `p` are the model's uncalibrated out-of-fold probabilities, `y` the labels and `folds[i]`
/// (in `0..n_folds`) the fold of row i. For each fold, Platt and isotonic are fitted on the
/// other folds and scored on it; the log loss is averaged over all rows (pooled). Empty folds
/// are skipped.
///
/// Rule: start from "none"; a more complex method (Platt, then isotonic) replaces the current
/// choice only if its mean log loss is lower by more than 1e-3. Small gains are not worth the
/// extra parameters (isotonic in particular can overfit small folds). The winner is refitted
/// on all rows.
///
/// Errors if inputs are inconsistent, or if some fold's training rows (all other folds) lack
/// one of the classes.
pub fn choose_calibration(
    p: &[f64],
    y: &[bool],
    folds: &[usize],
    n_folds: usize,
) -> Result<CalibrationChoice, ModelError> {
    check_inputs(p, y)?;
    if folds.len() != p.len() {
        return Err(ModelError::InvalidInput {
            field: "folds",
            reason: format!("{} fold indices for {} rows", folds.len(), p.len()),
        });
    }
    if n_folds < 2 {
        return Err(ModelError::InvalidParam {
            name: "n_folds",
            reason: format!("cross-validation needs at least 2 folds, got {n_folds}"),
        });
    }
    if let Some(f) = folds.iter().find(|&&f| f >= n_folds) {
        return Err(ModelError::InvalidInput {
            field: "folds",
            reason: format!("fold index {f} is not below n_folds = {n_folds}"),
        });
    }
    let n = p.len() as f64;
    let mut losses = [0.0f64; 3]; // none, platt, isotonic: summed over rows.
    for (&pi, &yi) in p.iter().zip(y) {
        losses[0] += log_loss(pi, yi);
    }
    for fold in 0..n_folds {
        let test: Vec<usize> = (0..p.len()).filter(|&i| folds[i] == fold).collect();
        if test.is_empty() {
            continue;
        }
        let (mut p_train, mut y_train) = (Vec::new(), Vec::new());
        for i in (0..p.len()).filter(|&i| folds[i] != fold) {
            p_train.push(p[i]);
            y_train.push(y[i]);
        }
        let positives = y_train.iter().filter(|&&v| v).count();
        if positives == 0 || positives == y_train.len() {
            return Err(ModelError::NotEnoughData(format!(
                "calibration fold {fold}: the other folds need both classes"
            )));
        }
        let platt = Calibrator::fit_platt(&p_train, &y_train)?;
        let iso = Calibrator::fit_isotonic(&p_train, &y_train)?;
        for &i in &test {
            losses[1] += log_loss(platt.apply(p[i]), y[i]);
            losses[2] += log_loss(iso.apply(p[i]), y[i]);
        }
    }
    let mean = losses.map(|l| l / n);
    // Simplest first; a later method must improve on the current choice by > SIMPLER_MARGIN.
    let mut best = 0;
    for k in 1..3 {
        if mean[k] < mean[best] - SIMPLER_MARGIN {
            best = k;
        }
    }
    let calibrator = match best {
        0 => Calibrator::Identity,
        1 => Calibrator::fit_platt(p, y)?,
        _ => Calibrator::fit_isotonic(p, y)?,
    };
    let cv_log_loss = ["none", "platt", "isotonic"]
        .iter()
        .zip(mean)
        .map(|(name, l)| (name.to_string(), l))
        .collect();
    Ok(CalibrationChoice {
        calibrator,
        cv_log_loss,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::{RngExt, SeedableRng};

    /// Fixed dataset for the scikit-learn parity tests (30 points, ties at 0.05, 0.15, 0.30,
    /// 0.70).
    const P: [f64; 30] = [
        0.02, 0.05, 0.05, 0.08, 0.10, 0.12, 0.15, 0.15, 0.18, 0.20, 0.22, 0.25, 0.30, 0.30, 0.33,
        0.35, 0.40, 0.42, 0.45, 0.50, 0.55, 0.58, 0.60, 0.65, 0.70, 0.70, 0.75, 0.80, 0.85, 0.95,
    ];
    const Y: [u8; 30] = [
        0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1,
    ];

    fn labels() -> Vec<bool> {
        Y.iter().map(|&v| v == 1).collect()
    }

    fn knots(c: &Calibrator) -> (Vec<f64>, Vec<f64>) {
        match c {
            Calibrator::Isotonic { x, y } => (x.clone(), y.clone()),
            other => panic!("expected isotonic, got {other:?}"),
        }
    }

    #[test]
    fn pav_hand_example() {
        // Labels 1, 0, 0, 1: the first three pool to 1/3, the last stays at 1.
        let c =
            Calibrator::fit_isotonic(&[0.1, 0.2, 0.3, 0.4], &[true, false, false, true]).unwrap();
        let (x, y) = knots(&c);
        assert_eq!(x, vec![0.1, 0.3, 0.4]);
        assert_eq!(y.len(), 3);
        for (got, want) in y.iter().zip([1.0 / 3.0, 1.0 / 3.0, 1.0]) {
            assert!((got - want).abs() < 1e-15, "{y:?}");
        }
        // Ties are merged first: (0.2: mean 0.5, weight 2) then 0.5: 0 pools to 1/3.
        let c =
            Calibrator::fit_isotonic(&[0.5, 0.2, 0.7, 0.2], &[false, true, true, false]).unwrap();
        let (x, y) = knots(&c);
        assert_eq!(x, vec![0.2, 0.5, 0.7]);
        assert!((y[0] - 1.0 / 3.0).abs() < 1e-15 && (y[1] - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(y[2], 1.0);
        // Halfway between 0.5 (1/3) and 0.7 (1): 2/3; clipped outside.
        assert!((c.apply(0.6) - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.apply(0.0) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(c.apply(1.0), 1.0 - 1e-7);
        c.validate().unwrap();
    }

    #[test]
    fn isotonic_output_is_monotone() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let p: Vec<f64> = (0..500).map(|_| rng.random::<f64>()).collect();
        let y: Vec<bool> = p.iter().map(|&v| rng.random::<f64>() < v * v).collect();
        let c = Calibrator::fit_isotonic(&p, &y).unwrap();
        c.validate().unwrap();
        let mut prev = 0.0;
        for k in 0..=2000 {
            let v = c.apply(k as f64 / 2000.0);
            assert!(
                v >= prev && (1e-7..=1.0 - 1e-7).contains(&v),
                "{k}: {v} < {prev}"
            );
            prev = v;
        }
        // Not a constant map: the labels do depend on p.
        assert!(c.apply(0.9) - c.apply(0.1) > 0.3);
    }

    // Reference values from scikit-learn 1.9.1 (numpy 2.4.6, scipy 1.17.1) on P and Y above:
    //   iso = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(p, y)
    //   iso.X_thresholds_, iso.y_thresholds_, iso.predict(q)
    //   A, B = sklearn.calibration._sigmoid_calibration(np.log(p / (1 - p)), y)
    // sklearn's sigmoid is 1 / (1 + exp(A f + B)), so our a = -A, b = -B.

    #[test]
    fn isotonic_matches_sklearn() {
        let c = Calibrator::fit_isotonic(&P, &labels()).unwrap();
        let (x, y) = knots(&c);
        let sk_x = [
            0.02, 0.05, 0.18, 0.2, 0.25, 0.3, 0.4, 0.42, 0.6, 0.65, 0.75, 0.8, 0.95,
        ];
        let sk_y = [
            0.0,
            0.25,
            0.25,
            1.0 / 3.0,
            1.0 / 3.0,
            0.4,
            0.4,
            2.0 / 3.0,
            2.0 / 3.0,
            0.75,
            0.75,
            1.0,
            1.0,
        ];
        assert_eq!(x, sk_x.to_vec());
        for (a, b) in y.iter().zip(sk_y) {
            assert!((a - b).abs() < 1e-12, "{y:?}");
        }
        let q = [
            0.0, 0.02, 0.04, 0.05, 0.11, 0.27, 0.31, 0.5, 0.63, 0.72, 0.9, 0.95, 0.99, 1.0,
        ];
        let sk_pred: [f64; 14] = [
            0.0, 0.0, 0.16666667, 0.25, 0.25, 0.36, 0.4, 0.66666667, 0.71666667, 0.75, 1.0, 1.0,
            1.0, 1.0,
        ];
        for (&qi, want) in q.iter().zip(sk_pred) {
            // Ours is clamped to [1e-7, 1 - 1e-7]; sklearn printed 8 decimals.
            let want = want.clamp(1e-7, 1.0 - 1e-7);
            assert!((c.apply(qi) - want).abs() < 1e-8, "q = {qi}");
        }
    }

    #[test]
    fn platt_matches_sklearn() {
        let c = Calibrator::fit_platt(&P, &labels()).unwrap();
        let Calibrator::Platt { a, b } = c else {
            panic!("expected Platt, got {c:?}")
        };
        // sklearn (L-BFGS, stops at gtol 1e-6): A = -0.593233024541, B = -0.371419550729.
        assert!((a - 0.593233024541).abs() < 1e-8, "a = {a}");
        assert!((b - 0.371419550729).abs() < 1e-8, "b = {b}");
        // The exact optimum of the same objective, by Newton's method in numpy to a gradient of
        // 4e-16: a = 0.593233023822167, b = 0.371419550718496.
        assert!((a - 0.593233023822167).abs() < 1e-11, "a = {a}");
        assert!((b - 0.371419550718496).abs() < 1e-11, "b = {b}");
    }

    #[test]
    fn platt_recovers_known_parameters() {
        let (a0, b0) = (1.7, -0.4);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
        let n = 20_000;
        let p: Vec<f64> = (0..n).map(|_| 0.01 + 0.98 * rng.random::<f64>()).collect();
        let y: Vec<bool> = p
            .iter()
            .map(|&v| rng.random::<f64>() < sigmoid(a0 * logit(v) + b0))
            .collect();
        let Calibrator::Platt { a, b } = Calibrator::fit_platt(&p, &y).unwrap() else {
            panic!("expected Platt")
        };
        // Standard errors are about 0.03 (a) and 0.02 (b) at this n.
        assert!((a - a0).abs() < 0.1, "a = {a}");
        assert!((b - b0).abs() < 0.07, "b = {b}");
    }

    #[test]
    fn platt_needs_both_classes_and_valid_input() {
        assert!(matches!(
            Calibrator::fit_platt(&[0.2, 0.4], &[true, true]),
            Err(ModelError::NotEnoughData(_))
        ));
        assert!(Calibrator::fit_platt(&[0.2, f64::NAN], &[true, false]).is_err());
        assert!(Calibrator::fit_platt(&[0.2, 1.5], &[true, false]).is_err());
        assert!(Calibrator::fit_platt(&[0.2], &[true, false]).is_err());
        assert!(Calibrator::fit_isotonic(&[], &[]).is_err());
        // Every p equal: the Hessian is singular but the fit still reaches the mean smoothed
        // target, (1·2/3 + 3·1/5) / 4 = 19/60.
        let c = Calibrator::fit_platt(&[0.3; 4], &[true, false, false, false]).unwrap();
        let v = c.apply(0.3);
        assert!((v - 19.0 / 60.0).abs() < 1e-6, "{v}");
    }

    #[test]
    fn apply_is_finite_and_clamped() {
        let cs = [
            Calibrator::Identity,
            Calibrator::Platt { a: 50.0, b: 3.0 },
            Calibrator::Isotonic {
                x: vec![0.5],
                y: vec![1.0],
            },
        ];
        for c in &cs {
            c.validate().unwrap();
            for p in [0.0, 1e-300, 0.5, 1.0, -3.0, 7.0, f64::NAN, f64::INFINITY] {
                let v = c.apply(p);
                assert!(
                    v.is_finite() && (1e-7..=1.0 - 1e-7).contains(&v),
                    "{c:?} {p} {v}"
                );
            }
        }
        assert_eq!(cs[0].name(), "none");
        assert_eq!(cs[1].name(), "platt");
        assert_eq!(cs[2].name(), "isotonic");
    }

    #[test]
    fn validate_rejects_bad_artefacts() {
        let bad = [
            Calibrator::Platt {
                a: f64::NAN,
                b: 0.0,
            },
            Calibrator::Isotonic {
                x: vec![],
                y: vec![],
            },
            Calibrator::Isotonic {
                x: vec![0.1, 0.2],
                y: vec![0.5],
            },
            Calibrator::Isotonic {
                x: vec![0.2, 0.2],
                y: vec![0.1, 0.5],
            },
            Calibrator::Isotonic {
                x: vec![0.1, 0.2],
                y: vec![0.5, 0.4],
            },
            Calibrator::Isotonic {
                x: vec![0.1, 0.2],
                y: vec![0.5, 1.2],
            },
        ];
        for c in &bad {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }

    /// Simulated data: true probabilities uniform on (0.02, 0.98), labels drawn from them, and
    /// the model's probability a transform of the truth.
    fn simulated(n: usize, seed: u64, distort: fn(f64) -> f64) -> (Vec<f64>, Vec<bool>) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut p = Vec::with_capacity(n);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let truth = 0.02 + 0.96 * rng.random::<f64>();
            y.push(rng.random::<f64>() < truth);
            p.push(distort(truth));
        }
        (p, y)
    }

    #[test]
    fn choose_keeps_identity_on_calibrated_data() {
        let (p, y) = simulated(5000, 1, |t| t);
        let folds: Vec<usize> = (0..p.len()).map(|i| i % 5).collect();
        let choice = choose_calibration(&p, &y, &folds, 5).unwrap();
        assert_eq!(choice.calibrator, Calibrator::Identity, "{choice:?}");
        let names: Vec<&str> = choice.cv_log_loss.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["none", "platt", "isotonic"]);
        assert!(choice.cv_log_loss.iter().all(|(_, l)| l.is_finite()));
    }

    #[test]
    fn choose_fixes_miscalibrated_data() {
        let (p, y) = simulated(5000, 2, |t| t.powi(3));
        let folds: Vec<usize> = (0..p.len()).map(|i| i % 5).collect();
        let choice = choose_calibration(&p, &y, &folds, 5).unwrap();
        let name = choice.calibrator.name();
        assert!(name == "platt" || name == "isotonic", "{choice:?}");
        let loss = |k: &str| choice.cv_log_loss.iter().find(|(n, _)| n == k).unwrap().1;
        assert!(loss(name) < loss("none") - 0.1, "{choice:?}");
        // The refitted calibrator lowers the in-sample loss too.
        let before: f64 = p.iter().zip(&y).map(|(&v, &t)| log_loss(v, t)).sum();
        let after: f64 = p
            .iter()
            .zip(&y)
            .map(|(&v, &t)| log_loss(choice.calibrator.apply(v), t))
            .sum();
        assert!(after < before, "{after} >= {before}");
    }

    #[test]
    fn choose_rejects_bad_folds() {
        let (p, y) = simulated(50, 3, |t| t);
        let folds: Vec<usize> = (0..50).map(|i| i % 5).collect();
        assert!(choose_calibration(&p, &y, &folds, 1).is_err());
        assert!(choose_calibration(&p, &y, &folds[..49], 5).is_err());
        assert!(choose_calibration(&p, &y, &folds, 4).is_err()); // index 4 out of range
        // All positives in one fold: its training rows have one class.
        let y1: Vec<bool> = (0..50).map(|i| i % 5 == 0).collect();
        assert!(matches!(
            choose_calibration(&p, &y1, &folds, 5),
            Err(ModelError::NotEnoughData(_))
        ));
    }
}

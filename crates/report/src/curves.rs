//! ROC and precision–recall curves of a churn classifier: one point per distinct score
//! threshold (tied scores form one step), highest threshold first, so that the areas computed
//! from the points are the metrics of [`retain_score::metrics`].

use crate::ReportError;
use retain_score::metrics::{average_precision, roc_auc, score_groups};

/// A curve as parallel x and y coordinates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Curve {
    /// x coordinates.
    pub x: Vec<f64>,
    /// y coordinates.
    pub y: Vec<f64>,
}

impl Curve {
    /// Area under the curve by the trapezoid rule.
    pub fn trapezoid_area(&self) -> f64 {
        self.x
            .windows(2)
            .zip(self.y.windows(2))
            .map(|(x, y)| (x[1] - x[0]) * (y[0] + y[1]) / 2.0)
            .sum()
    }

    /// The points as pairs.
    pub fn points(&self) -> Vec<(f64, f64)> {
        self.x.iter().copied().zip(self.y.iter().copied()).collect()
    }
}

/// ROC curve with its area ([`roc_auc`], which also checks the input): false-positive rate on
/// x, true-positive rate on y, from (0, 0) to (1, 1).
pub fn roc_curve(y: &[bool], p: &[f64]) -> Result<(Curve, f64), ReportError> {
    let auc = roc_auc(y, p)?;
    let groups = score_groups(y, p)?;
    let pos: f64 = groups.iter().map(|g| g.0).sum();
    let neg: f64 = groups.iter().map(|g| g.1).sum();
    let mut c = Curve {
        x: vec![0.0],
        y: vec![0.0],
    };
    let (mut tp, mut fp) = (0.0, 0.0);
    for (gp, gn) in groups {
        tp += gp;
        fp += gn;
        c.x.push(fp / neg);
        c.y.push(tp / pos);
    }
    Ok((c, auc))
}

/// Precision–recall curve with its average precision ([`average_precision`]): recall on x,
/// precision on y, one point per threshold (the step function whose area is the AP).
pub fn pr_curve(y: &[bool], p: &[f64]) -> Result<(Curve, f64), ReportError> {
    let ap = average_precision(y, p)?;
    let groups = score_groups(y, p)?;
    let pos: f64 = groups.iter().map(|g| g.0).sum();
    let mut c = Curve::default();
    let (mut tp, mut fp) = (0.0, 0.0);
    for (gp, gn) in groups {
        tp += gp;
        fp += gn;
        c.x.push(tp / pos);
        c.y.push(tp / (tp + fp));
    }
    Ok((c, ap))
}

/// The step-wise area of a precision–recall curve: Σ (recall_k − recall_{k−1}) precision_k.
pub fn step_area(c: &Curve) -> f64 {
    let mut prev = 0.0;
    let mut area = 0.0;
    for (&r, &p) in c.x.iter().zip(&c.y) {
        area += (r - prev) * p;
        prev = r;
    }
    area
}

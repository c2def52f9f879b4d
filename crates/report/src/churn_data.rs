//! The numbers behind every plot of a churn-classifier report, from an artefact and a labelled
//! customer table: probabilities and drivers come from the scoring path
//! ([`score_churn`]), every figure of merit from [`retain_score::metrics`].

use crate::ReportError;
use crate::curves::{Curve, pr_curve, roc_curve};
use crate::drivers::{Driver, global_drivers};
use crate::gains::{Gains, gains};
use crate::value_risk::{ValueRisk, value_risk};
use retain_core::features::RawTable;
use retain_score::artefact::ChurnArtefact;
use retain_score::churn_score::{ScoreOptions, score_churn};
use retain_score::metrics::{CalibrationBin, Metrics, calibration_table};
use retain_train::churn_train::split_label;

/// Bins of the reliability curve.
pub const CALIBRATION_BINS: usize = 10;

/// Every figure's numbers.
#[derive(Debug, Clone)]
pub struct ChurnData {
    /// Labels: true = churned.
    pub y: Vec<bool>,
    /// Calibrated P(churn) per row, as `retain score` gives it.
    pub p: Vec<f64>,
    /// ROC AUC, AP, log loss, Brier, lift.
    pub metrics: Metrics,
    /// ROC curve (its trapezoid area is `metrics.roc_auc`).
    pub roc: Curve,
    /// Precision–recall curve (its step area is `metrics.pr_auc`).
    pub pr: Curve,
    /// Cumulative gains and lift by percentile.
    pub gains: Gains,
    /// Reliability bins (equal width on the predicted probability).
    pub calibration: Vec<CalibrationBin>,
    /// Input columns by mean |contribution| to the log-odds.
    pub drivers: Vec<Driver>,
    /// Customers by value × risk tier, when the artefact has a margin (subscription CLV).
    pub value_risk: Option<ValueRisk>,
}

/// Scores `table` (which must hold the artefact's target column) and computes every figure.
pub fn churn_data(art: &ChurnArtefact, table: RawTable) -> Result<ChurnData, ReportError> {
    let labelled = split_label(
        table,
        &art.data.target,
        &art.data.positive,
        art.data.id.as_deref(),
    )?;
    let options = ScoreOptions {
        tiers: art.tiers,
        // Every column's contribution, for the global drivers.
        drivers: usize::MAX,
    };
    let scores = score_churn(art, labelled.features, &options)?;
    let (y, p) = (labelled.y, scores.churn_probability);
    let metrics = Metrics::compute(&y, &p)?;
    let (roc, _) = roc_curve(&y, &p)?;
    let (pr, _) = pr_curve(&y, &p)?;
    let value_risk = match &scores.value {
        Some(v) => {
            let clv: Vec<f64> = v.iter().map(|v| v.clv).collect();
            let at_risk: Vec<f64> = v.iter().map(|v| v.value_at_risk).collect();
            let label = format!("subscription CLV ({})", scores.value_labels.1);
            Some(value_risk(&clv, &p, &at_risk, art.tiers, &label)?)
        }
        None => None,
    };
    Ok(ChurnData {
        gains: gains(&y, &p)?,
        calibration: calibration_table(&y, &p, CALIBRATION_BINS)?,
        drivers: global_drivers(&scores.drivers),
        metrics,
        roc,
        pr,
        value_risk,
        y,
        p,
    })
}

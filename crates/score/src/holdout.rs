//! Holdout evaluation of a purchase model: predicted vs actual purchases per customer over the
//! holdout period, overall and by calibration frequency (the "conditional expectations" plot of
//! Fader, Hardie & Lee 2005).

use retain_core::summary::Summaries;
use retain_models::ModelError;
use retain_models::btyd::PurchaseModel;
use serde::{Deserialize, Serialize};

/// Frequencies at or above this share one row of the per-frequency table.
pub const FREQUENCY_CAP: u32 = 7;

/// One row of the per-frequency table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrequencyRow {
    /// Calibration repeat purchases (the last row holds x ≥ [`FREQUENCY_CAP`]).
    pub x: u32,
    /// Customers in the row.
    pub customers: usize,
    /// Mean actual holdout purchases.
    pub actual: f64,
    /// Mean predicted holdout purchases.
    pub predicted: f64,
}

/// Holdout metrics of a purchase model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutMetrics {
    /// Holdout length in the model's time unit.
    pub length: f64,
    /// Customers evaluated.
    pub customers: usize,
    /// Sum of actual holdout purchases.
    pub actual_total: f64,
    /// Sum of predicted holdout purchases.
    pub predicted_total: f64,
    /// Mean absolute error per customer.
    pub mae: f64,
    /// Root mean squared error per customer.
    pub rmse: f64,
    /// Mean actual and predicted purchases by calibration frequency.
    pub by_frequency: Vec<FrequencyRow>,
}

/// Evaluates `model` on the holdout period of `s` (of length `length` in the model's unit).
pub fn evaluate(
    model: &PurchaseModel,
    s: &Summaries,
    length: f64,
) -> Result<HoldoutMetrics, ModelError> {
    let n = s.len();
    let mut rows: Vec<FrequencyRow> = (0..=FREQUENCY_CAP)
        .map(|x| FrequencyRow {
            x,
            customers: 0,
            actual: 0.0,
            predicted: 0.0,
        })
        .collect();
    let (mut at, mut pt, mut ae, mut se) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..n {
        let pred = model.expected_purchases(length, s.x[i], s.t_x[i], s.t[i])?;
        let act = s.holdout_x[i] as f64;
        at += act;
        pt += pred;
        ae += (pred - act).abs();
        se += (pred - act).powi(2);
        let row = &mut rows[s.x[i].min(FREQUENCY_CAP) as usize];
        row.customers += 1;
        row.actual += act;
        row.predicted += pred;
    }
    for row in &mut rows {
        if row.customers > 0 {
            row.actual /= row.customers as f64;
            row.predicted /= row.customers as f64;
        }
    }
    let nf = n.max(1) as f64;
    Ok(HoldoutMetrics {
        length,
        customers: n,
        actual_total: at,
        predicted_total: pt,
        mae: ae / nf,
        rmse: (se / nf).sqrt(),
        by_frequency: rows,
    })
}

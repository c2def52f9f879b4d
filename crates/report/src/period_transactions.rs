//! Repeat purchases per customer in the calibration period, actual against the model
//! (lifetimes' `plot_period_transactions`): how many customers made 0, 1, …, 6 and 7+ repeat
//! purchases, and how many the model expects, Σ_i P(X(T_i) = k) over the customers with their
//! own observation lengths T_i.

use crate::ReportError;
use retain_models::btyd::PurchaseModel;
use retain_models::btyd::pmf::pmf;
use std::collections::HashMap;

/// Repeat-purchase counts at or above this share the last bar.
pub const OPEN_BUCKET: u32 = 7;

/// Customers per number of calibration repeat purchases.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodTransactions {
    /// Bar labels: "0", "1", …, "7+".
    pub labels: Vec<String>,
    /// Customers with that many repeat purchases.
    pub actual: Vec<f64>,
    /// Customers the model expects with that many.
    pub model: Vec<f64>,
    /// Customers in all.
    pub customers: usize,
}

/// The histogram of `x` (repeat purchases) for customers observed for `t` time units each.
/// The open bucket of the model is 1 − Σ of the others per customer, so the model's bars add
/// up to the number of customers.
pub fn period_transactions(
    model: &PurchaseModel,
    x: &[u32],
    t: &[f64],
) -> Result<PeriodTransactions, ReportError> {
    if x.len() != t.len() {
        return Err(ReportError::Data(format!(
            "{} frequencies but {} ages",
            x.len(),
            t.len()
        )));
    }
    let k = OPEN_BUCKET as usize;
    let mut actual = vec![0.0; k + 1];
    for &xi in x {
        actual[(xi as usize).min(k)] += 1.0;
    }
    // Customers acquired on the same day share T: one distribution per distinct T.
    let mut by_t: HashMap<u64, (f64, f64)> = HashMap::new();
    for &ti in t {
        by_t.entry(ti.to_bits()).or_insert((ti, 0.0)).1 += 1.0;
    }
    let mut expected = vec![0.0; k + 1];
    for (ti, count) in by_t.into_values() {
        let mut rest = 1.0;
        for (j, slot) in expected.iter_mut().take(k).enumerate() {
            let p = pmf(model, ti, j as u32)?;
            *slot += count * p;
            rest -= p;
        }
        expected[k] += count * rest.max(0.0);
    }
    let labels = (0..=OPEN_BUCKET)
        .map(|j| {
            if j == OPEN_BUCKET {
                format!("{j}+")
            } else {
                j.to_string()
            }
        })
        .collect();
    Ok(PeriodTransactions {
        labels,
        actual,
        model: expected,
        customers: x.len(),
    })
}

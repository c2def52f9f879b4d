//! P(X(t) = x): the distribution of the number of repeat purchases a *new* customer makes in
//! their first `t` time units. Summed over customers with their own observation lengths it
//! gives the model side of the repeat-purchase histogram (lifetimes'
//! `plot_period_transactions`).
//!
//! Each model's formula is in its own file
//! ([`PurchaseProcess::ln_pmf_unchecked`](super::PurchaseProcess::ln_pmf_unchecked)),
//! evaluated in log space from the NBD counts of a customer alive for `u` units, `nb(x; u)`,
//! and their tail `P(NB(t) ≥ x)`; the checks shared by all models are
//! [`PurchaseProcess::ln_pmf`](super::PurchaseProcess::ln_pmf)'s.

use super::PurchaseModel;
use crate::ModelError;

/// ln P(X(t) = x) for a new customer observed for `t` time units. Never NaN or +∞; −∞ only
/// where the probability is exactly 0 (t = 0 and x > 0).
pub fn ln_pmf(model: &PurchaseModel, t: f64, x: u32) -> Result<f64, ModelError> {
    model.process().ln_pmf(t, x)
}

/// P(X(t) = x) for a new customer observed for `t` time units, in [0, 1].
pub fn pmf(model: &PurchaseModel, t: f64, x: u32) -> Result<f64, ModelError> {
    model.process().pmf(t, x)
}

#[cfg(test)]
mod tests;

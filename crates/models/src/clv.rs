//! Discounted customer lifetime value from a purchase model and expected spend.
//!
//! `CLV = Σ_{i=1..n} (E[X(iΔ)] − E[X((i−1)Δ)]) · spend / (1 + d)^i`, with the step Δ and the
//! per-step discount rate d derived from a rate stated with its own period (e.g. 10%/year
//! becomes 0.797%/month). This is the discrete cash-flow convention of lifetimes when
//! Δ = 1 month; nothing here assumes days.

use crate::ModelError;
use crate::model::Posterior;
use retain_core::time::{DiscountRate, Duration, TimeUnit};
use serde::{Deserialize, Serialize};

/// How to sum future cash flows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClvSpec {
    /// Total horizon.
    pub horizon: Duration,
    /// Step of the cash-flow sum.
    pub step: Duration,
    /// Discount rate with its period.
    pub discount: DiscountRate,
}

impl ClvSpec {
    /// Number of steps and the per-step discount rate; the horizon must be a whole number of steps.
    pub fn steps(&self) -> Result<(usize, f64), ModelError> {
        let n = self.horizon.in_unit(self.step.unit) / self.step.value;
        if self.step.value.is_nan()
            || self.step.value <= 0.0
            || !n.is_finite()
            || n < 0.5
            || (n - n.round()).abs() > 1e-6
        {
            return Err(ModelError::InvalidInput {
                field: "horizon",
                reason: format!(
                    "the CLV horizon ({}) must be a positive whole number of steps ({})",
                    self.horizon, self.step
                ),
            });
        }
        Ok((n.round() as usize, self.discount.over(self.step)))
    }
}

/// A [`ClvSpec`] resolved against a model's time unit, once per batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvSteps {
    /// Number of steps.
    pub n: usize,
    /// Step length in the model's time unit.
    pub step: f64,
    /// Discount rate per step.
    pub discount: f64,
}

impl ClvSteps {
    /// Resolves `spec` for a model whose time unit is `unit`.
    pub fn new(spec: &ClvSpec, unit: TimeUnit) -> Result<Self, ModelError> {
        let (n, discount) = spec.steps()?;
        Ok(ClvSteps {
            n,
            step: spec.step.in_unit(unit),
            discount,
        })
    }
}

/// Discounted CLV of one customer from their posterior and expected spend per purchase.
pub fn clv(customer: &Posterior<'_>, steps: &ClvSteps, spend: f64) -> Result<f64, ModelError> {
    let mut prev = 0.0;
    let mut total = 0.0;
    let factor = 1.0 / (1.0 + steps.discount);
    let mut discount = 1.0;
    for i in 1..=steps.n {
        let cum = customer.expected_purchases(steps.step * i as f64)?;
        discount *= factor;
        total += (cum - prev).max(0.0) * discount;
        prev = cum;
    }
    crate::finite_nonneg("clv", total * spend)
}

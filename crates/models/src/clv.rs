//! Discounted customer lifetime value from a purchase model and expected spend.
//!
//! `CLV = Σ_{i=1..n} (E[X(iΔ)] − E[X((i−1)Δ)]) · spend / (1 + d)^i`, with the step Δ and the
//! per-step discount rate d derived from a rate stated with its own period (e.g. 10%/year
//! becomes 0.797%/month). This is the discrete cash-flow convention of lifetimes when
//! Δ = 1 month; nothing here assumes days.

use crate::ModelError;
use crate::model::PurchaseModel;
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

/// Discounted CLV of one customer; `unit` is the model's time unit.
pub fn clv(
    model: &PurchaseModel,
    unit: TimeUnit,
    spec: &ClvSpec,
    spend: f64,
    x: u32,
    t_x: f64,
    t: f64,
) -> Result<f64, ModelError> {
    let (n, d) = spec.steps()?;
    let step = spec.step.in_unit(unit);
    let mut prev = 0.0;
    let mut total = 0.0;
    for i in 1..=n {
        let cum = model.expected_purchases(step * i as f64, x, t_x, t)?;
        total += (cum - prev).max(0.0) * spend / (1.0 + d).powi(i as i32);
        prev = cum;
    }
    crate::finite_nonneg("clv", total)
}

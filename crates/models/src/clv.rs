//! Discounted customer lifetime value from a purchase model and expected spend.
//!
//! `CLV = Σ_{i=1..n} (E[X(iΔ)] − E[X((i−1)Δ)]) · spend / (1 + d)^i`, with the step Δ and the
//! per-step discount rate d derived from a rate stated with its own period (e.g. 10%/year
//! becomes 0.797%/month). This is the discrete cash-flow convention of lifetimes when
//! Δ = 1 month; nothing here assumes days.

use crate::ModelError;
use crate::btyd::Posterior;
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

/// Most cash-flow steps a CLV sum may take (e.g. 833 years in monthly steps): each step costs
/// one model evaluation per customer, so more would hold a batch run or a server worker for
/// minutes. The one limit of the CLI and the server ([`ClvSpec::too_many_steps`]).
pub const MAX_CLV_STEPS: usize = 10_000;

impl ClvSpec {
    /// Why this horizon takes too many steps ([`MAX_CLV_STEPS`]), if it does: the one message
    /// of the CLI and the server.
    pub fn too_many_steps(&self) -> Option<String> {
        let steps = self.horizon.in_unit(self.step.unit) / self.step.value;
        (steps.is_nan() || steps > MAX_CLV_STEPS as f64).then(|| {
            format!(
                "{} is {steps:.0} CLV steps of {}; at most {MAX_CLV_STEPS} are allowed",
                self.horizon, self.step
            )
        })
    }

    /// Number of steps and the per-step discount rate; the horizon must be a whole number of
    /// steps, at most [`MAX_CLV_STEPS`].
    pub fn steps(&self) -> Result<(usize, f64), ModelError> {
        if let Some(reason) = self.too_many_steps() {
            return Err(ModelError::InvalidInput {
                field: "horizon",
                reason,
            });
        }
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
    let total = match customer.discounted_purchases(steps) {
        Some(total) => total,
        None => discounted_purchases(steps, |horizons| customer.expected_purchases_at(horizons))?,
    };
    crate::finite_nonneg("clv", total * spend)
}

/// Step horizons handed to `cumulative` at once: a month-stepped year or a week-stepped year
/// in one call, so that models which share work across horizons can (see
/// [`crate::btyd::PurchaseProcess::expected_purchases_if_alive_at`]).
const HORIZONS_PER_CALL: usize = 64;

/// Σ_i (E[X(iΔ)] − E[X((i−1)Δ)]) / (1 + d)^i, where `cumulative` replaces each horizon iΔ of
/// its argument by E[X(iΔ)] (horizons ascending, up to 64 per call).
/// Negative increments (rounding) count as 0.
pub fn discounted_purchases(
    steps: &ClvSteps,
    mut cumulative: impl FnMut(&mut [f64]) -> Result<(), ModelError>,
) -> Result<f64, ModelError> {
    let factor = 1.0 / (1.0 + steps.discount);
    let (mut prev, mut total, mut discount) = (0.0, 0.0, 1.0);
    let mut buf = [0.0; HORIZONS_PER_CALL];
    let mut first = 1;
    while first <= steps.n {
        let batch = &mut buf[..(steps.n + 1 - first).min(HORIZONS_PER_CALL)];
        for (j, h) in batch.iter_mut().enumerate() {
            *h = steps.step * (first + j) as f64;
        }
        cumulative(batch)?;
        for &cum in batch.iter() {
            discount *= factor;
            total += (cum - prev).max(0.0) * discount;
            prev = cum;
        }
        first += batch.len();
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::PurchaseModel;
    use crate::btyd::bgnbd::BgNbd;
    use crate::btyd::paretonbd::ParetoNbd;

    /// The generic step-by-step sum, for any model.
    fn generic(c: &Posterior<'_>, steps: &ClvSteps, spend: f64) -> f64 {
        let (mut prev, mut total) = (0.0, 0.0);
        for i in 1..=steps.n {
            let cum = c.expected_purchases(steps.step * i as f64).unwrap();
            total += (cum - prev) * spend / (1.0 + steps.discount).powi(i as i32);
            prev = cum;
        }
        total
    }

    #[test]
    fn the_pareto_fast_sum_equals_the_generic_sum() {
        let spec = ClvSpec {
            horizon: Duration::new(52.0, TimeUnit::Week),
            step: Duration::new(1.0, TimeUnit::Week),
            discount: DiscountRate {
                rate: 0.1,
                per: Duration::new(1.0, TimeUnit::Year),
            },
        };
        let steps = ClvSteps::new(&spec, TimeUnit::Week).unwrap();
        for s in [0.61, 1.0, 1.0 + 1e-12, 2.5] {
            let m = PurchaseModel::ParetoNbd(ParetoNbd {
                r: 0.55,
                alpha: 10.58,
                s,
                beta: 11.67,
            });
            for (x, t_x, t) in [(0, 0.0, 30.0), (2, 10.0, 38.0), (14, 70.0, 77.0)] {
                let c = m.posterior(x, t_x, t);
                let fast = clv(&c, &steps, 35.0).unwrap();
                let slow = generic(&c, &steps, 35.0);
                assert!(
                    (fast - slow).abs() <= 1e-12 * slow,
                    "s {s} x {x}: {fast} vs {slow}"
                );
                assert!(fast > 0.0);
            }
        }
        // Other models take the generic path.
        let m = PurchaseModel::Bgnbd(BgNbd {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
        });
        let c = m.posterior(2, 10.0, 38.0);
        assert!((clv(&c, &steps, 35.0).unwrap() - generic(&c, &steps, 35.0)).abs() < 1e-12);
    }
}

//! One customer's state under a fitted model at the as-of time T.

use super::{NextPurchase, PurchaseProcess};
use crate::ModelError;
use crate::clv::ClvSteps;

/// A customer's state under a fitted model at the as-of time T. Every prediction factors as
/// P(alive at T) × (a prediction for a customer known to be alive, which does not depend on
/// t_x): P(alive) is the costly part (a hypergeometric series for Pareto/NBD), so scoring
/// computes it once per customer rather than once per horizon or CLV step.
#[derive(Debug, Clone, Copy)]
pub struct Posterior<'a> {
    model: &'a dyn PurchaseProcess,
    x: u32,
    t: f64,
    p_alive: f64,
}

impl<'a> Posterior<'a> {
    /// The posterior of customer (x, t_x, T) under `model`.
    pub fn new(model: &'a dyn PurchaseProcess, x: u32, t_x: f64, t: f64) -> Self {
        Posterior {
            model,
            x,
            t,
            p_alive: model.p_alive(x, t_x, t),
        }
    }

    /// P(alive at T).
    pub fn p_alive(&self) -> f64 {
        self.p_alive
    }

    /// The same customer known to be alive at T (P(alive) = 1): predictions given alive, such
    /// as what the customer is worth if retained (the value at risk's first factor).
    pub fn if_alive(&self) -> Posterior<'a> {
        Posterior {
            model: self.model,
            x: self.x,
            t: self.t,
            p_alive: 1.0,
        }
    }

    /// E[purchases in (T, T + horizon]].
    pub fn expected_purchases(&self, horizon: f64) -> Result<f64, ModelError> {
        let if_alive = self
            .model
            .expected_purchases_if_alive(horizon, self.x, self.t)?;
        crate::finite_nonneg("expected purchases", self.p_alive * if_alive)
    }

    /// [`Self::expected_purchases`] at each horizon of `horizon_then_value` (replaced by the
    /// expectations), sharing the work across horizons where the model allows (BG/NBD and
    /// MBG/NBD sum their 2F1 series for all horizons at once): the CLV step sums.
    pub fn expected_purchases_at(&self, horizon_then_value: &mut [f64]) -> Result<(), ModelError> {
        self.model
            .expected_purchases_if_alive_at(horizon_then_value, self.x, self.t)?;
        for v in horizon_then_value.iter_mut() {
            *v = crate::finite_nonneg("expected purchases", self.p_alive * *v)?;
        }
        Ok(())
    }

    /// P(no purchase in (T, T + horizon]).
    pub fn p_no_purchase(&self, horizon: f64) -> f64 {
        let buy = self.model.p_purchase_if_alive(horizon, self.x, self.t);
        (1.0 - self.p_alive * buy).clamp(0.0, 1.0)
    }

    /// P(at least one purchase in (T, T + horizon]) = 1 − [`Self::p_no_purchase`].
    pub fn p_any_purchase(&self, horizon: f64) -> f64 {
        (self.p_alive * self.model.p_purchase_if_alive(horizon, self.x, self.t)).clamp(0.0, 1.0)
    }

    /// P(alive at T + later) = P(alive at T) × P(alive at T + later | alive at T), the product
    /// taken in log space.
    pub fn p_alive_later(&self, later: f64) -> Result<f64, ModelError> {
        let ln = self
            .model
            .ln_p_alive_later_if_alive(later, self.x, self.t)?;
        Ok((self.p_alive.ln() + ln).exp().clamp(0.0, 1.0))
    }

    /// P(X(T, T + window] = k), the conditional PMF: k = 0 is [`Self::p_no_purchase`] (a
    /// customer already gone buys nothing); k ≥ 1 is P(alive) × P(k | alive), in log space.
    pub fn pmf(&self, window: f64, k: u32) -> Result<f64, ModelError> {
        if k == 0 {
            crate::btyd::check_window("window", window)?;
            return Ok(self.p_no_purchase(window));
        }
        let ln = self.model.ln_pmf_if_alive(window, k, self.x, self.t)?;
        Ok((self.p_alive.ln() + ln).exp().clamp(0.0, 1.0))
    }

    /// The time to the next purchase ([`NextPurchase`]), its chance within `horizon` for this
    /// customer (times P(alive)); the means and medians are those of a customer alive at T.
    pub fn next_purchase(&self, horizon: f64) -> Result<NextPurchase, ModelError> {
        let n = self.model.next_purchase_if_alive(horizon, self.x, self.t)?;
        Ok(NextPurchase {
            p_within: (self.p_alive * n.p_within).clamp(0.0, 1.0),
            ..n
        })
    }

    /// The discounted sum of expected purchases over `steps` by the model's own closed form,
    /// where it has one (see [`PurchaseProcess::discounted_purchases`]).
    pub fn discounted_purchases(&self, steps: &ClvSteps) -> Option<f64> {
        self.model
            .discounted_purchases(self.p_alive, self.x, self.t, steps)
    }

    /// Discounted expected residual transactions at a continuous rate `delta` per model time
    /// unit, for models with a closed form (Pareto/NBD; see [`PurchaseProcess::dert`]).
    pub fn dert(&self, delta: f64) -> Option<Result<f64, ModelError>> {
        self.model.dert(self.p_alive, delta, self.x, self.t)
    }
}

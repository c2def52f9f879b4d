//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987): purchases at rate λ ~ Gamma(r, α) while
//! alive; lifetime exponential with rate μ ~ Gamma(s, β).
//!
//! - `likelihood`: the likelihood, by a cancellation-free series for its integral term.
//! - `pmf`: P(X(t) = x), closed form with a quadrature fallback.
//! - this file: the parameters and [`PurchaseProcess`], with DERT.

mod likelihood;
mod pmf;
#[cfg(test)]
mod tests;

use super::simulate::dist_err;
use super::{FirstPurchaseDropout, KindInfo, PurchaseModel, PurchaseProcess};
use crate::ModelError;
use crate::clv::ClvSteps;
use crate::data::GroupedPatterns;
use crate::fit::{FitOptions, LogLikelihood, MleResult, maximise};
use crate::math::special::{ln_gamma, softmax2};
use likelihood::{Ll, from_theta, ln_j_value};
use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma};
use retain_core::patterns::Patterns;
use serde::{Deserialize, Serialize};

/// Pareto/NBD parameters; α and β in the model's time unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParetoNbd {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Scale (time) of the purchase-rate gamma.
    pub alpha: f64,
    /// Shape of the dropout-rate gamma.
    pub s: f64,
    /// Scale (time) of the dropout-rate gamma.
    pub beta: f64,
}

impl ParetoNbd {
    /// Parameter names in the literature's order.
    pub const NAMES: [&'static str; 4] = ["r", "alpha", "s", "beta"];

    const INFO: KindInfo = KindInfo {
        name: "pareto-nbd",
        display_name: "Pareto/NBD",
        aliases: &["paretonbd", "pnbd"],
        params: &Self::NAMES,
    };

    /// E[purchases in (T, T + horizon] | x, T, alive at T]: independent of t_x.
    fn if_alive(&self, horizon: f64, x: u32, t: f64) -> f64 {
        (self.r + x as f64) / (self.alpha + t)
            * (self.beta + t)
            * ratio_term(self.s, horizon / (self.beta + t))
    }
}

impl PurchaseProcess for ParetoNbd {
    fn kind_info() -> &'static KindInfo {
        &Self::INFO
    }

    fn info(&self) -> &'static KindInfo {
        &Self::INFO
    }

    fn from_values_unchecked(v: &[f64]) -> Self {
        ParetoNbd {
            r: v[0],
            alpha: v[1],
            s: v[2],
            beta: v[3],
        }
    }

    fn values(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.s, self.beta]
    }

    fn fit(p: &Patterns, opts: &FitOptions) -> Result<(Self, MleResult), ModelError> {
        let d = GroupedPatterns::new(p);
        let (mean_t, mean_x) = d.means();
        let start = [
            1.0,
            (mean_t / mean_x.max(0.05)).max(1e-3),
            1.0,
            mean_t.max(1e-3),
        ];
        let res = maximise(&Ll(&d), &start, opts)?;
        Ok((
            from_theta(&res.params.iter().map(|v| v.ln()).collect::<Vec<_>>()),
            res,
        ))
    }

    fn log_likelihood(&self, p: &Patterns) -> f64 {
        let d = GroupedPatterns::new(p);
        let th: Vec<f64> = self.values().iter().map(|v| v.ln()).collect();
        Ll(&d).value_grad(&th, &mut [0.0; 4])
    }

    /// Stable for extreme customers (large x, t_x close to T): the same two log-space terms as
    /// the likelihood, without their gradients (scoring evaluates this once per customer).
    fn p_alive(&self, x: u32, t_x: f64, t: f64) -> f64 {
        if t_x >= t {
            return 1.0;
        }
        let (r, s, xf) = (self.r, self.s, x as f64);
        let p = -(r + xf) * (self.alpha + t).ln() - s * (self.beta + t).ln();
        let l1 = ln_j_value(self, xf, t_x);
        let l2 = ln_j_value(self, xf, t);
        let q = s.ln() + l1 + (-(l2 - l1).exp_m1()).ln();
        softmax2(p, q).0
    }

    fn expected_purchases_if_alive_at(
        &self,
        horizon_then_value: &mut [f64],
        x: u32,
        t: f64,
    ) -> Result<(), ModelError> {
        for h in horizon_then_value.iter_mut() {
            *h = self.if_alive(*h, x, t);
        }
        Ok(())
    }

    /// For a customer alive at T, the chance of at least one purchase before dying:
    /// `∫_0^h E[λ e^-λu] E[e^-μu] du` over the posterior gammas, integrated in w = ln(1 + u/(α+T))
    /// on panels at the scale 1/(r+x) (see [`crate::btyd::predict`]), which keeps its digits
    /// for customers with many purchases.
    fn p_purchase_if_alive(&self, horizon: f64, x: u32, t: f64) -> f64 {
        crate::btyd::predict::p_first_purchase_within(
            self.r + x as f64,
            self.alpha + t,
            self.s,
            self.beta + t,
            horizon,
        )
    }

    fn expected_purchases_new(&self, t: f64) -> Result<f64, ModelError> {
        crate::finite_nonneg(
            "expected purchases",
            self.r * self.beta / self.alpha * ratio_term(self.s, t / self.beta),
        )
    }

    fn ln_pmf_unchecked(&self, t: f64, x: u32) -> Result<f64, ModelError> {
        pmf::ln_pmf(self, t, x)
    }

    /// λ ~ Gamma(r, α), μ ~ Gamma(s, β), death at Exp(μ), then Poisson purchases at rate λ
    /// until death or t.
    fn simulate_customer(&self, rng: &mut dyn Rng, t: f64) -> Result<Vec<f64>, ModelError> {
        let lambda = Gamma::new(self.r, 1.0 / self.alpha)
            .map_err(dist_err)?
            .sample(rng);
        let mu = Gamma::new(self.s, 1.0 / self.beta)
            .map_err(dist_err)?
            .sample(rng);
        let death = if mu > 0.0 {
            Exp::new(mu).map_err(dist_err)?.sample(rng)
        } else {
            f64::INFINITY
        };
        let end = death.min(t);
        let mut purchases = Vec::new();
        if lambda > 0.0 {
            let gap = Exp::new(lambda).map_err(dist_err)?;
            let mut now = gap.sample(rng);
            while now <= end {
                purchases.push(now);
                now += gap.sample(rng);
            }
        }
        Ok(purchases)
    }

    /// The mean dropout rate s/β scaled by (1 − u).
    fn with_dropout_reduced(&self, u: f64) -> Self {
        ParetoNbd {
            beta: self.beta / (1.0 - u),
            ..*self
        }
    }

    fn dropout_definition(&self) -> &'static str {
        "dropout rate mu ~ Gamma(s, beta), mean s/beta scaled by (1-u): beta' = beta/(1-u); \
         the base re-scored with the new model"
    }

    /// E[X(h)] = scale · (1 − (1 + h/b)^(1−s)) / (s − 1) with b = β + T and
    /// scale = P(alive) (r+x)/(α+T) b, so the differences are scale · (P_{i−1} − P_i) / (s − 1)
    /// with P_i = (1 + iΔ/b)^(1−s), one power per step (the generic loop costs two, plus the
    /// dispatch; this sum is most of a server request's work).
    fn discounted_purchases(&self, p_alive: f64, x: u32, t: f64, steps: &ClvSteps) -> Option<f64> {
        let b = self.beta + t;
        let scale = p_alive * (self.r + x as f64) / (self.alpha + t) * b;
        let s = self.s;
        let u = steps.step / b;
        let factor = 1.0 / (1.0 + steps.discount);
        let mut discount = 1.0;
        let mut total = 0.0;
        if (s - 1.0).abs() < 1e-9 {
            // The s → 1 limit: E[X(h)] = scale · ln(1 + h/b).
            let mut prev = 0.0;
            for i in 1..=steps.n {
                let l = (i as f64 * u).ln_1p();
                discount *= factor;
                total += (l - prev) * discount;
                prev = l;
            }
            return Some(scale * total);
        }
        let mut prev = 1.0;
        for i in 1..=steps.n {
            let p = ((1.0 - s) * (i as f64 * u).ln_1p()).exp();
            discount *= factor;
            total += (prev - p) * discount;
            prev = p;
        }
        Some(scale * total / (s - 1.0))
    }

    fn has_dert(&self) -> bool {
        true
    }

    /// Gamma(r + x, α + T) purchase rates and Gamma(s, β + T) dropout rates.
    fn renewed(&self, x: u32, t: f64) -> PurchaseModel {
        PurchaseModel::ParetoNbd(ParetoNbd {
            r: self.r + f64::from(x),
            alpha: self.alpha + t,
            s: self.s,
            beta: self.beta + t,
        })
    }

    /// E[e^−μt] = (β / (β + t))^s.
    fn ln_survival_new(&self, t: f64) -> Result<f64, ModelError> {
        Ok(-self.s * (t / self.beta).ln_1p())
    }

    fn first_purchase_dropout(&self) -> FirstPurchaseDropout {
        FirstPurchaseDropout::Gamma {
            s: self.s,
            beta: self.beta,
        }
    }

    fn dert(&self, p_alive: f64, delta: f64, x: u32, t: f64) -> Option<Result<f64, ModelError>> {
        Some(self.dert_given(p_alive, delta, x, t))
    }
}

impl ParetoNbd {
    /// Discounted expected residual transactions (Fader, Hardie & Shang 2010) with a continuous
    /// discount rate `delta` per model time unit (for an annual rate d and weekly time,
    /// δ = ln(1 + d) / 52.18): `P(alive) · E[λ] · E[1/(μ+δ)]` over the posterior gammas, where
    /// `E[1/(μ+δ)] = b^s δ^(s−1) U(s, s; δb)`, b = β + T, and `U(s, s; z) = e^z Γ(1−s, z)`.
    /// Multiply by expected spend for discounted residual value.
    pub fn dert(&self, delta: f64, x: u32, t_x: f64, t: f64) -> Result<f64, ModelError> {
        self.dert_given(PurchaseProcess::p_alive(self, x, t_x, t), delta, x, t)
    }

    /// [`ParetoNbd::dert`] with P(alive) already computed.
    pub fn dert_given(&self, p_alive: f64, delta: f64, x: u32, t: f64) -> Result<f64, ModelError> {
        if !(delta.is_finite() && delta > 0.0) {
            return Err(ModelError::InvalidInput {
                field: "discount",
                reason: format!("the continuous discount rate must be > 0, got {delta}"),
            });
        }
        let b = self.beta + t;
        let z = delta * b;
        let ln_u = z + ln_upper_gamma(1.0 - self.s, z)?;
        let ln_inv = self.s * b.ln() + (self.s - 1.0) * delta.ln() + ln_u;
        let v = p_alive * (self.r + x as f64) / (self.alpha + t) * ln_inv.exp();
        crate::finite_nonneg("DERT", v)
    }
}

/// ln Γ(a, z) for z > 0 and any real a: statrs' regularised upper gamma for a > 0, and the
/// recurrence Γ(a, z) = (Γ(a+1, z) − z^a e^−z) / a downwards for a ≤ 0.
fn ln_upper_gamma(a: f64, z: f64) -> Result<f64, ModelError> {
    let mut a = a;
    if a <= 0.0 && a.fract() == 0.0 {
        a += 1e-9; // Γ(−n, z) is the limit; the recurrence needs a ≠ 0, −1, ...
    }
    if a > 0.0 {
        let q = statrs::function::gamma::gamma_ur(a, z);
        return Ok(ln_gamma(a) + q.ln());
    }
    let k = (-a).floor() as i32 + 1;
    let mut g =
        (statrs::function::gamma::gamma_ur(a + k as f64, z).ln() + ln_gamma(a + k as f64)).exp();
    for i in (0..k).rev() {
        let ai = a + i as f64;
        g = (g - (ai * z.ln() - z).exp()) / ai;
    }
    if !(g.is_finite() && g > 0.0) {
        return Err(ModelError::Numerical(format!(
            "upper incomplete gamma Γ({a}, {z}) = {g}"
        )));
    }
    Ok(g.ln())
}

/// (1 − (1+u)^-(s−1)) / (s−1), continuous at s = 1 where it is ln(1+u).
fn ratio_term(s: f64, u: f64) -> f64 {
    let l = u.ln_1p();
    if (s - 1.0).abs() < 1e-9 {
        l
    } else {
        -(-(s - 1.0) * l).exp_m1() / (s - 1.0)
    }
}

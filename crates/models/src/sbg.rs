//! The shifted-beta-geometric (sBG) model of contract renewals (Fader & Hardie 2007, "How to
//! project customer retention", Journal of Interactive Marketing 21(1)).
//!
//! Each subscriber has a churn probability θ per period, constant over their life, and θ varies
//! across subscribers as Beta(α, β). With T the period in which a subscriber churns:
//!
//! - P(T = t) = B(α + 1, β + t − 1) / B(α, β) and the survival S(t) = P(T > t) = B(α, β + t) / B(α, β);
//! - the retention rate of period t, r_t = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1),
//!   rises with t: the customers who churn easily leave first (heterogeneity, not loyalty);
//! - a subscriber still active after n periods has θ ~ Beta(α, β + n): their churn probability
//!   in period n + 1 is α / (α + β + n), and the chance they are still active after k more
//!   periods is S(n + k) / S(n) = B(α, β + n + k) / B(α, β + n).
//!
//! Values ([`Sbg::value`]) follow the cash-flow convention of [`crate::subscription`]: margin m
//! at the end of every future period survived, discounted at d per period, over H periods (or
//! an unlimited horizon). With q = 1 / (1 + d) and s_k = S(n + k) / S(n):
//!
//! - discounted expected residual lifetime DERL = Σ_{k=1..H} s_k q^k (Fader & Hardie 2010,
//!   "Customer-base valuation in a contractual setting", here without the payment of the
//!   current period): it equals q (β + n)/(α + β + n) · ₂F₁(1, β + n + 1; α + β + n + 1; q)
//!   when H is unlimited, checked against mpmath in the tests; CLV = m · DERL;
//! - expected remaining lifetime Σ_{k=1..H} s_k periods; with no horizon E[(1 − θ)/θ] =
//!   (β + n)/(α − 1), which is infinite when α ≤ 1 (then `None`);
//! - value at risk = p × (the value of the customer if this period's churn is averted) =
//!   p · m · Σ_{k=1..H} q^k s_k / s_1, with p = α / (α + β + n): what is lost if they churn now;
//! - retention elasticity = d ln CLV / d ln(retention rate), every future period's retention
//!   rate scaled by the same factor: Σ k s_k q^k / Σ s_k q^k (1.0 = CLV grows 1% per 1% of
//!   retention; the geometric model's (1 + d)/(1 + d − r) is the same formula at constant r).
//!
//! The sums are evaluated term by term in their natural form (each term is the previous times
//! a ratio in (0, 1)), with a bound on the tail: the ratio never exceeds q, so with no horizon
//! the sum stops once the tail is below 1e-16 of it; at most [`MAX_PERIODS`] terms are taken.

use crate::ModelError;
use crate::fit::{FitOptions, LogLikelihood, MleResult, maximise};
use crate::math::special::{digamma, ln_beta, ln_gamma, trigamma};
use crate::subscription::SubscriptionSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most periods a value sum takes: with no horizon, a discount rate below about 4e-6 per period
/// does not converge within it and is refused (give a horizon instead).
pub const MAX_PERIODS: u64 = 10_000_000;

/// Parameter names in the literature's order.
pub const PARAMS: [&str; 2] = ["alpha", "beta"];

/// A fitted sBG: churn probability per period ~ Beta(alpha, beta).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sbg {
    /// First shape of the churn probability's beta distribution.
    pub alpha: f64,
    /// Second shape.
    pub beta: f64,
}

/// Renewal histories grouped for the likelihood: (tenure, churned) → number of customers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Renewals {
    groups: BTreeMap<(u32, bool), f64>,
}

impl Renewals {
    /// An empty set.
    pub fn new() -> Renewals {
        Renewals::default()
    }

    /// Adds a customer: `tenure` is the period in which they churned (≥ 1) when `churned`,
    /// else the number of periods they have been observed without churning (≥ 0).
    pub fn add(&mut self, tenure: u32, churned: bool) -> Result<(), ModelError> {
        if churned && tenure == 0 {
            return Err(ModelError::InvalidInput {
                field: "tenure",
                reason: "a churned customer's tenure is the period they churned in, at least 1"
                    .into(),
            });
        }
        *self.groups.entry((tenure, churned)).or_insert(0.0) += 1.0;
        Ok(())
    }

    /// Customers added.
    pub fn customers(&self) -> f64 {
        self.groups.values().sum()
    }

    /// Customers who churned.
    pub fn churned(&self) -> f64 {
        self.groups
            .iter()
            .filter(|((_, c), _)| *c)
            .map(|(_, n)| n)
            .sum()
    }

    /// Whether the data identify α and β: someone churned and someone renewed at least once.
    fn check(&self) -> Result<(), ModelError> {
        if self.churned() == 0.0 {
            return Err(ModelError::NotEnoughData(
                "no customer churned: the churn rate cannot be estimated".into(),
            ));
        }
        let renewed = self.groups.keys().any(|&(t, c)| t >= 2 || (!c && t >= 1));
        if !renewed {
            return Err(ModelError::NotEnoughData(
                "no customer stayed beyond the first period: the retention curve cannot be \
                 estimated"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// One ln Γ(cα·α + cβ·β + k) term of a log-likelihood contribution, with its sign.
#[derive(Clone, Copy)]
struct Term {
    sign: f64,
    ca: f64,
    cb: f64,
    k: f64,
}

/// The terms of ln P(T = t) (churned in t) or ln S(t) (active after t), both minus ln B(α, β).
fn terms(t: u32, churned: bool) -> [Term; 6] {
    let t = f64::from(t);
    let term = |sign, ca, cb, k| Term { sign, ca, cb, k };
    let head = if churned {
        // ln B(α + 1, β + t − 1) = ln Γ(α + 1) + ln Γ(β + t − 1) − ln Γ(α + β + t).
        [term(1.0, 1.0, 0.0, 1.0), term(1.0, 0.0, 1.0, t - 1.0)]
    } else {
        // ln B(α, β + t) = ln Γ(α) + ln Γ(β + t) − ln Γ(α + β + t).
        [term(1.0, 1.0, 0.0, 0.0), term(1.0, 0.0, 1.0, t)]
    };
    [
        head[0],
        head[1],
        term(-1.0, 1.0, 1.0, t),
        // − ln B(α, β).
        term(-1.0, 1.0, 0.0, 0.0),
        term(-1.0, 0.0, 1.0, 0.0),
        term(1.0, 1.0, 1.0, 0.0),
    ]
}

/// The sBG log-likelihood of grouped renewals in θ = ln(α, β), with its exact Hessian.
struct Ll<'a> {
    data: &'a Renewals,
}

impl Ll<'_> {
    fn eval(&self, th: &[f64], grad: &mut [f64], hess: Option<&mut [f64]>) -> f64 {
        let p = [th[0].exp(), th[1].exp()];
        let (mut v, mut g, mut h) = (0.0, [0.0; 2], [0.0; 3]);
        for (&(t, churned), &n) in &self.data.groups {
            for term in terms(t, churned) {
                let z = term.ca * p[0] + term.cb * p[1] + term.k;
                let c = [term.ca, term.cb];
                let w = n * term.sign;
                v += w * ln_gamma(z);
                let psi = digamma(z);
                g[0] += w * psi * c[0];
                g[1] += w * psi * c[1];
                if hess.is_some() {
                    let tg = w * trigamma(z);
                    h[0] += tg * c[0] * c[0];
                    h[1] += tg * c[0] * c[1];
                    h[2] += tg * c[1] * c[1];
                }
            }
        }
        // Chain rule to θ = ln p: ∂/∂θi = p_i g_i, ∂²/∂θi∂θj = p_i p_j H_ij + δ_ij p_i g_i.
        grad[0] = p[0] * g[0];
        grad[1] = p[1] * g[1];
        if let Some(hess) = hess {
            hess[0] = p[0] * p[0] * h[0] + grad[0];
            hess[1] = p[0] * p[1] * h[1];
            hess[2] = hess[1];
            hess[3] = p[1] * p[1] * h[2] + grad[1];
        }
        v
    }
}

impl LogLikelihood for Ll<'_> {
    fn dim(&self) -> usize {
        2
    }
    fn customers(&self) -> f64 {
        self.data.customers()
    }
    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        self.eval(theta, grad, None)
    }
    fn has_hessian(&self) -> bool {
        true
    }
    fn value_grad_hess(&self, theta: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
        self.eval(theta, grad, Some(hess))
    }
}

/// What one active subscriber is worth under an sBG (see the module docs for the formulas).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SbgValue {
    /// P(churn in the coming period | active after n periods) = α / (α + β + n).
    pub churn_probability: f64,
    /// P(still active at the end of the horizon); `None` with no horizon (it tends to 0).
    pub survival_to_horizon: Option<f64>,
    /// Expected future periods subscribed within the horizon (undiscounted); `None` when it is
    /// infinite (no horizon and α ≤ 1).
    pub expected_lifetime_periods: Option<f64>,
    /// Discounted expected residual lifetime in periods (Σ s_k q^k): CLV per unit of margin.
    pub derl: f64,
    /// m · DERL.
    pub clv: f64,
    /// p × the value if this period's churn is averted.
    pub value_at_risk: f64,
    /// d ln CLV / d ln retention rate (dimensionless).
    pub retention_elasticity: f64,
}

impl Sbg {
    /// The model, checked: α and β finite and > 0.
    pub fn new(alpha: f64, beta: f64) -> Result<Sbg, ModelError> {
        let m = Sbg { alpha, beta };
        m.validate()?;
        Ok(m)
    }

    /// Checks the parameters (e.g. after loading an artefact).
    pub fn validate(&self) -> Result<(), ModelError> {
        crate::check_positive(&PARAMS, &[self.alpha, self.beta])
    }

    /// Parameter values in [`PARAMS`] order.
    pub fn values(&self) -> [f64; 2] {
        [self.alpha, self.beta]
    }

    /// Maximum-likelihood (α, β), Newton steps on ln(α, β) with the exact Hessian, from
    /// α = β = 1 (a uniform churn probability).
    pub fn fit(data: &Renewals, opts: &FitOptions) -> Result<(Sbg, MleResult), ModelError> {
        data.check()?;
        let res = maximise(&Ll { data }, &[1.0, 1.0], opts)?;
        let m = Sbg::new(res.params[0], res.params[1])?;
        Ok((m, res))
    }

    /// Total log-likelihood of `data`.
    pub fn log_likelihood(&self, data: &Renewals) -> f64 {
        Ll { data }.value_grad(&[self.alpha.ln(), self.beta.ln()], &mut [0.0; 2])
    }

    /// S(t) = P(still active after t periods), for a new subscriber.
    pub fn survival(&self, t: u32) -> f64 {
        let t = f64::from(t);
        (ln_beta(self.alpha, self.beta + t) - ln_beta(self.alpha, self.beta))
            .exp()
            .clamp(0.0, 1.0)
    }

    /// r_t = S(t)/S(t − 1), the share of period t − 1's survivors who renew in period t (t ≥ 1).
    pub fn retention_rate(&self, t: u32) -> f64 {
        let t = f64::from(t.max(1));
        (self.beta + t - 1.0) / (self.alpha + self.beta + t - 1.0)
    }

    /// P(churn in period n + 1 | active after n periods) = α / (α + β + n).
    pub fn churn_probability(&self, n: u32) -> f64 {
        self.alpha / (self.alpha + self.beta + f64::from(n))
    }

    /// Lifetime, CLV, value at risk and retention elasticity of a subscriber active after
    /// `tenure` periods with margin `margin` per period survived (may be negative).
    pub fn value(
        &self,
        tenure: u32,
        margin: f64,
        spec: &SubscriptionSpec,
    ) -> Result<SbgValue, ModelError> {
        spec.validate()?;
        if !margin.is_finite() {
            return Err(ModelError::InvalidInput {
                field: "margin",
                reason: format!("must be finite, got {margin}"),
            });
        }
        self.scale(self.unit_value(tenure, spec)?, margin)
    }

    /// A [`Sbg::unit_value`] for a margin of `margin` per period (CLV and value at risk scale).
    pub fn scale(&self, unit: SbgValue, margin: f64) -> Result<SbgValue, ModelError> {
        let v = SbgValue {
            clv: margin * unit.derl,
            value_at_risk: margin * unit.value_at_risk,
            ..unit
        };
        for (what, x) in [("CLV", v.clv), ("value at risk", v.value_at_risk)] {
            if !x.is_finite() {
                return Err(ModelError::Numerical(format!("sBG {what} is not finite")));
            }
        }
        Ok(v)
    }

    /// [`Sbg::value`] for a margin of 1 (what callers cache per tenure).
    pub fn unit_value(&self, tenure: u32, spec: &SubscriptionSpec) -> Result<SbgValue, ModelError> {
        spec.validate()?;
        let (a, b, n) = (self.alpha, self.beta, f64::from(tenure));
        let q = 1.0 / (1.0 + spec.discount_per_period);
        let p = self.churn_probability(tenure);
        let limit = spec.horizon_periods.map_or(MAX_PERIODS, u64::from);
        // u_k = q^k Π_{j=2..k} r_{n+j}: the discounted survival of a customer who renews in
        // period n + 1; s_k q^k = r_{n+1} u_k.
        let (mut u, mut k) = (q, 1u64);
        let (mut sum_u, mut sum_ku, mut life, mut surv) = (0.0, 0.0, 0.0, 1.0 - p);
        loop {
            let kf = k as f64;
            sum_u += u;
            sum_ku += kf * u;
            // Undiscounted survival s_k, only needed within a horizon.
            if spec.horizon_periods.is_some() {
                life += surv;
            }
            if k >= limit {
                break;
            }
            // The ratio of successive terms is below q: the tails of Σ u and Σ k u are at most
            // u q/(1 − q) and u (k q/(1 − q) + q/(1 − q)²).
            if spec.horizon_periods.is_none() {
                let odds = q / (1.0 - q);
                if u * odds <= 1e-16 * sum_u && u * (kf * odds + odds / (1.0 - q)) <= 1e-16 * sum_ku
                {
                    break;
                }
                if k + 1 >= MAX_PERIODS {
                    return Err(ModelError::Numerical(format!(
                        "the discount rate of {} per period is too small for an unlimited \
                         horizon ({MAX_PERIODS} periods do not converge): give a horizon",
                        spec.discount_per_period
                    )));
                }
            }
            // Renewal in period n + k + 1 given active after n + k periods.
            let r = (b + n + kf) / (a + b + n + kf);
            u *= r * q;
            surv *= r;
            k += 1;
        }
        let r1 = 1.0 - p;
        let derl = r1 * sum_u;
        let expected_lifetime_periods = match spec.horizon_periods {
            Some(_) => Some(life),
            None if a > 1.0 => Some((b + n) / (a - 1.0)),
            None => None,
        };
        let survival_to_horizon = spec.horizon_periods.map(|_| surv.clamp(0.0, 1.0));
        let v = SbgValue {
            churn_probability: p,
            survival_to_horizon,
            expected_lifetime_periods,
            derl,
            clv: derl,
            value_at_risk: p * sum_u,
            retention_elasticity: if sum_u > 0.0 { sum_ku / sum_u } else { 0.0 },
        };
        if [derl, v.value_at_risk, v.retention_elasticity]
            .iter()
            .chain(expected_lifetime_periods.iter())
            .any(|x| !x.is_finite())
        {
            return Err(ModelError::Numerical(format!(
                "sBG value of tenure {tenure} is not finite for {self:?}"
            )));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests;

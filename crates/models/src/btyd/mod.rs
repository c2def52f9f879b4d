//! Buy-till-you-die purchase models: *when* customers buy, and when they silently leave.
//!
//! Every model lives in one file (or one folder) of its own and implements
//! [`PurchaseProcess`]: its parameters, likelihood, predictions, P(X(t) = x), the simulation of
//! one customer and what "reduce dropout by u" means for it. [`PurchaseModel`] is the closed enum
//! that artefacts serialise (`{"kind": "bgnbd", "params": {...}}`) and [`PurchaseKind`] names a
//! model before it is fitted; both are generated from the one list at the bottom of this file,
//! so adding a model is its file plus its `mod` line and its list line here.
//!
//! - [`bgnbd`], [`mbgnbd`], [`paretonbd`]: the models.
//! - `beta_geometric`: the likelihood and simulation shared by BG/NBD and MBG/NBD.
//! - `nbd`: the gamma-mixed Poisson counts every model's P(X(t) = x) is built from.
//! - [`Posterior`]: one customer's state, P(alive) computed once for many predictions.
//! - [`pmf`], [`simulate`]: P(X(t) = x) and seeded simulation for any model.

#[macro_use]
mod dispatch;
mod beta_geometric;
// The models, one line each (the list at the bottom names them again). Declared here rather
// than by the macro so that rustfmt and other tools that follow `mod` items see their files.
pub mod bgnbd;
pub mod mbgnbd;
pub mod paretonbd;

mod model;
mod nbd;
pub mod pmf;
mod posterior;
pub mod predict;
pub mod simulate;

pub use posterior::Posterior;
pub use predict::{FirstPurchaseDropout, NextPurchase};

use crate::ModelError;
use crate::clv::ClvSteps;
use crate::fit::{FitOptions, MleResult};
use rand::Rng;
use retain_core::patterns::Patterns;
use std::fmt;

/// The names of a kind of model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    /// The CLI and artefact name: the `kind` tag of [`PurchaseModel`] (checked by a test).
    pub name: &'static str,
    /// The name in the literature.
    pub display_name: &'static str,
    /// Other spellings accepted on the command line (after lower-casing and turning `/` and
    /// `_` into `-`).
    pub aliases: &'static [&'static str],
    /// Parameter names in the literature's order: the order of every parameter vector.
    pub params: &'static [&'static str],
}

/// A purchase/dropout model with known parameters.
///
/// The trait is object-safe (`&dyn PurchaseProcess` is what [`PurchaseModel::process`] hands
/// out); the constructors and [`PurchaseProcess::reduce_dropout`], which return `Self`, are
/// `where Self: Sized` and reached through [`PurchaseKind`] and [`PurchaseModel`] instead.
///
/// Time is in the model's unit throughout; a customer is (x repeat purchases, the last at
/// t_x, observed for T since the first purchase).
pub trait PurchaseProcess: fmt::Debug + Send + Sync {
    /// The names of this kind of model.
    fn kind_info() -> &'static KindInfo
    where
        Self: Sized;

    /// The model from parameters in [`KindInfo::params`] order; `values` has exactly that many
    /// entries (checked by [`PurchaseProcess::from_values`]).
    fn from_values_unchecked(values: &[f64]) -> Self
    where
        Self: Sized;

    /// The model from parameters in [`KindInfo::params`] order, checked.
    fn from_values(values: &[f64]) -> Result<Self, ModelError>
    where
        Self: Sized,
    {
        let names = Self::kind_info().params;
        if values.len() != names.len() {
            return Err(ModelError::InvalidInput {
                field: "params",
                reason: format!(
                    "{} needs {} parameters ({}), got {}",
                    Self::kind_info().display_name,
                    names.len(),
                    names.join(", "),
                    values.len()
                ),
            });
        }
        let m = Self::from_values_unchecked(values);
        m.validate()?;
        Ok(m)
    }

    /// Maximum-likelihood fit on (compressed) patterns.
    fn fit(p: &Patterns, opts: &FitOptions) -> Result<(Self, MleResult), ModelError>
    where
        Self: Sized;

    /// This model with its mean dropout reduced by the fraction `u` ∈ [0, 1), without checks
    /// (see [`PurchaseProcess::reduce_dropout`]). `u = 0` must return the same parameters bit
    /// for bit.
    fn with_dropout_reduced(&self, u: f64) -> Self
    where
        Self: Sized;

    /// This model with its mean dropout reduced by `u` (what-if scenarios); `u` must be in
    /// [0, 1) (u = 1 would remove dropout altogether). [`PurchaseProcess::dropout_definition`]
    /// says what it means for the model.
    fn reduce_dropout(&self, u: f64) -> Result<Self, ModelError>
    where
        Self: Sized,
    {
        if !(0.0..1.0).contains(&u) {
            return Err(ModelError::InvalidInput {
                field: "uplift",
                reason: format!(
                    "a dropout reduction must be at least 0% and below 100%, got {}%",
                    100.0 * u
                ),
            });
        }
        let m = self.with_dropout_reduced(u);
        m.validate()?;
        Ok(m)
    }

    /// The names of this model's kind.
    fn info(&self) -> &'static KindInfo;

    /// Parameter names in the literature's order.
    fn names(&self) -> &'static [&'static str] {
        self.info().params
    }

    /// Number of parameters (for AIC / BIC).
    fn n_params(&self) -> usize {
        self.names().len()
    }

    /// Parameter values in [`PurchaseProcess::names`] order.
    fn values(&self) -> Vec<f64>;

    /// Checks the parameters (e.g. after loading an artefact); by default every one finite
    /// and > 0.
    fn validate(&self) -> Result<(), ModelError> {
        crate::check_positive(self.names(), &self.values())
    }

    /// Total log-likelihood of patterns under these parameters.
    fn log_likelihood(&self, p: &Patterns) -> f64;

    /// P(alive at T | x, t_x, T).
    fn p_alive(&self, x: u32, t_x: f64, t: f64) -> f64;

    /// E[purchases in (T, T + h] | x, T, alive at T] (independent of t_x) at many horizons:
    /// each element of `horizon_then_value` holds a horizon h on entry and the expectation on
    /// return, so models can share work across the horizons of a CLV sum.
    fn expected_purchases_if_alive_at(
        &self,
        horizon_then_value: &mut [f64],
        x: u32,
        t: f64,
    ) -> Result<(), ModelError>;

    /// P(at least one purchase in (T, T + horizon] | x, T, alive at T).
    fn p_purchase_if_alive(&self, horizon: f64, x: u32, t: f64) -> f64;

    /// E[X(t)] for a customer picked at random at the time of first purchase.
    fn expected_purchases_new(&self, t: f64) -> Result<f64, ModelError>;

    /// ln P(X(t) = x) for a new customer, for finite t > 0 (the checks and the t = 0 case are
    /// [`PurchaseProcess::ln_pmf`]'s).
    fn ln_pmf_unchecked(&self, t: f64, x: u32) -> Result<f64, ModelError>;

    /// One new customer observed for `t`: their repeat purchase times in (0, t], ascending.
    fn simulate_customer(&self, rng: &mut dyn Rng, t: f64) -> Result<Vec<f64>, ModelError>;

    /// What [`PurchaseProcess::reduce_dropout`] does to the parameters, in words (for reports).
    fn dropout_definition(&self) -> &'static str;

    /// A customer (x repeat purchases, observed for T) known to be alive at T, from T on: a
    /// new customer (time origin T) of the returned model, whose parameters the x purchases
    /// and T have updated (the purchase-rate gamma becomes Gamma(r + x, α + T)). Every
    /// prediction for a window after T given alive is the new-customer one of this model.
    fn renewed(&self, x: u32, t: f64) -> PurchaseModel;

    /// ln P(alive at t) for a new customer, for finite t ≥ 0.
    fn ln_survival_new(&self, t: f64) -> Result<f64, ModelError>;

    /// P(a new customer who has not bought yet is still alive at u), which with the
    /// purchase-rate gamma describes the time to the first purchase ([`predict`]).
    fn first_purchase_dropout(&self) -> FirstPurchaseDropout;

    /// ln P(alive at T + later | x, T, alive at T).
    fn ln_p_alive_later_if_alive(&self, later: f64, x: u32, t: f64) -> Result<f64, ModelError> {
        check_window("later", later)?;
        self.renewed(x, t).process().ln_survival_new(later)
    }

    /// ln P(X(T, T + window] = k | x, T, alive at T): the conditional PMF given alive (lifetimes'
    /// `conditional_probability_of_n_purchases_up_to_time` for a customer alive at T).
    fn ln_pmf_if_alive(&self, window: f64, k: u32, x: u32, t: f64) -> Result<f64, ModelError> {
        self.renewed(x, t).process().ln_pmf(window, k)
    }

    /// The time to the next purchase after T of a customer alive at T, with the chance that it
    /// comes within `horizon` ([`NextPurchase`]).
    fn next_purchase_if_alive(
        &self,
        horizon: f64,
        x: u32,
        t: f64,
    ) -> Result<NextPurchase, ModelError> {
        predict::next_purchase(self.renewed(x, t).process(), horizon)
    }

    /// Σ_i (E[X(iΔ)] − E[X((i−1)Δ)]) / (1 + d)^i for a customer with this P(alive), when the
    /// model has a faster closed form than summing [`Self::expected_purchases_if_alive_at`]
    /// (`None`: use the generic sum).
    fn discounted_purchases(
        &self,
        _p_alive: f64,
        _x: u32,
        _t: f64,
        _steps: &ClvSteps,
    ) -> Option<f64> {
        None
    }

    /// Whether [`Self::dert`] has a closed form for this model.
    fn has_dert(&self) -> bool {
        false
    }

    /// Discounted expected residual transactions at a continuous discount rate `delta` per
    /// time unit, given P(alive); `None` where the model has no closed form ([`Self::has_dert`]).
    fn dert(
        &self,
        _p_alive: f64,
        _delta: f64,
        _x: u32,
        _t: f64,
    ) -> Option<Result<f64, ModelError>> {
        None
    }

    /// E[purchases in (T, T + horizon] | x, T, alive at T].
    fn expected_purchases_if_alive(&self, horizon: f64, x: u32, t: f64) -> Result<f64, ModelError> {
        let mut e = [horizon];
        self.expected_purchases_if_alive_at(&mut e, x, t)?;
        Ok(e[0])
    }

    /// E[purchases in (T, T + horizon] | x, t_x, T].
    fn expected_purchases(
        &self,
        horizon: f64,
        x: u32,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ModelError> {
        let e = self.expected_purchases_if_alive(horizon, x, t)?;
        crate::finite_nonneg("expected purchases", e * self.p_alive(x, t_x, t))
    }

    /// P(no purchase in (T, T + horizon] | x, t_x, T).
    fn p_no_purchase(&self, horizon: f64, x: u32, t_x: f64, t: f64) -> f64 {
        let pa = self.p_alive(x, t_x, t);
        (1.0 - pa * self.p_purchase_if_alive(horizon, x, t)).clamp(0.0, 1.0)
    }

    /// ln P(X(t) = x) for a new customer observed for `t` time units. Never NaN or +∞; −∞ only
    /// where the probability is exactly 0 (t = 0 and x > 0).
    fn ln_pmf(&self, t: f64, x: u32) -> Result<f64, ModelError> {
        if !(t.is_finite() && t >= 0.0) {
            return Err(ModelError::InvalidInput {
                field: "t",
                reason: format!("must be finite and >= 0, got {t}"),
            });
        }
        if t == 0.0 {
            return Ok(if x == 0 { 0.0 } else { f64::NEG_INFINITY });
        }
        let v = self.ln_pmf_unchecked(t, x)?;
        if v.is_nan() || v == f64::INFINITY {
            return Err(ModelError::Numerical(format!(
                "ln P(X({t}) = {x}) is {v} for {self:?}"
            )));
        }
        // Rounding can push a probability of ~1 a hair above it.
        Ok(v.min(0.0))
    }

    /// P(X(t) = x) for a new customer observed for `t` time units, in [0, 1].
    fn pmf(&self, t: f64, x: u32) -> Result<f64, ModelError> {
        Ok(self.ln_pmf(t, x)?.exp())
    }
}

/// Checks a time span of a prediction: finite and ≥ 0.
pub(crate) fn check_window(field: &'static str, v: f64) -> Result<(), ModelError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidInput {
            field,
            reason: format!("must be finite and >= 0, got {v}"),
        })
    }
}

// The one list of purchase models, `module::Type => Variant`, in the order training tries
// them. A variant's kebab-case name is its `kind` tag in artefacts (`ParetoNbd` →
// "pareto-nbd"), so variants are never renamed.
purchase_models! {
    bgnbd::BgNbd => Bgnbd,
    paretonbd::ParetoNbd => ParetoNbd,
    mbgnbd::MbgNbd => Mbgnbd,
}

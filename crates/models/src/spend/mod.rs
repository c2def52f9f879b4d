//! Spend models: how much a customer spends per purchase, independent of when they buy.
//!
//! Gamma-Gamma is the one model today. [`SpendModel`] is the closed enum that artefacts
//! store; it serialises as the bare parameters of its model (no tag), exactly as artefacts
//! stored `GammaGamma` before the enum existed, so old artefacts load unchanged. A second spend
//! model would need parameter names that tell it apart, or a tag with a default.

pub mod gammagamma;

use crate::ModelError;
use crate::fit::{FitOptions, MleResult};
use gammagamma::GammaGamma;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// What every spend model provides; object-safe, so [`SpendModel::process`] is the one place
/// that dispatches on the model.
pub trait SpendProcess: std::fmt::Debug + Send + Sync {
    /// The CLI / report name, e.g. `gamma-gamma`.
    fn name(&self) -> &'static str;
    /// The name in the literature, e.g. `Gamma-Gamma`.
    fn display_name(&self) -> &'static str;
    /// Parameter names in the literature's order.
    fn names(&self) -> &'static [&'static str];
    /// Parameter values in [`Self::names`] order.
    fn values(&self) -> Vec<f64>;
    /// Number of parameters (for AIC / BIC).
    fn n_params(&self) -> usize {
        self.names().len()
    }
    /// Checks the parameters (e.g. after loading an artefact).
    fn validate(&self) -> Result<(), ModelError>;
    /// E[spend per transaction | x repeat purchases with mean spend `monetary`].
    fn expected_spend(&self, x: u32, monetary: f64) -> f64;
    /// Total log-likelihood of the customers' (x, mean repeat spend) pairs.
    fn log_likelihood(&self, x: &[u32], monetary: &[f64]) -> Result<f64, ModelError>;
    /// The amounts of `n` purchases of one new customer, drawn from `rng`.
    fn simulate_amounts(&self, rng: &mut dyn Rng, n: usize) -> Result<Vec<f64>, ModelError>;
}

/// A fitted spend model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SpendModel {
    /// Gamma-Gamma (Fader, Hardie & Lee 2005).
    GammaGamma(GammaGamma),
}

impl SpendModel {
    /// The model behind the enum: every method below goes through here.
    pub fn process(&self) -> &dyn SpendProcess {
        match self {
            SpendModel::GammaGamma(m) => m,
        }
    }

    /// Fits the default spend model (Gamma-Gamma) on repeat counts and mean repeat spend;
    /// returns the model, the fit and the number of customers used.
    pub fn fit(
        x: &[u32],
        monetary: &[f64],
        opts: &FitOptions,
    ) -> Result<(Self, MleResult, usize), ModelError> {
        let (m, res, n) = GammaGamma::fit(x, monetary, opts)?;
        Ok((SpendModel::GammaGamma(m), res, n))
    }

    /// See [`SpendProcess::name`].
    pub fn name(&self) -> &'static str {
        self.process().name()
    }

    /// See [`SpendProcess::display_name`].
    pub fn display_name(&self) -> &'static str {
        self.process().display_name()
    }

    /// See [`SpendProcess::names`].
    pub fn names(&self) -> &'static [&'static str] {
        self.process().names()
    }

    /// See [`SpendProcess::values`].
    pub fn values(&self) -> Vec<f64> {
        self.process().values()
    }

    /// See [`SpendProcess::n_params`].
    pub fn n_params(&self) -> usize {
        self.process().n_params()
    }

    /// See [`SpendProcess::validate`].
    pub fn validate(&self) -> Result<(), ModelError> {
        self.process().validate()
    }

    /// See [`SpendProcess::expected_spend`].
    pub fn expected_spend(&self, x: u32, monetary: f64) -> f64 {
        self.process().expected_spend(x, monetary)
    }

    /// See [`SpendProcess::log_likelihood`].
    pub fn log_likelihood(&self, x: &[u32], monetary: &[f64]) -> Result<f64, ModelError> {
        self.process().log_likelihood(x, monetary)
    }

    /// See [`SpendProcess::simulate_amounts`].
    pub fn simulate_amounts(&self, rng: &mut dyn Rng, n: usize) -> Result<Vec<f64>, ModelError> {
        self.process().simulate_amounts(rng, n)
    }
}

impl From<GammaGamma> for SpendModel {
    fn from(m: GammaGamma) -> Self {
        SpendModel::GammaGamma(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spend_models_serialise_as_artefacts_stored_gamma_gamma() {
        let gg = GammaGamma {
            p: 6.2495719725,
            q: 3.7440831456,
            gamma: 15.4435217651,
        };
        let bare = serde_json::to_string(&gg).unwrap();
        assert_eq!(serde_json::to_string(&SpendModel::from(gg)).unwrap(), bare);
        let back: SpendModel = serde_json::from_str(&bare).unwrap();
        assert_eq!(back, SpendModel::GammaGamma(gg));
        assert_eq!(back.names(), ["p", "q", "gamma"]);
        assert_eq!(back.values(), vec![gg.p, gg.q, gg.gamma]);
        assert_eq!(back.n_params(), 3);
        assert_eq!(back.expected_spend(2, 30.0), gg.expected_spend(2, 30.0));
    }
}

//! The closed set of purchase models, dispatched by an enum that serialises with a `kind` tag.

use crate::ModelError;
use crate::bgnbd::BgNbd;
use crate::fit::{FitOptions, MleResult};
use crate::mbgnbd::MbgNbd;
use crate::paretonbd::ParetoNbd;
use retain_core::patterns::Patterns;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which purchase/dropout model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PurchaseKind {
    /// BG/NBD.
    Bgnbd,
    /// Pareto/NBD.
    ParetoNbd,
    /// MBG/NBD.
    Mbgnbd,
}

impl PurchaseKind {
    /// All kinds, in the order they are tried.
    pub const ALL: [PurchaseKind; 3] = [
        PurchaseKind::Bgnbd,
        PurchaseKind::ParetoNbd,
        PurchaseKind::Mbgnbd,
    ];

    /// The CLI / artefact name.
    pub fn name(self) -> &'static str {
        match self {
            PurchaseKind::Bgnbd => "bgnbd",
            PurchaseKind::ParetoNbd => "pareto-nbd",
            PurchaseKind::Mbgnbd => "mbgnbd",
        }
    }

    /// The name in the literature.
    pub fn display_name(self) -> &'static str {
        match self {
            PurchaseKind::Bgnbd => "BG/NBD",
            PurchaseKind::ParetoNbd => "Pareto/NBD",
            PurchaseKind::Mbgnbd => "MBG/NBD",
        }
    }

    /// Fits this kind of model.
    pub fn fit(
        self,
        p: &Patterns,
        opts: &FitOptions,
    ) -> Result<(PurchaseModel, MleResult), ModelError> {
        Ok(match self {
            PurchaseKind::Bgnbd => {
                let (m, r) = BgNbd::fit(p, opts)?;
                (PurchaseModel::Bgnbd(m), r)
            }
            PurchaseKind::ParetoNbd => {
                let (m, r) = ParetoNbd::fit(p, opts)?;
                (PurchaseModel::ParetoNbd(m), r)
            }
            PurchaseKind::Mbgnbd => {
                let (m, r) = MbgNbd::fit(p, opts)?;
                (PurchaseModel::Mbgnbd(m), r)
            }
        })
    }
}

impl fmt::Display for PurchaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PurchaseKind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        match s.to_ascii_lowercase().replace(['/', '_'], "-").as_str() {
            "bgnbd" | "bg-nbd" => Ok(PurchaseKind::Bgnbd),
            "pareto-nbd" | "paretonbd" | "pnbd" => Ok(PurchaseKind::ParetoNbd),
            "mbgnbd" | "mbg-nbd" => Ok(PurchaseKind::Mbgnbd),
            _ => Err(ModelError::InvalidInput {
                field: "model",
                reason: format!("unknown purchase model {s:?} (bgnbd, pareto-nbd, mbgnbd)"),
            }),
        }
    }
}

/// A fitted purchase model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "params", rename_all = "kebab-case")]
pub enum PurchaseModel {
    /// BG/NBD.
    Bgnbd(BgNbd),
    /// Pareto/NBD.
    ParetoNbd(ParetoNbd),
    /// MBG/NBD.
    Mbgnbd(MbgNbd),
}

impl PurchaseModel {
    /// Its kind.
    pub fn kind(&self) -> PurchaseKind {
        match self {
            PurchaseModel::Bgnbd(_) => PurchaseKind::Bgnbd,
            PurchaseModel::ParetoNbd(_) => PurchaseKind::ParetoNbd,
            PurchaseModel::Mbgnbd(_) => PurchaseKind::Mbgnbd,
        }
    }

    /// Parameter names, literature order.
    pub fn names(&self) -> &'static [&'static str] {
        match self {
            PurchaseModel::Bgnbd(_) => &BgNbd::NAMES,
            PurchaseModel::ParetoNbd(_) => &ParetoNbd::NAMES,
            PurchaseModel::Mbgnbd(_) => &MbgNbd::NAMES,
        }
    }

    /// Parameter values, literature order.
    pub fn values(&self) -> Vec<f64> {
        match self {
            PurchaseModel::Bgnbd(m) => m.to_vec(),
            PurchaseModel::ParetoNbd(m) => m.to_vec(),
            PurchaseModel::Mbgnbd(m) => m.to_vec(),
        }
    }

    /// Checks the parameters (e.g. after loading an artefact).
    pub fn validate(&self) -> Result<(), ModelError> {
        match self {
            PurchaseModel::Bgnbd(m) => m.validate(),
            PurchaseModel::ParetoNbd(m) => m.validate(),
            PurchaseModel::Mbgnbd(m) => m.validate(),
        }
    }

    /// Total log-likelihood of patterns.
    pub fn log_likelihood(&self, p: &Patterns) -> f64 {
        match self {
            PurchaseModel::Bgnbd(m) => m.log_likelihood(p),
            PurchaseModel::ParetoNbd(m) => m.log_likelihood(p),
            PurchaseModel::Mbgnbd(m) => m.log_likelihood(p),
        }
    }

    /// P(alive at T | x, t_x, T).
    pub fn p_alive(&self, x: u32, t_x: f64, t: f64) -> f64 {
        match self {
            PurchaseModel::Bgnbd(m) => m.p_alive(x, t_x, t),
            PurchaseModel::ParetoNbd(m) => m.p_alive(x, t_x, t),
            PurchaseModel::Mbgnbd(m) => m.p_alive(x, t_x, t),
        }
    }

    /// E[purchases in (T, T + horizon] | x, t_x, T].
    pub fn expected_purchases(
        &self,
        horizon: f64,
        x: u32,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ModelError> {
        self.posterior(x, t_x, t).expected_purchases(horizon)
    }

    /// One customer's posterior: P(alive) computed once, for predictions at many horizons.
    pub fn posterior(&self, x: u32, t_x: f64, t: f64) -> Posterior<'_> {
        Posterior {
            model: self,
            x,
            t,
            p_alive: self.p_alive(x, t_x, t),
        }
    }

    /// E[X(t)] for a new customer.
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64, ModelError> {
        match self {
            PurchaseModel::Bgnbd(m) => m.expected_purchases_new(t),
            PurchaseModel::ParetoNbd(m) => m.expected_purchases_new(t),
            PurchaseModel::Mbgnbd(m) => m.expected_purchases_new(t),
        }
    }

    /// P(no purchase in (T, T + horizon] | x, t_x, T).
    pub fn p_no_purchase(&self, horizon: f64, x: u32, t_x: f64, t: f64) -> f64 {
        self.posterior(x, t_x, t).p_no_purchase(horizon)
    }
}

/// A customer's state under a fitted model at the as-of time T. Every prediction factors as
/// P(alive at T) × (a prediction for a customer known to be alive, which does not depend on
/// t_x): P(alive) is the costly part (a hypergeometric series for Pareto/NBD), so scoring
/// computes it once per customer rather than once per horizon or CLV step.
#[derive(Debug, Clone, Copy)]
pub struct Posterior<'a> {
    model: &'a PurchaseModel,
    x: u32,
    t: f64,
    p_alive: f64,
}

impl Posterior<'_> {
    /// P(alive at T).
    pub fn p_alive(&self) -> f64 {
        self.p_alive
    }

    /// E[purchases in (T, T + horizon]].
    pub fn expected_purchases(&self, horizon: f64) -> Result<f64, ModelError> {
        let (x, t) = (self.x, self.t);
        let if_alive = match self.model {
            PurchaseModel::Bgnbd(m) => m.expected_purchases_if_alive(horizon, x, t)?,
            PurchaseModel::ParetoNbd(m) => m.expected_purchases_if_alive(horizon, x, t),
            PurchaseModel::Mbgnbd(m) => m.expected_purchases_if_alive(horizon, x, t)?,
        };
        crate::finite_nonneg("expected purchases", self.p_alive * if_alive)
    }

    /// [`Self::expected_purchases`] at each horizon of `horizon_then_value` (replaced by the
    /// expectations), sharing the work across horizons where the model allows (BG/NBD and
    /// MBG/NBD sum their 2F1 series for all horizons at once): the CLV step sums.
    pub fn expected_purchases_at(&self, horizon_then_value: &mut [f64]) -> Result<(), ModelError> {
        let (x, t) = (self.x, self.t);
        match self.model {
            PurchaseModel::Bgnbd(m) => {
                m.expected_purchases_if_alive_at(horizon_then_value, x, t)?
            }
            PurchaseModel::Mbgnbd(m) => {
                m.expected_purchases_if_alive_at(horizon_then_value, x, t)?
            }
            PurchaseModel::ParetoNbd(m) => {
                for h in horizon_then_value.iter_mut() {
                    *h = m.expected_purchases_if_alive(*h, x, t);
                }
            }
        }
        for v in horizon_then_value.iter_mut() {
            *v = crate::finite_nonneg("expected purchases", self.p_alive * *v)?;
        }
        Ok(())
    }

    /// P(no purchase in (T, T + horizon]).
    pub fn p_no_purchase(&self, horizon: f64) -> f64 {
        let (x, t) = (self.x, self.t);
        let buy = match self.model {
            PurchaseModel::Bgnbd(m) => m.p_purchase_if_alive(horizon, x, t),
            PurchaseModel::ParetoNbd(m) => m.p_purchase_if_alive(horizon, x, t),
            PurchaseModel::Mbgnbd(m) => m.p_purchase_if_alive(horizon, x, t),
        };
        (1.0 - self.p_alive * buy).clamp(0.0, 1.0)
    }

    /// Pareto/NBD only: (scale, s, β + T) such that E[X(h)] =
    /// scale · (1 − (1 + h/(β+T))^(1−s)) / (s − 1), for closed-form sums over many horizons.
    pub fn pareto_alive_terms(&self) -> Option<(f64, f64, f64)> {
        match self.model {
            PurchaseModel::ParetoNbd(m) => {
                let b = m.beta + self.t;
                Some((
                    self.p_alive * (m.r + self.x as f64) / (m.alpha + self.t) * b,
                    m.s,
                    b,
                ))
            }
            _ => None,
        }
    }

    /// Pareto/NBD only: discounted expected residual transactions at a continuous rate
    /// `delta` per model time unit (see [`ParetoNbd::dert`]).
    pub fn dert(&self, delta: f64) -> Option<Result<f64, ModelError>> {
        match self.model {
            PurchaseModel::ParetoNbd(m) => Some(m.dert_given(self.p_alive, delta, self.x, self.t)),
            _ => None,
        }
    }
}

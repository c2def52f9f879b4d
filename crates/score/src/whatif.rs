//! Retention what-if: how much projected value a base gains if dropout falls by u
//! ("what is +5% retention worth?"). Pure functions; `retain whatif` prints them.
//!
//! "Reduce dropout by u" is defined in each model's own parameters, and the whole base is
//! re-scored with the changed model:
//!
//! - BG/NBD and MBG/NBD: the dropout probability after each purchase, p ~ Beta(a, b), has mean
//!   a/(a+b). It becomes (1−u)·a/(a+b) with a+b fixed (the spread of p across customers is
//!   kept): a' = (1−u)·a, b' = b + u·a.
//! - Pareto/NBD: the dropout rate μ ~ Gamma(s, β) has mean s/β. It becomes (1−u)·s/β with the
//!   shape fixed: β' = β/(1−u).
//!
//! Because the customers' histories are re-read under the new parameters, P(alive) at the
//! as-of date rises too (a silent customer is more likely still alive when dropout is rarer),
//! as well as the expected purchases of those alive.
//!
//! [`Mode::PAlive`] instead keeps the fitted model and raises each customer's P(alive) at the
//! as-of date by u relative, p' = min(1, (1+u)·p). Every BTYD prediction of this crate is
//! P(alive) × an expectation given alive that does not depend on P(alive)
//! ([`retain_models::btyd::Posterior`]), so expected purchases and CLV scale by p'/p.
//!
//! Churn classifiers with a margin (subscription CLV, [`retain_models::subscription`]): the
//! per-period churn probability becomes p' = (1−u)·p and CLV = Σ_t m (1−p')^t / (1+d)^t.

use crate::ScoreError;
use crate::artefact::ClvArtefact;
use crate::churn_value::ValueSpec;
use rayon::prelude::*;
use retain_core::summary::Summaries;
use retain_core::time::TimeUnit;
use retain_models::btyd::PurchaseModel;
use retain_models::clv::{ClvSpec, ClvSteps, clv};
use retain_models::spend::gammagamma::GammaGamma;
use serde::Serialize;
use std::collections::BTreeMap;

/// How an uplift is applied to a BTYD model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Scale the model's dropout parameters (see the module documentation).
    Dropout,
    /// Raise each customer's P(alive) at the as-of date by u relative, capped at 1.
    PAlive,
}

/// Checks an uplift: 0 ≤ u < 1 (u = 1 would remove dropout altogether).
pub fn check_uplift(u: f64) -> Result<(), ScoreError> {
    if (0.0..1.0).contains(&u) {
        Ok(())
    } else {
        Err(ScoreError::setting(
            "uplift",
            format!("must be at least 0% and below 100%, got {}%", 100.0 * u),
        ))
    }
}

/// The purchase model with its mean dropout reduced by `u` (see the module documentation).
/// `u = 0` returns the same parameters bit for bit.
pub fn reduce_dropout(model: &PurchaseModel, u: f64) -> Result<PurchaseModel, ScoreError> {
    check_uplift(u)?;
    // Each model defines "reduce dropout by u" in its own parameters (retain-models).
    Ok(model.reduce_dropout(u)?)
}

/// What "reduce dropout by u" means for this model and mode, in words (for reports).
pub fn definition(model: &PurchaseModel, mode: Mode) -> &'static str {
    match (mode, model) {
        (Mode::PAlive, _) => {
            "each customer's P(alive) at the as-of date raised by u relative, capped at 1: \
             p' = min(1, (1+u)p); expected purchases and CLV scale by p'/p"
        }
        (Mode::Dropout, _) => model.dropout_definition(),
    }
}

/// One measure of one scenario against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// What is measured, e.g. `clv` or `expected_purchases`.
    pub measure: &'static str,
    /// Total over the base with the fitted model.
    pub baseline: f64,
    /// Total with the uplift.
    pub new: f64,
    /// new − baseline.
    pub change: f64,
    /// 100 × change / baseline (`None` when the baseline is 0).
    pub change_pct: Option<f64>,
}

/// The result of one uplift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// The uplift u (0.05 for 5%).
    pub uplift: f64,
    /// Parameters of the model used (changed in dropout mode), by name.
    pub parameters: BTreeMap<String, f64>,
    /// Mean P(alive) at the as-of date (BTYD models).
    pub mean_p_alive: Option<f64>,
    /// Each measure against the baseline.
    pub changes: Vec<Change>,
}

/// Totals of the base under one model: (measure, total) pairs and the mean P(alive).
#[derive(Debug, Clone, PartialEq)]
struct Totals {
    measures: Vec<(&'static str, f64)>,
    mean_p_alive: Option<f64>,
}

fn compare(
    uplift: f64,
    parameters: BTreeMap<String, f64>,
    base: &Totals,
    new: &Totals,
) -> Scenario {
    let changes = base
        .measures
        .iter()
        .zip(&new.measures)
        .map(|(&(measure, b), &(_, n))| Change {
            measure,
            baseline: b,
            new: n,
            change: n - b,
            change_pct: (b != 0.0).then(|| 100.0 * (n - b) / b),
        })
        .collect();
    Scenario {
        uplift,
        parameters,
        mean_p_alive: new.mean_p_alive,
        changes,
    }
}

/// Customers per parallel chunk: each chunk sums in order and the chunks are added in order,
/// so totals do not depend on the thread schedule (uplift 0 reproduces the baseline exactly).
const CHUNK: usize = 4096;

/// Σ over customers of `f(i)` = [P(alive), expected purchases, CLV], deterministically.
fn sum3(
    n: usize,
    f: impl Fn(usize) -> Result<[f64; 3], ScoreError> + Sync,
) -> Result<[f64; 3], ScoreError> {
    let parts = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut s = [0.0; 3];
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                let v = f(i)?;
                (0..3).for_each(|k| s[k] += v[k]);
            }
            Ok(s)
        })
        .collect::<Result<Vec<_>, ScoreError>>()?;
    let mut total = [0.0; 3];
    for p in parts {
        (0..3).for_each(|k| total[k] += p[k]);
    }
    Ok(total)
}

/// A fitted BTYD model: purchases, optional spend, time unit.
#[derive(Debug, Clone, Copy)]
pub struct Btyd<'a> {
    /// The purchase and dropout model.
    pub purchase: &'a PurchaseModel,
    /// The spend model, for CLV.
    pub spend: Option<&'a GammaGamma>,
    /// Unit of the model's times.
    pub time_unit: TimeUnit,
}

impl<'a> From<&'a ClvArtefact> for Btyd<'a> {
    fn from(a: &'a ClvArtefact) -> Self {
        Btyd {
            purchase: &a.purchase,
            spend: a.spend.as_ref(),
            time_unit: a.time_unit,
        }
    }
}

/// Totals of a BTYD base under `model` (with `art`'s spend model), with P(alive)
/// multiplied by (1 + `p_alive_uplift`) (capped at 1).
fn btyd_totals(
    art: &Btyd<'_>,
    model: &PurchaseModel,
    s: &Summaries,
    horizon: f64,
    steps: Option<&ClvSteps>,
    p_alive_uplift: f64,
) -> Result<Totals, ScoreError> {
    let n = s.x.len();
    let [p, purchases, value] = sum3(n, |i| {
        let post = model.posterior(s.x[i], s.t_x[i], s.t[i]);
        let p = post.p_alive();
        let lifted = (p * (1.0 + p_alive_uplift)).min(1.0);
        // P(alive) multiplies every prediction: rescale by p'/p (p = 0 has nothing to scale).
        let factor = if p > 0.0 { lifted / p } else { 1.0 };
        let e = post.expected_purchases(horizon)? * factor;
        let v = match (art.spend, steps) {
            (Some(gg), Some(st)) => {
                clv(&post, st, gg.expected_spend(s.x[i], s.monetary[i]))? * factor
            }
            _ => 0.0,
        };
        Ok([lifted, e, v])
    })?;
    let mut measures = vec![("expected_purchases", purchases)];
    if art.spend.is_some() {
        measures.push(("clv", value));
    }
    Ok(Totals {
        measures,
        mean_p_alive: Some(p / n.max(1) as f64),
    })
}

/// The what-if of a BTYD model on a base: expected purchases over `spec.horizon` and
/// (with a spend model) CLV under `spec`, for each uplift, against the fitted model.
pub fn btyd_whatif(
    art: &Btyd<'_>,
    s: &Summaries,
    spec: &ClvSpec,
    mode: Mode,
    uplifts: &[f64],
) -> Result<Vec<Scenario>, ScoreError> {
    let horizon = spec.horizon.in_unit(art.time_unit);
    if !(horizon.is_finite() && horizon > 0.0) {
        return Err(ScoreError::setting(
            "horizon",
            format!("must be positive, got {}", spec.horizon),
        ));
    }
    let steps = match art.spend {
        Some(_) => Some(ClvSteps::new(spec, art.time_unit)?),
        None => None,
    };
    let base = btyd_totals(art, art.purchase, s, horizon, steps.as_ref(), 0.0)?;
    uplifts
        .iter()
        .map(|&u| {
            check_uplift(u)?;
            let (model, lift) = match mode {
                Mode::Dropout => (reduce_dropout(art.purchase, u)?, 0.0),
                Mode::PAlive => (*art.purchase, u),
            };
            let new = btyd_totals(art, &model, s, horizon, steps.as_ref(), lift)?;
            let names = model.names().iter().map(|n| n.to_string());
            Ok(compare(u, names.zip(model.values()).collect(), &base, &new))
        })
        .collect()
}

/// Σ expected lifetime and Σ CLV of subscribers with churn probabilities `p` and margin
/// column values `margin`, with every p scaled by (1 − u).
fn subscription_totals(
    value: &ValueSpec,
    p: &[f64],
    margin: &[f64],
    u: f64,
) -> Result<Totals, ScoreError> {
    let spec = value.subscription()?;
    let n = p.len();
    let [lifetime, clv, _] = sum3(n, |i| {
        let v = value.value(&spec, (1.0 - u) * p[i], margin[i])?;
        Ok([v.expected_lifetime_periods, v.clv, 0.0])
    })?;
    Ok(Totals {
        measures: vec![("expected_lifetime", lifetime), ("clv", clv)],
        mean_p_alive: None,
    })
}

/// The what-if of a churn classifier's scores: per-period churn probability scaled by
/// (1 − u); Σ subscription CLV and Σ expected lifetime (in `value.period`'s unit).
pub fn subscription_whatif(
    value: &ValueSpec,
    churn_probability: &[f64],
    margin: &[f64],
    uplifts: &[f64],
) -> Result<Vec<Scenario>, ScoreError> {
    if churn_probability.len() != margin.len() {
        return Err(ScoreError::Internal(format!(
            "{} churn probabilities but {} margins",
            churn_probability.len(),
            margin.len()
        )));
    }
    let base = subscription_totals(value, churn_probability, margin, 0.0)?;
    uplifts
        .iter()
        .map(|&u| {
            check_uplift(u)?;
            let new = subscription_totals(value, churn_probability, margin, u)?;
            Ok(compare(u, BTreeMap::new(), &base, &new))
        })
        .collect()
}

#[cfg(test)]
mod tests;

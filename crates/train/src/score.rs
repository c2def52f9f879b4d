//! Scoring customers with a CLV artefact: P(alive), churn probability, expected purchases,
//! expected spend, discounted CLV and value at risk, per customer.

use crate::TrainError;
use crate::artefact::ClvArtefact;
use rayon::prelude::*;
use retain_core::summary::Summaries;
use retain_core::time::Duration;
use retain_models::clv::{ClvSpec, ClvSteps, clv};
use retain_models::model::PurchaseModel;

/// One score table, column-wise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreTable {
    /// Customer ids.
    pub ids: Vec<String>,
    /// Repeat purchases.
    pub x: Vec<u32>,
    /// Recency in the model's unit.
    pub t_x: Vec<f64>,
    /// Age in the model's unit.
    pub t: Vec<f64>,
    /// P(alive) at the as-of date.
    pub p_alive: Vec<f64>,
    /// 1 − P(alive).
    pub churn_probability: Vec<f64>,
    /// Expected purchases over the horizon.
    pub expected_purchases: Vec<f64>,
    /// P(no purchase over the horizon).
    pub p_no_purchase: Vec<f64>,
    /// Expected spend per purchase (Gamma-Gamma), if a spend model exists.
    pub expected_spend: Option<Vec<f64>>,
    /// Discounted CLV over the horizon, if a spend model exists.
    pub clv: Option<Vec<f64>>,
    /// CLV × churn probability.
    pub value_at_risk: Option<Vec<f64>>,
    /// Pareto/NBD only: discounted expected residual transactions over the whole remaining
    /// lifetime (Fader, Hardie & Shang 2010), continuous discounting at the CLV discount rate.
    pub dert: Option<Vec<f64>>,
}

/// What [`score_customer`] computes beyond P(alive), expected purchases and CLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Everything the batch score table has: also P(no purchase) and (Pareto/NBD) DERT.
    Full,
    /// What the server returns.
    Online,
}

/// A score request resolved against one artefact, once per batch or request: horizon and
/// CLV steps in the model's time unit, and the continuous discount rate for DERT.
#[derive(Debug, Clone, Copy)]
pub struct Scorer<'a> {
    artefact: &'a ClvArtefact,
    horizon: f64,
    steps: Option<ClvSteps>,
    delta: f64,
    detail: Detail,
}

/// One customer's scores (see [`ScoreTable`] for the meaning of each).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerScore {
    /// P(alive) at the as-of date.
    pub p_alive: f64,
    /// Expected purchases over the horizon.
    pub expected_purchases: f64,
    /// P(no purchase over the horizon) ([`Detail::Full`] only).
    pub p_no_purchase: Option<f64>,
    /// Expected spend per purchase, with a spend model.
    pub expected_spend: Option<f64>,
    /// Discounted CLV over the horizon, with a spend model.
    pub clv: Option<f64>,
    /// Pareto/NBD, [`Detail::Full`] only.
    pub dert: Option<f64>,
}

impl CustomerScore {
    /// 1 − P(alive).
    pub fn churn_probability(&self) -> f64 {
        1.0 - self.p_alive
    }

    /// CLV × churn probability.
    pub fn value_at_risk(&self) -> Option<f64> {
        self.clv.map(|v| v * self.churn_probability())
    }
}

impl<'a> Scorer<'a> {
    /// Checks the horizon and resolves `spec` (whose horizon is `horizon`).
    pub fn new(
        artefact: &'a ClvArtefact,
        horizon: Duration,
        spec: &ClvSpec,
        detail: Detail,
    ) -> Result<Self, TrainError> {
        let unit = artefact.time_unit;
        let h = horizon.in_unit(unit);
        if !(h.is_finite() && h > 0.0) {
            return Err(TrainError::Invalid(format!(
                "the horizon must be positive, got {horizon}"
            )));
        }
        let steps = match artefact.spend {
            Some(_) => Some(ClvSteps::new(spec, unit)?),
            None => None,
        };
        Ok(Scorer {
            artefact,
            horizon: h,
            steps,
            // Continuous rate per model time unit equivalent to the stated discount rate.
            delta: spec.discount.over(Duration::new(1.0, unit)).ln_1p(),
            detail,
        })
    }

    /// Scores one customer; times in the model's unit, `monetary` the mean repeat spend.
    pub fn score(
        &self,
        x: u32,
        t_x: f64,
        t: f64,
        monetary: f64,
    ) -> Result<CustomerScore, TrainError> {
        let a = self.artefact;
        let post = a.purchase.posterior(x, t_x, t);
        let full = self.detail == Detail::Full;
        let (expected_spend, clv) = match (&a.spend, &self.steps) {
            (Some(gg), Some(steps)) => {
                let e = gg.expected_spend(x, monetary);
                (Some(e), Some(clv(&post, steps, e)?))
            }
            _ => (None, None),
        };
        Ok(CustomerScore {
            p_alive: post.p_alive(),
            expected_purchases: post.expected_purchases(self.horizon)?,
            p_no_purchase: full.then(|| post.p_no_purchase(self.horizon)),
            expected_spend,
            clv,
            dert: if full {
                post.dert(self.delta).transpose()?
            } else {
                None
            },
        })
    }
}

/// Scores every customer of `s` over `horizon`; CLV uses `spec` (whose horizon is `horizon`).
pub fn score(
    a: &ClvArtefact,
    s: &Summaries,
    horizon: Duration,
    spec: &ClvSpec,
) -> Result<ScoreTable, TrainError> {
    let scorer = Scorer::new(a, horizon, spec, Detail::Full)?;
    let n = s.len();
    // Customers are independent: spread them over the cores (in order).
    let scores = (0..n)
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| scorer.score(s.x[i], s.t_x[i], s.t[i], s.monetary[i]))
        .collect::<Result<Vec<_>, _>>()?;
    // Full detail fills every optional output its model has, for every customer.
    let column = |present: bool, f: &dyn Fn(&CustomerScore) -> Option<f64>| {
        present.then(|| scores.iter().filter_map(f).collect::<Vec<f64>>())
    };
    let spend = a.spend.is_some();
    let pareto = matches!(a.purchase, PurchaseModel::ParetoNbd(_));
    Ok(ScoreTable {
        ids: s.ids.clone(),
        x: s.x.clone(),
        t_x: s.t_x.clone(),
        t: s.t.clone(),
        p_alive: scores.iter().map(|c| c.p_alive).collect(),
        churn_probability: scores.iter().map(|c| c.churn_probability()).collect(),
        expected_purchases: scores.iter().map(|c| c.expected_purchases).collect(),
        p_no_purchase: scores.iter().filter_map(|c| c.p_no_purchase).collect(),
        expected_spend: column(spend, &|c| c.expected_spend),
        clv: column(spend, &|c| c.clv),
        value_at_risk: column(spend, &|c| c.value_at_risk()),
        dert: column(pareto, &|c| c.dert),
    })
}

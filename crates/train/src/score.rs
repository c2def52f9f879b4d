//! Scoring customers with a CLV artefact: P(alive), churn probability, expected purchases,
//! expected spend, discounted CLV and value at risk, per customer.

use crate::TrainError;
use crate::artefact::ClvArtefact;
use retain_core::summary::Summaries;
use retain_core::time::Duration;
use retain_models::clv::{ClvSpec, clv};
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

/// Scores every customer of `s` over `horizon`; CLV uses `spec` (whose horizon is `horizon`).
pub fn score(
    a: &ClvArtefact,
    s: &Summaries,
    horizon: Duration,
    spec: &ClvSpec,
) -> Result<ScoreTable, TrainError> {
    let unit = a.time_unit;
    let h = horizon.in_unit(unit);
    if h.is_nan() || h <= 0.0 {
        return Err(TrainError::Invalid(format!(
            "the horizon must be positive, got {horizon}"
        )));
    }
    let n = s.len();
    let m = &a.purchase;
    let mut out = ScoreTable {
        ids: s.ids.clone(),
        x: s.x.clone(),
        t_x: s.t_x.clone(),
        t: s.t.clone(),
        ..Default::default()
    };
    out.p_alive.reserve(n);
    for i in 0..n {
        let (x, t_x, t) = (s.x[i], s.t_x[i], s.t[i]);
        let pa = m.p_alive(x, t_x, t);
        out.p_alive.push(pa);
        out.churn_probability.push(1.0 - pa);
        out.expected_purchases
            .push(m.expected_purchases(h, x, t_x, t)?);
        out.p_no_purchase.push(m.p_no_purchase(h, x, t_x, t));
    }
    if let Some(gg) = &a.spend {
        spec.steps()?;
        let mut spend = Vec::with_capacity(n);
        let mut value = Vec::with_capacity(n);
        let mut risk = Vec::with_capacity(n);
        for i in 0..n {
            let e = gg.expected_spend(s.x[i], s.monetary[i]);
            let v = clv(m, unit, spec, e, s.x[i], s.t_x[i], s.t[i])?;
            spend.push(e);
            value.push(v);
            risk.push(v * out.churn_probability[i]);
        }
        out.expected_spend = Some(spend);
        out.clv = Some(value);
        out.value_at_risk = Some(risk);
    }
    if let PurchaseModel::ParetoNbd(p) = m {
        // Continuous rate per model time unit equivalent to the stated discount rate.
        let delta = spec.discount.over(Duration::new(1.0, unit)).ln_1p();
        let dert = (0..n)
            .map(|i| p.dert(delta, s.x[i], s.t_x[i], s.t[i]))
            .collect::<Result<Vec<_>, _>>()?;
        out.dert = Some(dert);
    }
    Ok(out)
}

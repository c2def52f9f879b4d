//! The value × risk grid: customers by value tier (CLV rank: top 20 %, next 30 %, the rest)
//! and risk tier (churn probability against [`RiskTiers`]), with their count, CLV and value
//! at risk per cell: where the valuable customers who are drifting away are.

use crate::ReportError;
use retain_core::summary::Summaries;
use retain_core::time::Duration;
use retain_train::artefact::ClvArtefact;
use retain_train::churn_value::RiskTiers;
use retain_train::score::score;

/// Value tiers, most valuable first, with the share of customers (by CLV rank) in each.
pub const VALUE_TIERS: [(&str, f64); 3] = [("top 20%", 0.2), ("next 30%", 0.3), ("rest", 0.5)];
/// Risk tiers, riskiest first, as [`RiskTiers::tier`] names them.
pub const RISK_TIERS: [&str; 3] = ["high", "medium", "low"];

/// Customers per value tier × risk tier.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueRisk {
    /// `counts[value][risk]`, in [`VALUE_TIERS`] × [`RISK_TIERS`] order.
    pub counts: [[usize; 3]; 3],
    /// Sum of CLV per cell.
    pub clv: [[f64; 3]; 3],
    /// Sum of value at risk (CLV × churn probability) per cell.
    pub value_at_risk: [[f64; 3]; 3],
    /// The risk cut-offs used.
    pub tiers: RiskTiers,
    /// What the CLV is (horizon, source), for the plot's labels.
    pub clv_label: String,
}

/// The grid of customers with values `clv` and churn probabilities `churn`. Value tiers go by
/// rank (ties in input order): the first ⌈0.2 n⌉ customers by descending CLV, then up to
/// ⌈0.5 n⌉, then the rest.
pub fn value_risk(
    clv: &[f64],
    churn: &[f64],
    tiers: RiskTiers,
    clv_label: String,
) -> Result<ValueRisk, ReportError> {
    if clv.len() != churn.len() {
        return Err(ReportError::Data(format!(
            "{} CLVs but {} churn probabilities",
            clv.len(),
            churn.len()
        )));
    }
    let n = clv.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| clv[b].total_cmp(&clv[a]));
    let top = (0.2 * n as f64 - 1e-9).ceil() as usize;
    let upper = (0.5 * n as f64 - 1e-9).ceil() as usize;
    let mut g = ValueRisk {
        counts: [[0; 3]; 3],
        clv: [[0.0; 3]; 3],
        value_at_risk: [[0.0; 3]; 3],
        tiers,
        clv_label,
    };
    for (rank, &i) in order.iter().enumerate() {
        let v = if rank < top {
            0
        } else if rank < upper {
            1
        } else {
            2
        };
        let name = tiers.tier(churn[i]);
        let r = RISK_TIERS.iter().position(|t| *t == name).unwrap_or(2);
        g.counts[v][r] += 1;
        g.clv[v][r] += clv[i];
        g.value_at_risk[v][r] += clv[i] * churn[i];
    }
    Ok(g)
}

/// The grid of a CLV model's scores of `now` (summaries as of the scoring day) over `horizon`,
/// with the default risk tiers (churn probability = 1 − P(alive)).
pub fn clv_value_risk(
    art: &ClvArtefact,
    now: Summaries,
    horizon: Duration,
) -> Result<ValueRisk, ReportError> {
    let spec = art.clv_spec(horizon, None, None);
    let table = score(art, now, horizon, &spec)?;
    let clv = table.clv.ok_or_else(|| {
        ReportError::Data("the model has no spend model, so no CLV for the value tiers".into())
    })?;
    value_risk(
        &clv,
        &table.churn_probability,
        RiskTiers::default(),
        format!("CLV over {horizon}"),
    )
}

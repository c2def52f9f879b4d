//! The value × risk grid: customers by value tier and risk tier (churn probability against
//! [`RiskTiers`]), with their count, CLV and value at risk per cell: where the valuable
//! customers who are drifting away are.
//!
//! For a CLV model the grid is the one `retain score` reports ([`retain_score::segments`]):
//! value tiers by CLV percentile against the artefact's reference sample of its training base
//! (the built-in rules: high ≥ 80th, medium ≥ 50th percentile), risk tiers from the rules or
//! the defaults. For a churn classifier with a margin, the value tiers rank the subscription
//! CLV within the scored table: top 20 %, next 30 %, rest.

use crate::ReportError;
use retain_core::summary::Summaries;
use retain_core::time::Duration;
use retain_score::artefact::ClvArtefact;
use retain_score::churn_value::RiskTiers;
use retain_score::score::{Detail, Scorer, score};
use retain_score::segments::{ReferenceBase, SegmentRules, Segmenter, TIERS, ValueRiskGrid};

/// Risk tiers, riskiest first, as [`RiskTiers::tier`] names them.
pub const RISK_TIERS: [&str; 3] = ["high", "medium", "low"];

/// Customers per value tier × risk tier.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueRisk {
    /// Value tier labels, most valuable first.
    pub value_tiers: [String; 3],
    /// `counts[value][risk]`, in `value_tiers` × [`RISK_TIERS`] order.
    pub counts: [[usize; 3]; 3],
    /// Sum of CLV per cell.
    pub clv: [[f64; 3]; 3],
    /// Sum of value at risk (value if retained × churn probability) per cell.
    pub value_at_risk: [[f64; 3]; 3],
    /// The risk cut-offs used.
    pub tiers: RiskTiers,
    /// How the value tiers are made, for the caption.
    pub value_rule: String,
}

/// The grid of customers with values `clv`, churn probabilities `churn` and values at risk
/// `at_risk` (as scoring computed them), value tiers by rank within them (ties in input
/// order): the first ⌈0.2 n⌉ customers by descending CLV, then up to ⌈0.5 n⌉, then the rest.
pub fn value_risk(
    clv: &[f64],
    churn: &[f64],
    at_risk: &[f64],
    tiers: RiskTiers,
    clv_label: &str,
) -> Result<ValueRisk, ReportError> {
    if clv.len() != churn.len() || clv.len() != at_risk.len() {
        return Err(ReportError::Data(format!(
            "{} CLVs but {} churn probabilities and {} values at risk",
            clv.len(),
            churn.len(),
            at_risk.len()
        )));
    }
    let n = clv.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| clv[b].total_cmp(&clv[a]));
    let top = (0.2 * n as f64 - 1e-9).ceil() as usize;
    let upper = (0.5 * n as f64 - 1e-9).ceil() as usize;
    let mut g = ValueRisk {
        value_tiers: ["top 20%".into(), "next 30%".into(), "rest".into()],
        counts: [[0; 3]; 3],
        clv: [[0.0; 3]; 3],
        value_at_risk: [[0.0; 3]; 3],
        tiers,
        value_rule: format!("rank of the {clv_label} among the customers scored"),
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
        g.value_at_risk[v][r] += at_risk[i];
    }
    Ok(g)
}

/// The segments grid of a CLV model's scores of `now` (summaries as of the scoring day) over
/// `horizon`, as `retain score` computes it with the built-in rules and default risk tiers.
/// An artefact without a reference sample ranks against `now` itself.
pub fn clv_value_risk(
    art: &ClvArtefact,
    now: Summaries,
    horizon: Duration,
) -> Result<ValueRisk, ReportError> {
    let spec = art.clv_spec(horizon, None, None);
    let rules = SegmentRules::builtin();
    let risk = rules.risk_tiers_over(RiskTiers::default(), None, None)?;
    let (high, medium) = (rules.value_tiers.high, rules.value_tiers.medium);
    let sampled;
    let reference = match &art.reference {
        Some(r) => r,
        None => {
            sampled = ReferenceBase::sample(&now, "the scored base".into());
            &sampled
        }
    };
    let scorer = Scorer::new(art, horizon, &spec, Detail::Online)?;
    let segmenter = Segmenter::new(reference, &scorer, rules, risk)?;
    let table = score(art, now, horizon, &spec)?;
    let cols = segmenter.table(&table);
    let (Some(clv), Some(var), Some(value_tier)) =
        (&table.clv, &table.value_at_risk, &cols.value_tier)
    else {
        return Err(ReportError::Data(
            "the model has no spend model, so no CLV for the value tiers".into(),
        ));
    };
    let grid = ValueRiskGrid::of(
        value_tier.iter().copied(),
        cols.risk_tier.iter().copied(),
        clv,
        var,
    );
    let cell = |v: usize, r: usize| &grid.cells[v][r];
    let mut g = ValueRisk {
        value_tiers: [
            format!("{} (≥ p{high:.0})", TIERS[0]),
            format!("{} (≥ p{medium:.0})", TIERS[1]),
            TIERS[2].to_string(),
        ],
        counts: [[0; 3]; 3],
        clv: [[0.0; 3]; 3],
        value_at_risk: [[0.0; 3]; 3],
        tiers: segmenter.risk_tiers(),
        value_rule: format!(
            "percentile of the CLV over {horizon} against the model's reference sample of its              training base"
        ),
    };
    for v in 0..3 {
        for r in 0..3 {
            g.counts[v][r] = cell(v, r).customers as usize;
            g.clv[v][r] = cell(v, r).clv;
            g.value_at_risk[v][r] = cell(v, r).value_at_risk;
        }
    }
    Ok(g)
}

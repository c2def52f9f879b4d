//! Ranks of churn-classifier scores against the training table: percentile ranks of churn
//! probability, CLV and value at risk, and the value tier. A classifier scores customer rows,
//! not purchase histories, so it has no RFM segment.

use super::reference::{Distribution, REFERENCE_SIZE};
use super::rules::ValueTiers;
use crate::churn_score::ChurnScores;
use serde::{Deserialize, Serialize};

/// Quantiles (at most [`REFERENCE_SIZE`] evenly spaced order statistics) of the training
/// table's scores, kept in the churn artefact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChurnReference {
    /// Rows scored.
    pub rows: usize,
    /// Churn probabilities, sorted.
    pub churn: Vec<f64>,
    /// CLV, sorted (with a margin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clv: Option<Vec<f64>>,
    /// Value at risk, sorted (with a margin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_at_risk: Option<Vec<f64>>,
}

/// Evenly spaced order statistics of `v` (all of them when there are few).
fn quantiles(mut v: Vec<f64>) -> Vec<f64> {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n <= REFERENCE_SIZE {
        return v;
    }
    (0..REFERENCE_SIZE)
        .map(|i| v[i * (n - 1) / (REFERENCE_SIZE - 1)])
        .collect()
}

impl ChurnReference {
    /// From the scores of the training table.
    pub fn of(s: &ChurnScores) -> ChurnReference {
        let values = |f: fn(&retain_models::subscription::SubscriptionValue) -> f64| {
            s.value
                .as_ref()
                .map(|v| quantiles(v.iter().map(f).collect()))
        };
        ChurnReference {
            rows: s.churn_probability.len(),
            churn: quantiles(s.churn_probability.clone()),
            clv: values(|v| v.clv),
            value_at_risk: values(|v| v.value_at_risk),
        }
    }

    /// Checks every value is finite.
    pub fn validate(&self) -> Result<(), String> {
        let ok = |v: &[f64]| v.iter().all(|x| x.is_finite());
        let all = [
            Some(&self.churn),
            self.clv.as_ref(),
            self.value_at_risk.as_ref(),
        ];
        if all.iter().flatten().all(|v| ok(v)) {
            Ok(())
        } else {
            Err("churn reference holds a non-finite value".into())
        }
    }
}

/// Ranks of one score table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChurnRanks {
    /// Churn-probability percentiles (0–100).
    pub churn_percentile: Vec<f64>,
    /// CLV percentiles (with a margin).
    pub clv_percentile: Option<Vec<f64>>,
    /// Value-at-risk percentiles (with a margin).
    pub value_at_risk_percentile: Option<Vec<f64>>,
    /// Value tiers (with a margin).
    pub value_tier: Option<Vec<&'static str>>,
}

/// Ranks churn scores against a [`ChurnReference`].
#[derive(Debug, Clone)]
pub struct ChurnRanker {
    churn: Distribution,
    clv: Option<Distribution>,
    value_at_risk: Option<Distribution>,
    tiers: ValueTiers,
}

impl ChurnRanker {
    /// From the artefact's reference and the value-tier cut-offs in force.
    pub fn new(r: &ChurnReference, tiers: ValueTiers) -> ChurnRanker {
        let d = |v: &Option<Vec<f64>>| v.as_ref().map(|v| Distribution::new(v.iter().copied()));
        ChurnRanker {
            churn: Distribution::new(r.churn.iter().copied()),
            clv: d(&r.clv),
            value_at_risk: d(&r.value_at_risk),
            tiers,
        }
    }

    /// The ranks of every row of `s`.
    pub fn ranks(&self, s: &ChurnScores) -> ChurnRanks {
        let of = |d: &Option<Distribution>,
                  f: fn(&retain_models::subscription::SubscriptionValue) -> f64| {
            match (d, &s.value) {
                (Some(d), Some(v)) => {
                    Some(v.iter().map(|x| d.percentile(f(x))).collect::<Vec<_>>())
                }
                _ => None,
            }
        };
        let clv_percentile = of(&self.clv, |v| v.clv);
        ChurnRanks {
            churn_percentile: s
                .churn_probability
                .iter()
                .map(|&p| self.churn.percentile(p))
                .collect(),
            value_tier: clv_percentile
                .as_ref()
                .map(|c| c.iter().map(|&p| self.tiers.tier(p)).collect()),
            clv_percentile,
            value_at_risk_percentile: of(&self.value_at_risk, |v| v.value_at_risk),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_keep_the_ends_and_are_bounded() {
        let q = quantiles((0..20_001).rev().map(f64::from).collect());
        assert_eq!(q.len(), REFERENCE_SIZE);
        assert_eq!(q[0], 0.0);
        assert_eq!(*q.last().unwrap(), 20_000.0);
        assert!(q.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(quantiles(vec![3.0, f64::NAN, 1.0]), vec![1.0, 3.0]);
    }
}

//! Segments of scored customers: RFM scores and named segment, value tier (from the CLV
//! percentile), risk tier (from the churn probability) and percentile ranks, all against the
//! training base (see [`super::reference`]).

use super::reference::{Distribution, ReferenceBase, ScoreCuts};
use super::rules::{BINS, SegmentRules};
use crate::ScoreError;
use crate::churn_value::RiskTiers;
use crate::score::{ScoreTable, Scorer};
use rayon::prelude::*;

/// Everything a customer is ranked against, resolved once per run or loaded model.
#[derive(Debug, Clone)]
pub struct Segmenter {
    rules: SegmentRules,
    risk: RiskTiers,
    recency: ScoreCuts,
    frequency: ScoreCuts,
    monetary: ScoreCuts,
    churn: Distribution,
    clv: Option<Distribution>,
    value_at_risk: Option<Distribution>,
}

/// One customer's segment and ranks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerSegment {
    /// Recency score 1..=5 (5 = most recent).
    pub r: u8,
    /// Frequency score 1..=5.
    pub f: u8,
    /// Monetary score 1..=5.
    pub m: u8,
    /// Index of the named RFM segment in the rules.
    pub segment: u16,
    /// `high` / `medium` / `low` churn risk.
    pub risk_tier: &'static str,
    /// `high` / `medium` / `low` value, with a spend model.
    pub value_tier: Option<&'static str>,
    /// Percentile rank (0–100) of the churn probability.
    pub churn_percentile: f64,
    /// Percentile rank of the CLV, with a spend model.
    pub clv_percentile: Option<f64>,
    /// Percentile rank of the value at risk, with a spend model.
    pub value_at_risk_percentile: Option<f64>,
}

impl SegmentColumns {
    /// The segment name of customer `i`.
    pub fn segment_name(&self, i: usize) -> &str {
        &self.segment_names[usize::from(self.segment[i])]
    }
}

/// Segment columns of a score table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentColumns {
    /// Recency scores.
    pub r: Vec<u8>,
    /// Frequency scores.
    pub f: Vec<u8>,
    /// Monetary scores.
    pub m: Vec<u8>,
    /// Segment of each customer, an index into `segment_names`.
    pub segment: Vec<u16>,
    /// The rules' segment names, in file order.
    pub segment_names: Vec<String>,
    /// Risk tiers.
    pub risk_tier: Vec<&'static str>,
    /// Value tiers (with CLV).
    pub value_tier: Option<Vec<&'static str>>,
    /// Churn-probability percentiles.
    pub churn_percentile: Vec<f64>,
    /// CLV percentiles (with CLV).
    pub clv_percentile: Option<Vec<f64>>,
    /// Value-at-risk percentiles (with CLV).
    pub value_at_risk_percentile: Option<Vec<f64>>,
}

impl Segmenter {
    /// Scores the reference base with `scorer` (same horizon and CLV settings as the
    /// customers to be ranked) and keeps the sorted distributions; `risk` are the risk tiers
    /// in force (see [`SegmentRules::risk_tiers_over`]).
    pub fn new(
        reference: &ReferenceBase,
        scorer: &Scorer<'_>,
        rules: SegmentRules,
        risk: RiskTiers,
    ) -> Result<Segmenter, ScoreError> {
        reference.validate().map_err(|reason| ScoreError::Data {
            source_name: "the model's reference sample".into(),
            column: None,
            reason,
        })?;
        let n = reference.len();
        let scores = (0..n)
            .into_par_iter()
            .with_min_len(256)
            .map(|i| {
                scorer.score(
                    reference.x[i],
                    reference.t_x[i],
                    reference.t[i],
                    reference.monetary[i],
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let has_clv = scores.first().is_some_and(|s| s.clv.is_some());
        Ok(Segmenter {
            risk,
            recency: ScoreCuts::new(
                &Distribution::new((0..n).map(|i| reference.t[i] - reference.t_x[i])),
                BINS,
                false,
            ),
            frequency: ScoreCuts::new(
                &Distribution::new(reference.x.iter().map(|&x| f64::from(x))),
                BINS,
                true,
            ),
            monetary: ScoreCuts::new(
                &Distribution::new(reference.monetary.iter().copied()),
                BINS,
                true,
            ),
            churn: Distribution::new(scores.iter().map(|s| s.churn_probability())),
            clv: has_clv.then(|| Distribution::new(scores.iter().filter_map(|s| s.clv))),
            value_at_risk: has_clv
                .then(|| Distribution::new(scores.iter().filter_map(|s| s.value_at_risk()))),
            rules,
        })
    }

    /// The rules in use.
    pub fn rules(&self) -> &SegmentRules {
        &self.rules
    }

    /// The risk tiers in use.
    pub fn risk_tiers(&self) -> RiskTiers {
        self.risk
    }

    /// Segments one customer: summary (`x`, `t_x`, `t` in the model unit, mean repeat spend)
    /// and its scores.
    #[allow(clippy::too_many_arguments)]
    pub fn customer(
        &self,
        x: u32,
        t_x: f64,
        t: f64,
        monetary: f64,
        churn_probability: f64,
        clv: Option<f64>,
        value_at_risk: Option<f64>,
    ) -> CustomerSegment {
        let r = self.recency.score(t - t_x);
        let f = self.frequency.score(f64::from(x));
        let m = self.monetary.score(monetary);
        let pct = |d: &Option<Distribution>, v: Option<f64>| match (d, v) {
            (Some(d), Some(v)) => Some(d.percentile(v)),
            _ => None,
        };
        let clv_percentile = pct(&self.clv, clv);
        CustomerSegment {
            r,
            f,
            m,
            segment: self.rules.segment_of(r, f, m),
            risk_tier: self.risk.tier(churn_probability),
            value_tier: clv_percentile.map(|p| self.rules.value_tiers.tier(p)),
            churn_percentile: self.churn.percentile(churn_probability),
            clv_percentile,
            value_at_risk_percentile: pct(&self.value_at_risk, value_at_risk),
        }
    }

    /// The segment columns of a whole score table.
    pub fn table(&self, t: &ScoreTable) -> SegmentColumns {
        let n = t.x.len();
        let at = |v: &Option<Vec<f64>>, i: usize| v.as_ref().map(|v| v[i]);
        let rows: Vec<CustomerSegment> = (0..n)
            .into_par_iter()
            .with_min_len(4096)
            .map(|i| {
                self.customer(
                    t.x[i],
                    t.t_x[i],
                    t.t[i],
                    t.monetary[i],
                    t.churn_probability[i],
                    at(&t.clv, i),
                    at(&t.value_at_risk, i),
                )
            })
            .collect();
        let has_clv = t.clv.is_some();
        // Each column gathered in parallel too (a serial pass per column was a tenth of a
        // 10M-customer run's critical path).
        fn column<T: Send>(
            rows: &[CustomerSegment],
            f: impl Fn(&CustomerSegment) -> T + Sync + Send,
        ) -> Vec<T> {
            rows.par_iter().with_min_len(1 << 14).map(f).collect()
        }
        SegmentColumns {
            r: column(&rows, |c| c.r),
            f: column(&rows, |c| c.f),
            m: column(&rows, |c| c.m),
            segment: column(&rows, |c| c.segment),
            segment_names: self.rules.names().map(str::to_owned).collect(),
            risk_tier: column(&rows, |c| c.risk_tier),
            value_tier: has_clv.then(|| column(&rows, |c| c.value_tier.unwrap_or("low"))),
            churn_percentile: column(&rows, |c| c.churn_percentile),
            clv_percentile: has_clv.then(|| column(&rows, |c| c.clv_percentile.unwrap_or(0.0))),
            value_at_risk_percentile: has_clv
                .then(|| column(&rows, |c| c.value_at_risk_percentile.unwrap_or(0.0))),
        }
    }
}

//! The score file format: the columns `retain score` writes (and `campaign`, the `Segments`
//! service and the Python package read), built as a DataFrame from a score table.

use crate::ScoreError;
use crate::churn_value::RiskTiers;
use crate::score::ScoreTable;
use crate::segments::SegmentColumns;
use polars::prelude::*;
use retain_core::time::{Duration, TimeUnit};

/// The customer id column.
pub const CUSTOMER_ID: &str = "customer_id";
/// Churn probability (1 − P(alive) for CLV models).
pub const CHURN_PROBABILITY: &str = "churn_probability";
/// `high`, `medium` or `low`.
pub const RISK_TIER: &str = "risk_tier";
/// `high`, `medium` or `low` by CLV percentile (with segments).
pub const VALUE_TIER: &str = "value_tier";
/// The RFM segment name (with segments).
pub const RFM_SEGMENT: &str = "rfm_segment";
/// Prefix of the value-at-risk column, whose name ends with the horizon (`value_at_risk_52_weeks`).
pub const VALUE_AT_RISK: &str = "value_at_risk";
/// Prefix of the CLV column, whose name ends with the horizon (`clv_52_weeks`).
pub const CLV: &str = "clv";

/// Prefix of P(alive at the as-of date + horizon), `p_alive_after_52_weeks`.
pub const P_ALIVE_AFTER: &str = "p_alive_after";
/// Prefix of P(at least one purchase over the horizon), `p_any_purchase_52_weeks`.
pub const P_ANY_PURCHASE: &str = "p_any_purchase";
/// Prefix of P(exactly k purchases over the horizon), `p_purchases_2_52_weeks` (`--pmf`).
pub const P_PURCHASES: &str = "p_purchases";
/// Prefix of the next purchase's time columns (`next_purchase_median_if_alive_weeks`...).
pub const NEXT_PURCHASE: &str = "next_purchase";
/// The as-of date + the mean time to the next purchase given it comes within the horizon.
pub const EXPECTED_NEXT_PURCHASE_DATE: &str = "expected_next_purchase_date";

/// The name of the column `prefix_<horizon>` among `names` (never a `…_percentile` column), for
/// readers of score files: [`VALUE_AT_RISK`] or [`CLV`].
pub fn horizon_column<'a>(names: &'a [String], prefix: &str) -> Option<&'a str> {
    names
        .iter()
        .find(|n| {
            n.strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('_'))
                && !n.ends_with("_percentile")
        })
        .map(String::as_str)
}

/// `52 weeks` → `52w`-style suffix used in column names: `52_weeks`.
pub(crate) fn horizon_label(h: Duration) -> String {
    let v = if h.value.fract() == 0.0 {
        format!("{}", h.value as i64)
    } else {
        format!("{}", h.value).replace('.', "_")
    };
    format!("{v}_{}", h.unit.plural())
}

/// The score table as a DataFrame; time-valued columns carry their unit in the name. With
/// `segments`, the risk tier is theirs and the RFM scores, segment, value tier and percentile
/// ranks follow the scores; without, the risk tier uses the default cut-offs.
pub fn to_frame(
    t: &ScoreTable,
    unit: TimeUnit,
    horizon: Duration,
    segments: Option<&SegmentColumns>,
) -> Result<DataFrame, ScoreError> {
    let ids = Column::new(CUSTOMER_ID.into(), &t.ids);
    to_frame_with_ids(ids, t, unit, horizon, segments)
}

/// [`to_frame`] with the customer ids given as a column (a chunk of a summary file keeps its
/// ids in polars rather than copying them into the table).
pub fn to_frame_with_ids(
    ids: Column,
    t: &ScoreTable,
    unit: TimeUnit,
    horizon: Duration,
    segments: Option<&SegmentColumns>,
) -> Result<DataFrame, ScoreError> {
    let h = horizon_label(horizon);
    let u = unit.plural();
    let risk_tier = match segments {
        Some(s) => s.risk_tier.clone(),
        None => t
            .churn_probability
            .iter()
            .map(|&p| RiskTiers::default().tier(p))
            .collect(),
    };
    let mut cols = vec![
        ids,
        Column::new("x".into(), &t.x),
        Column::new(format!("t_x_{u}").into(), &t.t_x),
        Column::new(format!("T_{u}").into(), &t.t),
        Column::new("p_alive".into(), &t.p_alive),
        Column::new(CHURN_PROBABILITY.into(), &t.churn_probability),
        Column::new(RISK_TIER.into(), risk_tier),
        Column::new(
            format!("expected_purchases_{h}").into(),
            &t.expected_purchases,
        ),
        Column::new(format!("p_no_purchase_{h}").into(), &t.p_no_purchase),
        Column::new(format!("{P_ANY_PURCHASE}_{h}").into(), &t.p_any_purchase),
    ];
    for (k, p) in t.pmf.iter().enumerate() {
        cols.push(Column::new(
            format!("{P_PURCHASES}_{}_{h}", k + 1).into(),
            p,
        ));
    }
    if t.p_alive_after.len() == t.p_alive.len() {
        cols.push(Column::new(
            format!("{P_ALIVE_AFTER}_{h}").into(),
            &t.p_alive_after,
        ));
        cols.push(Column::new(
            format!("{NEXT_PURCHASE}_mean_if_alive_{u}").into(),
            &t.next_mean_if_alive,
        ));
        cols.push(Column::new(
            format!("{NEXT_PURCHASE}_median_if_alive_{u}").into(),
            &t.next_median_if_alive,
        ));
        cols.push(Column::new(
            format!("{NEXT_PURCHASE}_mean_within_{h}_{u}").into(),
            &t.next_mean_within,
        ));
        cols.push(Column::new(
            format!("{NEXT_PURCHASE}_median_within_{h}_{u}").into(),
            &t.next_median_within,
        ));
    }
    if let Some(days) = &t.next_purchase_day {
        let c = Column::new(EXPECTED_NEXT_PURCHASE_DATE.into(), days)
            .cast(&DataType::Date)
            .map_err(|e| ScoreError::Frame(e.to_string()))?;
        cols.push(c);
    }
    if let (Some(s), Some(c), Some(r)) = (&t.expected_spend, &t.clv, &t.value_at_risk) {
        cols.push(Column::new("expected_spend".into(), s));
        cols.push(Column::new(format!("{CLV}_{h}").into(), c));
        cols.push(Column::new(format!("{VALUE_AT_RISK}_{h}").into(), r));
    }
    if let Some(d) = &t.dert {
        cols.push(Column::new("dert".into(), d));
        if let Some(spend) = &t.expected_spend {
            let value: Vec<f64> = d.iter().zip(spend).map(|(a, b)| a * b).collect();
            cols.push(Column::new("discounted_residual_value".into(), value));
        }
    }
    if let Some(s) = segments {
        segment_columns(&mut cols, s);
    }
    DataFrame::new_infer_height(cols).map_err(|e| ScoreError::Frame(e.to_string()))
}

/// Appends the segment columns (all but the risk tier, which sits with the scores).
fn segment_columns(cols: &mut Vec<Column>, s: &SegmentColumns) {
    // u8 columns need a polars feature we do not build; scores go out as u32.
    let wide = |v: &[u8]| v.iter().map(|&x| u32::from(x)).collect::<Vec<u32>>();
    cols.push(Column::new("rfm_recency".into(), wide(&s.r)));
    cols.push(Column::new("rfm_frequency".into(), wide(&s.f)));
    cols.push(Column::new("rfm_monetary".into(), wide(&s.m)));
    let names: Vec<&str> = (0..s.segment.len()).map(|i| s.segment_name(i)).collect();
    cols.push(Column::new(RFM_SEGMENT.into(), names));
    if let Some(v) = &s.value_tier {
        cols.push(Column::new(VALUE_TIER.into(), v));
    }
    cols.push(Column::new("churn_percentile".into(), &s.churn_percentile));
    if let Some(v) = &s.clv_percentile {
        cols.push(Column::new("clv_percentile".into(), v));
    }
    if let Some(v) = &s.value_at_risk_percentile {
        cols.push(Column::new("value_at_risk_percentile".into(), v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horizon_columns_are_found_by_name_not_by_order() {
        let names: Vec<String> = [
            "customer_id",
            "value_at_risk_percentile",
            "clv_percentile",
            "clv_52_weeks",
            "value_at_risk_52_weeks",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            horizon_column(&names, VALUE_AT_RISK),
            Some("value_at_risk_52_weeks")
        );
        assert_eq!(horizon_column(&names, CLV), Some("clv_52_weeks"));
        assert_eq!(horizon_column(&names[..3], VALUE_AT_RISK), None);
    }
}

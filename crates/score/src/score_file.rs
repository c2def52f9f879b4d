//! The score file format: the columns `retain score` writes (and `campaign`, the `Segments`
//! service and the Python package read), built as a DataFrame from a score table.

use crate::ScoreError;
use crate::churn_value::RiskTiers;
use crate::score::ScoreTable;
use crate::segments::SegmentColumns;
use polars::prelude::*;
use retain_core::features::{RawColumn, RawTable};
use retain_core::time::{Duration, TimeUnit};
use std::path::Path;

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
/// Prefix of the expected-purchases column, whose name ends with the horizon
/// (`expected_purchases_52_weeks`).
pub const EXPECTED_PURCHASES: &str = "expected_purchases";
/// Prefix of the column of P(no purchase over the horizon) (`p_no_purchase_52_weeks`).
pub const P_NO_PURCHASE: &str = "p_no_purchase";

/// The name of the column `prefix_<horizon>` a score file holds for `horizon`
/// (`expected_purchases_52_weeks`).
pub fn horizon_name(prefix: &str, horizon: Duration) -> String {
    format!("{prefix}_{}", horizon_label(horizon))
}

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

/// A score file's cell error: `line` is the 0-based data row (line `row + 2` of a CSV with a
/// header).
fn bad_cell(path: &Path, row: usize, column: &str, why: &str) -> ScoreError {
    ScoreError::Data {
        source_name: path.display().to_string(),
        column: Some(column.to_string()),
        reason: format!("line {}, column {column:?}: {why}", row + 2),
    }
}

/// The finite numbers of column `name` of a score file read as a table (`None` without such a
/// column); a missing or non-finite cell is an error naming the line and column.
pub fn numbers(t: &RawTable, path: &Path, name: &str) -> Result<Option<Vec<f64>>, ScoreError> {
    let Some(i) = t.names.iter().position(|n| n == name) else {
        return Ok(None);
    };
    let c = &t.columns[i];
    (0..c.len())
        .map(|row| {
            let v = match c {
                RawColumn::Numeric(v) => v[row],
                RawColumn::Text(v) => v[row].as_deref().and_then(|s| s.trim().parse().ok()),
                RawColumn::Bool(_) => None,
            };
            match v {
                Some(x) if f64::is_finite(x) => Ok(x),
                _ => Err(bad_cell(path, row, name, "not a finite number")),
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The texts of column `name` of a score file read as a table (`None` without such a column);
/// numbers are written as text, a missing cell is an error naming the line and column.
pub fn texts(t: &RawTable, path: &Path, name: &str) -> Result<Option<Vec<String>>, ScoreError> {
    let Some(i) = t.names.iter().position(|n| n == name) else {
        return Ok(None);
    };
    let c = &t.columns[i];
    (0..c.len())
        .map(|row| match c {
            RawColumn::Text(v) => v[row]
                .clone()
                .ok_or_else(|| bad_cell(path, row, name, "missing")),
            RawColumn::Numeric(v) => v[row]
                .map(|x| format!("{x}"))
                .ok_or_else(|| bad_cell(path, row, name, "missing")),
            RawColumn::Bool(_) => Err(bad_cell(path, row, name, "not a text")),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
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
            horizon_name(EXPECTED_PURCHASES, horizon).into(),
            &t.expected_purchases,
        ),
        Column::new(
            horizon_name(P_NO_PURCHASE, horizon).into(),
            &t.p_no_purchase,
        ),
        Column::new(
            horizon_name(P_ANY_PURCHASE, horizon).into(),
            &t.p_any_purchase,
        ),
    ];
    for (k, p) in t.pmf.iter().enumerate() {
        cols.push(Column::new(
            format!("{P_PURCHASES}_{}_{}", k + 1, horizon_label(horizon)).into(),
            p,
        ));
    }
    if t.p_alive_after.len() == t.p_alive.len() {
        cols.push(Column::new(
            horizon_name(P_ALIVE_AFTER, horizon).into(),
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
            format!("{NEXT_PURCHASE}_mean_within_{}_{u}", horizon_label(horizon)).into(),
            &t.next_mean_within,
        ));
        cols.push(Column::new(
            format!(
                "{NEXT_PURCHASE}_median_within_{}_{u}",
                horizon_label(horizon)
            )
            .into(),
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
        cols.push(Column::new(horizon_name(CLV, horizon).into(), c));
        cols.push(Column::new(horizon_name(VALUE_AT_RISK, horizon).into(), r));
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

/// The output columns a caller chose by name (`--columns a,b,c`), in their order. Without a
/// selection every column of the file is written (the default set).
///
/// A name is a column's full name (`clv_52_weeks`) or, when exactly one column is that name
/// followed by its horizon or time unit, the name without it (`clv`, `t_x`, `expected_purchases`),
/// so that a selection survives a change of horizon or unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSelection(Vec<String>);

impl std::str::FromStr for ColumnSelection {
    type Err = ScoreError;
    fn from_str(s: &str) -> Result<Self, ScoreError> {
        let names: Vec<String> = s.split(',').map(|n| n.trim().to_string()).collect();
        if names.iter().any(String::is_empty) {
            return Err(ScoreError::setting(
                "--columns",
                format!("{s:?} has an empty name (give names separated by commas)"),
            ));
        }
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(ScoreError::setting(
                    "--columns",
                    format!("{n:?} is named twice"),
                ));
            }
        }
        Ok(ColumnSelection(names))
    }
}

/// Whether `column` is `stem` followed by a horizon or time-unit suffix: `_weeks`,
/// `_52_weeks`, `_1_5_years`.
fn is_suffixed(column: &str, stem: &str) -> bool {
    let Some(rest) = column.strip_prefix(stem).and_then(|r| r.strip_prefix('_')) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('_').collect();
    let (unit, number) = parts.split_last().unwrap_or((&"", &[]));
    ["days", "weeks", "months", "years"].contains(unit)
        && number
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

impl ColumnSelection {
    /// The names asked for, as given.
    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// The full names of the chosen columns among `available`, in the chosen order; an unknown
    /// or ambiguous name is refused, listing the available ones.
    pub fn resolve(&self, available: &[String]) -> Result<Vec<String>, ScoreError> {
        self.0
            .iter()
            .map(|name| {
                if available.contains(name) {
                    return Ok(name.clone());
                }
                let matches: Vec<&String> =
                    available.iter().filter(|c| is_suffixed(c, name)).collect();
                match matches[..] {
                    [one] => Ok(one.clone()),
                    _ => Err(ScoreError::setting(
                        "--columns",
                        format!(
                            "no column {name:?} in this output; available: {}",
                            available.join(", ")
                        ),
                    )),
                }
            })
            .collect()
    }

    /// `df` with the chosen columns only, in the chosen order.
    pub fn select(&self, df: &DataFrame) -> Result<DataFrame, ScoreError> {
        let available: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let names = self.resolve(&available)?;
        df.select(names)
            .map_err(|e| ScoreError::Frame(e.to_string()))
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

    #[test]
    fn columns_are_chosen_by_full_name_or_by_stem_in_the_given_order() {
        let names: Vec<String> = [
            "customer_id",
            "t_x_weeks",
            "churn_probability",
            "clv_52_weeks",
            "clv_percentile",
            "value_at_risk_1_5_years",
        ]
        .map(String::from)
        .to_vec();
        let pick = |s: &str| s.parse::<ColumnSelection>().unwrap().resolve(&names);
        assert_eq!(
            pick("clv, customer_id,t_x").unwrap(),
            ["clv_52_weeks", "customer_id", "t_x_weeks"]
        );
        assert_eq!(
            pick("value_at_risk,clv_percentile").unwrap(),
            ["value_at_risk_1_5_years", "clv_percentile"]
        );
        // `churn` is not a stem of churn_probability (no unit or horizon follows it).
        let err = pick("churn").unwrap_err().to_string();
        assert!(err.contains("no column \"churn\""), "{err}");
        assert!(err.contains("available: customer_id, t_x_weeks"), "{err}");
        assert!("a,,b".parse::<ColumnSelection>().is_err());
        assert!("a,b,a".parse::<ColumnSelection>().is_err());
    }

    #[test]
    fn a_selection_keeps_the_chosen_columns_of_a_frame() {
        let t = ScoreTable {
            ids: vec!["a".into()],
            x: vec![1],
            t_x: vec![2.0],
            t: vec![3.0],
            monetary: vec![4.0],
            p_alive: vec![0.75],
            churn_probability: vec![0.25],
            expected_purchases: vec![1.5],
            p_no_purchase: vec![0.2],
            p_any_purchase: vec![0.8],
            ..ScoreTable::default()
        };
        let df = to_frame(
            &t,
            TimeUnit::Week,
            Duration::new(52.0, TimeUnit::Week),
            None,
        )
        .unwrap();
        let sel: ColumnSelection = "expected_purchases,customer_id".parse().unwrap();
        let out = sel.select(&df).unwrap();
        let names: Vec<String> = out
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, ["expected_purchases_52_weeks", "customer_id"]);
    }
}

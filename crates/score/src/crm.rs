//! The CRM profile (`retain score --profile crm`, `retain campaign --profile crm`): one row per
//! customer with the fields commercial CRM and marketing tools put on a customer profile,
//! built from a score frame by column name, so that any score file (a fresh run or one read
//! back from disk) gives the same export.
//!
//! Columns, each when the scores have it (see the README): `crm_id` (with an id map),
//! `customer_id`, `churn_probability`, `risk_tier`, `predicted_clv_<horizon>`,
//! `value_at_risk_<horizon>`, `predicted_orders_<horizon>`, `average_days_between_orders`,
//! `average_order_value`, `expected_next_order_date`, `segment`, `value_tier`,
//! `churn_percentile`, `clv_percentile`, `value_at_risk_percentile`.

use crate::ScoreError;
use crate::score_file::{self, CHURN_PROBABILITY, CUSTOMER_ID, RISK_TIER};
use polars::prelude::*;
use retain_core::features::RawColumn;
use retain_core::time::TimeUnit;
use std::collections::HashMap;
use std::path::Path;

/// The score-file column a CRM tool calls a next-order date, when the scores carry one.
pub const EXPECTED_NEXT_PURCHASE_DATE: &str = "expected_next_purchase_date";

/// Retain's customer ids → the CRM's ids, from a two-column table.
#[derive(Debug, Clone, Default)]
pub struct IdMap(HashMap<String, String>);

impl IdMap {
    /// Reads a table (CSV with a header, or Parquet) whose first column is retain's customer
    /// id and second the CRM's id. Empty cells and a customer mapped twice are refused by line.
    pub fn load(path: &Path) -> Result<IdMap, ScoreError> {
        let table = retain_io::table::read_table(path, b',')?;
        let bad = |reason: String| ScoreError::Data {
            source_name: path.display().to_string(),
            column: None,
            reason,
        };
        let [from, to, ..] = &table.columns[..] else {
            return Err(bad(format!(
                "an id map has two columns (retain's customer id, then the CRM id); found {}",
                table.names.len()
            )));
        };
        let (from, to) = (texts(from), texts(to));
        let mut map = HashMap::with_capacity(from.len());
        for (i, (f, t)) in from.into_iter().zip(to).enumerate() {
            let line = i + 2;
            let (Some(f), Some(t)) = (f, t) else {
                return Err(bad(format!("line {line}: an empty id")));
            };
            if map.insert(f, t).is_some() {
                return Err(bad(format!(
                    "line {line}: a customer id mapped a second time (each maps to one CRM id)"
                )));
            }
        }
        Ok(IdMap(map))
    }

    /// Customers mapped.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A column's cells as text (numbers as Rust prints them, `12` for 12.0).
fn texts(c: &RawColumn) -> Vec<Option<String>> {
    match c {
        RawColumn::Text(v) => v.clone(),
        RawColumn::Numeric(v) => v.iter().map(|x| x.map(|x| x.to_string())).collect(),
        RawColumn::Bool(v) => v.iter().map(|b| b.map(|b| b.to_string())).collect(),
    }
}

/// The CRM export of score frames, optionally keyed by CRM ids.
#[derive(Debug, Clone, Default)]
pub struct CrmProfile {
    id_map: Option<IdMap>,
}

/// One CRM frame and the customers it left out for want of a CRM id.
#[derive(Debug)]
pub struct CrmFrame {
    /// The export rows.
    pub frame: DataFrame,
    /// Customers of the scores absent from the id map (left out).
    pub unmapped: usize,
}

fn frame_err(e: PolarsError) -> ScoreError {
    ScoreError::Frame(e.to_string())
}

impl CrmProfile {
    /// A profile; with `id_map`, rows are keyed by CRM id and unmapped customers left out.
    pub fn new(id_map: Option<IdMap>) -> CrmProfile {
        CrmProfile { id_map }
    }

    /// Which rows of `scores` the export keeps (all, or those with a CRM id).
    pub fn keeps(&self, scores: &DataFrame) -> Result<BooleanChunked, ScoreError> {
        let ids = scores
            .column(CUSTOMER_ID)
            .map_err(|_| ScoreError::column(CUSTOMER_ID, "the CRM profile needs customer ids"))?
            .cast(&DataType::String)
            .map_err(frame_err)?;
        let ids = ids.str().map_err(frame_err)?;
        Ok(match &self.id_map {
            Some(map) => ids
                .iter()
                .map(|id| id.is_some_and(|id| map.0.contains_key(id)))
                .collect(),
            None => BooleanChunked::full("keep".into(), true, ids.len()),
        })
    }

    /// The CRM rows of a score frame (any row order; one row per score row).
    pub fn frame(&self, scores: &DataFrame) -> Result<CrmFrame, ScoreError> {
        let names: Vec<String> = scores
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let missing = |what: &str| {
            ScoreError::column(
                what,
                format!(
                    "the CRM profile needs a {what} column (the scores have {})",
                    names.join(", ")
                ),
            )
        };
        let get = |name: &str| scores.column(name).ok();
        let float = |c: &Column, name: &str| -> Result<Column, ScoreError> {
            Ok(c.as_materialized_series()
                .strict_cast(&DataType::Float64)
                .map_err(|e| ScoreError::column(name, format!("not a number: {e}")))?
                .with_name(name.into())
                .into_column())
        };
        // A column `stem_<horizon>`, renamed `new_<horizon>`.
        let by_horizon = |stem: &str, new: &str| -> Result<Option<Column>, ScoreError> {
            let sel: score_file::ColumnSelection = stem.parse()?;
            let Ok(found) = sel.resolve(&names) else {
                return Ok(None);
            };
            let name = &found[0];
            let renamed = format!("{new}{}", &name[stem.len()..]);
            let c = get(name).ok_or_else(|| missing(stem))?;
            Ok(Some(float(c, &renamed)?))
        };
        let ids = get(CUSTOMER_ID).ok_or_else(|| missing(CUSTOMER_ID))?;
        let ids = ids.cast(&DataType::String).map_err(frame_err)?;
        let mut cols = vec![ids.clone()];
        cols.push(float(
            get(CHURN_PROBABILITY).ok_or_else(|| missing(CHURN_PROBABILITY))?,
            CHURN_PROBABILITY,
        )?);
        cols.push(get(RISK_TIER).ok_or_else(|| missing(RISK_TIER))?.clone());
        cols.extend(by_horizon(score_file::CLV, "predicted_clv")?);
        cols.extend(by_horizon(
            score_file::VALUE_AT_RISK,
            score_file::VALUE_AT_RISK,
        )?);
        cols.extend(by_horizon("expected_purchases", "predicted_orders")?);
        if let Some(days) = average_days_between_orders(scores, &names)? {
            cols.push(days);
        }
        if let Some(c) = get("expected_spend") {
            cols.push(float(c, "average_order_value")?);
        }
        if let Some(c) = get(EXPECTED_NEXT_PURCHASE_DATE) {
            cols.push(c.clone().with_name("expected_next_order_date".into()));
        }
        if let Some(c) = get(score_file::RFM_SEGMENT) {
            cols.push(c.clone().with_name("segment".into()));
        }
        if let Some(c) = get(score_file::VALUE_TIER) {
            cols.push(c.clone());
        }
        for p in [
            "churn_percentile",
            "clv_percentile",
            "value_at_risk_percentile",
        ] {
            if let Some(c) = get(p) {
                cols.push(float(c, p)?);
            }
        }
        let mut frame = DataFrame::new(scores.height(), cols).map_err(frame_err)?;
        let Some(map) = &self.id_map else {
            return Ok(CrmFrame { frame, unmapped: 0 });
        };
        let ids = ids.str().map_err(frame_err)?;
        let crm: StringChunked = ids
            .iter()
            .map(|id| id.and_then(|id| map.0.get(id)).map(String::as_str))
            .collect();
        let unmapped = crm.null_count();
        let keep = crm.is_not_null();
        frame
            .insert_column(0, crm.with_name("crm_id".into()).into_column())
            .map_err(frame_err)?;
        let frame = frame.filter(&keep).map_err(frame_err)?;
        Ok(CrmFrame { frame, unmapped })
    }
}

/// Observed days between orders: first to last purchase (`t_x_<unit>`) over the repeat
/// purchases (`x`), in days; null without a repeat purchase. None when the scores lack them.
fn average_days_between_orders(
    scores: &DataFrame,
    names: &[String],
) -> Result<Option<Column>, ScoreError> {
    let Some((name, unit)) = names.iter().find_map(|n| {
        let unit = n.strip_prefix("t_x_")?.parse::<TimeUnit>().ok()?;
        Some((n, unit))
    }) else {
        return Ok(None);
    };
    let (Ok(x), Ok(t_x)) = (scores.column("x"), scores.column(name)) else {
        return Ok(None);
    };
    let cast = |c: &Column, n: &str| {
        c.as_materialized_series()
            .strict_cast(&DataType::Float64)
            .map_err(|e| ScoreError::column(n, format!("not a number: {e}")))
    };
    let (x, t_x) = (cast(x, "x")?, cast(t_x, name)?);
    let (x, t_x) = (x.f64().map_err(frame_err)?, t_x.f64().map_err(frame_err)?);
    let days: Float64Chunked = x
        .iter()
        .zip(t_x.iter())
        .map(|(x, t)| match (x, t) {
            (Some(x), Some(t)) if x > 0.0 => Some(t / x * unit.days()),
            _ => None,
        })
        .collect();
    Ok(Some(
        days.with_name("average_days_between_orders".into())
            .into_column(),
    ))
}

/// A score file read as a table (`retain campaign`) as a frame the profile takes: text
/// columns stay text, numbers are floats.
pub fn frame_of_table(table: &retain_core::features::RawTable) -> Result<DataFrame, ScoreError> {
    let cols: Vec<Column> = table
        .names
        .iter()
        .zip(&table.columns)
        .map(|(n, c)| match c {
            RawColumn::Text(v) => Column::new(n.into(), v),
            RawColumn::Numeric(v) => Column::new(n.into(), v),
            RawColumn::Bool(v) => Column::new(n.into(), v),
        })
        .collect();
    DataFrame::new_infer_height(cols).map_err(frame_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::ScoreTable;
    use retain_core::time::Duration;

    fn scores() -> DataFrame {
        let t = ScoreTable {
            ids: vec!["a".into(), "b".into(), "c".into()],
            x: vec![2, 0, 4],
            t_x: vec![3.0, 0.0, 8.0],
            t: vec![10.0, 5.0, 9.0],
            monetary: vec![10.0, 0.0, 20.0],
            p_alive: vec![0.9, 0.4, 0.7],
            churn_probability: vec![0.1, 0.6, 0.3],
            expected_purchases: vec![1.5, 0.2, 3.0],
            p_no_purchase: vec![0.2, 0.8, 0.1],
            expected_spend: Some(vec![11.0, 15.0, 19.0]),
            clv: Some(vec![15.0, 2.0, 50.0]),
            value_at_risk: Some(vec![1.5, 3.0, 20.0]),
            p_any_purchase: vec![0.8, 0.2, 0.9],
            dert: None,
            ..ScoreTable::default()
        };
        score_file::to_frame(
            &t,
            TimeUnit::Week,
            Duration::new(12.0, TimeUnit::Month),
            None,
        )
        .unwrap()
    }

    fn names(df: &DataFrame) -> Vec<String> {
        df.get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect()
    }

    #[test]
    fn the_profile_renames_by_horizon_and_derives_days_between_orders() {
        let out = CrmProfile::default().frame(&scores()).unwrap();
        assert_eq!(out.unmapped, 0);
        assert_eq!(
            names(&out.frame),
            [
                "customer_id",
                "churn_probability",
                "risk_tier",
                "predicted_clv_12_months",
                "value_at_risk_12_months",
                "predicted_orders_12_months",
                "average_days_between_orders",
                "average_order_value",
            ]
        );
        let days: Vec<Option<f64>> = out
            .frame
            .column("average_days_between_orders")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect();
        // 3 weeks over 2 repeat purchases; none without a repeat; 8 weeks over 4.
        assert_eq!(days, [Some(10.5), None, Some(14.0)]);
    }

    #[test]
    fn an_id_map_keys_rows_by_crm_id_and_leaves_unmapped_customers_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids.csv");
        std::fs::write(&path, "customer_id,crm_id\na,CRM-1\nc,CRM-3\nzz,CRM-9\n").unwrap();
        let map = IdMap::load(&path).unwrap();
        assert_eq!(map.len(), 3);
        let out = CrmProfile::new(Some(map)).frame(&scores()).unwrap();
        assert_eq!(out.unmapped, 1);
        let crm: Vec<Option<&str>> = out
            .frame
            .column("crm_id")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(crm, [Some("CRM-1"), Some("CRM-3")]);
        assert_eq!(names(&out.frame)[..2], ["crm_id", "customer_id"]);
    }

    #[test]
    fn a_customer_mapped_twice_is_refused_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids.csv");
        std::fs::write(&path, "id,crm\na,1\nb,2\na,3\n").unwrap();
        let err = IdMap::load(&path).unwrap_err().to_string();
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn a_score_file_read_as_text_gives_the_same_profile() {
        let df = scores();
        let text: Vec<Column> = df
            .columns()
            .iter()
            .map(|c| c.cast(&DataType::String).unwrap())
            .collect();
        let text = DataFrame::new(df.height(), text).unwrap();
        let a = CrmProfile::default().frame(&df).unwrap().frame;
        let b = CrmProfile::default().frame(&text).unwrap().frame;
        assert!(a.equals_missing(&b), "{a}\n{b}");
    }
}

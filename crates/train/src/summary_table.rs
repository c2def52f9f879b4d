//! Per-customer summaries read from a file (CSV or Parquet), for scoring a base that is
//! already summarised: one row per customer with the repeat purchases, recency, age and mean
//! repeat spend, in a stated time unit. Column names default to those of lifetimes'
//! `summary_data_from_transaction_data` (`frequency`, `recency`, `T`, `monetary_value`).

use crate::TrainError;
use crate::table::read_table;
use retain_core::features::RawColumn;
use retain_core::summary::Summaries;
use retain_core::time::TimeUnit;
use std::path::Path;

/// Column names of a summary file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryColumns {
    /// Customer id.
    pub id: String,
    /// Repeat purchases (x).
    pub x: String,
    /// Time from the first to the last purchase (t_x).
    pub t_x: String,
    /// Time from the first purchase to the as-of date (T).
    pub t: String,
    /// Mean repeat purchase value (optional for models without spend).
    pub monetary: String,
}

impl Default for SummaryColumns {
    fn default() -> Self {
        SummaryColumns {
            id: "customer_id".into(),
            x: "frequency".into(),
            t_x: "recency".into(),
            t: "T".into(),
            monetary: "monetary_value".into(),
        }
    }
}

fn column<'a>(
    path: &Path,
    names: &[String],
    columns: &'a [RawColumn],
    name: &str,
) -> Result<&'a RawColumn, TrainError> {
    names
        .iter()
        .position(|n| n == name)
        .map(|i| &columns[i])
        .ok_or_else(|| {
            TrainError::Invalid(format!(
                "{}: no column {name:?} (columns: {})",
                path.display(),
                names.join(", ")
            ))
        })
}

/// Reads summaries whose times are in `unit` and converts them to `model_unit`. Every value is
/// checked; an error names the file, line (as in a CSV file with a header) and column.
pub fn read_summaries(
    path: &Path,
    delimiter: u8,
    cols: &SummaryColumns,
    unit: TimeUnit,
    model_unit: TimeUnit,
    need_monetary: bool,
) -> Result<Summaries, TrainError> {
    let mut table = read_table(path, delimiter)?;
    let n = table.columns.first().map_or(0, RawColumn::len);
    // The ids move out of the table (10M customers: no second copy of every id).
    let id_index = table
        .names
        .iter()
        .position(|n| *n == cols.id)
        .ok_or_else(|| {
            TrainError::Invalid(format!(
                "{}: no column {:?} (columns: {})",
                path.display(),
                cols.id,
                table.names.join(", ")
            ))
        })?;
    let mut ids = std::mem::replace(&mut table.columns[id_index], RawColumn::Bool(Vec::new()));
    // `recency_weeks` (as `retain summarise` writes it, the unit in the name) or `recency`.
    let get = |name: &str| {
        let with_unit = format!("{name}_{}", unit.plural());
        if table.names.contains(&with_unit) {
            column(path, &table.names, &table.columns, &with_unit)
        } else {
            column(path, &table.names, &table.columns, name)
        }
    };
    let bad = |row: usize, name: &str, why: String| {
        TrainError::Invalid(format!(
            "{}: line {}, column {name:?}: {why}",
            path.display(),
            row + 2
        ))
    };
    let number = |c: &RawColumn, row: usize, name: &str| -> Result<f64, TrainError> {
        let v = match c {
            RawColumn::Numeric(v) => v[row],
            RawColumn::Text(v) => match &v[row] {
                Some(t) => Some(
                    t.trim()
                        .parse::<f64>()
                        .map_err(|_| bad(row, name, format!("{t:?} is not a number")))?,
                ),
                None => None,
            },
            RawColumn::Bool(_) => return Err(bad(row, name, "expected a number".into())),
        };
        match v {
            Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
            Some(x) => Err(bad(row, name, format!("{x} must be finite and >= 0"))),
            None => Err(bad(row, name, "missing value".into())),
        }
    };
    let (cx, ctx, ct) = (get(&cols.x)?, get(&cols.t_x)?, get(&cols.t)?);
    let cm = if need_monetary {
        Some(get(&cols.monetary)?)
    } else {
        None
    };
    let k = unit.days() / model_unit.days();
    let mut s = Summaries::default();
    s.ids.reserve(n);
    for row in 0..n {
        let id = match &mut ids {
            RawColumn::Text(v) => v[row].take(),
            RawColumn::Numeric(v) => v[row].map(|x| x.to_string()),
            RawColumn::Bool(v) => v[row].map(|b| b.to_string()),
        }
        .ok_or_else(|| bad(row, &cols.id, "missing customer id".into()))?;
        let x = number(cx, row, &cols.x)?;
        if x.fract() != 0.0 || x > f64::from(u32::MAX) {
            return Err(bad(
                row,
                &cols.x,
                format!("{x} is not a whole number of purchases"),
            ));
        }
        let (t_x, t) = (number(ctx, row, &cols.t_x)?, number(ct, row, &cols.t)?);
        if t_x > t {
            return Err(bad(
                row,
                &cols.t_x,
                format!("recency {t_x} is after T = {t}"),
            ));
        }
        if x > 0.0 && t_x == 0.0 {
            return Err(bad(
                row,
                &cols.t_x,
                format!("{x} repeat purchases need recency > 0"),
            ));
        }
        let monetary = match cm {
            Some(c) if x > 0.0 => number(c, row, &cols.monetary)?,
            _ => 0.0,
        };
        s.ids.push(id);
        s.first_purchase.push(0);
        s.x.push(x as u32);
        s.t_x.push(t_x * k);
        s.t.push(t * k);
        s.monetary.push(monetary);
        s.first_amount.push(0.0);
        s.holdout_x.push(0);
        s.holdout_spend.push(0.0);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_and_converts_units() {
        let (_d, p) = write(
            "customer_id,frequency,recency_days,T_days,monetary_value\na,2,14,28,10.5\nb,0,0,7,0\n",
        );
        let s = read_summaries(
            &p,
            b',',
            &SummaryColumns::default(),
            TimeUnit::Day,
            TimeUnit::Week,
            true,
        )
        .unwrap();
        assert_eq!(s.ids, ["a", "b"]);
        assert_eq!(s.x, [2, 0]);
        assert_eq!(s.t_x, [2.0, 0.0]);
        assert_eq!(s.t, [4.0, 1.0]);
        assert_eq!(s.monetary, [10.5, 0.0]);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        for (text, needle) in [
            (
                "customer_id,frequency,recency,T,monetary_value\na,2,14,28,1\nb,1.5,3,9,1\n",
                "line 3, column \"frequency\"",
            ),
            (
                "customer_id,frequency,recency,T,monetary_value\na,2,30,28,1\n",
                "line 2, column \"recency\"",
            ),
            (
                "customer_id,frequency,recency,T,monetary_value\na,2,x,28,1\n",
                "\"x\" is not a number",
            ),
            (
                "customer_id,frequency,recency,T,monetary_value\na,2,3,,1\n",
                "missing value",
            ),
            (
                "customer_id,frequency,recency,T\na,2,3,9\n",
                "no column \"monetary_value\"",
            ),
        ] {
            let (_d, p) = write(text);
            let e = read_summaries(
                &p,
                b',',
                &SummaryColumns::default(),
                TimeUnit::Week,
                TimeUnit::Week,
                true,
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains(needle), "{e} lacks {needle}");
        }
    }
}

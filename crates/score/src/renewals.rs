//! The columns of a subscription (renewal) table, read the same way for training and scoring:
//! tenure in whole periods, the churned flag, the cohort label and the customer id.
//!
//! A bad cell is an error naming the column and the data row (1-based, the header not
//! counted), never its value: cells are customer data.

use crate::ScoreError;
use retain_core::features::{RawColumn, RawTable};

/// Largest accepted tenure, in periods (a million months is 83,000 years: anything above is
/// a unit mistake, and it bounds the value sums).
pub const MAX_TENURE: u32 = 1_000_000;

fn column<'a>(table: &'a RawTable, name: &str, what: &str) -> Result<&'a RawColumn, ScoreError> {
    table
        .column(name)
        .ok_or_else(|| ScoreError::column(name, format!("{what} column {name:?} is missing")))
}

fn bad(name: &str, row: usize, what: &str) -> ScoreError {
    ScoreError::column(
        name,
        format!("column {name:?}, data row {}: {what}", row + 1),
    )
}

/// The tenure column as whole periods in [0, [`MAX_TENURE`]]; numbers written as text are
/// parsed.
pub fn tenures(table: &RawTable, name: &str) -> Result<Vec<u32>, ScoreError> {
    let parse = |row: usize, x: Option<f64>| match x {
        None => Err(bad(name, row, "empty")),
        Some(v) if v.fract() != 0.0 || !(0.0..=f64::from(MAX_TENURE)).contains(&v) => Err(bad(
            name,
            row,
            &format!("a tenure must be a whole number of periods in 0..={MAX_TENURE}"),
        )),
        Some(v) => Ok(v as u32),
    };
    match column(table, name, "tenure")? {
        RawColumn::Numeric(v) => v.iter().enumerate().map(|(r, x)| parse(r, *x)).collect(),
        RawColumn::Text(v) => v
            .iter()
            .enumerate()
            .map(|(r, x)| match x.as_deref().map(str::trim) {
                None | Some("") => parse(r, None),
                Some(t) => match t.parse::<f64>() {
                    Ok(n) => parse(r, Some(n)),
                    Err(_) => Err(bad(name, r, "not a number")),
                },
            })
            .collect(),
        RawColumn::Bool(_) => Err(ScoreError::column(
            name,
            format!("tenure column {name:?} must be numeric, not yes/no"),
        )),
    }
}

/// The churned column: true/false, yes/no, y/n or 1/0 (any case).
pub fn churned(table: &RawTable, name: &str) -> Result<Vec<bool>, ScoreError> {
    let flag = |row: usize, t: &str| match t.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" => Ok(true),
        "0" | "false" | "no" | "n" => Ok(false),
        "" => Err(bad(name, row, "empty")),
        _ => Err(bad(name, row, "must be 1/0, true/false or yes/no")),
    };
    match column(table, name, "churned")? {
        RawColumn::Bool(v) => v
            .iter()
            .enumerate()
            .map(|(r, x)| x.ok_or_else(|| bad(name, r, "empty")))
            .collect(),
        RawColumn::Numeric(v) => v
            .iter()
            .enumerate()
            .map(|(r, x)| match x {
                Some(x) if *x == 1.0 => Ok(true),
                Some(x) if *x == 0.0 => Ok(false),
                Some(_) => Err(bad(name, r, "must be 1/0, true/false or yes/no")),
                None => Err(bad(name, r, "empty")),
            })
            .collect(),
        RawColumn::Text(v) => v
            .iter()
            .enumerate()
            .map(|(r, x)| flag(r, x.as_deref().unwrap_or("")))
            .collect(),
    }
}

/// A column as labels (cohorts, ids): numbers without a fraction print as integers; an empty
/// cell is an error.
pub fn labels(table: &RawTable, name: &str, what: &str) -> Result<Vec<String>, ScoreError> {
    let text = |r: usize, t: Option<String>| t.ok_or_else(|| bad(name, r, "empty"));
    match column(table, name, what)? {
        RawColumn::Text(v) => v
            .iter()
            .enumerate()
            .map(|(r, x)| text(r, x.clone().filter(|s| !s.trim().is_empty())))
            .collect(),
        RawColumn::Numeric(v) => v
            .iter()
            .enumerate()
            .map(|(r, x)| {
                text(
                    r,
                    x.map(|x| {
                        if x.fract() == 0.0 && x.abs() < 1e15 {
                            format!("{}", x as i64)
                        } else {
                            format!("{x}")
                        }
                    }),
                )
            })
            .collect(),
        RawColumn::Bool(v) => v
            .iter()
            .enumerate()
            .map(|(r, x)| text(r, x.map(|b| b.to_string())))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RawTable {
        let mut t = RawTable::default();
        t.push("tenure", RawColumn::Numeric(vec![Some(3.0), Some(0.0)]));
        t.push(
            "churned",
            RawColumn::Text(vec![Some("Yes".into()), Some("0".into())]),
        );
        t.push("cohort", RawColumn::Numeric(vec![Some(2019.0), Some(2.5)]));
        t.push("bad", RawColumn::Numeric(vec![Some(1.5), None]));
        t.push("word", RawColumn::Text(vec![Some("x".into()), None]));
        t
    }

    #[test]
    fn reads_tenures_flags_and_labels_and_names_bad_rows() {
        let t = table();
        assert_eq!(tenures(&t, "tenure").unwrap(), vec![3, 0]);
        assert_eq!(churned(&t, "churned").unwrap(), vec![true, false]);
        assert_eq!(labels(&t, "cohort", "cohort").unwrap(), vec!["2019", "2.5"]);
        let e = tenures(&t, "bad").unwrap_err().to_string();
        assert!(
            e.contains("\"bad\", data row 1") && e.contains("whole number"),
            "{e}"
        );
        let e = churned(&t, "word").unwrap_err().to_string();
        assert!(e.contains("data row 1"), "{e}");
        let e = labels(&t, "word", "cohort").unwrap_err().to_string();
        assert!(e.contains("data row 2: empty"), "{e}");
        let e = tenures(&t, "nope").unwrap_err().to_string();
        assert!(e.contains("tenure column \"nope\" is missing"), "{e}");
    }
}

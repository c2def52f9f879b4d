//! The raw input of the feature pipeline: named columns of optional numbers, texts or booleans as
//! a reader hands them over, and the single values of one customer for online scoring.

use super::FeatureError;
use super::cell::Cell;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One column of raw values; `None` is a missing cell.
///
/// A NaN number and a blank (whitespace-only) text are read as missing too; texts are trimmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RawColumn {
    /// Numbers.
    Numeric(Vec<Option<f64>>),
    /// Texts: numbers written as text, yes/no flags or category labels.
    Text(Vec<Option<String>>),
    /// Booleans.
    Bool(Vec<Option<bool>>),
}

impl RawColumn {
    /// The cells as texts (numbers in Rust's shortest form, booleans as `true`/`false`).
    pub fn into_texts(self) -> Vec<Option<String>> {
        match self {
            RawColumn::Text(v) => v,
            RawColumn::Numeric(v) => v.into_iter().map(|x| x.map(|x| x.to_string())).collect(),
            RawColumn::Bool(v) => v.into_iter().map(|x| x.map(|x| x.to_string())).collect(),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            RawColumn::Numeric(v) => v.len(),
            RawColumn::Text(v) => v.len(),
            RawColumn::Bool(v) => v.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cell at `row`; past the end reads as missing (tables are validated before use, so
    /// that only happens on a bug, which then shows as gaps rather than a panic while serving).
    pub(crate) fn cell(&self, row: usize) -> Cell<'_> {
        match self {
            RawColumn::Numeric(v) => v
                .get(row)
                .copied()
                .flatten()
                .map_or(Cell::Missing, Cell::number),
            RawColumn::Text(v) => v
                .get(row)
                .and_then(Option::as_deref)
                .map_or(Cell::Missing, Cell::text),
            RawColumn::Bool(v) => v
                .get(row)
                .copied()
                .flatten()
                .map_or(Cell::Missing, Cell::Bool),
        }
    }
}

/// A table of named raw columns of equal length (the target and id columns already removed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawTable {
    /// Column names, parallel to `columns`.
    pub names: Vec<String>,
    /// The columns.
    pub columns: Vec<RawColumn>,
}

impl RawTable {
    /// Appends a column.
    pub fn push(&mut self, name: impl Into<String>, column: RawColumn) -> &mut Self {
        self.names.push(name.into());
        self.columns.push(column);
        self
    }

    /// Number of rows (that of the first column; 0 without columns).
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, RawColumn::len)
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the rows of `other`, another partition of the same table: the same column names
    /// in any order. A column read as numbers or booleans in one partition and as text in the
    /// other (a Parquet and a CSV partition) becomes text; other differences are an error
    /// saying which column.
    pub fn append(&mut self, other: RawTable) -> Result<(), String> {
        if self.names.len() != other.names.len()
            || other.names.iter().any(|n| !self.names.contains(n))
        {
            return Err(format!(
                "its columns ({}) are not those of the first partition ({})",
                other.names.join(", "),
                self.names.join(", ")
            ));
        }
        let mut other: std::collections::HashMap<String, RawColumn> =
            other.names.into_iter().zip(other.columns).collect();
        for (name, column) in self.names.iter().zip(self.columns.iter_mut()) {
            let Some(more) = other.remove(name) else {
                return Err(format!("column {name:?} appears twice"));
            };
            match (column, more) {
                (RawColumn::Numeric(a), RawColumn::Numeric(b)) => a.extend(b),
                (RawColumn::Bool(a), RawColumn::Bool(b)) => a.extend(b),
                (RawColumn::Text(a), b) => a.extend(b.into_texts()),
                (c, b) => {
                    let mut texts = std::mem::replace(c, RawColumn::Text(Vec::new())).into_texts();
                    texts.extend(b.into_texts());
                    *c = RawColumn::Text(texts);
                }
            }
        }
        Ok(())
    }

    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<&RawColumn> {
        let i = self.names.iter().position(|n| n == name)?;
        self.columns.get(i)
    }

    /// Checks that names and columns pair up, names are unique and columns have equal length.
    pub fn validate(&self) -> Result<(), FeatureError> {
        if self.names.len() != self.columns.len() {
            return Err(FeatureError::ShapeMismatch {
                names: self.names.len(),
                columns: self.columns.len(),
            });
        }
        let expected = self.len();
        let mut seen = HashSet::new();
        for (name, column) in self.names.iter().zip(&self.columns) {
            if !seen.insert(name.as_str()) {
                return Err(FeatureError::DuplicateColumn {
                    column: name.clone(),
                });
            }
            if column.len() != expected {
                return Err(FeatureError::RaggedColumn {
                    column: name.clone(),
                    len: column.len(),
                    expected,
                });
            }
        }
        Ok(())
    }
}

/// One value of one customer, for scoring a single row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RawValue {
    /// A number.
    Number(f64),
    /// A text (trimmed; blank is missing).
    Text(String),
    /// A boolean.
    Bool(bool),
    /// No value.
    Missing,
}

impl RawValue {
    pub(crate) fn cell(&self) -> Cell<'_> {
        match self {
            RawValue::Number(v) => Cell::number(*v),
            RawValue::Text(t) => Cell::text(t),
            RawValue::Bool(b) => Cell::Bool(*b),
            RawValue::Missing => Cell::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_a_partition_matches_columns_by_name_and_widens_to_text() {
        let mut a = RawTable::default();
        a.push("n", RawColumn::Numeric(vec![Some(1.5)]))
            .push("t", RawColumn::Text(vec![Some("x".into())]));
        let mut b = RawTable::default();
        b.push("t", RawColumn::Text(vec![None]))
            .push("n", RawColumn::Text(vec![Some("2".into())]));
        a.append(b).unwrap();
        assert_eq!(
            a.column("n"),
            Some(&RawColumn::Text(vec![Some("1.5".into()), Some("2".into())]))
        );
        assert_eq!(
            a.column("t"),
            Some(&RawColumn::Text(vec![Some("x".into()), None]))
        );
        let mut c = RawTable::default();
        c.push("n", RawColumn::Numeric(vec![Some(1.0)]));
        assert!(a.append(c).unwrap_err().contains("first partition"));
    }

    #[test]
    fn validate_catches_ragged_duplicate_and_unpaired_columns() {
        let mut t = RawTable::default();
        t.push("a", RawColumn::Numeric(vec![Some(1.0), None]));
        t.push("b", RawColumn::Bool(vec![Some(true)]));
        assert_eq!(
            t.validate(),
            Err(FeatureError::RaggedColumn {
                column: "b".into(),
                len: 1,
                expected: 2
            })
        );
        let mut t = RawTable::default();
        t.push("a", RawColumn::Numeric(vec![Some(1.0)]));
        t.push("a", RawColumn::Numeric(vec![Some(2.0)]));
        assert_eq!(
            t.validate(),
            Err(FeatureError::DuplicateColumn { column: "a".into() })
        );
        t.names.pop();
        assert_eq!(
            t.validate(),
            Err(FeatureError::ShapeMismatch {
                names: 1,
                columns: 2
            })
        );
    }

    #[test]
    fn blanks_and_nan_read_as_missing() {
        let c = RawColumn::Text(vec![Some("  ".into()), Some(" x ".into()), None]);
        assert_eq!(c.cell(0), Cell::Missing);
        assert_eq!(c.cell(1), Cell::Text("x"));
        assert_eq!(c.cell(2), Cell::Missing);
        assert_eq!(
            RawColumn::Numeric(vec![Some(f64::NAN)]).cell(0),
            Cell::Missing
        );
        assert_eq!(RawValue::Text(" ".into()).cell(), Cell::Missing);
    }
}

//! The error type of the feature pipeline.

use thiserror::Error;

/// Everything that can go wrong while fitting a feature pipeline or transforming with it.
///
/// Rows are 1-based data rows (the header is not counted); `row` is `None` for single-customer
/// input ([`FeaturePipeline::transform_row`](super::FeaturePipeline::transform_row)), where the
/// column name is the field name.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FeatureError {
    /// The table has a different number of names and columns.
    #[error("table has {names} column names but {columns} columns")]
    ShapeMismatch {
        /// Number of names.
        names: usize,
        /// Number of columns.
        columns: usize,
    },
    /// A column is longer or shorter than the first column.
    #[error("column {column:?} has {len} rows, expected {expected}")]
    RaggedColumn {
        /// Column name.
        column: String,
        /// Its number of rows.
        len: usize,
        /// The number of rows of the first column.
        expected: usize,
    },
    /// Two columns (or two fields of a single row) share a name.
    #[error("column {column:?} appears more than once")]
    DuplicateColumn {
        /// Column name.
        column: String,
    },
    /// The training table has no rows.
    #[error("no rows to fit the feature pipeline on")]
    Empty,
    /// A spec setting is out of range.
    #[error("invalid pipeline spec: {field} {reason}")]
    InvalidSpec {
        /// Spec field name.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// `spec.categorical` or `spec.drop` names a column the table does not have.
    #[error("spec.{list} names column {column:?}, which is not in the table")]
    UnknownSpecColumn {
        /// `"categorical"` or `"drop"`.
        list: &'static str,
        /// The name given.
        column: String,
    },
    /// A training column has no value at all.
    #[error("column {column:?} is entirely missing; drop it or fill it")]
    AllMissing {
        /// Column name.
        column: String,
    },
    /// Every column was dropped (by the spec or for being constant).
    #[error("no features left: every column was dropped")]
    NoFeatures,
    /// Two outputs got the same name, e.g. column `a=b` and level `b` of column `a`.
    #[error("two features are both named {name:?}; rename a column")]
    DuplicateFeature {
        /// The clashing output name.
        name: String,
    },
    /// A column used in training is absent from the input.
    #[error("column {column:?} was used in training but is not in the input")]
    MissingColumn {
        /// Column name.
        column: String,
    },
    /// A value does not fit the column's role, e.g. text that is not a number.
    #[error("column {column:?}{}: {value:?} is not {expected}", at(.row))]
    WrongType {
        /// Column (or field) name.
        column: String,
        /// 1-based data row; `None` for a single row.
        row: Option<usize>,
        /// The offending value as text.
        value: String,
        /// What the column needs, e.g. `"a finite number"`.
        expected: &'static str,
    },
    /// A categorical level not seen in training, under [`UnknownPolicy::Error`](super::UnknownPolicy::Error).
    #[error("column {column:?}{}: level {value:?} was not seen in training", at(.row))]
    UnknownLevel {
        /// Column (or field) name.
        column: String,
        /// 1-based data row; `None` for a single row.
        row: Option<usize>,
        /// The unseen level.
        value: String,
    },
    /// A deserialised pipeline is inconsistent (a corrupted or hand-edited artefact).
    #[error("invalid fitted feature pipeline: {0}")]
    InvalidArtefact(String),
}

impl FeatureError {
    /// The same error with its row (if any) renumbered by `row_of`: a pipeline fitted on a
    /// subset of the rows (a cross-validation fold) reports the row of the whole table.
    pub fn renumber_rows(self, row_of: impl Fn(usize) -> usize) -> FeatureError {
        match self {
            FeatureError::WrongType {
                column,
                row,
                value,
                expected,
            } => FeatureError::WrongType {
                column,
                row: row.map(&row_of),
                value,
                expected,
            },
            FeatureError::UnknownLevel { column, row, value } => FeatureError::UnknownLevel {
                column,
                row: row.map(&row_of),
                value,
            },
            other => other,
        }
    }
}

fn at(row: &Option<usize>) -> String {
    row.map(|r| format!(", row {r}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_type_names_column_row_and_value() {
        let e = FeatureError::WrongType {
            column: "total_charges".into(),
            row: Some(3),
            value: "abc".into(),
            expected: "a finite number",
        };
        assert_eq!(
            e.to_string(),
            r#"column "total_charges", row 3: "abc" is not a finite number"#
        );
        let e = FeatureError::WrongType {
            column: "tenure".into(),
            row: None,
            value: "x".into(),
            expected: "a finite number",
        };
        assert_eq!(
            e.to_string(),
            r#"column "tenure": "x" is not a finite number"#
        );
    }
}

//! What can go wrong while reading a transaction log, and the description of one bad row.

use super::options::ColumnRef;
use std::fmt;
use std::path::PathBuf;
use thiserror::Error;

/// Where a bad row is in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// 1-based line number of a text file, the header line included.
    Line(usize),
    /// 1-based row number of a Parquet file.
    Row(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// The field of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The customer id.
    Customer,
    /// The transaction date.
    Date,
    /// The amount.
    Amount,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Customer => "customer id",
            Field::Date => "date",
            Field::Amount => "amount",
        })
    }
}

/// Why a row was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The field is empty or null.
    Missing(Field),
    /// The date does not match the expected format, or is not a calendar date.
    InvalidDate {
        /// The format that was expected.
        expected: String,
    },
    /// The amount is not a number.
    NotANumber,
    /// The amount is infinite or NaN.
    NotFinite,
    /// The line has fewer fields than the column position asked for.
    TooFewFields {
        /// Fields found on the line.
        found: usize,
    },
    /// The line is not valid UTF-8.
    InvalidUtf8,
}

/// One row that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    /// Where the row is.
    pub location: Location,
    /// The offending column: its header name when the file has one, else its position.
    pub column: ColumnRef,
    /// The offending value (shortened when very long; empty when missing, when the line is too
    /// short or not UTF-8).
    pub value: String,
    /// What is wrong with it.
    pub problem: Problem,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}: ", self.location, self.column.describe())?;
        let v = &self.value;
        match &self.problem {
            Problem::Missing(field) => write!(f, "missing {field}"),
            Problem::InvalidDate { expected } => {
                write!(f, "cannot parse {v:?} as a date (expected {expected})")
            }
            Problem::NotANumber => write!(f, "amount {v:?} is not a number"),
            Problem::NotFinite => write!(f, "amount {v:?} is not finite"),
            Problem::TooFewFields { found } => write!(f, "the line has only {found} field(s)"),
            Problem::InvalidUtf8 => write!(f, "the line is not valid UTF-8"),
        }
    }
}

/// Why a transaction log could not be read.
#[derive(Debug, Error)]
pub enum ReadError {
    /// The file cannot be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty (or holds only blank lines).
    #[error("{} is empty", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file has no data row, or every data row was bad and skipped.
    #[error("{}", no_data(path, *skipped))]
    NoData {
        /// The file.
        path: PathBuf,
        /// Bad rows that were skipped.
        skipped: usize,
    },
    /// A requested column is not in the file.
    #[error("{}: no {}; {found}", path.display(), column.describe())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: ColumnRef,
        /// What the file has instead, e.g. `columns found: "id", "day", "spend"`.
        found: String,
    },
    /// A row cannot be parsed (with [`BadRowPolicy::Error`](super::BadRowPolicy::Error)).
    #[error("{}: {row}", path.display())]
    BadRow {
        /// The file.
        path: PathBuf,
        /// The row, column, value and problem.
        row: BadRow,
    },
    /// A text file is malformed at some line (too many fields, not UTF-8).
    #[error("{}: line {line}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A Parquet column has a type that cannot hold what is asked of it.
    #[error("{}: {} has type {dtype}, expected {expected}", path.display(), column.describe())]
    UnsupportedType {
        /// The file.
        path: PathBuf,
        /// The column.
        column: ColumnRef,
        /// Its type.
        dtype: String,
        /// The types that would do.
        expected: &'static str,
    },
    /// A column ref cannot be parsed.
    #[error("invalid column {input:?}: {reason}")]
    InvalidColumn {
        /// What was given.
        input: String,
        /// Why it is refused.
        reason: String,
    },
    /// The options are inconsistent (e.g. a date format chrono does not understand).
    #[error("invalid read options: {0}")]
    InvalidOptions(String),
    /// A Parquet file whose footer is corrupt (see [`crate::parquet_guard`]).
    #[error("{}: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong, e.g. a column chunk past the end of the file.
        reason: String,
    },
    /// polars refused the file (e.g. a line with more fields than the header, or a corrupt Parquet file).
    #[error("{}: {source}", path.display())]
    Polars {
        /// The file.
        path: PathBuf,
        /// polars' error.
        #[source]
        source: polars::error::PolarsError,
    },
}

fn no_data(path: &std::path::Path, skipped: usize) -> String {
    match skipped {
        0 => format!("{} has no data rows", path.display()),
        n => format!("{}: all {n} data rows were bad and skipped", path.display()),
    }
}

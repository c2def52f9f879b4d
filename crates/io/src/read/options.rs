//! How to read a transaction log: which columns, which date format, which delimiter, and what to do
//! with rows that cannot be parsed.

use super::error::ReadError;
use retain_core::time::Zone;
use std::fmt;
use std::str::FromStr;

/// A column, by header name or by 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnRef {
    /// The column with this header name.
    Name(String),
    /// The column at this 1-based position (the only choice for files without a header).
    Position(usize),
}

impl ColumnRef {
    /// A description for messages: `column "date"` or `column 3`.
    pub fn describe(&self) -> String {
        match self {
            ColumnRef::Name(n) => format!("column {n:?}"),
            ColumnRef::Position(p) => format!("column {p}"),
        }
    }
}

/// `"3"` is the third column; anything else is a header name (kept as given, spaces included).
/// `"0"` and `""` are refused.
impl FromStr for ColumnRef {
    type Err = ReadError;
    fn from_str(s: &str) -> Result<Self, ReadError> {
        let invalid = |reason: &str| ReadError::InvalidColumn {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        if s.trim().is_empty() {
            return Err(invalid("a column name or a 1-based position is required"));
        }
        let t = s.trim();
        if t.bytes().all(|b| b.is_ascii_digit()) {
            return match t.parse::<usize>() {
                Ok(0) => Err(invalid("positions start at 1")),
                Ok(p) => Ok(ColumnRef::Position(p)),
                Err(_) => Err(invalid("position too large")),
            };
        }
        Ok(ColumnRef::Name(s.to_string()))
    }
}

/// The form `FromStr` accepts: the name itself, or the position.
impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnRef::Name(n) => f.write_str(n),
            ColumnRef::Position(p) => write!(f, "{p}"),
        }
    }
}

/// How fields of a text file are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// One byte, e.g. `b','`, `b';'` or `b'\t'`; fields may be quoted with `"`.
    Char(u8),
    /// Runs of spaces and tabs, leading and trailing ones ignored (no quoting), as in CDNOW.
    Whitespace,
}

/// What to do with a row whose customer, date or amount cannot be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BadRowPolicy {
    /// Stop with an error naming the file, line, column and value.
    #[default]
    Error,
    /// Skip the row and count it in the [`ReadReport`](super::ReadReport).
    Skip,
}

/// How to read a transaction log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Column of the customer id (text or integer).
    pub customer_col: ColumnRef,
    /// Column of the transaction date.
    pub date_col: ColumnRef,
    /// Column of the amount (may be negative: returns).
    pub amount_col: ColumnRef,
    /// chrono strftime format of text dates, e.g. `%Y%m%d` or `%d/%m/%Y %H:%M` (without an
    /// offset the time is ignored; with `%z` or `%s` the value is an instant, see `zone`).
    /// `None` accepts ISO dates (`1997-01-01`), ISO datetimes (`1997-01-01T10:30:00`, with an
    /// optional offset such as `+01:00` or `Z`) and compact dates (`19970101`).
    pub date_format: Option<String>,
    /// The zone in which an instant (a datetime with an offset, a time-zone-aware Parquet
    /// timestamp) gets its calendar day. Dates and datetimes without an offset keep the date
    /// written.
    pub zone: Zone,
    /// Field separator of text files (ignored for Parquet).
    pub delimiter: Delimiter,
    /// Whether the first line of a text file names the columns (ignored for Parquet).
    pub has_header: bool,
    /// What to do with unparseable rows.
    pub on_bad_row: BadRowPolicy,
}

impl Default for ReadOptions {
    /// Columns `customer_id`, `date`, `amount`; ISO dates; UTC days; comma separated with a
    /// header; stop at the first bad row.
    fn default() -> Self {
        ReadOptions {
            customer_col: ColumnRef::Name("customer_id".to_string()),
            date_col: ColumnRef::Name("date".to_string()),
            amount_col: ColumnRef::Name("amount".to_string()),
            date_format: None,
            zone: Zone::Utc,
            delimiter: Delimiter::Char(b','),
            has_header: true,
            on_bad_row: BadRowPolicy::Error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_refs_parse_digits_as_positions_and_the_rest_as_names() {
        assert_eq!("3".parse::<ColumnRef>().unwrap(), ColumnRef::Position(3));
        assert_eq!(
            "customer_id".parse::<ColumnRef>().unwrap(),
            ColumnRef::Name("customer_id".into())
        );
        assert_eq!(
            "3a".parse::<ColumnRef>().unwrap(),
            ColumnRef::Name("3a".into())
        );
        assert!("0".parse::<ColumnRef>().is_err());
        assert!("".parse::<ColumnRef>().is_err());
        assert!("99999999999999999999999".parse::<ColumnRef>().is_err());
        assert_eq!(ColumnRef::Position(3).to_string(), "3");
        assert_eq!(ColumnRef::Name("date".into()).describe(), "column \"date\"");
    }

    #[test]
    fn defaults_read_an_iso_comma_separated_file_with_a_header() {
        let o = ReadOptions::default();
        assert_eq!(o.customer_col, ColumnRef::Name("customer_id".into()));
        assert_eq!(o.date_col, ColumnRef::Name("date".into()));
        assert_eq!(o.amount_col, ColumnRef::Name("amount".into()));
        assert_eq!(o.date_format, None);
        assert_eq!(o.zone, retain_core::time::Zone::Utc);
        assert_eq!(o.delimiter, Delimiter::Char(b','));
        assert!(o.has_header);
        assert_eq!(o.on_bad_row, BadRowPolicy::Error);
    }
}

//! One raw value, borrowed, and how each role reads it. Fitting, table transforms and
//! single-row transforms all go through these functions, so they cannot disagree.

use std::borrow::Cow;

/// One raw value: NaN numbers and blank texts are already `Missing`, texts are trimmed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'a> {
    Missing,
    Number(f64),
    Text(&'a str),
    Bool(bool),
}

/// Accepted yes/no spellings (compared case-insensitively): (true, false).
const BOOL_PAIRS: [(&str, &str); 3] = [("yes", "no"), ("true", "false"), ("y", "n")];

pub(crate) const FINITE_NUMBER: &str = "a finite number";
/// What a categorical column of text levels expects.
pub(crate) const CATEGORY_TEXT: &str = "a text category";
pub(crate) const YES_NO: &str = "a yes/no value (yes/no, true/false, y/n, 1/0)";

impl<'a> Cell<'a> {
    pub(crate) fn number(v: f64) -> Self {
        if v.is_nan() {
            Cell::Missing
        } else {
            Cell::Number(v)
        }
    }

    pub(crate) fn text(t: &'a str) -> Self {
        let t = t.trim();
        if t.is_empty() {
            Cell::Missing
        } else {
            Cell::Text(t)
        }
    }

    pub(crate) fn is_missing(self) -> bool {
        matches!(self, Cell::Missing)
    }

    /// The value as shown in error messages.
    pub(crate) fn shown(self) -> String {
        match self {
            Cell::Missing => String::new(),
            Cell::Number(v) => format_number(v),
            Cell::Text(t) => t.to_string(),
            Cell::Bool(b) => b.to_string(),
        }
    }
}

/// The cell as a number; `Err` holds what was expected.
pub(crate) fn parse_number(cell: Cell<'_>) -> Result<Option<f64>, &'static str> {
    let v = match cell {
        Cell::Missing => return Ok(None),
        Cell::Number(v) => v,
        Cell::Text(t) => t.parse::<f64>().map_err(|_| FINITE_NUMBER)?,
        Cell::Bool(_) => return Err(FINITE_NUMBER),
    };
    // "NaN" parses as a float: like the readers' missing markers it means no value.
    if v.is_nan() {
        Ok(None)
    } else if v.is_finite() {
        Ok(Some(v))
    } else {
        Err(FINITE_NUMBER)
    }
}

/// The cell as a boolean: yes/no-like text, a boolean, or the numbers 0 and 1.
pub(crate) fn parse_bool(cell: Cell<'_>) -> Result<Option<bool>, &'static str> {
    match cell {
        Cell::Missing => Ok(None),
        Cell::Bool(b) => Ok(Some(b)),
        Cell::Number(0.0) => Ok(Some(false)),
        Cell::Number(1.0) => Ok(Some(true)),
        Cell::Number(_) => Err(YES_NO),
        Cell::Text(t) => bool_token(t).map(Some).ok_or(YES_NO),
    }
}

fn bool_token(t: &str) -> Option<bool> {
    BOOL_PAIRS.iter().find_map(|(yes, no)| {
        if t.eq_ignore_ascii_case(yes) {
            Some(true)
        } else if t.eq_ignore_ascii_case(no) {
            Some(false)
        } else {
            None
        }
    })
}

/// Whether every non-missing text is a spelling of one and the same yes/no pair
/// (so `"Yes"`/`"No"` is boolean but `"yes"`/`"false"` is not).
pub(crate) fn is_yes_no<'a>(cells: impl Iterator<Item = Cell<'a>> + Clone) -> bool {
    BOOL_PAIRS.iter().any(|(yes, no)| {
        cells.clone().all(|c| match c {
            Cell::Missing => true,
            Cell::Text(t) => t.eq_ignore_ascii_case(yes) || t.eq_ignore_ascii_case(no),
            Cell::Number(_) | Cell::Bool(_) => false,
        })
    })
}

/// Whether every non-missing cell reads as a finite number.
pub(crate) fn is_numeric<'a>(mut cells: impl Iterator<Item = Cell<'a>>) -> bool {
    cells.all(|c| parse_number(c).is_ok())
}

/// The category level of a cell. Numbers are written without a trailing `.0`; when the column
/// was numeric in training (`numeric_levels`), number-like texts are rewritten the same way, so
/// a code read as `1` from Parquet and as `"1.0"` from elsewhere is one level.
pub(crate) fn category_level(cell: Cell<'_>, numeric_levels: bool) -> Option<Cow<'_, str>> {
    match cell {
        Cell::Missing => None,
        Cell::Number(v) => Some(Cow::Owned(format_number(v))),
        Cell::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
        Cell::Text(t) if numeric_levels => match parse_number(cell) {
            Ok(Some(v)) => Some(Cow::Owned(format_number(v))),
            _ => Some(Cow::Borrowed(t)),
        },
        Cell::Text(t) => Some(Cow::Borrowed(t)),
    }
}

/// Shortest round-tripping decimal, integers without `.0`, and `-0` as `0`.
pub(crate) fn format_number(v: f64) -> String {
    if v == 0.0 {
        "0".to_string()
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_from_text_and_refuse_infinity() {
        assert_eq!(parse_number(Cell::Text("29.85")), Ok(Some(29.85)));
        assert_eq!(parse_number(Cell::Text("1e3")), Ok(Some(1000.0)));
        assert_eq!(parse_number(Cell::Text("NaN")), Ok(None));
        assert_eq!(parse_number(Cell::Text("inf")), Err(FINITE_NUMBER));
        assert_eq!(
            parse_number(Cell::Number(f64::INFINITY)),
            Err(FINITE_NUMBER)
        );
        assert_eq!(parse_number(Cell::Text("abc")), Err(FINITE_NUMBER));
        assert_eq!(parse_number(Cell::Bool(true)), Err(FINITE_NUMBER));
    }

    #[test]
    fn yes_no_pairs_are_case_insensitive_and_not_mixed() {
        let cells = [Cell::Text("Yes"), Cell::Missing, Cell::Text("NO")];
        assert!(is_yes_no(cells.iter().copied()));
        let cells = [Cell::Text("y"), Cell::Text("N")];
        assert!(is_yes_no(cells.iter().copied()));
        let mixed = [Cell::Text("yes"), Cell::Text("false")];
        assert!(!is_yes_no(mixed.iter().copied()));
        let other = [Cell::Text("yes"), Cell::Text("maybe")];
        assert!(!is_yes_no(other.iter().copied()));
        assert_eq!(parse_bool(Cell::Text("TRUE")), Ok(Some(true)));
        assert_eq!(parse_bool(Cell::Number(0.0)), Ok(Some(false)));
        assert_eq!(parse_bool(Cell::Number(2.0)), Err(YES_NO));
        assert_eq!(parse_bool(Cell::Text("maybe")), Err(YES_NO));
    }

    #[test]
    fn category_levels_write_integers_without_decimals() {
        assert_eq!(
            category_level(Cell::Number(1.0), false).as_deref(),
            Some("1")
        );
        assert_eq!(
            category_level(Cell::Number(-0.0), false).as_deref(),
            Some("0")
        );
        assert_eq!(
            category_level(Cell::Number(2.5), false).as_deref(),
            Some("2.5")
        );
        assert_eq!(
            category_level(Cell::Text("1.0"), true).as_deref(),
            Some("1")
        );
        assert_eq!(
            category_level(Cell::Text("01"), false).as_deref(),
            Some("01")
        );
        assert_eq!(
            category_level(Cell::Bool(true), false).as_deref(),
            Some("true")
        );
        assert_eq!(category_level(Cell::Missing, true), None);
    }
}

//! Resolving the customer, date and amount [`ColumnRef`]s against the columns a file has.

use super::error::ReadError;
use super::options::{ColumnRef, ReadOptions};
use std::path::Path;

/// One resolved column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Resolved {
    /// 0-based index among the file's columns.
    pub(super) index: usize,
    /// How to name it in messages: its header name when the file has one, else its position.
    pub(super) label: ColumnRef,
}

/// The three columns of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Resolution {
    /// The customer id column.
    pub(super) customer: Resolved,
    /// The date column.
    pub(super) date: Resolved,
    /// The amount column.
    pub(super) amount: Resolved,
}

/// Finds the columns of `opts` among `names` (the header, or placeholder names when `has_header`
/// is false, in which case only positions can match).
pub(super) fn resolve(
    path: &Path,
    opts: &ReadOptions,
    names: &[String],
    has_header: bool,
) -> Result<Resolution, ReadError> {
    let one = |r: &ColumnRef| resolve_one(path, r, names, has_header);
    Ok(Resolution {
        customer: one(&opts.customer_col)?,
        date: one(&opts.date_col)?,
        amount: one(&opts.amount_col)?,
    })
}

fn resolve_one(
    path: &Path,
    column: &ColumnRef,
    names: &[String],
    has_header: bool,
) -> Result<Resolved, ReadError> {
    let label = |i: usize| match has_header {
        true => ColumnRef::Name(names[i].clone()),
        false => ColumnRef::Position(i + 1),
    };
    let index = match column {
        ColumnRef::Position(p) if (1..=names.len()).contains(p) => Some(p - 1),
        // Exact first; then ignoring surrounding spaces, as in `id, date, amount` headers.
        ColumnRef::Name(n) if has_header => names
            .iter()
            .position(|h| h == n)
            .or_else(|| names.iter().position(|h| h.trim() == n.trim())),
        _ => None,
    };
    match index {
        Some(i) => Ok(Resolved {
            index: i,
            label: label(i),
        }),
        None => Err(ReadError::MissingColumn {
            path: path.to_path_buf(),
            column: column.clone(),
            found: found(names, has_header),
        }),
    }
}

/// What the file has, for the missing-column message.
fn found(names: &[String], has_header: bool) -> String {
    const SHOWN: usize = 30;
    let n = names.len();
    if !has_header {
        return format!(
            "the file has no header line, so refer to its {n} column(s) by position (1 to {n})"
        );
    }
    let mut list: Vec<String> = names.iter().take(SHOWN).map(|s| format!("{s:?}")).collect();
    if n > SHOWN {
        list.push(format!("… ({} more)", n - SHOWN));
    }
    format!("{n} column(s) found: {}", list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["id", "day", "spend"].map(String::from).to_vec()
    }

    fn opts(c: &str, d: &str, a: &str) -> ReadOptions {
        ReadOptions {
            customer_col: c.parse().unwrap(),
            date_col: d.parse().unwrap(),
            amount_col: a.parse().unwrap(),
            ..ReadOptions::default()
        }
    }

    #[test]
    fn names_and_positions_resolve_to_indices_labelled_by_header_name() {
        let r = resolve(
            Path::new("f.csv"),
            &opts("id", "2", "spend"),
            &names(),
            true,
        )
        .unwrap();
        assert_eq!((r.customer.index, r.date.index, r.amount.index), (0, 1, 2));
        assert_eq!(r.date.label, ColumnRef::Name("day".into()));
        let r = resolve(Path::new("f.csv"), &opts("3", "1", "2"), &names(), false).unwrap();
        assert_eq!(r.customer.label, ColumnRef::Position(3));
    }

    #[test]
    fn header_names_match_despite_surrounding_spaces() {
        let spaced = ["id", " day", " spend "].map(String::from).to_vec();
        let r = resolve(
            Path::new("f.csv"),
            &opts("id", "day", "spend"),
            &spaced,
            true,
        )
        .unwrap();
        assert_eq!((r.date.index, r.amount.index), (1, 2));
        assert_eq!(r.amount.label, ColumnRef::Name(" spend ".into()));
    }

    #[test]
    fn a_missing_name_lists_the_columns_found() {
        let err = resolve(
            Path::new("f.csv"),
            &opts("customer_id", "day", "spend"),
            &names(),
            true,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("f.csv") && err.contains("\"customer_id\""),
            "{err}"
        );
        assert!(err.contains("\"id\", \"day\", \"spend\""), "{err}");
    }

    #[test]
    fn positions_beyond_the_width_and_names_without_header_are_refused() {
        let err = resolve(Path::new("f.txt"), &opts("1", "2", "4"), &names(), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("column 4") && err.contains("3 column(s)"),
            "{err}"
        );
        let err = resolve(Path::new("f.txt"), &opts("id", "2", "3"), &names(), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no header"), "{err}");
    }
}

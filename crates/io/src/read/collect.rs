//! The growing transaction log of one read, with the bad-row policy and the report.

use super::error::{BadRow, Field, Location, Problem, ReadError};
use super::options::{BadRowPolicy, ColumnRef};
use retain_core::time::Day;
use retain_core::transactions::TransactionLog;
use std::path::{Path, PathBuf};

/// Examples of skipped rows kept in a [`ReadReport`].
pub const MAX_EXAMPLES: usize = 5;

/// Bad values longer than this are shortened in messages.
const MAX_VALUE_CHARS: usize = 80;

/// What a read did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadReport {
    /// Transactions loaded.
    pub rows: usize,
    /// Bad rows skipped (with [`BadRowPolicy::Skip`]); blank lines are not counted.
    pub skipped: usize,
    /// The first few skipped rows, in file order.
    pub first_skips: Vec<BadRow>,
}

/// Accumulates transactions, applying the bad-row policy.
#[derive(Debug)]
pub(super) struct Collector {
    path: PathBuf,
    policy: BadRowPolicy,
    log: TransactionLog,
    skipped: usize,
    first_skips: Vec<BadRow>,
    /// The previous customer id and its index: logs are often grouped by customer, and comparing
    /// with the previous id is cheaper than hashing it.
    last_id: String,
    last_index: Option<u32>,
}

impl Collector {
    pub(super) fn new(path: &Path, policy: BadRowPolicy) -> Self {
        Collector {
            path: path.to_path_buf(),
            policy,
            log: TransactionLog::default(),
            skipped: 0,
            first_skips: Vec::new(),
            last_id: String::new(),
            last_index: None,
        }
    }

    /// The file being read.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a transaction of customer `id` (already checked non-empty).
    pub(super) fn push(&mut self, id: &str, day: Day, amount: f64) {
        let c = match self.last_index {
            Some(c) if self.last_id == id => c,
            _ => {
                let c = self.log.intern(id);
                self.last_id.clear();
                self.last_id.push_str(id);
                self.last_index = Some(c);
                c
            }
        };
        self.log.push_interned(c, day, amount);
    }

    /// Records a bad row: an error under [`BadRowPolicy::Error`], counted otherwise.
    pub(super) fn bad(
        &mut self,
        location: Location,
        column: &ColumnRef,
        value: &str,
        problem: Problem,
    ) -> Result<(), ReadError> {
        let row = || BadRow {
            location,
            column: column.clone(),
            value: shorten(value),
            problem,
        };
        match self.policy {
            BadRowPolicy::Error => Err(ReadError::BadRow {
                path: self.path.clone(),
                row: row(),
            }),
            BadRowPolicy::Skip => {
                self.skipped += 1;
                if self.first_skips.len() < MAX_EXAMPLES {
                    self.first_skips.push(row());
                }
                Ok(())
            }
        }
    }

    /// Rewrites the locations of the kept examples (text readers that only know row numbers).
    pub(super) fn relocate(&mut self, f: impl FnOnce(&mut [BadRow])) {
        f(&mut self.first_skips);
    }

    /// The log and report; an error if nothing was loaded.
    pub(super) fn finish(self) -> Result<(TransactionLog, ReadReport), ReadError> {
        if self.log.is_empty() {
            return Err(ReadError::NoData {
                path: self.path,
                skipped: self.skipped,
            });
        }
        if self.skipped > 0 {
            // Where, not what: values may be customer data.
            let first = self
                .first_skips
                .first()
                .map(|r| format!("{}, {}", r.location, r.column.describe()));
            tracing::warn!(
                file = %self.path.display(),
                skipped = self.skipped,
                loaded = self.log.len(),
                first = first.unwrap_or_default(),
                "skipped bad rows"
            );
        }
        let report = ReadReport {
            rows: self.log.len(),
            skipped: self.skipped,
            first_skips: self.first_skips,
        };
        Ok((self.log, report))
    }
}

/// A customer id, trimmed; empty or missing ones are refused.
pub(super) fn customer(v: Option<&str>) -> Result<&str, Problem> {
    match v.map(str::trim_ascii) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Problem::Missing(Field::Customer)),
    }
}

/// A finite amount from text.
pub(super) fn amount(v: Option<&str>) -> Result<f64, Problem> {
    let s = match v.map(str::trim_ascii) {
        Some(s) if !s.is_empty() => s,
        _ => return Err(Problem::Missing(Field::Amount)),
    };
    match s.parse::<f64>() {
        Ok(a) if a.is_finite() => Ok(a),
        Ok(_) => Err(Problem::NotFinite),
        Err(_) => Err(Problem::NotANumber),
    }
}

fn shorten(v: &str) -> String {
    match v.char_indices().nth(MAX_VALUE_CHARS) {
        Some((i, _)) => format!("{}…", &v[..i]),
        None => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_must_be_finite_numbers_and_may_be_negative() {
        assert_eq!(amount(Some(" -12.5 ")), Ok(-12.5));
        assert_eq!(amount(Some("1e3")), Ok(1000.0));
        assert_eq!(amount(Some("12,50")), Err(Problem::NotANumber));
        assert_eq!(amount(Some("$3")), Err(Problem::NotANumber));
        assert_eq!(amount(Some("inf")), Err(Problem::NotFinite));
        assert_eq!(amount(Some("NaN")), Err(Problem::NotFinite));
        assert_eq!(amount(Some("  ")), Err(Problem::Missing(Field::Amount)));
        assert_eq!(amount(None), Err(Problem::Missing(Field::Amount)));
    }

    #[test]
    fn customer_ids_are_trimmed_and_must_not_be_empty() {
        assert_eq!(customer(Some(" c1 ")), Ok("c1"));
        assert_eq!(customer(Some("")), Err(Problem::Missing(Field::Customer)));
        assert_eq!(customer(None), Err(Problem::Missing(Field::Customer)));
    }

    #[test]
    fn skip_policy_counts_every_bad_row_and_keeps_a_few_examples() {
        let mut c = Collector::new(Path::new("x.csv"), BadRowPolicy::Skip);
        let col = ColumnRef::Position(2);
        for i in 0..8 {
            c.bad(Location::Line(i + 1), &col, "zz", Problem::NotANumber)
                .unwrap();
        }
        c.push("a", 0, 1.0);
        c.push("a", 1, 2.0);
        c.push("b", 1, 2.0);
        c.push("a", 2, 2.0);
        let (log, report) = c.finish().unwrap();
        assert_eq!(log.ids, vec!["a", "b"]);
        assert_eq!(log.customer, vec![0, 0, 1, 0]);
        assert_eq!(report.rows, 4);
        assert_eq!(report.skipped, 8);
        assert_eq!(report.first_skips.len(), MAX_EXAMPLES);
        assert_eq!(report.first_skips[4].location, Location::Line(5));
    }

    #[test]
    fn long_values_are_shortened_in_messages() {
        let mut c = Collector::new(Path::new("x.csv"), BadRowPolicy::Error);
        let long = "é".repeat(500);
        let err = c
            .bad(
                Location::Line(2),
                &ColumnRef::Position(1),
                &long,
                Problem::NotANumber,
            )
            .unwrap_err();
        let ReadError::BadRow { row, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(row.value.chars().count(), MAX_VALUE_CHARS + 1);
    }
}

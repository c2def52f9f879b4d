//! What a churn artefact keeps of each input column of its training table, so that a later
//! table can be compared with it: for numbers, evenly spaced quantiles; for yes/no flags and
//! categories, the counts of the most frequent levels. Bounded per column and free of customer
//! identifiers (the id and target columns are never profiled; level names are already in the
//! fitted pipeline's vocabularies).

use retain_core::features::{FeaturePipeline, RawColumn, RawTable, Role};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Quantiles kept per numeric column: the reference CDF to 0.1 percentage points.
pub const PROFILE_QUANTILES: usize = 1000;
/// Levels kept per categorical column (the most frequent; the rest are counted together).
pub const PROFILE_LEVELS: usize = 100;

/// The reference of one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnProfile {
    /// A numeric column.
    Numeric {
        /// Column name.
        name: String,
        /// Rows of the training table.
        rows: usize,
        /// Missing (or unreadable) cells.
        missing: usize,
        /// At most [`PROFILE_QUANTILES`] evenly spaced order statistics, sorted.
        quantiles: Vec<f64>,
    },
    /// A boolean or categorical column.
    Categorical {
        /// Column name.
        name: String,
        /// Rows of the training table.
        rows: usize,
        /// Missing cells.
        missing: usize,
        /// The most frequent levels with their counts, most frequent first.
        levels: Vec<(String, usize)>,
        /// Cells of the levels beyond [`PROFILE_LEVELS`].
        other: usize,
    },
}

impl ColumnProfile {
    /// The column's name.
    pub fn name(&self) -> &str {
        match self {
            ColumnProfile::Numeric { name, .. } | ColumnProfile::Categorical { name, .. } => name,
        }
    }

    /// Checks counts add up and values are finite.
    pub fn validate(&self) -> Result<(), String> {
        let bad = |why: &str| Err(format!("feature profile {:?}: {why}", self.name()));
        match self {
            ColumnProfile::Numeric {
                rows,
                missing,
                quantiles,
                ..
            } => {
                if missing > rows || quantiles.len() > PROFILE_QUANTILES {
                    return bad("inconsistent counts");
                }
                if !quantiles.iter().all(|v| v.is_finite()) || !quantiles.is_sorted() {
                    return bad("quantiles must be finite and sorted");
                }
            }
            ColumnProfile::Categorical {
                rows,
                missing,
                levels,
                other,
                ..
            } => {
                let total = missing + other + levels.iter().map(|(_, n)| n).sum::<usize>();
                if total != *rows || levels.len() > PROFILE_LEVELS {
                    return bad("level counts do not add up to the rows");
                }
            }
        }
        Ok(())
    }
}

/// The numbers of a column (non-finite and unreadable cells are `None`).
pub fn numbers(raw: &RawColumn) -> Vec<Option<f64>> {
    let finite = |v: f64| v.is_finite().then_some(v);
    match raw {
        RawColumn::Numeric(v) => v.iter().map(|x| x.and_then(finite)).collect(),
        RawColumn::Text(v) => v
            .iter()
            .map(|t| {
                t.as_deref()
                    .and_then(|t| t.trim().parse().ok())
                    .and_then(finite)
            })
            .collect(),
        RawColumn::Bool(v) => v
            .iter()
            .map(|b| b.map(|b| f64::from(u8::from(b))))
            .collect(),
    }
}

/// The levels of a column as text (blank texts are `None`).
pub fn levels(raw: &RawColumn) -> Vec<Option<String>> {
    match raw {
        RawColumn::Numeric(v) => v
            .iter()
            .map(|x| x.filter(|x| !x.is_nan()).map(|x| format!("{x}")))
            .collect(),
        RawColumn::Text(v) => v
            .iter()
            .map(|t| {
                t.as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
            })
            .collect(),
        RawColumn::Bool(v) => v.iter().map(|b| b.map(|b| b.to_string())).collect(),
    }
}

/// Evenly spaced order statistics of `values` (all of them when there are few), sorted.
pub fn quantiles(mut values: Vec<f64>, size: usize) -> Vec<f64> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n <= size || size < 2 {
        return values;
    }
    (0..size)
        .map(|i| values[i * (n - 1) / (size - 1)])
        .collect()
}

/// Counts of each level, most frequent first (ties by name, so the order is deterministic).
pub fn level_counts(values: &[Option<String>]) -> (Vec<(String, usize)>, usize) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut missing = 0;
    for v in values {
        match v {
            Some(l) => *counts.entry(l.as_str()).or_default() += 1,
            None => missing += 1,
        }
    }
    let mut counts: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(l, n)| (l.to_string(), n))
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    (counts, missing)
}

/// Profiles of every input column of `pipeline` in `table` (the training table), in pipeline
/// order; a column the table lacks is left out.
pub fn profile_features(pipeline: &FeaturePipeline, table: &RawTable) -> Vec<ColumnProfile> {
    pipeline
        .describe()
        .into_iter()
        .filter_map(|d| {
            let raw = table.column(&d.column)?;
            let rows = raw.len();
            Some(match d.role {
                Role::Numeric => {
                    let v = numbers(raw);
                    let missing = v.iter().filter(|x| x.is_none()).count();
                    ColumnProfile::Numeric {
                        name: d.column,
                        rows,
                        missing,
                        quantiles: quantiles(v.into_iter().flatten().collect(), PROFILE_QUANTILES),
                    }
                }
                Role::Boolean | Role::Categorical => {
                    let (mut counts, missing) = level_counts(&levels(raw));
                    let other = counts
                        .iter()
                        .skip(PROFILE_LEVELS)
                        .map(|(_, n)| n)
                        .sum::<usize>();
                    counts.truncate(PROFILE_LEVELS);
                    ColumnProfile::Categorical {
                        name: d.column,
                        rows,
                        missing,
                        levels: counts,
                        other,
                    }
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_bounded_and_keep_the_extremes() {
        let q = quantiles((0..10_000).map(f64::from).collect(), 1000);
        assert_eq!(q.len(), 1000);
        assert_eq!((q[0], q[999]), (0.0, 9999.0));
        assert!(q.is_sorted());
        assert_eq!(quantiles(vec![3.0, f64::NAN, 1.0], 1000), vec![1.0, 3.0]);
    }

    #[test]
    fn level_counts_are_ordered_and_count_gaps() {
        let v: Vec<Option<String>> = ["b", "a", "b", "", "c", "a", "b"]
            .iter()
            .map(|s| (!s.is_empty()).then(|| s.to_string()))
            .collect();
        let (counts, missing) = level_counts(&v);
        assert_eq!(missing, 1);
        assert_eq!(
            counts,
            vec![("b".into(), 3), ("a".into(), 2), ("c".into(), 1)]
        );
    }
}

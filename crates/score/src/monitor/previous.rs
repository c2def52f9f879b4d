//! A score file `retain score` wrote earlier (one file, or the partitions of a directory or
//! glob; CSV or Parquet), read back to judge its predictions once their outcome window has
//! passed and to compare today's output distribution with it. Columns are found by the names
//! of [`crate::score_file`].

use super::drift::{self, ColumnDrift, Group, Thresholds};
use crate::ScoreError;
use crate::score_file::{
    self, CHURN_PROBABILITY, CLV, CUSTOMER_ID, EXPECTED_PURCHASES, P_NO_PURCHASE,
};
use retain_core::time::Duration;
use retain_io::partitions::partitions;
use retain_io::table::read_table;
use std::collections::HashMap;
use std::path::Path;

/// The predictions of an earlier score file, one entry per customer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreviousScores {
    /// The file, directory or glob read.
    pub source: String,
    /// Customer ids (unique).
    pub ids: Vec<String>,
    /// Churn probability.
    pub churn_probability: Vec<f64>,
    /// Expected purchases over the horizon (CLV models' score files).
    pub expected_purchases: Option<Vec<f64>>,
    /// P(no purchase over the horizon) (CLV models' score files).
    pub p_no_purchase: Option<Vec<f64>>,
    /// CLV over the horizon (with a spend model or a margin).
    pub clv: Option<Vec<f64>>,
    /// Name of the CLV column read, e.g. `clv_52_weeks`.
    pub clv_column: Option<String>,
}

impl PreviousScores {
    /// Reads `input`'s partitions. With `horizon` (CLV models), the expected-purchases, P(no
    /// purchase) and CLV columns must be those of that horizon; a CLV model's score file
    /// without them is an error naming the columns found.
    pub fn load(input: &Path, horizon: Option<Duration>) -> Result<PreviousScores, ScoreError> {
        let mut out = PreviousScores {
            source: input.display().to_string(),
            ..PreviousScores::default()
        };
        // Where each id was first seen: (partition, row).
        let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
        let files = partitions(input)?;
        for (k, file) in files.iter().enumerate() {
            let t = read_table(file, b',')?;
            let name = file.display().to_string();
            let missing = |what: &str| ScoreError::Data {
                source_name: name.clone(),
                column: Some(what.to_string()),
                reason: format!(
                    "no {what} column (columns: {}); give a score file written by `retain score`",
                    t.names.join(", ")
                ),
            };
            let ids =
                score_file::texts(&t, file, CUSTOMER_ID)?.ok_or_else(|| missing(CUSTOMER_ID))?;
            let churn = score_file::numbers(&t, file, CHURN_PROBABILITY)?
                .ok_or_else(|| missing(CHURN_PROBABILITY))?;
            for (row, id) in ids.iter().enumerate() {
                if let Some((first_file, first)) = seen.insert(id.clone(), (k, row)) {
                    return Err(ScoreError::Data {
                        source_name: name.clone(),
                        column: Some(CUSTOMER_ID.into()),
                        reason: format!(
                            "line {}: the customer id of line {} of {} again",
                            row + 2,
                            first + 2,
                            files[first_file].display()
                        ),
                    });
                }
            }
            let by_horizon = |prefix: &str| -> Result<Option<Vec<f64>>, ScoreError> {
                match horizon {
                    Some(h) => {
                        let column = score_file::horizon_name(prefix, h);
                        score_file::numbers(&t, file, &column)
                    }
                    None => Ok(None),
                }
            };
            let purchases = by_horizon(EXPECTED_PURCHASES)?;
            if let Some(h) = horizon
                && purchases.is_none()
            {
                let wanted = score_file::horizon_name(EXPECTED_PURCHASES, h);
                let found = score_file::horizon_column(&t.names, EXPECTED_PURCHASES);
                return Err(ScoreError::Data {
                    source_name: name.clone(),
                    column: Some(wanted.clone()),
                    reason: match found {
                        Some(f) => format!(
                            "no {wanted} column but {f}: the scores were written for another \
                             horizon; give that horizon with --horizon"
                        ),
                        None => format!(
                            "no {wanted} column (columns: {}): not the score file of a CLV \
                             model",
                            t.names.join(", ")
                        ),
                    },
                });
            }
            let none = by_horizon(P_NO_PURCHASE)?;
            let clv_column = horizon
                .map(|h| score_file::horizon_name(CLV, h))
                .or_else(|| score_file::horizon_column(&t.names, CLV).map(str::to_string));
            let clv = match &clv_column {
                Some(c) => score_file::numbers(&t, file, c)?,
                None => None,
            };
            // Every partition must have the same optional columns as the first.
            let same = |a: bool, b: bool, what: &str| {
                if k > 0 && a != b {
                    Err(ScoreError::Data {
                        source_name: name.clone(),
                        column: Some(what.to_string()),
                        reason: format!("{what} in some partitions only"),
                    })
                } else {
                    Ok(())
                }
            };
            same(clv.is_some(), out.clv.is_some(), CLV)?;
            same(none.is_some(), out.p_no_purchase.is_some(), P_NO_PURCHASE)?;
            out.ids.extend(ids);
            out.churn_probability.extend(churn);
            extend(&mut out.expected_purchases, purchases);
            extend(&mut out.p_no_purchase, none);
            if clv.is_some() {
                out.clv_column = clv_column;
            }
            extend(&mut out.clv, clv);
        }
        Ok(out)
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// No customer.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

fn extend(into: &mut Option<Vec<f64>>, part: Option<Vec<f64>>) {
    if let Some(p) = part {
        into.get_or_insert_with(Vec::new).extend(p);
    }
}

/// Today's output distributions against the earlier score file's, on its deciles (PSI, KS):
/// the churn probability, and the CLV when both have one. `clv` is today's CLV over the same
/// horizon as [`PreviousScores::clv`].
pub fn against_previous(
    prev: &PreviousScores,
    churn: &[f64],
    clv: Option<&[f64]>,
    thresholds: &Thresholds,
) -> Vec<ColumnDrift> {
    let compare = |name: &str, before: &[f64], now: &[f64]| {
        let mut reference: Vec<f64> = before.to_vec();
        reference.sort_by(f64::total_cmp);
        let current: Vec<Option<f64>> = now.iter().map(|&v| v.is_finite().then_some(v)).collect();
        drift::numeric(name, Group::Output, &reference, 0, &current, thresholds)
    };
    let mut out = vec![compare(CHURN_PROBABILITY, &prev.churn_probability, churn)];
    if let (Some(before), Some(now), Some(name)) = (&prev.clv, clv, &prev.clv_column) {
        out.push(compare(name, before, now));
    }
    out
}

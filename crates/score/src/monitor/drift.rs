//! Drift of one column against its reference, verdicts and thresholds, and the report of a
//! whole base.
//!
//! Every column gets a PSI over bins that include a `missing` bin (and, for categories, an
//! `unseen` bin for levels the reference does not know), so a rise in gaps or new levels moves
//! the PSI, and the verdict, like any other shift. Numbers are binned on the reference's
//! deciles and also get the KS statistic; categories get the Jensen–Shannon distance.

use super::stats::{bin_of, decile_cuts, js_distance, ks, psi, shares};
use crate::ScoreError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where a column comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// An input column of a churn table.
    Feature,
    /// A summary dimension of a CLV model (x, recency, T, monetary value).
    Summary,
    /// A model output (churn probability, CLV, value at risk).
    Output,
}

/// The verdict on one column, or on a whole base (its worst column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The reference lacks what is needed: not compared (see the column's note).
    NotCompared,
    /// PSI below the moderate threshold.
    Stable,
    /// PSI from the moderate threshold to below the significant one.
    Moderate,
    /// PSI at or above the significant threshold.
    Significant,
}

impl Verdict {
    /// `stable`, `moderate`, `significant` or `not compared`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::NotCompared => "not compared",
            Verdict::Stable => "stable",
            Verdict::Moderate => "moderate",
            Verdict::Significant => "significant",
        }
    }
}

/// PSI cut-offs of the verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// PSI from which a shift is moderate (conventionally 0.1).
    pub moderate: f64,
    /// PSI from which a shift is significant (conventionally 0.25).
    pub significant: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            moderate: 0.1,
            significant: 0.25,
        }
    }
}

impl Thresholds {
    /// Checked thresholds: finite, 0 < moderate ≤ significant.
    pub fn new(moderate: f64, significant: f64) -> Result<Thresholds, ScoreError> {
        if !(moderate.is_finite() && moderate > 0.0) {
            return Err(ScoreError::setting(
                "moderate PSI threshold",
                format!("must be a positive number, got {moderate}"),
            ));
        }
        if !(significant.is_finite() && significant >= moderate) {
            return Err(ScoreError::setting(
                "significant PSI threshold",
                format!("must be at least the moderate one ({moderate}), got {significant}"),
            ));
        }
        Ok(Thresholds {
            moderate,
            significant,
        })
    }

    /// The verdict of a PSI.
    pub fn verdict(&self, psi: f64) -> Verdict {
        if psi >= self.significant {
            Verdict::Significant
        } else if psi >= self.moderate {
            Verdict::Moderate
        } else {
            Verdict::Stable
        }
    }
}

/// One bin of a column: its label and the share of rows in it, reference and now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinShare {
    /// `≤ 2`, `(2, 4]`, `> 18`, a level, `missing`, `unseen`.
    pub label: String,
    /// Share of the reference's rows (0–1).
    pub reference: f64,
    /// Share of the current rows (0–1).
    pub current: f64,
}

/// The drift of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    /// Column name.
    pub column: String,
    /// Feature, summary dimension or output.
    pub group: Group,
    /// Population stability index over [`ColumnDrift::bins`].
    pub psi: Option<f64>,
    /// Kolmogorov–Smirnov statistic (numbers; missing cells left out).
    pub ks: Option<f64>,
    /// Jensen–Shannon distance, base 2 (categories, over the same bins as PSI).
    pub js_distance: Option<f64>,
    /// Share of missing cells in the reference (0–1).
    pub missing_reference: Option<f64>,
    /// Share of missing cells now (0–1).
    pub missing_current: Option<f64>,
    /// Share of current cells holding a level the reference does not know (categories).
    pub unseen_share: Option<f64>,
    /// Number of distinct such levels (never the levels themselves: they are customer data).
    pub unseen_levels: Option<usize>,
    /// Rows compared: reference and now.
    pub rows: (usize, usize),
    /// Bins of the PSI, reference and current shares.
    pub bins: Vec<BinShare>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why a column was not compared, or how it was restricted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ColumnDrift {
    /// A column that could not be compared, and why.
    pub fn not_compared(column: &str, group: Group, why: impl Into<String>) -> ColumnDrift {
        ColumnDrift {
            column: column.to_string(),
            group,
            psi: None,
            ks: None,
            js_distance: None,
            missing_reference: None,
            missing_current: None,
            unseen_share: None,
            unseen_levels: None,
            rows: (0, 0),
            bins: Vec::new(),
            verdict: Verdict::NotCompared,
            note: Some(why.into()),
        }
    }

    /// With a note.
    pub fn with_note(mut self, note: impl Into<String>) -> ColumnDrift {
        self.note = Some(note.into());
        self
    }
}

/// Short text of a bin edge.
fn edge(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Drift of a numeric column: `reference` sorted finite values with `reference_missing`
/// more rows missing; `current` the current cells (`None` missing).
pub fn numeric(
    column: &str,
    group: Group,
    reference: &[f64],
    reference_missing: usize,
    current: &[Option<f64>],
    thresholds: &Thresholds,
) -> ColumnDrift {
    if reference.is_empty() {
        return ColumnDrift::not_compared(column, group, "the reference holds no value");
    }
    let mut now: Vec<f64> = current.iter().flatten().copied().collect();
    now.sort_by(f64::total_cmp);
    let now_missing = current.len() - now.len();
    // A constant reference has no decile cut: one bin at its value and one above it.
    let mut cuts = decile_cuts(reference);
    if cuts.is_empty() {
        cuts.push(reference[0]);
    }
    let count = |sorted: &[f64], missing: usize| {
        let mut c = vec![0usize; cuts.len() + 2];
        for &v in sorted {
            c[bin_of(&cuts, v)] += 1;
        }
        c[cuts.len() + 1] = missing;
        c
    };
    let (rc, cc) = (
        count(reference, reference_missing),
        count(&now, now_missing),
    );
    let (rs, cs) = (shares(&rc), shares(&cc));
    let mut labels: Vec<String> = Vec::with_capacity(cuts.len() + 2);
    for k in 0..=cuts.len() {
        labels.push(match k {
            0 => format!("≤ {}", edge(cuts[0])),
            k if k == cuts.len() => format!("> {}", edge(cuts[k - 1])),
            k => format!("({}, {}]", edge(cuts[k - 1]), edge(cuts[k])),
        });
    }
    labels.push("missing".into());
    let psi_value = psi(&rs, &cs);
    let bins = bins(labels, &rs, &cs, true);
    ColumnDrift {
        column: column.to_string(),
        group,
        psi: Some(psi_value),
        ks: Some(ks(reference, &now)),
        js_distance: None,
        missing_reference: Some(rs[rs.len() - 1]),
        missing_current: Some(cs[cs.len() - 1]),
        unseen_share: None,
        unseen_levels: None,
        rows: (reference.len() + reference_missing, current.len()),
        bins,
        verdict: thresholds.verdict(psi_value),
        note: None,
    }
}

/// Bins with their shares; a trailing `missing` bin empty on both sides is left out.
fn bins(labels: Vec<String>, rs: &[f64], cs: &[f64], drop_empty_last: bool) -> Vec<BinShare> {
    let mut out: Vec<BinShare> = labels
        .into_iter()
        .zip(rs.iter().zip(cs))
        .map(|(label, (&reference, &current))| BinShare {
            label,
            reference,
            current,
        })
        .collect();
    if drop_empty_last
        && out
            .last()
            .is_some_and(|b| b.reference == 0.0 && b.current == 0.0)
    {
        out.pop();
    }
    out
}

/// The reference of a categorical column: level counts, cells of levels it did not keep, and
/// missing cells.
#[derive(Debug, Clone, Copy)]
pub struct LevelReference<'a> {
    /// Kept levels with their counts.
    pub levels: &'a [(String, usize)],
    /// Cells of levels not kept (pooled).
    pub other: usize,
    /// Missing cells.
    pub missing: usize,
}

/// Drift of a categorical column; `current` the current cells (`None` missing).
pub fn categorical(
    column: &str,
    group: Group,
    reference: LevelReference<'_>,
    current: &[Option<String>],
    thresholds: &Thresholds,
) -> ColumnDrift {
    let index: HashMap<&str, usize> = reference
        .levels
        .iter()
        .enumerate()
        .map(|(i, (l, _))| (l.as_str(), i))
        .collect();
    let k = reference.levels.len();
    // Bins: the levels, then `other / unseen`, then `missing`.
    let mut rc: Vec<usize> = reference.levels.iter().map(|(_, n)| *n).collect();
    rc.extend([reference.other, reference.missing]);
    let mut cc = vec![0usize; k + 2];
    let mut unseen: HashMap<&str, ()> = HashMap::new();
    for v in current {
        match v {
            None => cc[k + 1] += 1,
            Some(l) => match index.get(l.as_str()) {
                Some(&i) => cc[i] += 1,
                None => {
                    cc[k] += 1;
                    unseen.insert(l.as_str(), ());
                }
            },
        }
    }
    let (rs, cs) = (shares(&rc), shares(&cc));
    let psi_value = psi(&rs, &cs);
    let mut labels: Vec<String> = reference.levels.iter().map(|(l, _)| l.clone()).collect();
    labels.push(if reference.other > 0 {
        "other levels".into()
    } else {
        "unseen".into()
    });
    labels.push("missing".into());
    let mut b = bins(labels, &rs, &cs, true);
    // An empty `unseen` bin says nothing either.
    if let Some(i) = b
        .iter()
        .position(|b| b.label == "unseen" && b.reference == 0.0 && b.current == 0.0)
    {
        b.remove(i);
    }
    let mut drift = ColumnDrift {
        column: column.to_string(),
        group,
        psi: Some(psi_value),
        ks: None,
        js_distance: Some(js_distance(&rs, &cs)),
        missing_reference: Some(rs[k + 1]),
        missing_current: Some(cs[k + 1]),
        unseen_share: Some(cs[k]),
        unseen_levels: Some(unseen.len()),
        rows: (rc.iter().sum(), current.len()),
        bins: b,
        verdict: thresholds.verdict(psi_value),
        note: None,
    };
    if reference.other > 0 {
        drift.note = Some(
            "the reference kept its most frequent levels only: unseen levels are counted \
             with the pooled ones"
                .into(),
        );
    }
    drift
}

/// The drift of a whole base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// Model name.
    pub model: String,
    /// Model version.
    pub model_version: String,
    /// `clv` or `churn`.
    pub kind: String,
    /// What the reference is (e.g. `training base as of 1998-06-30, 2,357 customers`).
    pub reference: String,
    /// Rows (customers) of the current base.
    pub rows: usize,
    /// The thresholds used.
    pub thresholds: Thresholds,
    /// Every column, features or summary dimensions first, then outputs.
    pub columns: Vec<ColumnDrift>,
    /// The worst verdict over the compared columns (`stable` when none was compared).
    pub verdict: Verdict,
    /// What could not be compared and why, in plain words.
    pub notes: Vec<String>,
}

impl DriftReport {
    /// The worst verdict of `columns` (not-compared columns do not count).
    pub fn overall(columns: &[ColumnDrift]) -> Verdict {
        columns
            .iter()
            .map(|c| c.verdict)
            .filter(|v| *v != Verdict::NotCompared)
            .max()
            .unwrap_or(Verdict::Stable)
    }

    /// Columns with a verdict of at least `moderate`.
    pub fn drifted(&self) -> impl Iterator<Item = &ColumnDrift> {
        self.columns
            .iter()
            .filter(|c| c.verdict >= Verdict::Moderate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn numeric_drift_bins_on_reference_deciles() {
        // Reference 1..=20 (cuts 2, 4, ..., 18); current: ten values in the first decile,
        // ten in the last. Shares: reference 0.1 each; current 0.5, 0, ..., 0, 0.5.
        let reference: Vec<f64> = (1..=20).map(f64::from).collect();
        let mut current = vec![Some(1.0); 10];
        current.extend(vec![Some(19.5); 10]);
        let d = numeric(
            "c",
            Group::Feature,
            &reference,
            0,
            &current,
            &Thresholds::default(),
        );
        // PSI = 2·(0.5 − 0.1)·ln 5 + 8·(1e-4 − 0.1)·ln(1e-3), by hand.
        let hand = 2.0 * 0.4 * 5f64.ln() + 8.0 * (1e-4 - 0.1) * (1e-3f64).ln();
        assert_abs_diff_eq!(d.psi.unwrap(), hand, epsilon = 1e-12);
        assert_eq!(d.verdict, Verdict::Significant);
        assert_eq!(d.bins.len(), 10, "no missing bin without gaps");
        assert_eq!(d.bins[0].label, "≤ 2");
        assert_eq!(d.bins[9].label, "> 18");
        // KS: F_ref(1) = 0.05 vs F_now(1) = 0.5 → 0.45; at 19, 0.95 vs 0.5 → 0.45.
        assert_abs_diff_eq!(d.ks.unwrap(), 0.45, epsilon = 1e-15);
    }

    #[test]
    fn the_same_distribution_is_stable_and_gaps_count() {
        let reference: Vec<f64> = (0..1000).map(|i| f64::from(i) / 10.0).collect();
        let current: Vec<Option<f64>> = reference.iter().map(|&v| Some(v)).collect();
        let d = numeric(
            "c",
            Group::Summary,
            &reference,
            0,
            &current,
            &Thresholds::default(),
        );
        assert_eq!(d.psi, Some(0.0));
        assert_eq!(d.verdict, Verdict::Stable);
        // A third of the cells missing now: PSI moves through the missing bin.
        let gappy: Vec<Option<f64>> = current
            .iter()
            .enumerate()
            .map(|(i, v)| if i % 3 == 0 { None } else { *v })
            .collect();
        let g = numeric(
            "c",
            Group::Feature,
            &reference,
            0,
            &gappy,
            &Thresholds::default(),
        );
        assert!(g.missing_current.unwrap() > 0.33);
        assert_eq!(g.verdict, Verdict::Significant);
    }

    #[test]
    fn categorical_drift_counts_unseen_levels_without_naming_them() {
        let levels = vec![("a".to_string(), 50), ("b".to_string(), 50)];
        let reference = LevelReference {
            levels: &levels,
            other: 0,
            missing: 0,
        };
        let current: Vec<Option<String>> = ["a", "a", "b", "zz", "yy", "zz"]
            .iter()
            .map(|s| Some(s.to_string()))
            .chain([None, None])
            .collect();
        let d = categorical(
            "c",
            Group::Feature,
            reference,
            &current,
            &Thresholds::default(),
        );
        assert_eq!(d.unseen_levels, Some(2));
        assert_abs_diff_eq!(d.unseen_share.unwrap(), 3.0 / 8.0, epsilon = 1e-15);
        assert_abs_diff_eq!(d.missing_current.unwrap(), 0.25, epsilon = 1e-15);
        // scipy 1.17.1: jensenshannon([0.5, 0.5, 0, 0], [0.25, 0.125, 0.375, 0.25], base=2)
        // = 0.655771707667589.
        assert_abs_diff_eq!(d.js_distance.unwrap(), 0.655771707667589, epsilon = 1e-12);
        assert!(!serde_json::to_string(&d).unwrap().contains("zz"));
        assert_eq!(d.verdict, Verdict::Significant);
    }

    #[test]
    fn thresholds_are_checked_and_ordered() {
        let t = Thresholds::default();
        assert_eq!(t.verdict(0.05), Verdict::Stable);
        assert_eq!(t.verdict(0.1), Verdict::Moderate);
        assert_eq!(t.verdict(0.25), Verdict::Significant);
        assert!(Thresholds::new(0.2, 0.1).is_err());
        assert!(Thresholds::new(f64::NAN, 0.1).is_err());
        assert!(Thresholds::new(0.0, 0.1).is_err());
        assert!(Verdict::Significant > Verdict::Moderate && Verdict::Stable > Verdict::NotCompared);
    }
}

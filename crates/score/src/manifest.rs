//! Scoring a partitioned customer base: which files are partitions, what has already been
//! scored (the manifest), and whether a partition must be scored again.
//!
//! Every output file is written under a temporary name and renamed when complete
//! ([`retain_io::atomic`]), and the manifest is rewritten the same way after each
//! partition, so a run killed at any point leaves only complete outputs, each recorded with
//! the model version and input fingerprint that produced it. A re-run skips a partition whose
//! output exists and whose record matches the model version, the scoring settings and the
//! input's fingerprint.

use crate::ScoreError;
use crate::segments::{SegmentTotals, ValueRiskGrid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// File name of the manifest in the output directory.
pub const MANIFEST: &str = "_manifest.json";

/// What one partition's scores add up to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartitionTotals {
    /// Customers scored.
    pub customers: usize,
    /// Input rows skipped as unreadable (`--on-bad-row skip`).
    pub skipped_rows: usize,
    /// Σ churn probability (the mean is this over `customers`).
    pub sum_churn_probability: f64,
    /// Σ CLV, when the model gives one.
    pub total_clv: Option<f64>,
    /// Σ value at risk, when the model gives one.
    pub total_value_at_risk: Option<f64>,
    /// Customers per risk tier: high, medium, low.
    pub tiers: [usize; 3],
    /// The value × risk grid, when the scores are segmented and have a CLV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_risk: Option<ValueRiskGrid>,
    /// Totals per RFM segment, when the scores are segmented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<SegmentTotals>,
    /// Customers left out of a CRM export for want of a CRM id (`--id-map`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unmapped_ids: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl PartitionTotals {
    /// Totals of one partition's scores: churn probabilities, risk tiers ("high", "medium",
    /// anything else counts as low), and the column sums of CLV and value at risk if any.
    pub fn of<'a>(
        churn_probability: &[f64],
        tiers: impl IntoIterator<Item = &'a str>,
        total_clv: Option<f64>,
        total_value_at_risk: Option<f64>,
        skipped_rows: usize,
    ) -> Self {
        let mut counts = [0usize; 3];
        for t in tiers {
            counts[match t {
                "high" => 0,
                "medium" => 1,
                _ => 2,
            }] += 1;
        }
        PartitionTotals {
            customers: churn_probability.len(),
            skipped_rows,
            sum_churn_probability: churn_probability.iter().sum(),
            total_clv,
            total_value_at_risk,
            tiers: counts,
            value_risk: None,
            segments: None,
            unmapped_ids: 0,
        }
    }

    /// With the value × risk grid and per-segment totals of the partition.
    pub fn with_segments(
        mut self,
        value_risk: Option<ValueRiskGrid>,
        segments: Option<SegmentTotals>,
    ) -> Self {
        self.value_risk = value_risk;
        self.segments = segments;
        self
    }

    /// Adds `other` to these totals.
    pub fn add(&mut self, other: &PartitionTotals) {
        let sum = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
        self.customers += other.customers;
        self.skipped_rows += other.skipped_rows;
        self.unmapped_ids += other.unmapped_ids;
        self.sum_churn_probability += other.sum_churn_probability;
        self.total_clv = sum(self.total_clv, other.total_clv);
        self.total_value_at_risk = sum(self.total_value_at_risk, other.total_value_at_risk);
        for k in 0..3 {
            self.tiers[k] += other.tiers[k];
        }
        if let Some(o) = &other.value_risk {
            self.value_risk
                .get_or_insert_with(Default::default)
                .merge(o);
        }
        if let Some(o) = &other.segments {
            self.segments.get_or_insert_with(Default::default).merge(o);
        }
    }
}

/// One scored partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionRecord {
    /// Input file.
    pub input: String,
    /// SHA-256 of the input's bytes (first 16 hex digits).
    pub input_fingerprint: String,
    /// Input size in bytes.
    pub input_bytes: u64,
    /// Output file name, in the manifest's directory.
    pub output: String,
    /// What its scores add up to.
    pub totals: PartitionTotals,
}

/// The record of a partitioned scoring run, kept next to its outputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Model name.
    pub model: String,
    /// Model version (content hash).
    pub model_version: String,
    /// The scoring settings that change outputs (as-of, horizon, step, discount, tiers…).
    pub settings: String,
    /// Scored partitions by output file name.
    pub partitions: BTreeMap<String, PartitionRecord>,
}

impl Manifest {
    /// The manifest in `dir`, if any. One that cannot be read is reported and ignored: every
    /// partition is then scored again.
    pub fn load(dir: &Path) -> Option<Manifest> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).ok()?;
        match serde_json::from_str(&text) {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "unreadable manifest ignored");
                None
            }
        }
    }

    /// Writes the manifest into `dir` atomically (temporary file, then rename).
    pub fn save(&self, dir: &Path) -> Result<(), ScoreError> {
        let path = dir.join(MANIFEST);
        let text =
            serde_json::to_string_pretty(self).map_err(|e| retain_io::IoError::write(&path, e))?;
        retain_io::atomic::write_atomically(&path, text.as_bytes())?;
        Ok(())
    }

    /// Whether `output` (a file name in `dir`) is complete and current: recorded under the same
    /// model version and settings, for an input with this fingerprint, and present on disk.
    pub fn is_current(
        &self,
        dir: &Path,
        output: &str,
        model_version: &str,
        settings: &str,
        fingerprint: &str,
    ) -> bool {
        self.model_version == model_version
            && self.settings == settings
            && self
                .partitions
                .get(output)
                .is_some_and(|r| r.input_fingerprint == fingerprint)
            && dir.join(output).is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_current_only_for_the_same_model_settings_and_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "customer_id,date,amount\n1,2020-01-01,3\n").unwrap();
        let fp = retain_io::fingerprint::of_file(&input).unwrap();
        let mut m = Manifest {
            model: "m".into(),
            model_version: "v1".into(),
            settings: "s".into(),
            partitions: BTreeMap::new(),
        };
        m.partitions.insert(
            "in.parquet".into(),
            PartitionRecord {
                input: input.display().to_string(),
                input_fingerprint: fp.clone(),
                input_bytes: 40,
                output: "in.parquet".into(),
                totals: PartitionTotals::default(),
            },
        );
        // The output file is missing: not current.
        assert!(!m.is_current(dir.path(), "in.parquet", "v1", "s", &fp));
        std::fs::write(dir.path().join("in.parquet"), "done").unwrap();
        assert!(m.is_current(dir.path(), "in.parquet", "v1", "s", &fp));
        assert!(!m.is_current(dir.path(), "in.parquet", "v2", "s", &fp));
        assert!(!m.is_current(dir.path(), "in.parquet", "v1", "other", &fp));
        std::fs::write(&input, "customer_id,date,amount\n1,2020-01-01,4\n").unwrap();
        assert_ne!(retain_io::fingerprint::of_file(&input).unwrap(), fp);
        m.save(dir.path()).unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), m);
        std::fs::write(dir.path().join(MANIFEST), "{ truncated").unwrap();
        assert!(Manifest::load(dir.path()).is_none());
    }
}

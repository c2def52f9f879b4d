//! Scoring a partitioned customer base: which files are partitions, what has already been
//! scored (the manifest), and whether a partition must be scored again.
//!
//! Every output file is written under a temporary name and renamed when complete
//! ([`crate::write::write_frame`]), and the manifest is rewritten the same way after each
//! partition, so a run killed at any point leaves only complete outputs, each recorded with
//! the model version and input fingerprint that produced it. A re-run skips a partition whose
//! output exists and whose record matches the model version, the scoring settings and the
//! input's fingerprint.

use crate::TrainError;
use crate::segments::{SegmentTotals, ValueRiskGrid};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

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
    pub fn save(&self, dir: &Path) -> Result<(), TrainError> {
        let path = dir.join(MANIFEST);
        let err = |e: std::io::Error| TrainError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| TrainError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let tmp = dir.join(format!(".{MANIFEST}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, text).map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(err)
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

/// The partitions named by `input`: the file itself; every `.csv`, `.txt`, `.tsv` or
/// `.parquet` file of a directory (not hidden or `_`-prefixed ones); or the files a glob
/// pattern matches. Sorted by path.
pub fn partitions(input: &Path) -> Result<Vec<PathBuf>, TrainError> {
    let text = input.to_string_lossy();
    let mut files: Vec<PathBuf> = if text.contains(['*', '?', '[']) {
        glob::glob(&text)
            .map_err(|e| TrainError::Invalid(format!("input pattern {text:?}: {e}")))?
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect()
    } else if input.is_dir() {
        std::fs::read_dir(input)
            .map_err(|e| TrainError::Invalid(format!("{}: {e}", input.display())))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && is_partition_name(p))
            .collect()
    } else {
        vec![input.to_path_buf()]
    };
    files.sort();
    if files.is_empty() {
        return Err(TrainError::Invalid(format!(
            "{text}: no partition files (.csv, .txt, .tsv, .parquet)"
        )));
    }
    Ok(files)
}

fn is_partition_name(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    !name.starts_with(['.', '_']) && matches!(ext.as_str(), "csv" | "txt" | "tsv" | "parquet")
}

/// The output file name for a partition: its stem with `extension`.
pub fn output_name(input: &Path, extension: &str) -> String {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "part".into());
    format!("{stem}.{extension}")
}

/// SHA-256 of a file's bytes (first 16 hex digits), read in 1 MiB blocks.
pub fn fingerprint(path: &Path) -> Result<String, TrainError> {
    let err = |e: std::io::Error| TrainError::Invalid(format!("{}: {e}", path.display()));
    let mut file = std::fs::File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex16(hasher))
}

/// The same fingerprint of bytes in memory (e.g. settings that change outputs).
pub fn fingerprint_bytes(bytes: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(bytes);
    hex16(hasher)
}

fn hex16(hasher: Sha256) -> String {
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_listed_sorted_without_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "b.csv",
            "a.parquet",
            ".a.csv.tmp",
            "_manifest.json",
            "notes.md",
            "c.txt",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let names = |v: Vec<PathBuf>| -> Vec<String> {
            v.iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
                .collect()
        };
        assert_eq!(
            names(partitions(dir.path()).unwrap()),
            ["a.parquet", "b.csv", "c.txt"]
        );
        let pattern = dir.path().join("*.csv");
        assert_eq!(names(partitions(&pattern).unwrap()), ["b.csv"]);
        let empty = tempfile::tempdir().unwrap();
        assert!(partitions(empty.path()).is_err());
        assert_eq!(
            output_name(Path::new("x/part-00001.csv"), "parquet"),
            "part-00001.parquet"
        );
    }

    #[test]
    fn a_record_is_current_only_for_the_same_model_settings_and_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "customer_id,date,amount\n1,2020-01-01,3\n").unwrap();
        let fp = fingerprint(&input).unwrap();
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
        assert_ne!(fingerprint(&input).unwrap(), fp);
        m.save(dir.path()).unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), m);
        std::fs::write(dir.path().join(MANIFEST), "{ truncated").unwrap();
        assert!(Manifest::load(dir.path()).is_none());
    }
}

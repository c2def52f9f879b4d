//! `retain score` over a partitioned base (a directory or glob of files): one output per
//! input partition, skipped when already current, a manifest, progress and a summary.
//!
//! Partitions are scored one after the other, each on all cores, so peak memory is that of
//! the largest partition (its transactions, summaries and scores), whatever the number of
//! partitions. Every customer's rows must be in one partition (`retain simulate` writes them
//! so); a customer split across partitions would be scored once per partition.

use anyhow::{Context, Result, bail};
use indicatif::ProgressBar;
use polars::prelude::DataFrame;
use retain_io::atomic::is_own_temporary;
use retain_io::fingerprint::of_file as fingerprint;
use retain_io::overwrite::{Output, named, refuse_overwrite};
use retain_io::partitions::{output_names, partitions};
use retain_io::write::write_frame_with;
use retain_score::manifest::{Manifest, PartitionRecord, PartitionTotals};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A partitioned scoring run.
pub struct BatchJob {
    /// Model name and version, recorded in the manifest.
    pub model: String,
    /// Model version.
    pub version: String,
    /// Settings that change the outputs (a re-run with other settings rescores everything).
    pub settings: String,
    /// Input file, directory or glob.
    pub input: PathBuf,
    /// The flag that named the input (for errors).
    pub input_flag: &'static str,
    /// Output directory.
    pub out_dir: PathBuf,
    /// Output extension: csv or parquet.
    pub extension: String,
    /// Rescore partitions even when their outputs are current.
    pub force: bool,
    /// Columns, profile and CSV precision of the outputs.
    pub shape: std::sync::Arc<super::output::Shape>,
}

/// What a run did.
#[derive(Debug, Serialize)]
pub struct BatchSummary {
    /// Model name.
    pub model: String,
    /// Model version.
    pub model_version: String,
    /// Partitions found.
    pub partitions: usize,
    /// Partitions scored by this run.
    pub scored: usize,
    /// Partitions whose outputs were already current.
    pub reused: usize,
    /// Totals over every partition (scored and reused).
    pub customers: usize,
    /// Input rows skipped as unreadable.
    pub skipped_rows: usize,
    /// Customers left out of a CRM export for want of a CRM id (with --id-map).
    #[serde(skip_serializing_if = "is_zero")]
    pub unmapped_ids: usize,
    /// Mean churn probability.
    pub mean_churn_probability: f64,
    /// Σ CLV.
    pub total_clv: Option<f64>,
    /// Σ value at risk.
    pub total_value_at_risk: Option<f64>,
    /// Customers per risk tier.
    pub tiers: Tiers,
    /// The value × risk grid, for segmented CLV scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_risk: Option<retain_score::segments::ValueRiskGrid>,
    /// Totals per RFM segment, for segmented CLV scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<retain_score::segments::SegmentTotals>,
    /// Seconds of this run.
    pub seconds: f64,
    /// Output directory.
    pub output: String,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Customers per risk tier.
#[derive(Debug, Serialize)]
pub struct Tiers {
    /// High risk.
    pub high: usize,
    /// Medium risk.
    pub medium: usize,
    /// Low risk.
    pub low: usize,
}

/// Whether `input` names several partitions (a directory or a glob pattern).
pub fn is_partitioned(input: &Path) -> bool {
    input.is_dir() || input.to_string_lossy().contains(['*', '?', '['])
}

fn progress_bar(total_bytes: u64) -> ProgressBar {
    let bar = super::progress::bar(
        total_bytes,
        "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} ({eta} left) {msg}",
    );
    // Ticks on its own: a partition takes seconds, and the bar shows from the start.
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Removes this process's own temporary files (`.NAME.PID.N.tmp`) left in `dir`. Another
/// run's temporaries (a killed run's, or a concurrent run's still being written) are never
/// touched: only a file this process created may be deleted ([`is_own_temporary`]).
fn remove_own_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        if is_own_temporary(&e.file_name().to_string_lossy()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Scores every partition of `job.input` with `score` (input file → scores and totals).
/// A partition that fails is reported and the others go on; the run then fails naming it.
pub fn run(
    job: &BatchJob,
    score: impl Fn(&Path) -> Result<(DataFrame, PartitionTotals)>,
) -> Result<BatchSummary> {
    let started = Instant::now();
    let inputs = partitions(&job.input)?;
    // Both checks come before anything is scored or written.
    let names = output_names(&inputs, &job.extension)?;
    let writes = [
        format!("*.{}", job.extension),
        retain_score::manifest::MANIFEST.to_string(),
    ];
    let writes: Vec<&str> = writes.iter().map(String::as_str).collect();
    refuse_overwrite(
        &[Some(named(job.input_flag, &job.input))],
        &[Output::Dir(named("--output", &job.out_dir), &writes)],
    )?;
    std::fs::create_dir_all(&job.out_dir)
        .with_context(|| format!("creating {}", job.out_dir.display()))?;
    remove_own_temporaries(&job.out_dir);
    let mut manifest = match Manifest::load(&job.out_dir) {
        Some(m) if !job.force && m.model_version == job.version && m.settings == job.settings => m,
        _ => Manifest {
            model: job.model.clone(),
            model_version: job.version.clone(),
            settings: job.settings.clone(),
            partitions: Default::default(),
        },
    };
    let sizes: Vec<u64> = inputs
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .collect();
    let bar = progress_bar(sizes.iter().sum());
    let (mut scored, mut reused, mut customers_now) = (0, 0, 0usize);
    let mut failed = Vec::new();
    let mut outputs = Vec::with_capacity(inputs.len());
    let count = inputs.len();
    for (k, ((input, &bytes), output)) in inputs.iter().zip(&sizes).zip(names).enumerate() {
        outputs.push(output.clone());
        let so_far = customers_now;
        let phase = |what: &str| {
            bar.set_message(format!(
                "partition {}/{count}: {what} ({so_far} customers scored)",
                k + 1
            ))
        };
        let result = (|| -> Result<bool> {
            phase("checking");
            let fp = fingerprint(input)?;
            if !job.force
                && manifest.is_current(&job.out_dir, &output, &job.version, &job.settings, &fp)
            {
                return Ok(false);
            }
            phase("reading, summarising and scoring");
            let (df, totals) = score(input)?;
            phase("writing");
            let (mut df, unmapped_ids) = job.shape.apply(df)?;
            let totals = PartitionTotals {
                unmapped_ids,
                ..totals
            };
            write_frame_with(&mut df, &job.out_dir.join(&output), job.shape.precision)?;
            customers_now += totals.customers;
            manifest.partitions.insert(
                output.clone(),
                PartitionRecord {
                    input: input.display().to_string(),
                    input_fingerprint: fp,
                    input_bytes: bytes,
                    output: output.clone(),
                    totals,
                },
            );
            manifest.save(&job.out_dir)?;
            Ok(true)
        })();
        match result {
            Ok(true) => scored += 1,
            Ok(false) => reused += 1,
            Err(e) => {
                tracing::error!(partition = %input.display(), error = %format!("{e:#}"), "partition failed");
                failed.push(input.display().to_string());
            }
        }
        bar.inc(bytes);
        let rate = customers_now as f64 / started.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!("{customers_now} customers scored, {rate:.0}/s"));
    }
    bar.finish_and_clear();
    if !failed.is_empty() {
        bail!(
            "{} of {} partitions failed ({}); the others' outputs are complete and recorded in {}",
            failed.len(),
            inputs.len(),
            failed.join(", "),
            job.out_dir.join(retain_score::manifest::MANIFEST).display()
        );
    }
    let mut totals = PartitionTotals::default();
    for name in &outputs {
        if let Some(r) = manifest.partitions.get(name) {
            totals.add(&r.totals);
        }
    }
    Ok(BatchSummary {
        model: job.model.clone(),
        model_version: job.version.clone(),
        partitions: inputs.len(),
        scored,
        reused,
        customers: totals.customers,
        skipped_rows: totals.skipped_rows,
        unmapped_ids: totals.unmapped_ids,
        mean_churn_probability: totals.sum_churn_probability / totals.customers.max(1) as f64,
        total_clv: totals.total_clv,
        total_value_at_risk: totals.total_value_at_risk,
        value_risk: totals.value_risk.clone(),
        segments: totals.segments.clone(),
        tiers: Tiers {
            high: totals.tiers[0],
            medium: totals.tiers[1],
            low: totals.tiers[2],
        },
        seconds: started.elapsed().as_secs_f64(),
        output: job.out_dir.display().to_string(),
    })
}

/// Prints a run summary, as text or JSON.
pub fn print(s: &BatchSummary, json: bool) -> Result<()> {
    if json {
        say!("{}", serde_json::to_string_pretty(s)?);
        return Ok(());
    }
    say!(
        "scored {} customers with {} {} in {:.1} s: {} partition(s), {} scored now, {} already current",
        s.customers,
        s.model,
        s.model_version,
        s.seconds,
        s.partitions,
        s.scored,
        s.reused
    );
    say!(
        "  mean churn probability {:.4}; risk tiers: high {}, medium {}, low {}",
        s.mean_churn_probability,
        s.tiers.high,
        s.tiers.medium,
        s.tiers.low
    );
    if let (Some(c), Some(v)) = (s.total_clv, s.total_value_at_risk) {
        say!("  total CLV {c:.2}, value at risk {v:.2}");
    }
    super::segments_print::print(s.value_risk.as_ref(), s.segments.as_ref());
    if s.skipped_rows > 0 {
        say!("  skipped {} unreadable input row(s)", s.skipped_rows);
    }
    super::score::print_unmapped(s.unmapped_ids);
    say!("  wrote {}", s.output);
    Ok(())
}

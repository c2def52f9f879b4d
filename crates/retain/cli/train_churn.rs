//! `retain train churn`: a churn classifier on a customer table, cross-validated.

use anyhow::{Context, Result};
use clap::Args;
use retain_core::features::PipelineSpec;
use retain_train::artefact::{self, FORMAT, FORMAT_VERSION};
use retain_train::churn_artefact::{ChurnArtefact, ChurnData, KIND};
use retain_train::churn_train::{ChurnSpec, cross_validate_logistic, fit_logistic, split_label};
use retain_train::table::read_table;
use std::path::PathBuf;

/// Flags of `retain train churn`.
#[derive(Debug, Args)]
pub struct ChurnArgs {
    /// Customer table: one row per customer (CSV with a header, or Parquet).
    #[arg(long)]
    data: PathBuf,
    /// Target column, e.g. churn.
    #[arg(long)]
    target: String,
    /// The target value that means "churned": Yes, 1, true, churned...
    #[arg(long)]
    positive: String,
    /// Customer id column (kept out of the features; must be unique).
    #[arg(long)]
    id: Option<String>,
    /// Columns to leave out of the features (repeatable).
    #[arg(long)]
    drop: Vec<String>,
    /// Columns to treat as categorical even if numeric, e.g. integer codes (repeatable).
    #[arg(long)]
    categorical: Vec<String>,
    /// Classifier. Only `logistic` (L2 logistic regression) is available in this version.
    #[arg(long, default_value = "logistic")]
    model: String,
    /// Cross-validation folds (stratified).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// L2 strength of the logistic regression (on the summed log-loss).
    #[arg(long, default_value_t = 1.0)]
    alpha: f64,
    /// Field delimiter of text files.
    #[arg(long, default_value = ",")]
    delimiter: char,
    /// Where to write the artefact (`.json` appended when missing).
    #[arg(long)]
    out: PathBuf,
    /// Print the artefact as JSON instead of the report.
    #[arg(long)]
    json: bool,
}

/// Runs `retain train churn`.
pub fn run(a: ChurnArgs) -> Result<()> {
    if a.model != "logistic" {
        anyhow::bail!(
            "--model {:?} is not available yet; use --model logistic",
            a.model
        );
    }
    if !a.delimiter.is_ascii() {
        anyhow::bail!("--delimiter must be a single ASCII character");
    }
    let table = read_table(&a.data, a.delimiter as u8)?;
    let data = split_label(table, &a.target, &a.positive, a.id.as_deref())?;
    let pipeline = PipelineSpec {
        categorical: a.categorical.clone(),
        drop: a.drop.clone(),
        ..PipelineSpec::default()
    };
    let spec = ChurnSpec {
        target: a.target.clone(),
        positive: a.positive.clone(),
        id: a.id.clone(),
        pipeline,
        folds: a.folds,
        seed: a.seed,
        alpha: a.alpha,
    };
    let (cv, _) = cross_validate_logistic(&data, &spec)?;
    let all: Vec<usize> = (0..data.y.len()).collect();
    let fitted = fit_logistic(&data, &all, &spec)?;
    let out = if a.out.extension().is_some_and(|e| e == "json") {
        a.out.clone()
    } else {
        a.out.with_extension("json")
    };
    let art = ChurnArtefact {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        kind: KIND.into(),
        name: out
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default(),
        retain_version: env!("CARGO_PKG_VERSION").into(),
        trained_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        training_command: std::env::args().collect::<Vec<_>>().join(" "),
        fitted,
        cv: vec![cv],
        selection: "only candidate: logistic regression".into(),
        data: ChurnData {
            file: a
                .data
                .file_name()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default(),
            fingerprint: artefact::fingerprint(&a.data)?,
            rows: data.y.len(),
            positives: data.y.iter().filter(|&&v| v).count(),
            target: a.target,
            positive: a.positive,
            id: a.id,
        },
    };
    art.save(&out)
        .with_context(|| format!("saving {}", out.display()))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&art)?);
        return Ok(());
    }
    println!(
        "{} rows, {} churned ({:.1}%), {} features after the pipeline",
        art.data.rows,
        art.data.positives,
        100.0 * art.data.positives as f64 / art.data.rows as f64,
        art.fitted.pipeline.n_features()
    );
    for r in &art.cv {
        println!(
            "\n{}: {}-fold stratified CV, seed {} (mean ± std over folds; pooled out-of-fold)",
            r.model, r.folds, r.seed
        );
        for (name, ms) in &r.summary {
            println!("  {name:<10} {:.4} ± {:.4}", ms.mean, ms.std);
        }
        println!(
            "  pooled     roc-auc {:.4}  pr-auc {:.4}  log-loss {:.4}  brier {:.4}  top-decile lift {:.2}",
            r.pooled.roc_auc,
            r.pooled.pr_auc,
            r.pooled.log_loss,
            r.pooled.brier,
            r.pooled.top_decile_lift
        );
    }
    println!("\nsaved {}", out.display());
    Ok(())
}

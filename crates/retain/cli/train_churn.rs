//! `retain train churn`: churn classifiers on a customer table, cross-validated, the best one
//! calibrated and refitted, with optional subscription value.

use anyhow::{Context, Result};
use clap::Args;
use retain_core::features::PipelineSpec;
use retain_core::time::{DiscountRate, Duration};
use retain_io::overwrite::{Output, named, refuse_overwrite};
use retain_io::table::read_table;
use retain_score::churn_value::{RiskTiers, ValueSpec};
use retain_score::metrics::MetricKind;
use retain_train::artefact::{ChurnMeta, churn_artefact};
use retain_train::churn_train::{ChurnSpec, parse_candidates, split_label, train_churn};
use std::path::PathBuf;

/// The long help of `retain train churn`, with the subscription CLV formula.
pub const LONG_ABOUT: &str = "\
Trains churn classifiers on a customer table (one row per customer, a binary churn column).

Every candidate (--model auto: logistic regression, gradient-boosted trees, random forest) is
scored by stratified k-fold cross-validation with the feature pipeline refitted inside each
fold. The best by --metric (mean over folds) is refitted on all rows. Probability calibration
(none, Platt or isotonic) is chosen on the out-of-fold predictions by cross-validated log loss,
so that a churn probability of 0.3 means 30% of such customers churn within one --period.

SUBSCRIPTION CLV (with --margin)
  A customer with churn probability p per period, margin m per period (the --margin column ×
  --margin-rate) and discount rate d per period (--discount converted to --period) is worth
    CLV = Σ_{t=1..H} m (1−p)^t / (1+d)^t = m r (1 − r^H) / (1 − r),  r = (1−p)/(1+d)
  (H = --horizon in periods, or ∞: CLV = m r / (1 − r)). Expected remaining lifetime is
  Σ_{t=1..H} (1−p)^t periods, i.e. (1−p)/p with no horizon, and value at risk = p × the value
  if this period's churn is averted = p m/(1+d) (1 + Σ_{t=1..H−1} r^t), i.e. CLV × p/(1−p).
  Assumptions: the churn probability stays constant from period to period (a geometric
  lifetime), margin is earned at the end of every period the customer is still subscribed, and
  the scored probability covers exactly one --period (the window of the training label).
  With no horizon the probability is floored at 1e-9; a 0% discount needs a --horizon.";

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
    /// Classifier: auto (every candidate, best by --metric), logistic, gbdt or forest.
    #[arg(long, default_value = "auto")]
    model: String,
    /// Metric that selects the model: roc-auc, pr-auc, log-loss, brier or lift.
    #[arg(long, default_value = "roc-auc")]
    metric: String,
    /// Cross-validation folds (stratified).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seed of the folds, the boosting validation split and the forest.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// L2 strength of the logistic regression (on the summed log-loss).
    #[arg(long, default_value_t = 1.0)]
    alpha: f64,
    /// Skip probability calibration (use the classifier's probabilities as they are).
    #[arg(long)]
    no_calibration: bool,
    /// Column with the revenue or margin per period; enables CLV and value at risk.
    #[arg(long)]
    margin: Option<String>,
    /// Share of the --margin column that is margin, e.g. 0.3 for a 30% margin on revenue.
    #[arg(long, default_value_t = 1.0, requires = "margin")]
    margin_rate: f64,
    /// Period covered by one churn probability (the label window), e.g. 1mo, 4w, 1y.
    #[arg(long, default_value = "1mo")]
    period: Duration,
    /// Discount rate with its period, e.g. 10%/year or 1%/month.
    #[arg(long, default_value = "10%/year")]
    discount: DiscountRate,
    /// Cap on the future valued, e.g. 36mo (default: no cap).
    #[arg(long)]
    horizon: Option<Duration>,
    /// Churn probability at or above which a customer is high risk.
    #[arg(long, default_value_t = 0.5)]
    high_risk: f64,
    /// Churn probability at or above which a customer is medium risk (below: low).
    #[arg(long, default_value_t = 0.2)]
    medium_risk: f64,
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
    let started = std::time::Instant::now();
    let out = if a.out.extension().is_some_and(|e| e == "json") {
        a.out.clone()
    } else {
        a.out.with_extension("json")
    };
    refuse_overwrite(
        &[Some(named("--data", &a.data))],
        &[Output::File(named("--out", &out))],
    )?;
    let candidates = parse_candidates(&a.model)?;
    let metric: MetricKind = a.metric.parse()?;
    if !a.delimiter.is_ascii() {
        anyhow::bail!("--delimiter must be a single ASCII character");
    }
    let tiers = RiskTiers::new(a.high_risk, a.medium_risk)?;
    let value = a.margin.as_ref().map(|column| ValueSpec {
        margin_column: column.clone(),
        margin_rate: a.margin_rate,
        period: a.period,
        discount: a.discount,
        horizon: a.horizon,
    });
    if let Some(v) = &value {
        v.subscription()?;
    }
    let table = read_table(&a.data, a.delimiter as u8)?;
    if let Some(v) = &value {
        if !table.names.contains(&v.margin_column) {
            anyhow::bail!(
                "--margin column {:?} not found; columns: {}",
                v.margin_column,
                table.names.join(", ")
            );
        }
        v.margins(&table)?;
    }
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
        candidates,
        metric,
        calibrate: !a.no_calibration,
    };
    let trained = train_churn(&data, &spec)?;
    let meta = ChurnMeta {
        name: out
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default(),
        training_command: std::env::args().collect::<Vec<_>>().join(" "),
        file: a
            .data
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default(),
        fingerprint: retain_io::fingerprint::of_file(&a.data)?,
        target: a.target,
        positive: a.positive,
        id: a.id,
        seed: a.seed,
        tiers,
        value,
    };
    // The reference customers are ranked against: the training table scored by the final model.
    let training = read_table(&a.data, a.delimiter as u8)?;
    let mut art = churn_artefact(trained, &data, meta, training)?;
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
    println!(
        "\n{}-fold stratified CV, seed {} (mean ± std over folds, calibrated as chosen)",
        spec.folds, spec.seed
    );
    println!(
        "{:<9} {:>17} {:>17} {:>17} {:>17} {:>13}  {:<9} {:>6}",
        "model", "roc-auc", "pr-auc", "log-loss", "brier", "lift@10%", "calibr.", "secs"
    );
    for r in &art.cv {
        let cell = |name: &str| {
            r.summary
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, ms)| format!("{:.4} ± {:.4}", ms.mean, ms.std))
                .unwrap_or_default()
        };
        let lift = r
            .summary
            .iter()
            .find(|(n, _)| n == "lift")
            .map(|(_, ms)| format!("{:.2} ± {:.2}", ms.mean, ms.std))
            .unwrap_or_default();
        println!(
            "{:<9} {:>17} {:>17} {:>17} {:>17} {:>13}  {:<9} {:>6.1}",
            r.model,
            cell("roc-auc"),
            cell("pr-auc"),
            cell("log-loss"),
            cell("brier"),
            lift,
            r.calibration
                .as_ref()
                .map_or("none", |c| c.calibrator.name()),
            r.seconds
        );
    }
    println!("\nchose {}: {}", art.fitted.model.name(), art.selection);
    if let Some(c) = art
        .cv
        .iter()
        .find(|r| r.model == art.fitted.model.name())
        .and_then(|r| r.calibration.as_ref())
    {
        let losses: Vec<String> = c
            .cv_log_loss
            .iter()
            .map(|(m, l)| format!("{m} {l:.4}"))
            .collect();
        println!(
            "calibration {} (cross-validated log loss: {})",
            c.calibrator.name(),
            losses.join(", ")
        );
    }
    println!(
        "saved {} in {:.1} s",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

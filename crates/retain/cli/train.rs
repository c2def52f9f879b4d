//! `retain train clv`: fit buy-till-you-die models on a transaction log and save the artefact.

use super::data::{self, DataArgs};
use super::report;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use retain_core::summary::{SummaryOptions, summarise};
use retain_core::time::{DiscountRate, Duration, TimeUnit, iso, parse_date};
use retain_io::overwrite::{Output, named, refuse_overwrite};
use retain_models::btyd::PurchaseKind;
use retain_models::fit::FitOptions;
use retain_score::artefact::{ClvDefaults, DataInfo};
use retain_score::segments::ReferenceBase;
use retain_train::artefact::{ClvMeta, clv_artefact};
use retain_train::clv_train::{ClvTraining, train_clv};
use std::path::{Path, PathBuf};

/// What to train.
#[derive(Debug, Subcommand)]
pub enum TrainCommand {
    /// Non-contractual CLV: BG/NBD, Pareto/NBD or MBG/NBD purchases plus Gamma-Gamma spend.
    ///
    /// The log is summarised per customer in the stated time unit (purchases on one day count
    /// once, amounts netted), the calibration period ends at --calibration-end, and the period up
    /// to --observation-end (default: the last date in the log) is the holdout on which the
    /// models are evaluated and, with --model all, compared.
    Clv(ClvArgs),
    /// Contractual churn: classifiers on a customer table, cross-validated, the best calibrated
    /// and refitted; optional subscription CLV (see --help for the formula).
    #[command(long_about = super::train_churn::LONG_ABOUT)]
    Churn(super::train_churn::ChurnArgs),
    /// Contractual retention: the sBG (shifted-beta-geometric) on a subscriber table's tenure
    /// and churned columns, pooled and per cohort (see --help for the formulas).
    #[command(long_about = super::train_subscription::LONG_ABOUT)]
    Subscription(super::train_subscription::SubscriptionArgs),
}

/// Flags of `retain train clv`.
#[derive(Debug, Args)]
pub struct ClvArgs {
    /// Transaction log (CSV/text or Parquet).
    #[arg(long)]
    transactions: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Time unit of the model (day, week, month, year): every time parameter is in it.
    #[arg(long)]
    time_unit: TimeUnit,
    /// Last day of the calibration period (YYYY-MM-DD, inclusive).
    #[arg(long)]
    calibration_end: String,
    /// Last day of the holdout period (YYYY-MM-DD, inclusive) [default: last date in the log].
    #[arg(long)]
    observation_end: Option<String>,
    /// Purchase model: bgnbd, pareto-nbd, mbgnbd, or all (best by holdout MAE). Limit: each
    /// fit stops after 2,000 likelihood evaluations or 60 seconds and reports that it did not
    /// converge; with `all` the other candidates are kept.
    #[arg(long, default_value = "all")]
    model: String,
    /// L2 penalty on the log-parameters (0 = maximum likelihood).
    #[arg(long, default_value_t = 0.0)]
    penalty: f64,
    /// Fit on one row per customer instead of compressed (x, t_x, T) patterns.
    #[arg(long)]
    no_compress: bool,
    /// Default step of the CLV cash-flow sum used when scoring.
    #[arg(long, default_value = "1mo")]
    clv_step: Duration,
    /// Default discount rate with its period used when scoring, e.g. 10%/year or 1%/month.
    #[arg(long, default_value = "10%/year")]
    discount: DiscountRate,
    /// Where to write the artefact (`.json` is appended when missing), e.g. models/cdnow.
    #[arg(long)]
    out: PathBuf,
    /// Print the artefact as JSON instead of the text report.
    #[arg(long)]
    json: bool,
}

/// Runs `retain train ...`.
pub fn run(cmd: TrainCommand) -> Result<()> {
    match cmd {
        TrainCommand::Clv(a) => clv(a),
        TrainCommand::Churn(a) => super::train_churn::run(a),
        TrainCommand::Subscription(a) => super::train_subscription::run(a),
    }
}

fn clv(a: ClvArgs) -> Result<()> {
    if !(a.penalty >= 0.0 && a.penalty.is_finite()) {
        anyhow::bail!("--penalty must be a finite number >= 0, got {}", a.penalty);
    }
    refuse_overwrite(
        &[Some(named("--transactions", &a.transactions))],
        &[Output::File(named("--out", &with_json_extension(&a.out)))],
    )?;
    let kinds = match a.model.as_str() {
        "all" => PurchaseKind::ALL.to_vec(),
        m => vec![m.parse::<PurchaseKind>()?],
    };
    let phases = super::progress::Phases::start("train clv");
    phases.phase("reading");
    let format = a.data.format(None);
    let (log, report) = data::read(&a.transactions, &format, a.data.on_bad_row)?;
    let calibration_end = parse_date(&a.calibration_end).context("--calibration-end")?;
    if let Some((_, last)) = log.span()
        && calibration_end > last
    {
        // Every customer then looks long gone: fits wander (Pareto/NBD for minutes before
        // its budget stops it) and there is no holdout to choose by.
        tracing::warn!(
            "--calibration-end {} is {} day(s) after the last transaction ({}): every customer \
             looks inactive since, fits may not converge and there is no holdout",
            iso(calibration_end),
            calibration_end - last,
            iso(last)
        );
    }
    let observation_end = match &a.observation_end {
        Some(d) => parse_date(d).context("--observation-end")?,
        None => log
            .span()
            .map(|(_, max)| max.max(calibration_end))
            .unwrap_or(calibration_end),
    };
    let opts = SummaryOptions::new(a.time_unit, calibration_end).with_holdout(observation_end);
    phases.phase("summarising");
    let summaries = summarise(&log, &opts)?;
    let training = ClvTraining {
        kinds,
        fit: FitOptions {
            penalty: a.penalty,
            ..FitOptions::default()
        },
        compress: !a.no_compress,
    };
    phases.phase("fitting");
    let trained = train_clv(&summaries, &opts, &training)?;
    phases.phase("summarising the reference base");
    let fingerprint = retain_io::fingerprint::of_file(&a.transactions)?;
    // The reference for ranks and segments: the whole base as of the observation end.
    let base = summarise(&log, &SummaryOptions::new(a.time_unit, observation_end))?;
    let reference = ReferenceBase::sample(&base, iso(observation_end));
    let out = with_json_extension(&a.out);
    let meta = ClvMeta {
        name: out
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default(),
        training_command: std::env::args()
            .map(|s| shell_quote(&s))
            .collect::<Vec<_>>()
            .join(" "),
        time_unit: a.time_unit,
        data: DataInfo {
            file: a
                .transactions
                .file_name()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default(),
            fingerprint,
            transactions: log.len(),
            skipped_rows: report.skipped,
            customers: summaries.len(),
            calibration_end: iso(calibration_end),
            observation_end: iso(observation_end),
            format,
        },
        clv: ClvDefaults {
            step: a.clv_step,
            discount: a.discount,
        },
        reference: Some(reference),
    };
    let (mut art, no_spend) = clv_artefact(trained, meta);
    if let Some(reason) = no_spend {
        eprintln!("warning: no spend model, CLV unavailable: {reason}");
    }
    phases.phase("writing");
    art.save(&out)?;
    phases.finish();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&art)?);
    } else {
        print!("{}", report::render(&art));
        println!("saved {} (version {})", out.display(), art.version);
    }
    if summaries.excluded_new > 0 {
        tracing::info!(
            customers = summaries.excluded_new,
            "customers first seen after the calibration end were left out"
        );
    }
    Ok(())
}

fn with_json_extension(p: &Path) -> PathBuf {
    if p.extension().is_some_and(|e| e == "json") {
        p.to_path_buf()
    } else {
        p.with_extension("json")
    }
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=%:,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

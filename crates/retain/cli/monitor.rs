//! `retain monitor`: how far a base has drifted from the one the model was trained on, per
//! input column or summary dimension and per output, with a verdict and an exit code a
//! scheduler can act on.

use super::base_input::SummarySource;
use super::data::{self, DataArgs};
use anyhow::{Context, Result, bail};
use clap::Args;
use retain_core::time::{DiscountRate, Duration, TimeUnit};
use retain_io::overwrite::{Output, named, optional, refuse_overwrite};
use retain_io::table::read_table;
use retain_report::monitor_report::monitor_report;
use retain_report::output::write_report;
use retain_score::artefact::{Artefact, ChurnArtefact, ClvArtefact};
use retain_score::churn_score::{ScoreOptions, score_churn};
use retain_score::monitor::{DriftReport, Thresholds, Verdict, churn_drift, clv_drift};
use retain_score::score::score;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when the worst column drifted moderately.
pub const EXIT_MODERATE: u8 = 3;
/// Exit code when a column drifted significantly.
pub const EXIT_SIGNIFICANT: u8 = 4;

/// Flags of `retain monitor`.
///
/// Exit codes: 0 every compared column stable; 3 moderate drift (worst PSI from
/// --moderate-psi); 4 significant drift (a PSI from --significant-psi); 1 an error; 2 bad
/// flags.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// The model artefact.
    #[arg(long)]
    model: PathBuf,
    /// CLV models: the current transaction log, summarised as of --as-of (later rows left out).
    #[arg(long)]
    transactions: Option<PathBuf>,
    /// CLV models: current per-customer summaries instead of a log (as `retain score` reads them).
    #[arg(long, conflicts_with = "transactions")]
    summaries: Option<PathBuf>,
    /// Time unit of --summaries' recency and T columns (day, week, month, year).
    #[arg(long)]
    summary_unit: Option<TimeUnit>,
    /// Churn classifiers: the current customer table (CSV with a header, or Parquet).
    #[arg(long = "data")]
    data_file: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// CLV models: the day the base is taken as of (YYYY-MM-DD, inclusive).
    #[arg(long)]
    as_of: Option<String>,
    /// CLV models: horizon of the CLV and value at risk compared, with its unit (52w, 12mo).
    #[arg(long, default_value = "52w")]
    horizon: Duration,
    /// Step of the CLV cash-flow sum [default: the model's].
    #[arg(long)]
    clv_step: Option<Duration>,
    /// Discount rate with its period, e.g. 10%/year [default: the model's].
    #[arg(long)]
    discount: Option<DiscountRate>,
    /// PSI from which a column's drift is moderate.
    #[arg(long, default_value_t = 0.1)]
    moderate_psi: f64,
    /// PSI from which a column's drift is significant.
    #[arg(long, default_value_t = 0.25)]
    significant_psi: f64,
    /// Directory for the HTML page (report.html, with a reference-vs-now plot of each drifted
    /// column as PNG and SVG) and drift.json. Never an input.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// The names `monitor --output` writes: the page, its figures and drift.json.
const MONITOR_WRITES: &[&str] = &["*.html", "*.png", "*.svg", "drift.json"];

/// The exit code of a verdict.
pub fn exit_code(v: Verdict) -> ExitCode {
    match v {
        Verdict::NotCompared | Verdict::Stable => ExitCode::SUCCESS,
        Verdict::Moderate => ExitCode::from(EXIT_MODERATE),
        Verdict::Significant => ExitCode::from(EXIT_SIGNIFICANT),
    }
}

/// Runs `retain monitor`; the exit code says the overall verdict.
pub fn run(a: MonitorArgs) -> Result<ExitCode> {
    let outputs: Vec<Output<'_>> = a
        .output
        .as_deref()
        .map(|o| Output::Dir(named("--output", o), MONITOR_WRITES))
        .into_iter()
        .collect();
    refuse_overwrite(
        &[
            Some(named("--model", &a.model)),
            optional("--transactions", a.transactions.as_deref()),
            optional("--summaries", a.summaries.as_deref()),
            optional("--data", a.data_file.as_deref()),
        ],
        &outputs,
    )?;
    let thresholds = Thresholds::new(a.moderate_psi, a.significant_psi)?;
    let (report, source) = match Artefact::load(&a.model)? {
        Artefact::Clv(art) => clv(&a, &art, &thresholds)?,
        Artefact::Churn(art) => churn(&a, &art, &thresholds)?,
        Artefact::Subscription(_) => bail!(
            "{} is a subscription (sBG) model, which keeps no training reference to compare \
             with yet; monitor takes a CLV model or a churn classifier",
            a.model.display()
        ),
    };
    if let Some(dir) = &a.output {
        let page = monitor_report(&report, &source);
        let written = write_report(&page, dir)
            .with_context(|| format!("writing the page under {}", dir.display()))?;
        let json = dir.join("drift.json");
        retain_io::atomic::write_atomically(
            &json,
            serde_json::to_string_pretty(&report)?.as_bytes(),
        )?;
        if !a.json {
            eprintln!("wrote {} and {}", written.html.display(), json.display());
        }
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print(&report, &source);
    }
    Ok(exit_code(report.verdict))
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
}

fn clv(a: &MonitorArgs, art: &ClvArtefact, t: &Thresholds) -> Result<(DriftReport, String)> {
    if a.data_file.is_some() {
        bail!("--data is for churn classifiers; a CLV model takes --transactions or --summaries");
    }
    let (path, source) = SummarySource::from_flags(
        a.transactions.as_ref(),
        a.summaries.as_ref(),
        a.summary_unit,
        a.as_of.as_deref(),
        &a.data,
        art,
    )?;
    let (summaries, _) = source.load(path)?;
    let spec = art.clv_spec(a.horizon, a.clv_step, a.discount);
    let scores = score(art, summaries, a.horizon, &spec)?;
    let report = clv_drift(art, &scores, a.horizon, &spec, t)?;
    let day = a
        .as_of
        .as_deref()
        .map_or(String::new(), |d| format!(" as of {d}"));
    Ok((report, format!("{}{day}", file_name(path))))
}

fn churn(a: &MonitorArgs, art: &ChurnArtefact, t: &Thresholds) -> Result<(DriftReport, String)> {
    let Some(path) = &a.data_file else {
        bail!("a churn classifier monitors a customer table: give --data");
    };
    if a.transactions.is_some() || a.summaries.is_some() {
        bail!("--transactions and --summaries are for CLV models; a churn classifier takes --data");
    }
    let delimiter = data::single_byte_delimiter(a.data.delimiter.as_deref().unwrap_or(","))?;
    let table = read_table(path, delimiter)?;
    let options = ScoreOptions {
        tiers: art.tiers,
        drivers: 0,
    };
    let scores = score_churn(art, table.clone(), &options)?;
    Ok((churn_drift(art, &table, &scores, t), file_name(path)))
}

fn print(r: &DriftReport, source: &str) {
    println!(
        "{} ({} {}) on {source}: {} rows against the {}",
        r.model, r.kind, r.model_version, r.rows, r.reference
    );
    println!(
        "  {:<26} {:<8} {:>8} {:>7} {:>7} {:>9} {:>9} {:>7}  verdict",
        "column", "kind", "psi", "ks", "js", "miss.ref", "miss.now", "unseen"
    );
    let f = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{v:.4}"));
    let p = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{:.1}%", 100.0 * v));
    for c in &r.columns {
        let kind = match c.group {
            retain_score::monitor::Group::Feature => "input",
            retain_score::monitor::Group::Summary => "summary",
            retain_score::monitor::Group::Output => "output",
        };
        println!(
            "  {:<26} {:<8} {:>8} {:>7} {:>7} {:>9} {:>9} {:>7}  {}",
            c.column,
            kind,
            f(c.psi),
            f(c.ks),
            f(c.js_distance),
            p(c.missing_reference),
            p(c.missing_current),
            p(c.unseen_share),
            c.verdict.label()
        );
    }
    for n in &r.notes {
        println!("  note: {n}");
    }
    println!(
        "overall: {} (PSI thresholds {} moderate, {} significant)",
        r.verdict.label(),
        r.thresholds.moderate,
        r.thresholds.significant
    );
}

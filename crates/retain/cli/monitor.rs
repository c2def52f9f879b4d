//! `retain monitor`: how far a base has drifted from the one the model was trained on, per
//! input column or summary dimension and per output, with a verdict and an exit code a
//! scheduler can act on.

use super::base_input::SummarySource;
use super::data::{self, DataArgs};
use super::evaluate::{outcome_summaries, print_realised};
use anyhow::{Context, Result, bail};
use clap::Args;
use retain_core::time::{DiscountRate, Duration, TimeUnit, iso};
use retain_io::overwrite::{Output, named, optional, refuse_overwrite};
use retain_io::table::read_tables;
use retain_report::monitor_report::monitor_report;
use retain_report::output::write_report;
use retain_score::artefact::{Artefact, ChurnArtefact, ClvArtefact};
use retain_score::churn_score::{ScoreOptions, score_churn};
use retain_score::monitor::{
    ColumnDrift, MonitorReport, PreviousScores, Realised, RealisedQuality, Thresholds, Verdict,
    against_previous, churn_drift, churn_quality, clv_drift, clv_quality,
};
use retain_score::score::score;
use retain_train::churn_train::split_label;
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
    /// CLV models: the current transaction log, summarised as of --as-of (later rows left out);
    /// a file, or a directory or glob of partitions (merged: a customer may be in several).
    #[arg(long)]
    transactions: Option<PathBuf>,
    /// CLV models: current per-customer summaries instead of a log (as `retain score` reads
    /// them); a file, or a directory or glob of partitions split by customer.
    #[arg(long, conflicts_with = "transactions")]
    summaries: Option<PathBuf>,
    /// Time unit of --summaries' recency and T columns (day, week, month, year).
    #[arg(long)]
    summary_unit: Option<TimeUnit>,
    /// Churn classifiers: the current customer table (CSV with a header, or Parquet), or a
    /// directory or glob of partitions with the same columns. With --scores it must hold the
    /// model's target column: the churn labels the earlier scores are judged against.
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
    /// A score file written earlier by `retain score` with this model (CSV or Parquet, or a
    /// directory or glob of partitions): its predictions are judged against what happened
    /// since (realised quality and the prediction-quality band), and its churn probability
    /// and CLV distributions compared with today's (not part of the verdict).
    #[arg(long)]
    scores: Option<PathBuf>,
    /// CLV models with --scores: the day the earlier scores were written as of (YYYY-MM-DD);
    /// the outcome window is the --horizon after it and must end by the log's last day.
    #[arg(long, requires = "scores")]
    scores_as_of: Option<String>,
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
            optional("--scores", a.scores.as_deref()),
        ],
        &outputs,
    )?;
    let thresholds = Thresholds::new(a.moderate_psi, a.significant_psi)?;
    if a.scores_as_of.is_some() && a.transactions.is_none() {
        bail!("--scores-as-of is for a CLV model's earlier scores; give --transactions too");
    }
    let (report, source) = match Artefact::load(&a.model)? {
        Artefact::Clv(art) => clv(&a, &art, &thresholds)?,
        Artefact::Churn(art) => churn(&a, &art, &thresholds)?,
        Artefact::Subscription(_) => bail!(
            "{}: cannot be monitored: {}",
            a.model.display(),
            retain_score::monitor::SUBSCRIPTION_UNMONITORED
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
    Ok(exit_code(report.drift.verdict))
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
}

fn clv(a: &MonitorArgs, art: &ClvArtefact, t: &Thresholds) -> Result<(MonitorReport, String)> {
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
    let (summaries, _) = source.load_all(path)?;
    let spec = art.clv_spec(a.horizon, a.clv_step, a.discount);
    let scores = score(art, summaries, a.horizon, &spec)?;
    let drift = clv_drift(art, &scores, a.horizon, &spec, t)?;
    let (mut against, mut realised) = (Vec::new(), None);
    if let Some(prev_path) = &a.scores {
        let prev = PreviousScores::load(prev_path, Some(a.horizon))?;
        against = against_previous(&prev, &scores.churn_probability, scores.clv.as_deref(), t);
        let (Some(log), Some(day)) = (&a.transactions, a.scores_as_of.as_deref()) else {
            bail!(
                "--scores with a CLV model needs --transactions and --scores-as-of (the day \
                 the scores were written as of): the outcomes are the purchases in the \
                 --horizon after that day"
            );
        };
        let w = outcome_summaries(log, &a.data, art, day, a.horizon)?;
        let outcome = format!(
            "purchases and spend in ({day}, {}] ({} days) of {}",
            iso(w.end),
            w.days,
            file_name(log)
        );
        realised = Some(clv_quality(&prev, &w.summaries, outcome)?);
    }
    let day = a
        .as_of
        .as_deref()
        .map_or(String::new(), |d| format!(" as of {d}"));
    let report = MonitorReport {
        drift,
        against_previous: against,
        realised,
    };
    Ok((report, format!("{}{day}", file_name(path))))
}

fn churn(a: &MonitorArgs, art: &ChurnArtefact, t: &Thresholds) -> Result<(MonitorReport, String)> {
    let Some(path) = &a.data_file else {
        bail!("a churn classifier monitors a customer table: give --data");
    };
    if a.transactions.is_some() || a.summaries.is_some() {
        bail!("--transactions and --summaries are for CLV models; a churn classifier takes --data");
    }
    let delimiter = data::single_byte_delimiter(a.data.delimiter.as_deref().unwrap_or(","))?;
    let table = read_tables(path, delimiter)?;
    let options = ScoreOptions {
        tiers: art.tiers,
        drivers: 0,
    };
    let scores = score_churn(art, table.clone(), &options)?;
    let drift = churn_drift(art, &table, &scores, t);
    let (mut against, mut realised) = (Vec::new(), None);
    if let Some(prev_path) = &a.scores {
        let prev = PreviousScores::load(prev_path, None)?;
        let clv: Option<Vec<f64>> = scores
            .value
            .as_ref()
            .map(|v| v.iter().map(|x| x.clv).collect());
        against = against_previous(&prev, &scores.churn_probability, clv.as_deref(), t);
        let target = &art.data.target;
        if table.column(target).is_none() {
            bail!(
                "{}: no {target:?} column: --scores with a churn classifier judges the earlier \
                 scores against the churn labels in --data's target column",
                path.display()
            );
        }
        let labelled = split_label(table, target, &art.data.positive, art.data.id.as_deref())
            .with_context(|| format!("reading the churn labels of {}", path.display()))?;
        // Without an id column, `retain score` numbers the rows from 1.
        let ids = labelled
            .ids
            .unwrap_or_else(|| (1..=labelled.y.len()).map(|i| i.to_string()).collect());
        let by_position = if art.data.id.is_none() {
            " (rows matched by position: the model has no id column)"
        } else {
            ""
        };
        let outcome = format!(
            "{target} = {} in {}{by_position}",
            art.data.positive,
            file_name(path)
        );
        realised = Some(churn_quality(&prev, &ids, &labelled.y, outcome)?);
    }
    let report = MonitorReport {
        drift,
        against_previous: against,
        realised,
    };
    Ok((report, file_name(path)))
}

fn print(m: &MonitorReport, source: &str) {
    let r = &m.drift;
    println!(
        "{} ({} {}) on {source}: {} rows against the {}",
        r.model, r.kind, r.model_version, r.rows, r.reference
    );
    print_columns(&r.columns);
    for n in &r.notes {
        println!("  note: {n}");
    }
    println!(
        "overall: {} (PSI thresholds {} moderate, {} significant)",
        r.verdict.label(),
        r.thresholds.moderate,
        r.thresholds.significant
    );
    if !m.against_previous.is_empty() {
        println!("outputs against the earlier scores (not part of the verdict):");
        print_columns(&m.against_previous);
    }
    if let Some(q) = &m.realised {
        print_quality(q);
    }
}

fn print_columns(columns: &[ColumnDrift]) {
    println!(
        "  {:<26} {:<8} {:>8} {:>7} {:>7} {:>9} {:>9} {:>7}  verdict",
        "column", "kind", "psi", "ks", "js", "miss.ref", "miss.now", "unseen"
    );
    let f = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{v:.4}"));
    let p = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{:.1}%", 100.0 * v));
    for c in columns {
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
}

fn print_quality(q: &RealisedQuality) {
    println!(
        "realised quality of {} against {}: {} customers ({} scored without an outcome, {} \
         with an outcome but no score, left out)",
        q.scores, q.outcome, q.customers, q.scored_without_outcome, q.outcome_without_score
    );
    if let Some(auc) = q.churn_roc_auc {
        println!("  churn ROC AUC {auc:.4}");
    }
    let parts: [(&str, &Option<Realised>); 3] = [
        ("churn (expected vs actual churners)", &q.churn),
        ("purchases", &q.purchases),
        (q.value_column.as_deref().unwrap_or("value"), &q.value),
    ];
    for (what, r) in parts {
        if let Some(r) = r {
            print_realised(what, r);
        }
    }
    if let Some(n) = q.no_purchase_customers {
        match q.no_purchase_roc_auc {
            Some(auc) => println!(
                "  no purchase in the window: {n} customers; ROC AUC of P(no purchase) {auc:.4}"
            ),
            None => println!("  no purchase in the window: {n} customers"),
        }
    }
    println!(
        "  prediction quality: {:.1} / 100, {} ({})",
        q.band.score,
        q.band.band.label(),
        q.band.basis
    );
}

//! `retain evaluate`: how good a model's predictions turned out. A churn classifier on a
//! labelled customer table (e.g. a later month), with the same metrics as its
//! cross-validation; a CLV model backtested on a transaction log: its predictions as of
//! `--as-of` against what happened in the `--horizon` after it.

use super::base_input::read_logs;
use super::data::{self, DataArgs};
use anyhow::{Context, Result, bail};
use clap::Args;
use retain_core::summary::{Summaries, SummaryOptions, summarise};
use retain_core::time::{Day, Duration, iso, parse_date};
use retain_io::table::read_tables;
use retain_score::artefact::{Artefact, ChurnArtefact, ClvArtefact};
use retain_score::metrics::Metrics;
use retain_score::monitor::{Backtest, Realised, clv_backtest, window_days};
use retain_train::churn_train::split_label;
use std::path::{Path, PathBuf};

/// Flags of `retain evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model artefact (a churn classifier or a CLV model).
    #[arg(long)]
    model: PathBuf,
    /// Churn classifiers: labelled customer table (must hold the model's target column); a
    /// file, or a directory or glob of partitions with the same columns.
    #[arg(long)]
    data: Option<PathBuf>,
    /// CLV models: the transaction log (a file, or a directory or glob of partitions), holding
    /// the rows up to at least --as-of + --horizon
    /// (later rows are left out); read like the training data unless the flags say otherwise.
    #[arg(long, conflicts_with = "data")]
    transactions: Option<PathBuf>,
    /// CLV models: the day the predictions are made as of (YYYY-MM-DD, inclusive).
    #[arg(long)]
    as_of: Option<String>,
    /// CLV models: the outcome window after --as-of, with its unit (39w, 12mo, 365d); whole
    /// days, at most 1,000,000.
    #[arg(long, default_value = "52w")]
    horizon: Duration,
    #[command(flatten)]
    format: DataArgs,
    /// Print the metrics as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `retain evaluate`.
pub fn run(a: EvaluateArgs) -> Result<()> {
    match Artefact::load(&a.model)? {
        Artefact::Churn(art) => churn(&a, &art),
        Artefact::Clv(art) => clv(&a, &art),
        Artefact::Subscription(_) => bail!(
            "{}: cannot be evaluated: {}",
            a.model.display(),
            retain_score::monitor::SUBSCRIPTION_UNMONITORED
        ),
    }
}

fn churn(a: &EvaluateArgs, art: &ChurnArtefact) -> Result<()> {
    let Some(path) = &a.data else {
        bail!("a churn classifier is evaluated on a labelled customer table: give --data");
    };
    let delimiter = data::single_byte_delimiter(a.format.delimiter.as_deref().unwrap_or(","))?;
    let table = read_tables(path, delimiter)?;
    let labelled = split_label(
        table,
        &art.data.target,
        &art.data.positive,
        art.data.id.as_deref(),
    )?;
    let p = art.fitted.predict(&labelled.features)?;
    let m = Metrics::compute(&labelled.y, &p)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&m)?);
        return Ok(());
    }
    println!(
        "{} on {} ({} rows, {} churned)",
        art.name,
        path.display(),
        labelled.y.len(),
        labelled.y.iter().filter(|&&v| v).count()
    );
    println!(
        "  roc-auc {:.4}  pr-auc {:.4}  log-loss {:.4}  brier {:.4}  top-decile lift {:.2}",
        m.roc_auc, m.pr_auc, m.log_loss, m.brier, m.top_decile_lift
    );
    println!("  calibration (predicted → observed):");
    for b in m.calibration.iter().filter(|b| b.count > 0) {
        println!(
            "    [{:.1}, {:.1})  n={:<5} {:.3} → {:.3}",
            b.lower, b.upper, b.count, b.mean_predicted, b.observed_rate
        );
    }
    Ok(())
}

fn clv(a: &EvaluateArgs, art: &ClvArtefact) -> Result<()> {
    let Some(path) = &a.transactions else {
        bail!(
            "a CLV model is backtested on a transaction log: give --transactions, --as-of and \
             --horizon"
        );
    };
    let as_of_text = a
        .as_of
        .as_deref()
        .context("--transactions needs --as-of (the day the predictions are made as of)")?;
    let w = outcome_summaries(path, &a.format, art, as_of_text, a.horizon)?;
    let (s, days, end) = (w.summaries, w.days, w.end);
    let b = clv_backtest(art, &s, days)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&b)?);
        return Ok(());
    }
    print(&b, &path.display().to_string(), as_of_text, &iso(end));
    Ok(())
}

/// A log summarised as of a past day with the outcome window after it as holdout.
pub struct OutcomeWindow {
    /// Summaries as of the day, with the window's purchases and spend as holdout.
    pub summaries: Summaries,
    /// The window's length in whole days.
    pub days: i32,
    /// The window's last day.
    pub end: Day,
}

/// The log at `path` (a file, or the partitions of a directory or glob) summarised as of `as_of_text` with the window of `horizon` after it as
/// holdout (later rows left out); an error when the log ends before the window does. Shared by
/// `evaluate` (backtests) and `monitor --scores` (realised quality).
pub fn outcome_summaries(
    path: &Path,
    flags: &DataArgs,
    art: &ClvArtefact,
    as_of_text: &str,
    horizon: Duration,
) -> Result<OutcomeWindow> {
    let as_of = parse_date(as_of_text).context("--as-of")?;
    let days = window_days(horizon)?;
    let format = flags.format(Some(&art.data.format));
    let (mut log, _) = read_logs(path, &format, !flags.layout_given(), flags.on_bad_row)?;
    let end = as_of + days;
    match log.span() {
        Some((_, last)) if last < end => bail!(
            "{}: the log ends on {}, before the end of the outcome window {} ({} + {} days): \
             the outcomes are not known yet",
            path.display(),
            iso(last),
            iso(end),
            as_of_text,
            days
        ),
        None => bail!("{}: no transaction", path.display()),
        _ => {}
    }
    log.truncate_after(end);
    let opts = SummaryOptions::new(art.time_unit, as_of).with_holdout(end);
    let summaries =
        summarise(&log, &opts).with_context(|| format!("summarising {}", path.display()))?;
    if summaries.is_empty() {
        bail!(
            "{}: no customer made a purchase on or before {as_of_text}",
            path.display()
        );
    }
    Ok(OutcomeWindow {
        summaries,
        days,
        end,
    })
}

/// Prints one [`Realised`] (totals, MAE, Gini, lift, deciles); shared with `monitor`.
pub fn print_realised(what: &str, r: &Realised) {
    let opt = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{v:.3}"));
    println!(
        "  {what}: predicted {:.2}, actual {:.2} ({:+.1}%), MAE {:.4} per customer, Gini {}, \
         top-decile lift {}",
        r.predicted_total,
        r.actual_total,
        if r.actual_total != 0.0 {
            100.0 * (r.predicted_total / r.actual_total - 1.0)
        } else {
            0.0
        },
        r.mae,
        opt(r.gini),
        opt(r.top_decile_lift)
    );
    println!("    by decile of the prediction (1 = highest): customers, mean predicted → actual");
    for d in &r.calibration {
        println!(
            "    {:>2}  n={:<6} {:>10.4} → {:.4}",
            d.decile, d.customers, d.mean_predicted, d.mean_actual
        );
    }
}

fn print(b: &Backtest, source: &str, as_of: &str, end: &str) {
    println!(
        "{} ({}) on {source}: predictions as of {as_of} against ({as_of}, {end}], {} days; \
         {} customers ({} new in the window, left out)",
        b.model, b.model_version, b.window_days, b.customers, b.new_customers
    );
    print_realised("purchases", &b.purchases);
    if let Some(s) = &b.spend {
        print_realised(
            "spend (expected purchases × expected spend, undiscounted)",
            s,
        );
    }
    println!(
        "  prediction quality: {:.1} / 100, {} ({})",
        b.band.score,
        b.band.band.label(),
        b.band.basis
    );
    match b.no_purchase_roc_auc {
        Some(auc) => println!(
            "  no purchase in the window: {} customers; ROC AUC of P(no purchase) {auc:.4}",
            b.no_purchase_customers
        ),
        None => println!(
            "  no purchase in the window: {} customers (ROC AUC undefined: one class only)",
            b.no_purchase_customers
        ),
    }
}

//! Command-line interface: argument types and dispatch.

/// Prints a command's summary line: to standard output, or to standard error once
/// [`data_goes_to`] was told that the command's data goes to standard output (`--output -`),
/// so that a pipe carries only the data.
macro_rules! say {
    ($($arg:tt)*) => {
        if $crate::cli::summary_to_stderr() {
            eprintln!($($arg)*)
        } else {
            println!($($arg)*)
        }
    };
}

mod base_input;
mod campaign;
mod data;
mod evaluate;
mod inspect;
mod metrics;
mod monitor;
mod output;
mod progress;
mod report;
mod report_cmd;
mod score;
mod score_batch;
mod segments_print;
mod simulate;
mod summarise;
mod train;
mod train_churn;
mod train_subscription;
mod whatif;

use clap::{Parser, Subcommand};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether summaries go to standard error (the data itself goes to standard output).
static SUMMARY_TO_STDERR: AtomicBool = AtomicBool::new(false);

/// Called by a command with its data output path before it writes: `-` (standard output)
/// sends every summary line to standard error from then on.
pub(crate) fn data_goes_to(output: &Path) {
    if retain_io::format::is_stdout(output) {
        SUMMARY_TO_STDERR.store(true, Ordering::Relaxed);
    }
}

/// Whether summary lines go to standard error (see [`data_goes_to`]).
pub(crate) fn summary_to_stderr() -> bool {
    SUMMARY_TO_STDERR.load(Ordering::Relaxed)
}

/// Churn prediction and customer lifetime value.
///
/// Train buy-till-you-die models (BG/NBD, Pareto/NBD, MBG/NBD, Gamma-Gamma) on transaction logs
/// and churn classifiers (logistic regression, boosted trees, random forest) on customer
/// tables; inspect the saved artefacts; score customers, from one file or a partitioned base
/// (P(alive), churn probability, risk tier, expected purchases and spend, discounted CLV, value
/// at risk, drivers); serve the models over gRPC; summarise logs, measure engagement and
/// cohort retention, and plan retention campaigns. Logs go to stderr (RUST_LOG overrides the
/// level), results to stdout.
#[derive(Debug, Parser)]
#[command(name = "retain", version, about, long_about)]
pub struct Cli {
    /// Log progress (info level) to stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// No progress on stderr (progress is drawn only when stderr is a terminal anyway).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Logs as JSON lines (for log shippers) instead of text.
    #[arg(long, global = true, env = "RETAIN_LOG_JSON")]
    pub log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a model and save it as a versioned artefact.
    #[command(subcommand)]
    Train(train::TrainCommand),
    /// Show a saved model: parameters, standard errors, fit and holdout metrics.
    Inspect(inspect::InspectArgs),
    /// Score customers with a saved model and write one row per customer.
    Score(score::ScoreArgs),
    /// The customers a retention campaign should contact, within a budget, from a score file.
    Campaign(campaign::CampaignArgs),
    /// Value gained if dropout falls by u% ("+5% retention"), per uplift: baseline, new,
    /// change of total expected purchases and CLV over a horizon.
    Whatif(whatif::WhatifArgs),
    /// Engagement and retention of a transaction log: per period and by acquisition cohort.
    Metrics(metrics::MetricsArgs),
    /// Summarise a transaction log per customer (x, t_x, T, spend; optional holdout).
    Summarise(summarise::SummariseArgs),
    /// Generate a synthetic transaction log from BTYD parameters (seeded, partitioned).
    Simulate(simulate::SimulateArgs),
    /// Metrics of a churn classifier on a labelled customer table.
    Evaluate(evaluate::EvaluateArgs),
    /// Drift of a base against the model's training reference: PSI, KS and Jensen–Shannon
    /// distance per input column or summary dimension and per output, with verdicts; exit
    /// code 0 stable, 3 moderate, 4 significant drift.
    Monitor(monitor::MonitorArgs),
    /// Plots and one self-contained HTML page of a model on data (fit, holdout, heat maps,
    /// cohorts, value × risk; ROC, PR, gains, calibration, drivers for classifiers).
    Report(report_cmd::ReportArgs),
    /// Serve the models of a directory over gRPC (retain.v1 Scoring and Models, health,
    /// reflection), reloading them on change.
    Serve(crate::serve::ServeArgs),
}

impl Cli {
    /// Whether this is the long-running server (which logs at info level by default).
    pub fn is_server(&self) -> bool {
        matches!(self.command, Command::Serve(_))
    }
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    progress::set_quiet(cli.quiet);
    let done = match cli.command {
        Command::Monitor(a) => return monitor::run(a),
        Command::Train(t) => train::run(t),
        Command::Inspect(a) => inspect::run(a),
        Command::Score(a) => score::run(a),
        Command::Evaluate(a) => evaluate::run(a),
        Command::Report(a) => report_cmd::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Summarise(a) => summarise::run(a),
        Command::Metrics(a) => metrics::run(a),
        Command::Campaign(a) => campaign::run(a),
        Command::Whatif(a) => whatif::run(a),
        Command::Serve(a) => crate::serve::run(a),
    };
    done.map(|()| std::process::ExitCode::SUCCESS)
}

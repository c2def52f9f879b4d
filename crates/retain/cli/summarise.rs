//! `retain summarise`: a transaction log → one row per customer (x, t_x, T, spend), with an
//! optional holdout period: what the BTYD models are fitted on, for other tools or for a
//! summarised base to score later with `retain score --summaries`.

use super::data::{self, DataArgs};
use anyhow::{Context, Result};
use clap::Args;
use retain_core::summary::{SummaryOptions, summarise};
use retain_core::time::{TimeUnit, parse_date};
use retain_io::overwrite::{Output, named, refuse_overwrite};
use retain_io::write::{summaries_frame, write_frame};
use std::path::PathBuf;
use std::time::Instant;

/// Flags of `retain summarise`.
#[derive(Debug, Args)]
pub struct SummariseArgs {
    /// Transaction log (CSV/text or Parquet).
    #[arg(long)]
    transactions: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Time unit of recency and T: day, week, month or year.
    #[arg(long)]
    time_unit: TimeUnit,
    /// Last day of the calibration period (inclusive).
    #[arg(long)]
    calibration_end: String,
    /// Last day of the holdout period (inclusive) [default: no holdout].
    #[arg(long)]
    observation_end: Option<String>,
    /// Output file: .csv or .parquet.
    #[arg(long)]
    output: PathBuf,
}

/// Runs `retain summarise`.
pub fn run(a: SummariseArgs) -> Result<()> {
    let started = Instant::now();
    refuse_overwrite(
        &[Some(named("--transactions", &a.transactions))],
        &[Output::File(named("--output", &a.output))],
    )?;
    super::data_goes_to(&a.output);
    let phases = super::progress::Phases::start("summarise");
    phases.phase("reading");
    let format = a.data.format(None);
    let (log, _) = data::read(&a.transactions, &format, a.data.on_bad_row)?;
    let read_s = started.elapsed().as_secs_f64();
    let cal = parse_date(&a.calibration_end).context("--calibration-end")?;
    let mut opts = SummaryOptions::new(a.time_unit, cal);
    if let Some(end) = &a.observation_end {
        opts = opts.with_holdout(parse_date(end).context("--observation-end")?);
    }
    phases.phase("summarising");
    let s = summarise(&log, &opts)?;
    let holdout = a.observation_end.as_ref().map(|_| opts.holdout_length());
    let mut df = summaries_frame(&s, a.time_unit, holdout)?;
    phases.phase("writing");
    write_frame(&mut df, &a.output)?;
    phases.finish();
    say!(
        "summarised {} transactions into {} customers ({} first buying after the calibration end left out) in {:.2} s (reading {:.2} s); wrote {}",
        log.len(),
        s.len(),
        s.excluded_new,
        started.elapsed().as_secs_f64(),
        read_s,
        a.output.display()
    );
    Ok(())
}

//! `retain report`: plots (PNG and SVG) and one self-contained HTML page of a model on data.

use super::data::{self, DataArgs};
use anyhow::{Context, Result, bail};
use clap::Args;
use retain_core::time::{Duration, parse_date};
use retain_io::overwrite::{Output, named, optional, refuse_overwrite};
use retain_io::table::read_table;
use retain_report::churn_report::churn_report;
use retain_report::clv_data::ClvOptions;
use retain_report::clv_report::clv_report;
use retain_report::output::write_report;
use retain_score::artefact::Artefact;
use std::path::{Path, PathBuf};

/// Flags of `retain report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The model artefact (a CLV model or a churn classifier).
    #[arg(long)]
    model: PathBuf,
    /// CLV models: transaction log (read like the training data unless the column/format
    /// flags say otherwise).
    #[arg(long)]
    transactions: Option<PathBuf>,
    /// Churn classifiers: labelled customer table (must hold the model's target column).
    #[arg(long = "data")]
    data_file: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// CLV models: last day of the calibration period (YYYY-MM-DD) [default: the model's].
    #[arg(long)]
    calibration_end: Option<String>,
    /// CLV models: last day of the holdout period (YYYY-MM-DD) [default: last date in the log].
    #[arg(long)]
    observation_end: Option<String>,
    /// CLV models: horizon of the CLV behind the value × risk grid, scored as of the
    /// observation end.
    #[arg(long, default_value = "52w")]
    horizon: Duration,
    /// Output directory: report.html plus a PNG and an SVG per plot.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `retain report`.
pub fn run(a: ReportArgs) -> Result<()> {
    refuse_overwrite(
        &[
            Some(named("--model", &a.model)),
            optional("--transactions", a.transactions.as_deref()),
            optional("--data", a.data_file.as_deref()),
        ],
        &[Output::Dir(
            named("--out", &a.out),
            retain_report::output::WRITES,
        )],
    )?;
    let report = match Artefact::load(&a.model)? {
        Artefact::Subscription(art) => bail!(
            "{} is a subscription (sBG) model: `retain inspect` shows its fit and survival \
             curve; reports cover CLV models and churn classifiers",
            art.name
        ),
        Artefact::Churn(art) => {
            let Some(path) = &a.data_file else {
                bail!("a churn classifier's report needs a labelled customer table (--data)");
            };
            let delimiter =
                data::single_byte_delimiter(a.data.delimiter.as_deref().unwrap_or(","))?;
            let table = read_table(path, delimiter)?;
            churn_report(&art, table, &file_name(path))
                .with_context(|| format!("reporting on {}", path.display()))?
        }
        Artefact::Clv(art) => {
            let Some(path) = &a.transactions else {
                bail!("a CLV model's report needs a transaction log (--transactions)");
            };
            let mut format = a.data.format(Some(&art.data.format));
            if !a.data.layout_given() {
                format = data::adapt(path, &format);
            }
            let (log, _) = data::read(path, &format, a.data.on_bad_row)?;
            let calibration = a
                .calibration_end
                .clone()
                .unwrap_or_else(|| art.data.calibration_end.clone());
            let calibration_end = parse_date(&calibration).context("--calibration-end")?;
            let observation_end = match &a.observation_end {
                Some(d) => parse_date(d).context("--observation-end")?,
                None => log
                    .span()
                    .map(|(_, last)| last)
                    .context("the log is empty")?,
            };
            if observation_end < calibration_end {
                bail!(
                    "--observation-end {observation_end} is before the calibration end {calibration}"
                );
            }
            let options = ClvOptions {
                calibration_end,
                observation_end,
                horizon: a.horizon,
            };
            clv_report(&art, &log, &options, &file_name(path))
                .with_context(|| format!("reporting on {}", path.display()))?
        }
    };
    let written = write_report(&report, &a.out)
        .with_context(|| format!("writing the report to {}", a.out.display()))?;
    println!(
        "wrote {} ({} plots as PNG and SVG in {})",
        written.html.display(),
        written.figures.len(),
        a.out.display()
    );
    Ok(())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| p.display().to_string())
}

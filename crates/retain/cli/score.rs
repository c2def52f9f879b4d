//! `retain score`: score every customer of a transaction log with a saved model.

use super::data::{self, DataArgs};
use anyhow::{Context, Result};
use clap::Args;
use retain_core::summary::{SummaryOptions, summarise};
use retain_core::time::{DiscountRate, Duration, parse_date};
use retain_models::clv::ClvSpec;
use retain_train::artefact::ClvArtefact;
use retain_train::score::score;
use retain_train::write::{to_frame, write_frame};
use serde::Serialize;
use std::path::PathBuf;

/// Flags of `retain score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The model artefact (a .json file under models/).
    #[arg(long)]
    model: PathBuf,
    /// Transaction log to score (CSV/text or Parquet); read like the training data unless the
    /// column/format flags say otherwise.
    #[arg(long)]
    transactions: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Score as of this day (YYYY-MM-DD, inclusive); later transactions are an error.
    #[arg(long)]
    as_of: String,
    /// Horizon of expected purchases and CLV, with its unit: 52w, 12mo, 1y, 365d.
    #[arg(long, default_value = "52w")]
    horizon: Duration,
    /// Step of the CLV cash-flow sum [default: the model's, e.g. 1mo; the horizon's unit if it does not divide it].
    #[arg(long)]
    clv_step: Option<Duration>,
    /// Discount rate with its period, e.g. 10%/year [default: the model's].
    #[arg(long)]
    discount: Option<DiscountRate>,
    /// Output file: .csv or .parquet.
    #[arg(long)]
    output: PathBuf,
    /// Print the run summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Summary {
    model: String,
    model_version: String,
    customers: usize,
    horizon: String,
    time_unit: String,
    mean_p_alive: f64,
    expected_purchases: f64,
    total_clv: Option<f64>,
    total_value_at_risk: Option<f64>,
    output: String,
}

/// Runs `retain score`.
pub fn run(a: ScoreArgs) -> Result<()> {
    let art = ClvArtefact::load(&a.model)?;
    let format = a.data.format(Some(&art.data.format));
    let (log, _) = data::read(&a.transactions, &format, a.data.on_bad_row)?;
    let as_of = parse_date(&a.as_of).context("--as-of")?;
    let summaries = summarise(&log, &SummaryOptions::new(art.time_unit, as_of))?;
    if summaries.is_empty() {
        anyhow::bail!("no customer made a purchase on or before {}", a.as_of);
    }
    let step = a.clv_step.unwrap_or_else(|| {
        let n = a.horizon.in_unit(art.clv.step.unit) / art.clv.step.value;
        if (n - n.round()).abs() < 1e-9 && n >= 1.0 {
            art.clv.step
        } else {
            Duration::new(1.0, a.horizon.unit)
        }
    });
    let spec = ClvSpec {
        horizon: a.horizon,
        step,
        discount: a.discount.unwrap_or(art.clv.discount),
    };
    let table = score(&art, &summaries, a.horizon, &spec)?;
    let mut df = to_frame(&table, art.time_unit, a.horizon)?;
    write_frame(&mut df, &a.output)?;
    let n = table.ids.len();
    let s = Summary {
        model: art.name.clone(),
        model_version: art.version.clone(),
        customers: n,
        horizon: a.horizon.to_string(),
        time_unit: art.time_unit.to_string(),
        mean_p_alive: table.p_alive.iter().sum::<f64>() / n as f64,
        expected_purchases: table.expected_purchases.iter().sum(),
        total_clv: table.clv.as_ref().map(|c| c.iter().sum()),
        total_value_at_risk: table.value_at_risk.as_ref().map(|c| c.iter().sum()),
        output: a.output.display().to_string(),
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        println!(
            "scored {} customers with {} {} as of {} over {} (CLV step {}, discount {})",
            s.customers, s.model, s.model_version, a.as_of, s.horizon, spec.step, spec.discount
        );
        println!(
            "  mean P(alive) {:.4}, expected purchases {:.1}",
            s.mean_p_alive, s.expected_purchases
        );
        if let (Some(c), Some(v)) = (s.total_clv, s.total_value_at_risk) {
            println!("  total CLV {c:.2}, value at risk {v:.2}");
        }
        println!("  wrote {}", s.output);
    }
    Ok(())
}

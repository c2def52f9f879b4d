//! `retain evaluate`: a churn classifier's metrics on a labelled customer table (e.g. a later
//! month), the same metrics as its cross-validation.

use super::data::single_byte_delimiter;
use anyhow::Result;
use clap::Args;
use retain_io::table::read_table;
use retain_score::artefact::ChurnArtefact;
use retain_score::metrics::Metrics;
use retain_train::churn_train::split_label;
use std::path::PathBuf;

/// Flags of `retain evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The churn model artefact.
    #[arg(long)]
    model: PathBuf,
    /// Labelled customer table (must hold the model's target column).
    #[arg(long)]
    data: PathBuf,
    /// Field delimiter of text files (one character or `tab`).
    #[arg(long, default_value = ",")]
    delimiter: String,
    /// Print the metrics as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `retain evaluate`.
pub fn run(a: EvaluateArgs) -> Result<()> {
    let art = ChurnArtefact::load(&a.model)?;
    let table = read_table(&a.data, single_byte_delimiter(&a.delimiter)?)?;
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
        a.data.display(),
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

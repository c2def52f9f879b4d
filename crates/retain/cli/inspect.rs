//! `retain inspect`: show a saved model.

use super::report;
use anyhow::Result;
use clap::Args;
use retain_train::artefact::{ClvArtefact, artefact_kind};
use retain_train::churn_artefact::ChurnArtefact;
use std::path::PathBuf;

/// Flags of `retain inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model artefact (a .json file under models/).
    model: PathBuf,
    /// Print the artefact as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `retain inspect`.
pub fn run(a: InspectArgs) -> Result<()> {
    if artefact_kind(&a.model)? == "churn" {
        return churn(&a);
    }
    let art = ClvArtefact::load(&a.model)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&art)?);
    } else {
        print!("{}", report::render(&art));
    }
    Ok(())
}

fn churn(a: &InspectArgs) -> Result<()> {
    let art = ChurnArtefact::load(&a.model)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&art)?);
        return Ok(());
    }
    println!(
        "churn model {} (retain {}, trained {})",
        art.name, art.retain_version, art.trained_at
    );
    println!(
        "data  {} ({}): {} rows, {} churned; target {:?} = {:?}",
        art.data.file,
        art.data
            .fingerprint
            .get(..19)
            .unwrap_or(&art.data.fingerprint),
        art.data.rows,
        art.data.positives,
        art.data.target,
        art.data.positive
    );
    println!("\nfeature pipeline:");
    for d in art.fitted.pipeline.describe() {
        println!("  {d}");
    }
    for r in &art.cv {
        println!(
            "\n{}: {}-fold stratified CV, seed {}",
            r.model, r.folds, r.seed
        );
        for (name, ms) in &r.summary {
            println!("  {name:<10} {:.4} ± {:.4}", ms.mean, ms.std);
        }
    }
    let m = &art.fitted.model;
    let mut coef: Vec<(&String, f64)> = art
        .fitted
        .pipeline
        .feature_names()
        .iter()
        .zip(m.coefficients.iter().copied())
        .collect();
    coef.sort_by(|l, r| r.1.abs().total_cmp(&l.1.abs()));
    println!(
        "\nlogistic regression (log-odds of churn, standardised features), intercept {:.4}:",
        m.intercept
    );
    for (name, w) in coef.iter().take(15) {
        println!("  {w:>+8.4}  {name}");
    }
    Ok(())
}

//! `retain inspect`: show a saved model.

use super::report;
use anyhow::Result;
use clap::Args;
use retain_models::classifier::model::Classifier;
use retain_score::artefact::Artefact;
use retain_score::artefact::ChurnArtefact;
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
    let art = match Artefact::load(&a.model)? {
        Artefact::Churn(art) => return churn(&a, &art),
        Artefact::Subscription(art) => {
            if a.json {
                println!("{}", serde_json::to_string_pretty(&art)?);
            } else {
                print!("{}", super::train_subscription::describe(&art));
            }
            return Ok(());
        }
        Artefact::Clv(art) => art,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&art)?);
    } else {
        print!("{}", report::render(&art));
    }
    Ok(())
}

fn churn(a: &InspectArgs, art: &ChurnArtefact) -> Result<()> {
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
    println!("\nchosen: {}", art.selection);
    match &art.fitted.model {
        Classifier::Logistic(m) => {
            let mut coef: Vec<(&String, f64)> = art
                .fitted
                .pipeline
                .feature_names()
                .iter()
                .zip(m.coefficients.iter().copied())
                .collect();
            coef.sort_by(|l, r| r.1.abs().total_cmp(&l.1.abs()));
            println!(
                "logistic regression (log-odds of churn, standardised features), intercept {:.4}:",
                m.intercept
            );
            for (name, w) in coef.iter().take(15) {
                println!("  {w:>+8.4}  {name}");
            }
        }
        Classifier::Gbdt(m) => {
            let leaves: usize = m.trees.iter().map(|t| t.leaves()).sum();
            let depth = m.trees.iter().map(|t| t.depth()).max().unwrap_or(0);
            println!(
                "gradient-boosted trees: {} trees (rounds chosen on a validation split: {}), \
                 {} leaves in all, deepest {}, learning rate {}, base log-odds {:.4}",
                m.trees.len(),
                m.validated_rounds
                    .map_or("not used".to_string(), |r| r.to_string()),
                leaves,
                depth,
                m.params.learning_rate(),
                m.base_score
            );
        }
        Classifier::Forest(m) => {
            let leaves: usize = m.trees.iter().map(|t| t.leaves()).sum();
            println!(
                "random forest: {} trees, {:.0} leaves per tree on average, min {} rows per leaf",
                m.trees.len(),
                leaves as f64 / m.trees.len().max(1) as f64,
                m.params.min_samples_leaf()
            );
        }
    }
    println!("calibration: {}", art.fitted.calibrator.name());
    println!(
        "risk tiers: high ≥ {}, medium ≥ {}, low below",
        art.tiers.high, art.tiers.medium
    );
    if let Some(v) = &art.value {
        println!(
            "value: margin = {} × {} per {}; discount {}; horizon {}",
            v.margin_column,
            v.margin_rate,
            v.period,
            v.discount,
            v.horizon.map_or("none".to_string(), |h| h.to_string())
        );
    }
    Ok(())
}

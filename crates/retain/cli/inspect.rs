//! `retain inspect`: show a saved model.

use super::report;
use anyhow::Result;
use clap::Args;
use retain_train::artefact::ClvArtefact;
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
    let art = ClvArtefact::load(&a.model)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&art)?);
    } else {
        print!("{}", report::render(&art));
    }
    Ok(())
}

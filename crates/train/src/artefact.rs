//! Trained models → the artefacts `retain score`, the server and the Python package load: the
//! one place where a CLV or churn training result is put in its envelope, so the CLI and the
//! Python package write the same files.

use crate::TrainError;
use crate::churn_train::{Labelled, Trained};
use crate::clv_train::ClvTrained;
use retain_core::features::RawTable;
use retain_core::time::TimeUnit;
use retain_score::artefact::{
    self, CHURN_KIND, ChurnArtefact, ChurnData, ClvArtefact, ClvDefaults, DataInfo,
};
use retain_score::churn_score::{ScoreOptions, score_churn};
use retain_score::churn_value::{RiskTiers, ValueSpec};
use retain_score::monitor::profile_features;
use retain_score::segments::{ChurnReference, ReferenceBase};

/// What a CLV artefact records beside the fit.
#[derive(Debug, Clone)]
pub struct ClvMeta {
    /// Model name (the file stem).
    pub name: String,
    /// How it was trained (the command line, or the Python call).
    pub training_command: String,
    /// Time unit of the summaries and parameters.
    pub time_unit: TimeUnit,
    /// The training data.
    pub data: DataInfo,
    /// CLV defaults for scoring.
    pub clv: ClvDefaults,
    /// The sample of the training base customers are ranked against.
    pub reference: Option<ReferenceBase>,
}

/// The artefact of a CLV training run (version set on save), and the reason there is no
/// spend model when there is none (CLV then unavailable).
pub fn clv_artefact(trained: ClvTrained, meta: ClvMeta) -> (ClvArtefact, Option<String>) {
    let ClvTrained {
        candidates,
        chosen,
        selection,
        spend,
    } = trained;
    // The chosen candidate is both the artefact's model and one of its candidates.
    let chosen = candidates[chosen].clone();
    let (spend, spend_fit, why_no_spend) = match spend {
        Ok((m, f)) => (Some(m), Some(f), None),
        Err(reason) => (None, None, Some(reason)),
    };
    let art = ClvArtefact {
        format: artefact::FORMAT.into(),
        format_version: artefact::FORMAT_VERSION,
        name: meta.name,
        // Set from the content by `save`.
        version: String::new(),
        retain_version: env!("CARGO_PKG_VERSION").into(),
        trained_at: now(),
        training_command: meta.training_command,
        time_unit: meta.time_unit,
        purchase: chosen.model,
        purchase_fit: chosen.fit,
        spend,
        spend_fit,
        holdout: chosen.holdout,
        candidates,
        selection,
        data: meta.data,
        clv: meta.clv,
        reference: meta.reference,
    };
    (art, why_no_spend)
}

/// What a churn artefact records beside the fit.
#[derive(Debug, Clone)]
pub struct ChurnMeta {
    /// Model name (the file stem).
    pub name: String,
    /// How it was trained (the command line, or the Python call).
    pub training_command: String,
    /// The training table's file name (or the Python type it came in).
    pub file: String,
    /// `sha256:` of the training data.
    pub fingerprint: String,
    /// Target column and its positive value, the id column.
    pub target: String,
    /// The target value meaning "churned".
    pub positive: String,
    /// The id column, if any.
    pub id: Option<String>,
    /// Cross-validation seed.
    pub seed: u64,
    /// Risk tiers.
    pub tiers: RiskTiers,
    /// Subscription value settings.
    pub value: Option<ValueSpec>,
}

/// The artefact of a churn training run, with its reference: `training` (the training table
/// again) scored by the final model, which customers are later ranked against.
pub fn churn_artefact(
    trained: Trained,
    data: &Labelled,
    meta: ChurnMeta,
    training: RawTable,
) -> Result<ChurnArtefact, TrainError> {
    let art = ChurnArtefact {
        format: artefact::FORMAT.into(),
        format_version: artefact::FORMAT_VERSION,
        kind: CHURN_KIND.into(),
        // Set from the content by `save`.
        version: String::new(),
        name: meta.name,
        retain_version: env!("CARGO_PKG_VERSION").into(),
        trained_at: now(),
        training_command: meta.training_command,
        fitted: trained.fitted,
        cv: trained.cv,
        selection: trained.selection,
        data: ChurnData {
            file: meta.file,
            fingerprint: meta.fingerprint,
            rows: data.y.len(),
            positives: data.y.iter().filter(|&&v| v).count(),
            target: meta.target,
            positive: meta.positive,
            id: meta.id,
        },
        seed: meta.seed,
        tiers: meta.tiers,
        value: meta.value,
        reference: None,
        feature_reference: None,
    };
    // What `retain monitor` compares later tables with: a bounded profile of every input column
    // (quantiles, level counts; never the id or target column).
    let features = profile_features(&art.fitted.pipeline, &training);
    // No drivers: only the probabilities and values are kept.
    let options = ScoreOptions {
        tiers: meta.tiers,
        drivers: 0,
    };
    let reference = ChurnReference::of(&score_churn(&art, training, &options)?);
    Ok(ChurnArtefact {
        reference: Some(reference),
        feature_reference: Some(features),
        ..art
    })
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

//! The versioned artefact of a churn classifier: fitted feature pipeline, model, cross-validated
//! metrics, and how and on what it was trained. Same envelope as CLV artefacts (`format`,
//! `format_version`), told apart by `kind: "churn"`.

use crate::ScoreError;
use crate::churn_model::{CvReport, FittedChurn};
use crate::churn_value::{RiskTiers, ValueSpec};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `kind` of churn artefacts.
pub const KIND: &str = "churn";

/// What the classifier was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnData {
    /// File name of the training table.
    pub file: String,
    /// `sha256:` of the file's bytes.
    pub fingerprint: String,
    /// Rows.
    pub rows: usize,
    /// Churned rows.
    pub positives: usize,
    /// Target column and its positive label.
    pub target: String,
    /// The positive label.
    pub positive: String,
    /// Id column, if any.
    pub id: Option<String>,
}

/// A trained churn classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnArtefact {
    /// Always [`super::FORMAT`].
    pub format: String,
    /// [`super::FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Always [`KIND`].
    pub kind: String,
    /// Model name (the file stem).
    pub name: String,
    /// Content version ([`super::version_of`]): recomputed on load. Absent in artefacts written
    /// before churn artefacts carried one.
    #[serde(default)]
    pub version: String,
    /// retain version that trained it.
    pub retain_version: String,
    /// RFC 3339 time of training.
    pub trained_at: String,
    /// The command line that trained it.
    pub training_command: String,
    /// Pipeline, model and calibration, refitted on all rows.
    pub fitted: FittedChurn,
    /// Cross-validation of every candidate.
    pub cv: Vec<CvReport>,
    /// Why the model was chosen.
    pub selection: String,
    /// The training data.
    pub data: ChurnData,
    /// Seed of folds, validation splits and forests.
    pub seed: u64,
    /// Risk tier cut-offs used when scoring (overridable at scoring time).
    #[serde(default)]
    pub tiers: RiskTiers,
    /// Subscription value settings, when a margin was configured.
    #[serde(default)]
    pub value: Option<ValueSpec>,
    /// Quantiles of the training table's scores, that scored customers are ranked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<crate::segments::ChurnReference>,
    /// A bounded profile of each input column of the training table (quantiles of numbers,
    /// counts of the most frequent levels), that `retain monitor` compares later tables with.
    /// Absent in artefacts from before monitoring: those load and score, and monitor says
    /// that their input columns cannot be compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_reference: Option<Vec<crate::monitor::ColumnProfile>>,
}

impl ChurnArtefact {
    /// Writes the artefact atomically as pretty JSON, its `version` set from its content.
    pub fn save(&mut self, path: &Path) -> Result<(), ScoreError> {
        self.version = super::version_of(self)?;
        super::save_json(self, path)
    }

    /// Loads and checks a churn artefact.
    pub fn load(path: &Path) -> Result<Self, ScoreError> {
        super::read_text(path).and_then(|t| Self::from_json(&t).map_err(super::refused(path)))
    }

    /// Parses and checks a churn artefact's JSON text: envelope, kind, structure of the fitted
    /// model against its pipeline, tiers and value settings.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v = super::envelope(text)?;
        if v.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
            return Err("not a churn classifier (train one with `retain train churn`)".into());
        }
        let a: ChurnArtefact =
            serde_json::from_value(v).map_err(|e| format!("corrupt artefact ({e})"))?;
        a.fitted.validate().map_err(|e| e.to_string())?;
        RiskTiers::new(a.tiers.high, a.tiers.medium).map_err(|e| e.to_string())?;
        if let Some(v) = &a.value {
            v.subscription().map_err(|e| e.to_string())?;
        }
        if let Some(r) = &a.reference {
            r.validate()?;
        }
        for p in a.feature_reference.iter().flatten() {
            p.validate()?;
        }
        let mut a = a;
        a.version = super::checked_version(&a, &a.version, &a.name)?;
        Ok(a)
    }
}

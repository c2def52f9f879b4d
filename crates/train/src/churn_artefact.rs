//! The versioned artefact of a churn classifier: fitted feature pipeline, model, cross-validated
//! metrics, and how and on what it was trained. Same envelope as CLV artefacts (`format`,
//! `format_version`), told apart by `kind: "churn"`.

use crate::TrainError;
use crate::artefact::{FORMAT, FORMAT_VERSION};
use crate::churn_train::{CvReport, FittedLogistic};
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
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Always [`KIND`].
    pub kind: String,
    /// Model name (the file stem).
    pub name: String,
    /// retain version that trained it.
    pub retain_version: String,
    /// RFC 3339 time of training.
    pub trained_at: String,
    /// The command line that trained it.
    pub training_command: String,
    /// Pipeline and model, refitted on all rows.
    pub fitted: FittedLogistic,
    /// Cross-validation of every candidate.
    pub cv: Vec<CvReport>,
    /// Why the model was chosen.
    pub selection: String,
    /// The training data.
    pub data: ChurnData,
}

impl ChurnArtefact {
    /// Writes the artefact atomically as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<(), TrainError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| TrainError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        crate::artefact::write_atomically(path, &text)
    }

    /// Loads and checks a churn artefact.
    pub fn load(path: &Path) -> Result<Self, TrainError> {
        let err = |reason: String| TrainError::Artefact {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| err(format!("not valid JSON ({e})")))?;
        if v.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(err(format!("not a {FORMAT} file")));
        }
        if v.get("format_version").and_then(|f| f.as_u64()) != Some(FORMAT_VERSION as u64) {
            return Err(err(format!("format version is not {FORMAT_VERSION}")));
        }
        if v.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
            return Err(err(
                "not a churn classifier (train one with `retain train churn`)".into(),
            ));
        }
        serde_json::from_value(v).map_err(|e| err(format!("corrupt artefact ({e})")))
    }
}

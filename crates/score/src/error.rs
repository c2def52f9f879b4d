//! The error type of `retain-score`.

use thiserror::Error;

impl ScoreError {
    /// A [`ScoreError::Setting`].
    pub fn setting(setting: impl Into<String>, reason: impl Into<String>) -> Self {
        ScoreError::Setting {
            setting: setting.into(),
            reason: reason.into(),
        }
    }

    /// A [`ScoreError::Data`] about `column` of the caller's data.
    pub fn column(column: &str, reason: impl Into<String>) -> Self {
        ScoreError::Data {
            source_name: "the data".into(),
            column: Some(column.to_string()),
            reason: reason.into(),
        }
    }
}

/// What can go wrong loading an artefact or scoring with it.
#[derive(Debug, Error)]
pub enum ScoreError {
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] retain_io::IoError),
    /// A model refused its parameters or a prediction failed.
    #[error(transparent)]
    Model(#[from] retain_models::ModelError),
    /// A metric could not be computed.
    #[error(transparent)]
    Metric(#[from] crate::metrics::MetricError),
    /// The feature pipeline refused the data.
    #[error(transparent)]
    Feature(#[from] retain_core::features::FeatureError),
    /// Summaries could not be built.
    #[error(transparent)]
    Core(#[from] retain_core::CoreError),
    /// An artefact is unreadable, corrupt or of another format version.
    #[error("model artefact {path}: {reason}")]
    Artefact {
        /// The artefact's path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Building a score frame failed (a bug or a polars limit, not bad input).
    #[error("building the score table: {0}")]
    Frame(String),
    /// A setting the caller chose (a flag, a request field, a rules or rates file) is out of
    /// range or inconsistent; `setting` names it.
    #[error("{setting}: {reason}")]
    Setting {
        /// The setting, e.g. `horizon`, `uplift`, `segment rules rules.toml`.
        setting: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The caller's data is missing a column or holds a bad value.
    #[error("{source_name}: {reason}")]
    Data {
        /// The file or table, e.g. a score file's path or "the data".
        source_name: String,
        /// The column at fault, when one is.
        column: Option<String>,
        /// What is wrong, with the row or line when known.
        reason: String,
    },
    /// The parts of an artefact or a scorer's inputs disagree: a bug, not bad input.
    #[error("internal error: {0}")]
    Internal(String),
}

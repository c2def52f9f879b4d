//! The error type of `retain-train`.

use thiserror::Error;

/// What can go wrong while training or simulating.
#[derive(Debug, Error)]
pub enum TrainError {
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] retain_io::IoError),
    /// Scoring, an artefact or a metric failed.
    #[error(transparent)]
    Score(#[from] retain_score::ScoreError),
    /// A model could not be fitted or evaluated.
    #[error(transparent)]
    Model(#[from] retain_models::ModelError),
    /// A churn classifier could not be fitted through linfa's `Fit` (a refused
    /// hyperparameter, mismatched shapes, or data it cannot learn from).
    #[error(transparent)]
    Fit(#[from] retain_models::classifier::FitError),
    /// A metric could not be computed.
    #[error(transparent)]
    Metric(#[from] retain_score::metrics::MetricError),
    /// The feature pipeline refused the data.
    #[error(transparent)]
    Feature(#[from] retain_core::features::FeatureError),
    /// Summaries could not be built.
    #[error(transparent)]
    Core(#[from] retain_core::CoreError),
    /// A setting the caller chose (a flag: folds, models, dates, parameters, sizes) is out of
    /// range or inconsistent; `setting` names it.
    #[error("{setting}: {reason}")]
    Setting {
        /// The setting, e.g. `--folds`, `--model`, `--spend`.
        setting: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The training data cannot train the model asked for; `what` names the column or the
    /// part of the data at fault.
    #[error("{what}: {reason}")]
    Data {
        /// The column or data part, e.g. `target "churn"`, `the log`.
        what: String,
        /// What is wrong, with the data row when known.
        reason: String,
    },
    /// No candidate model could be fitted; each one's reason.
    #[error("no model could be fitted: {}", .0.join("; "))]
    NoModelFitted(Vec<String>),
    /// Building a frame failed (a bug or a polars limit, not bad input).
    #[error("building the simulated log: {0}")]
    Frame(String),
}

impl TrainError {
    /// A [`TrainError::Setting`].
    pub fn setting(setting: impl Into<String>, reason: impl Into<String>) -> Self {
        TrainError::Setting {
            setting: setting.into(),
            reason: reason.into(),
        }
    }

    /// A [`TrainError::Data`].
    pub fn data(what: impl Into<String>, reason: impl Into<String>) -> Self {
        TrainError::Data {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

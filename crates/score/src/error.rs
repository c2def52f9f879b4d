//! The error type of `retain-score`.

use thiserror::Error;

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
    /// The request or the data are inconsistent.
    #[error("{0}")]
    Invalid(String),
}

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
    /// A metric could not be computed.
    #[error(transparent)]
    Metric(#[from] retain_score::metrics::MetricError),
    /// The feature pipeline refused the data.
    #[error(transparent)]
    Feature(#[from] retain_core::features::FeatureError),
    /// Summaries could not be built.
    #[error(transparent)]
    Core(#[from] retain_core::CoreError),
    /// The training request or data are inconsistent.
    #[error("{0}")]
    Invalid(String),
}

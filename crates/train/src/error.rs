//! The error type of `retain-train`.

use thiserror::Error;

/// What can go wrong while training, evaluating, scoring or handling artefacts.
#[derive(Debug, Error)]
pub enum TrainError {
    /// Reading input data failed.
    #[error(transparent)]
    Read(#[from] crate::read::ReadError),
    /// A model could not be fitted or evaluated.
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
    /// Writing output failed.
    #[error("writing {path}: {reason}")]
    Write {
        /// The output path.
        path: String,
        /// Why.
        reason: String,
    },
    /// The request is inconsistent.
    #[error("{0}")]
    Invalid(String),
}

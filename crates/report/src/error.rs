//! The crate's error type.

use retain_core::CoreError;
use retain_models::ModelError;
use retain_score::metrics::MetricError;
use retain_train::TrainError;

/// Why a report could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A model prediction failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Reading, scoring or evaluating failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// Loading an artefact or scoring failed.
    #[error(transparent)]
    Score(#[from] retain_score::ScoreError),
    /// Reading a file failed.
    #[error(transparent)]
    Io(#[from] retain_io::IoError),
    /// Summarising the log failed.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A classifier metric failed (e.g. one class only).
    #[error(transparent)]
    Metric(#[from] MetricError),
    /// The data cannot make the report.
    #[error("{0}")]
    Data(String),
    /// plotters failed to draw a plot.
    #[error("drawing {plot}: {reason}")]
    Draw {
        /// File stem of the plot.
        plot: String,
        /// The backend's message.
        reason: String,
    },
    /// A file could not be written.
    #[error("writing {path}: {reason}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        reason: String,
    },
}

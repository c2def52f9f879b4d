//! The error type of `retain-models`.

use thiserror::Error;

/// What can go wrong while fitting or using a model.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ModelError {
    /// A parameter value is impossible.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParam {
        /// Parameter name as in the literature (r, alpha, a, b, s, beta, p, q, gamma).
        name: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// An input value is impossible.
    #[error("invalid input {field}: {reason}")]
    InvalidInput {
        /// Field name (x, t_x, T, monetary, horizon...).
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The optimiser stopped before the gradient vanished.
    #[error(
        "maximum likelihood did not converge after {iterations} iterations \
         (gradient norm {grad_norm:.3e}, stopped because: {reason})"
    )]
    NotConverged {
        /// Iterations done.
        iterations: u64,
        /// Norm of the gradient of the per-customer objective at the last point.
        grad_norm: f64,
        /// The optimiser's reason for stopping.
        reason: String,
    },
    /// Not enough data to fit.
    #[error("not enough data: {0}")]
    NotEnoughData(String),
    /// A numerical routine failed.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// A summary was refused.
    #[error(transparent)]
    Core(#[from] retain_core::CoreError),
}

//! Errors of the churn classifiers as linfa algorithms: a hyperparameter refused by
//! `ParamGuard::check` ([`ParamError`], one variant per parameter, each message naming it) is
//! kept apart from a fit that failed on the data ([`FitError`]), as linfa's algorithm crates do.

use crate::ModelError;
use thiserror::Error;

/// A hyperparameter refused by [`linfa::ParamGuard::check`]. Every message starts with the
/// parameter's name as its builder method spells it; [`ParamError::param`] gives the name alone.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParamError {
    /// Logistic regression's L2 strength.
    #[error("alpha must be finite and >= 0, got {0}")]
    Alpha(f64),
    /// Logistic regression's Newton step limit.
    #[error("max_iterations must be at least 1, got {0}")]
    MaxIterations(u64),
    /// Boosting shrinkage.
    #[error("learning_rate must be in (0, 1], got {0}")]
    LearningRate(f64),
    /// Leaves per boosted tree.
    #[error("max_leaves must be at least 2, got {0}")]
    MaxLeaves(usize),
    /// Minimum rows per boosted leaf.
    #[error("min_data_in_leaf must be finite and >= 0, got {0}")]
    MinDataInLeaf(f64),
    /// Minimum Σ p(1−p) per boosted leaf.
    #[error("min_hessian_in_leaf must be finite and >= 0, got {0}")]
    MinHessianInLeaf(f64),
    /// L2 penalty on boosted leaf values.
    #[error("lambda_l2 must be finite and >= 0, got {0}")]
    LambdaL2(f64),
    /// Upper bound on boosting rounds.
    #[error("max_rounds must be at least 1, got {0}")]
    MaxRounds(usize),
    /// Share of rows held out to choose the number of boosting rounds.
    #[error("validation_fraction must be in [0, 0.5), got {0}")]
    ValidationFraction(f64),
    /// Bins per feature (trees).
    #[error("max_bins must be in 2..=256, got {0}")]
    MaxBins(usize),
    /// Trees in the forest.
    #[error("n_trees must be at least 1, got {0}")]
    NTrees(usize),
    /// Minimum (bootstrap-weighted) rows per forest leaf.
    #[error("min_samples_leaf must be finite and >= 1, got {0}")]
    MinSamplesLeaf(f64),
    /// Features drawn per forest split.
    #[error("max_features must be at least 1 (or None for √p), got {0}")]
    MaxFeatures(usize),
    /// Depth limit of forest trees.
    #[error("max_depth must be at least 1 (or None for unlimited), got {0}")]
    MaxDepth(usize),
}

impl ParamError {
    /// The parameter's name, as its builder method spells it.
    pub fn param(&self) -> &'static str {
        match self {
            ParamError::Alpha(_) => "alpha",
            ParamError::MaxIterations(_) => "max_iterations",
            ParamError::LearningRate(_) => "learning_rate",
            ParamError::MaxLeaves(_) => "max_leaves",
            ParamError::MinDataInLeaf(_) => "min_data_in_leaf",
            ParamError::MinHessianInLeaf(_) => "min_hessian_in_leaf",
            ParamError::LambdaL2(_) => "lambda_l2",
            ParamError::MaxRounds(_) => "max_rounds",
            ParamError::ValidationFraction(_) => "validation_fraction",
            ParamError::MaxBins(_) => "max_bins",
            ParamError::NTrees(_) => "n_trees",
            ParamError::MinSamplesLeaf(_) => "min_samples_leaf",
            ParamError::MaxFeatures(_) => "max_features",
            ParamError::MaxDepth(_) => "max_depth",
        }
    }
}

/// Why fitting a classifier through [`linfa::traits::Fit`] failed.
#[derive(Debug, Clone, Error)]
pub enum FitError {
    /// A hyperparameter was refused (the unchecked params' `fit` checks them first).
    #[error("invalid hyperparameter: {0}")]
    Param(#[from] ParamError),
    /// The dataset's shapes disagree (records and targets of different lengths, or a matrix
    /// that cannot be formed).
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
    /// The dataset carries sample weights other than 1: the classifiers have no weighted
    /// fit, and ignoring weights silently (as linfa-logistic does) would fit another model.
    #[error(
        "sample weights are not supported by {model}: the dataset has a weight {weight} (row {row})"
    )]
    SampleWeights {
        /// The classifier.
        model: &'static str,
        /// The first weight other than 1.
        weight: f32,
        /// Its row (1-based).
        row: usize,
    },
    /// The data cannot train the model (one class only, a non-finite value, a singular
    /// Hessian).
    #[error(transparent)]
    Model(#[from] ModelError),
}

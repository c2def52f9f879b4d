//! Supervised churn classifiers on fitted feature matrices, as linfa algorithms.
//!
//! Each classifier follows linfa's conventions: `X::params()` gives unchecked hyperparameters
//! (`XParams`, a consuming builder) that [`linfa::ParamGuard::check`] turns into `XValidParams`
//! (or a [`ParamError`] naming the parameter); `fit` on a linfa `Dataset` of records and
//! boolean churn labels (true = churned) returns the fitted model `X` (or a [`FitError`]);
//! the model implements `PredictInplace` (labels: P(churn) ≥ 0.5) and
//! `predict_probabilities` (P(churn), uncalibrated).
//!
//! # Layout
//! - [`params`]: the hyperparameters and their checks.
//! - [`estimators`]: `Fit`, `PredictInplace` and `predict_probabilities` for the three models.
//! - [`error`]: [`ParamError`] (refused hyperparameters) and [`FitError`].
//! - [`logistic`]: L2-regularised logistic regression by Newton steps, oriented to P(churn),
//!   with exact per-feature contributions.
//! - [`trees`]: histogram decision trees, gradient boosting and a random forest, with TreeSHAP.
//! - [`model`]: the closed set of fitted classifiers, as artefacts store them.
//! - [`calibration`]: Platt and isotonic probability calibration, chosen by cross-validation.
//!
//! See the crate documentation for an example: retain's boosted trees fitted on a linfa
//! `Dataset`, probabilities, ROC AUC.

pub mod calibration;
pub mod error;
pub mod estimators;
pub mod logistic;
pub mod model;
pub mod params;
pub mod trees;

pub use error::{FitError, ParamError};
pub use params::{
    ForestParams, ForestValidParams, GbdtParams, GbdtValidParams, LogisticParams,
    LogisticValidParams,
};

//! Training side of `retain`: fitting CLV models with a holdout and a model choice, training
//! churn classifiers with cross-validation, and simulating transaction logs. Everything that
//! scoring also needs (artefacts, scorers, segments, metrics) lives in `retain-score`; file
//! reading and writing in `retain-io`.
//!
//! # Layout
//! - [`artefact`]: training results → the artefact files (CLI and Python alike).
//! - [`clv_train`]: summary → fitted BTYD candidates → the best one (holdout MAE, AIC, BIC).
//! - [`churn_train`]: churn classifiers: labels, cross-validation, calibration, refit.
//! - [`subscription_train`]: the sBG on a subscriber table, pooled and per cohort.
//! - [`cv`]: stratified k-fold assignment.
//! - [`simulate_log`]: synthetic transaction logs from BTYD parameters.
//! - [`error`]: the crate's error type.
#![deny(missing_docs)]

pub mod artefact;
pub mod churn_train;
pub mod clv_train;
pub mod cv;
pub mod error;
pub mod simulate_log;
pub mod subscription_train;

pub use error::TrainError;

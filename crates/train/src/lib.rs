//! Training side of `retain`: reading transaction logs with polars, training pipelines, holdout
//! evaluation, scoring tables and versioned model artefacts.
//!
//! # Layout
//! - [`read`]: CSV / Parquet transaction logs → [`retain_core::transactions::TransactionLog`].
//! - [`table`]: customer tables (CSV / Parquet) → raw feature columns.
//! - [`churn_train`]: churn classifiers: labels, cross-validation, refit.
//! - [`churn_artefact`]: the churn model file.
//! - [`churn_score`]: churn probability, risk tier and drivers per customer.
//! - [`clv_train`]: summary → fitted BTYD candidates → the best one.
//! - [`cv`]: stratified k-fold assignment.
//! - [`metrics`]: ROC/PR AUC, log loss, Brier, lift, calibration.
//! - [`holdout`]: predicted vs actual purchases on a holdout period.
//! - [`artefact`]: the versioned JSON model file.
//! - [`campaign`]: whom a retention campaign contacts within a budget.
//! - [`batch`]: partitioned scoring runs: partitions, manifest, skip-if-current.
//! - [`score`]: per-customer scores from an artefact.
//! - [`score_store`]: batch scores in memory for campaign lists (gRPC `Segments`).
//! - [`segments`]: RFM segments, value × risk tiers and percentile ranks.
//! - [`sink`]: score files written batch by batch, atomically.
//! - [`simulate_log`]: synthetic transaction logs from BTYD parameters.
//! - [`summary_table`]: per-customer summaries read from a file.
//! - [`whatif`]: value gained if dropout falls by u% (retention what-if).
//! - [`write`]: score tables to CSV / Parquet, atomically.
//! - [`error`]: the crate's error type.
#![deny(missing_docs)]

pub mod artefact;
pub mod batch;
pub mod campaign;
pub mod churn_artefact;
pub mod churn_score;
pub mod churn_train;
pub mod churn_value;
pub mod clv_train;
pub mod cv;
pub mod error;
pub mod holdout;
pub mod metrics;
pub mod online;
pub mod read;
pub mod score;
pub mod score_store;
pub mod segments;
pub mod simulate_log;
pub mod sink;
pub mod summary_table;
pub mod table;
pub mod whatif;
pub mod write;

pub use error::TrainError;

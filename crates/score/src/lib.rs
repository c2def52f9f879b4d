//! Scoring with `retain`'s artefacts: everything the CLI, the batch runner, the gRPC server and
//! the Python package share, so that a customer gets the same numbers from each of them.
//!
//! # Layout
//! - [`artefact`]: the one envelope, the one content version and the one loader of model files
//!   (CLV and churn artefacts).
//! - [`score`]: per-customer CLV scores (P(alive), expected purchases, CLV, value at risk).
//! - [`churn_model`], [`churn_score`], [`churn_value`]: the fitted churn classifier, its scores
//!   and drivers, risk tiers and subscription value.
//! - [`renewals`], [`subscription_score`]: contractual (sBG) models: the tenure, churned and
//!   cohort columns of a subscriber table, and scoring active subscribers (churn probability,
//!   DERL-based CLV, value at risk, retention elasticity).
//! - [`segments`]: RFM segments, value × risk tiers and percentile ranks against the training base.
//! - [`score_file`]: the score file's columns, written from a score table; `--columns` selections.
//! - [`crm`]: the CRM export of score frames (one profile row per customer, optional id map).
//! - [`score_store`]: score files in memory for campaign lists (gRPC `Segments`).
//! - [`campaign`]: whom a retention campaign contacts within a budget.
//! - [`whatif`]: value gained if dropout falls by u% (retention what-if).
//! - [`online`]: one customer at a time, for the server, through the batch code paths; request
//!   timestamps get their day in the model's zone ([`online::LoadedModel::day_of`]).
//! - [`manifest`]: the record of a partitioned scoring run (skip what is current).
//! - [`holdout`]: predicted vs actual purchases on a holdout period (stored in artefacts).
//! - [`metrics`]: ROC/PR AUC, log loss, Brier, lift, calibration (stored in churn artefacts).
//! - [`monitor`]: drift of a base against the training reference (PSI, KS, Jensen–Shannon),
//!   realised quality of past predictions, and the sliding-window PSI of served scores.
//! - [`error`]: the crate's error type.
//!
//! # Example
//! ```
//! use retain_score::artefact::Artefact;
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/cdnow.json");
//! let model = Artefact::load(std::path::Path::new(path)).unwrap();
//! assert_eq!(model.kind(), "clv");
//! assert_eq!(model.version().len(), 12);
//! ```
#![deny(missing_docs)]

pub mod artefact;
pub mod campaign;
pub mod churn_model;
pub mod churn_score;
pub mod churn_value;
pub mod crm;
pub mod error;
pub mod holdout;
pub mod manifest;
pub mod metrics;
pub mod monitor;
pub mod online;
pub mod renewals;
pub mod score;
pub mod score_file;
pub mod score_store;
pub mod segments;
pub mod subscription_score;
pub mod whatif;

pub use error::ScoreError;

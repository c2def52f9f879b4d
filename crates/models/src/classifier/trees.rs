//! Tree models for churn: histogram gradient-boosted trees and a random forest, with TreeSHAP
//! contributions.
//!
//! # Why our own trees
//! linfa-trees fits classification trees with hard labels only, and linfa-ensemble's random
//! forest votes (no probabilities) and samples features once per tree; linfa has no gradient
//! boosting. Churn needs probabilities, per-customer contributions (TreeSHAP needs each node's
//! training cover) and scoring speed, so both ensembles share one histogram tree grower here.
//! forust-ml (the light pure-Rust GBDT) was evaluated; see [`gbdt`] for the comparison.
//!
//! # Layout
//! - [`bins`]: feature binning into ≤ 255 ordered bins.
//! - [`tree`]: the flat fitted tree and its batch predictor.
//! - [`grow`]: histogram split search, leaf-wise or depth-first growth.
//! - [`gbdt`]: gradient boosting on the log-loss with early stopping.
//! - [`forest`]: bootstrap random forest of variance-reduction trees.
//! - [`shap`]: exact TreeSHAP (path-dependent) contributions.

pub mod bins;
pub mod forest;
pub mod gbdt;
pub mod grow;
pub mod shap;
pub mod tree;

//! Supervised churn classifiers on fitted feature matrices.
//!
//! # Layout
//! - [`logistic`]: L2-regularised logistic regression by Newton steps, oriented to P(churn),
//!   with exact per-feature contributions.
//! - [`trees`]: histogram decision trees, gradient boosting and a random forest, with TreeSHAP.
//! - [`calibration`]: Platt and isotonic probability calibration, chosen by cross-validation.

pub mod calibration;
pub mod logistic;
pub mod model;
pub mod trees;

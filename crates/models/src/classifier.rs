//! Supervised churn classifiers on fitted feature matrices.
//!
//! # Layout
//! - [`logistic`]: L2-regularised logistic regression (linfa-logistic), oriented to P(churn),
//!   with exact per-feature contributions.

pub mod logistic;

//! Plots and a self-contained HTML report of a `retain` model on data.
//!
//! For a buy-till-you-die (CLV) model and a transaction log: the repeat-purchase histogram
//! against the model, holdout purchases by calibration frequency, the tracking plot over
//! calibration and holdout, P(alive) and expected-purchase heat maps over frequency × recency,
//! monthly cohort retention and the value × risk grid. For a churn classifier and a labelled
//! customer table: ROC and precision–recall curves, cumulative gains and lift, the reliability
//! curve and the top global drivers.
//!
//! Each plot's numbers come from a pure function (tested against the library they summarise);
//! [`chart`] describes what to draw, [`render`] draws it with plotters to PNG and SVG, and
//! [`html`] puts the numbers and the inline SVGs on one page.
//!
//! # Layout
//! - Numbers behind the plots: [`period_transactions`], [`tracking`], [`matrix`],
//!   [`cohorts`], [`value_risk`] (BTYD); [`curves`], [`gains`], [`drivers`] (classifiers).
//! - [`clv_data`], [`churn_data`]: every figure's numbers for one model and data set.
//! - [`clv_report`], [`churn_report`], [`figures`]: those numbers as tables and charts.
//! - [`chart`]: line, bar and heat-map descriptions; [`report`]: the page's content.
//! - [`render`]: plotters drawing (embedded DejaVu Sans, no system fonts).
//! - [`html`], [`output`]: the page and the files in the output directory.
//! - [`monitor_report`]: the drift page of `retain monitor` (reference against now).
//! - [`error`]: the crate's error type.
//!
//! # Example
//! ```
//! use retain_report::curves::roc_curve;
//! let churned = [true, false, true, false];
//! let p = [0.9, 0.5, 0.4, 0.1];
//! let (curve, auc) = roc_curve(&churned, &p).unwrap();
//! assert_eq!(auc, 0.75);
//! assert_eq!(curve.trapezoid_area(), auc);
//! ```
#![deny(missing_docs)]

pub mod chart;
pub mod churn_data;
pub mod churn_report;
pub mod clv_data;
pub mod clv_report;
pub mod cohorts;
pub mod curves;
pub mod drivers;
pub mod error;
pub mod figures;
pub mod gains;
pub mod html;
pub mod matrix;
pub mod monitor_report;
pub mod output;
pub mod period_transactions;
pub mod render;
pub mod report;
pub mod tracking;
pub mod value_risk;

pub use error::ReportError;

#[cfg(test)]
mod tests;

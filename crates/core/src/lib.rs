//! Shared building blocks of `retain`: explicit time units, transaction logs, per-customer
//! summaries (the RFM input of buy-till-you-die models) and pattern compression.
//!
//! Everything here is pure Rust with no I/O, so the CLI, batch jobs and the gRPC server
//! summarise and score with exactly the same code.
//!
//! # Layout
//! - [`time`]: time units, durations such as `52w`, discount rates such as `10%/year`, dates,
//!   and the day convention ([`time::Zone`]: an instant's calendar day in the configured zone).
//! - [`transactions`]: a transaction log held column-wise, with interned customer ids.
//! - [`summary`]: transaction log → per-customer (x, t_x, T, m) with a calibration/holdout split.
//! - [`engagement`]: repeat rate, frequency, order value, active/new/churned customers per
//!   period and the cohort retention matrix.
//! - [`patterns`]: identical (x, t_x, T) rows collapsed into weighted patterns for fitting.
//! - [`features`]: the fitted feature pipeline of churn classifiers (raw columns → imputed,
//!   standardised, one-hot features), shared by training and scoring.
//! - [`error`]: the crate's error type.
//!
//! # Example
//! ```
//! use retain_core::{time::{TimeUnit, parse_date}, transactions::TransactionLog, summary::{summarise, SummaryOptions}};
//! let mut log = TransactionLog::default();
//! log.push("c1", parse_date("1997-01-01").unwrap(), 10.0);
//! log.push("c1", parse_date("1997-01-15").unwrap(), 20.0);
//! let opts = SummaryOptions::new(TimeUnit::Week, parse_date("1997-01-29").unwrap());
//! let s = summarise(&log, &opts).unwrap();
//! assert_eq!(s.x[0], 1);
//! assert_eq!(s.t_x[0], 2.0);
//! assert_eq!(s.t[0], 4.0);
//! assert_eq!(s.monetary[0], 20.0);
//! ```
#![deny(missing_docs)]

pub mod engagement;
pub mod error;
pub mod features;
pub mod patterns;
pub mod summary;
pub mod time;
pub mod transactions;

pub use error::CoreError;

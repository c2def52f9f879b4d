//! Monitoring: how far a base has drifted from the one a model was trained on, and how good
//! the model's predictions turned out once their outcome window passed. One home for the
//! statistics the CLI (`retain monitor`, `retain evaluate`) and the server's gauges use.
//!
//! # Layout
//! - [`stats`]: PSI, the two-sample KS statistic, Jensen–Shannon distance, decile bins.
//! - [`drift`]: per-column drift, verdicts, thresholds, the report of a base.
//! - [`profile`]: the bounded profile of each training column kept in churn artefacts.
//! - [`clv`], [`churn`]: the drift of a CLV model's base and of a churn classifier's table.
//! - [`quality`]: realised quality (totals, MAE, decile calibration, Gini, lift).
//! - [`previous`]: an earlier score file read back; today's outputs against its.
//! - [`outcome`]: realised quality of an earlier score file against later outcomes.
//! - [`band`]: the 0–100 prediction-quality score and its band.
//! - [`report`]: what `retain monitor` reports (drift, outputs against earlier scores, quality).
//! - [`backtest`]: a CLV model's predictions as of a past day against the window after it.
//! - [`window`]: PSI of served scores over a sliding window (the server's gauge).

pub mod backtest;
pub mod band;
pub mod churn;
pub mod clv;
pub mod drift;
pub mod outcome;
pub mod previous;
pub mod profile;
pub mod quality;
pub mod report;
pub mod stats;
pub mod window;

pub use backtest::{Backtest, clv_backtest, window_days};
pub use band::{Band, QualityBand};
pub use churn::churn_drift;
pub use clv::clv_drift;
pub use drift::{BinShare, ColumnDrift, DriftReport, Group, Thresholds, Verdict};
pub use outcome::{RealisedQuality, churn_quality, clv_quality};
pub use previous::{PreviousScores, against_previous};
pub use profile::{ColumnProfile, profile_features};
pub use quality::{DecileRow, Realised, realised};
pub use report::MonitorReport;
pub use window::{ScoreWindow, reference_churn};

/// Why `retain monitor` and `retain evaluate` refuse subscription (sBG) artefacts.
pub const SUBSCRIPTION_UNMONITORED: &str = "a subscription (sBG) artefact keeps the fitted \
    cohort parameters (alpha, beta) and their customer and churner counts, but no sample or \
    deciles of the training tenures, cohorts or churn probabilities to compare a base with \
    (its churn probability is a function of tenure and cohort alone, so drift would be the \
    tenure mix only), and a backtest against later renewals is not built. Monitoring and \
    evaluation take a CLV model or a churn classifier";

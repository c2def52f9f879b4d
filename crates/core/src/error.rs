//! The error type of `retain-core`.

use thiserror::Error;

/// Everything that can go wrong while handling times, transaction logs and summaries.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CoreError {
    /// A duration such as `52w` could not be understood.
    #[error("invalid duration {input:?}: {reason}")]
    InvalidDuration {
        /// The text given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A time unit name was not one of day, week, month, year.
    #[error("unknown time unit {0:?} (expected day, week, month or year)")]
    UnknownTimeUnit(String),
    /// A discount rate such as `10%/year` could not be understood.
    #[error("invalid discount rate {input:?}: {reason}")]
    InvalidDiscountRate {
        /// The text given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A date could not be parsed.
    #[error("invalid date {input:?}: {reason}")]
    InvalidDate {
        /// The text given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A time zone name was neither UTC, a fixed offset nor an IANA name.
    #[error("unknown time zone {input:?}: {reason}")]
    InvalidTimeZone {
        /// The text given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A transaction lies after the end of the observation period.
    #[error(
        "customer {customer:?} has a transaction on {date}, after the observation end {end}; \
         filter the log or move the end date"
    )]
    TransactionAfterEnd {
        /// Customer id.
        customer: String,
        /// Date of the offending transaction (ISO).
        date: String,
        /// The observation end (ISO).
        end: String,
    },
    /// The calibration end is after the observation end.
    #[error("calibration end {calibration_end} is after observation end {observation_end}")]
    CalibrationAfterObservation {
        /// Calibration end (ISO).
        calibration_end: String,
        /// Observation end (ISO).
        observation_end: String,
    },
    /// A transaction log spans more calendar periods than the metrics allow.
    #[error(
        "the transactions span {first} to {last}, {periods} {period}s; at most {max} are \
         allowed (is a date mistyped? filter the log or choose a longer --period)"
    )]
    SpanTooLong {
        /// First transaction date (ISO).
        first: String,
        /// Last transaction date (ISO).
        last: String,
        /// Periods spanned.
        periods: usize,
        /// The period (week, month, ...).
        period: String,
        /// The limit.
        max: usize,
    },
    /// A per-customer summary value is impossible.
    #[error("customer {row}: {field} {reason}")]
    InvalidSummary {
        /// Row index (0-based) or customer id.
        row: String,
        /// Field name (x, t_x, T, monetary).
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// No customer was left to work with.
    #[error("no customers: {0}")]
    Empty(String),
}

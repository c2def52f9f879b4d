//! What `retain monitor` reports: the drift against the training reference (which sets the
//! verdict and exit code), and with an earlier score file its output distributions against
//! today's and the realised quality of its predictions.

use super::drift::{ColumnDrift, DriftReport};
use super::outcome::RealisedQuality;
use serde::Serialize;

/// One run of `retain monitor`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorReport {
    /// Drift against the training reference (its fields sit at the top level of the JSON).
    #[serde(flatten)]
    pub drift: DriftReport,
    /// Today's outputs against the earlier score file's (not part of the verdict: scores a
    /// horizon apart may differ for good reasons).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub against_previous: Vec<ColumnDrift>,
    /// Realised quality of the earlier score file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realised: Option<RealisedQuality>,
}

//! The numbers behind every plot of a CLV (BTYD) report, computed from an artefact and a
//! transaction log: no drawing here, so tests can check each figure's data.

use crate::ReportError;
use crate::cohorts::{CohortRetention, cohort_retention};
use crate::matrix::{FrequencyRecency, expected_purchases_matrix, p_alive_matrix};
use crate::period_transactions::{PeriodTransactions, period_transactions};
use crate::tracking::{Tracking, tracking};
use crate::value_risk::{ValueRisk, clv_value_risk};
use retain_core::summary::{Summaries, SummaryOptions, summarise};
use retain_core::time::{Day, Duration};
use retain_core::transactions::TransactionLog;
use retain_score::artefact::ClvArtefact;
use retain_score::holdout::{HoldoutMetrics, evaluate};

/// Heat maps show frequencies up to this many repeat purchases at most.
pub const MAX_HEAT_FREQUENCY: u32 = 40;

/// How to cut the log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvOptions {
    /// Last day of the calibration period (inclusive).
    pub calibration_end: Day,
    /// Last day of the holdout period (inclusive); equal to the calibration end for none.
    pub observation_end: Day,
    /// Horizon of the CLV behind the value × risk grid (scored as of the observation end).
    pub horizon: Duration,
}

/// Every figure's numbers.
#[derive(Debug, Clone)]
pub struct ClvData {
    /// Calibration summaries with the holdout.
    pub summaries: Summaries,
    /// Repeat-purchase histogram, actual and model.
    pub period_transactions: PeriodTransactions,
    /// Holdout purchases by calibration frequency (None without a holdout period).
    pub holdout: Option<HoldoutMetrics>,
    /// Tracking over calibration and holdout.
    pub tracking: Tracking,
    /// P(alive) over frequency × recency for the oldest customer's age.
    pub p_alive: FrequencyRecency,
    /// Expected purchases in the next time unit over the same grid.
    pub expected_next: FrequencyRecency,
    /// Monthly cohort retention of the whole log.
    pub cohorts: Option<CohortRetention>,
    /// Customers by value tier × risk tier, scored as of the observation end.
    pub value_risk: Option<ValueRisk>,
}

/// Computes every figure's numbers.
pub fn clv_data(
    art: &ClvArtefact,
    log: &TransactionLog,
    o: &ClvOptions,
) -> Result<ClvData, ReportError> {
    let model = &art.purchase;
    let unit = art.time_unit;
    let opts = SummaryOptions::new(unit, o.calibration_end).with_holdout(o.observation_end);
    let s = summarise(log, &opts)?;
    if s.is_empty() {
        return Err(ReportError::Data(
            "no customer made a purchase on or before the calibration end".into(),
        ));
    }
    let period = period_transactions(model, &s.x, &s.t)?;
    let length = opts.holdout_length();
    let holdout = if length > 0.0 {
        Some(evaluate(model, &s, length)?)
    } else {
        None
    };
    let track = tracking(model, log, &s, o.calibration_end, o.observation_end, unit)?;
    let max_x =
        s.x.iter()
            .copied()
            .max()
            .unwrap_or(0)
            .min(MAX_HEAT_FREQUENCY);
    let age = s.t.iter().copied().fold(0.0, f64::max);
    let p_alive = p_alive_matrix(model, max_x, age)?;
    let expected_next = expected_purchases_matrix(model, max_x, age, 1.0)?;
    let value_risk = match &art.spend {
        Some(_) => {
            let now = summarise(log, &SummaryOptions::new(unit, o.observation_end))?;
            Some(clv_value_risk(art, now, o.horizon)?)
        }
        None => None,
    };
    Ok(ClvData {
        period_transactions: period,
        holdout,
        tracking: track,
        p_alive,
        expected_next,
        cohorts: cohort_retention(log),
        value_risk,
        summaries: s,
    })
}

//! Monthly acquisition cohorts and the share of each that buys again in each later month,
//! from [`retain_core::engagement`].

use retain_core::engagement::{Period, engagement};
use retain_core::transactions::TransactionLog;

/// The cohort retention matrix of a log.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortRetention {
    /// First month of each cohort (ISO date of its first day).
    pub cohorts: Vec<String>,
    /// Customers acquired in each cohort.
    pub sizes: Vec<usize>,
    /// `retention[c][k]`: share of cohort `c` buying in its `k`-th month (k = 0 is 1), up to
    /// the log's last month.
    pub retention: Vec<Vec<f64>>,
}

/// Monthly cohorts of `log`; None for an empty log or one spanning more months than
/// [`retain_core::engagement::MAX_PERIODS`] (warned about). Cohorts that acquired nobody (months
/// without a first purchase) are left out.
pub fn cohort_retention(log: &TransactionLog) -> Option<CohortRetention> {
    // The inactivity window only matters for the churn counts, which are not used here.
    let e = match engagement(log, Period::Month, 90) {
        Ok(e) => e?,
        Err(e) => {
            tracing::warn!("no cohort plot: {e}");
            return None;
        }
    };
    let mut out = CohortRetention {
        cohorts: Vec::new(),
        sizes: Vec::new(),
        retention: Vec::new(),
    };
    for ((label, &size), row) in e.cohorts.iter().zip(&e.cohort_sizes).zip(&e.retention) {
        if size > 0 {
            out.cohorts.push(label.clone());
            out.sizes.push(size);
            out.retention.push(row.clone());
        }
    }
    Some(out)
}

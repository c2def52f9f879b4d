//! Backtest of a CLV model: its predictions as of a past day D against what the customers did
//! in the window (D, D + H] — purchases, spend, and whether they bought at all.

use super::band::QualityBand;
use super::quality::{Realised, realised};
use crate::ScoreError;
use crate::artefact::ClvArtefact;
use crate::metrics::roc_auc;
use crate::score::{Detail, Scorer};
use retain_core::summary::Summaries;
use retain_core::time::{Duration, TimeUnit};
use serde::Serialize;

/// Whole days of a horizon (the outcome window's length; the prediction uses exactly as many
/// days, so window and prediction agree when a month is not a whole number of days).
pub fn window_days(horizon: Duration) -> Result<i32, ScoreError> {
    let days = horizon.in_unit(TimeUnit::Day).floor();
    if !(1.0..=1e6).contains(&days) {
        return Err(ScoreError::setting(
            "horizon",
            format!("must be 1 day to 1,000,000 days, got {horizon}"),
        ));
    }
    Ok(days as i32)
}

/// A CLV model's predictions as of D against the outcomes in (D, D + H].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// Model name.
    pub model: String,
    /// Model version.
    pub model_version: String,
    /// Window length in days.
    pub window_days: i32,
    /// Customers evaluated (those with a purchase on or before D).
    pub customers: usize,
    /// Customers whose first purchase falls in the window (not predicted, left out).
    pub new_customers: usize,
    /// Expected purchases over the window against purchase days in it.
    pub purchases: Realised,
    /// Expected purchases × expected spend per purchase (undiscounted) against the amount
    /// spent in the window; with a spend model.
    pub spend: Option<Realised>,
    /// ROC AUC of P(no purchase in the window) for the customers who did not buy in it
    /// (`None` when everyone or no one bought).
    pub no_purchase_roc_auc: Option<f64>,
    /// Customers who bought nothing in the window.
    pub no_purchase_customers: usize,
    /// The prediction-quality band of the purchases' ranking.
    pub band: QualityBand,
}

/// Backtests `a` on `s`: summaries whose calibration ends on D and whose holdout is the
/// window of `days` days after it.
pub fn clv_backtest(a: &ClvArtefact, s: &Summaries, days: i32) -> Result<Backtest, ScoreError> {
    let horizon = Duration::new(f64::from(days), TimeUnit::Day);
    let spec = a.clv_spec(horizon, None, None);
    let scorer = Scorer::new(a, horizon, &spec, Detail::Full)?;
    let n = s.len();
    let mut expected = Vec::with_capacity(n);
    let mut spend = Vec::with_capacity(n);
    let mut p_none = Vec::with_capacity(n);
    for i in 0..n {
        let c = scorer.score(s.x[i], s.t_x[i], s.t[i], s.monetary[i])?;
        expected.push(c.expected_purchases);
        spend.push(c.expected_spend.map(|e| e * c.expected_purchases));
        p_none.push(c.p_no_purchase.unwrap_or(f64::NAN));
    }
    let actual: Vec<f64> = s.holdout_x.iter().map(|&x| f64::from(x)).collect();
    let none: Vec<bool> = s.holdout_x.iter().map(|&x| x == 0).collect();
    let spend = match spend.iter().copied().collect::<Option<Vec<f64>>>() {
        Some(p) if a.spend.is_some() => Some(realised(&p, &s.holdout_spend)),
        _ => None,
    };
    let no_purchase_roc_auc = if p_none.iter().all(|p| p.is_finite()) {
        roc_auc(&none, &p_none).ok()
    } else {
        None
    };
    let purchases = realised(&expected, &actual);
    Ok(Backtest {
        band: QualityBand::from_gini(
            purchases.gini,
            "expected purchases vs purchases in the window",
        ),
        model: a.name.clone(),
        model_version: a.version.clone(),
        window_days: days,
        customers: n,
        new_customers: s.excluded_new,
        purchases,
        spend,
        no_purchase_roc_auc,
        no_purchase_customers: none.iter().filter(|&&b| b).count(),
    })
}

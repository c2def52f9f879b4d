//! The tracking plot: repeat purchases per period and cumulatively, over the calibration and
//! holdout periods, actual against the model (Fader, Hardie & Lee 2005, figures 2 and 3).
//!
//! The customers are those of the calibration period (first purchase on or before its end).
//! The model's cumulative repeat purchases at a time τ are Σ_i E[X(τ − f_i)] with f_i the
//! customer's first purchase (`expected_purchases_new`, 0 before it); per period, the
//! differences. Times are measured from the first customer's first purchase, in the model's
//! time unit; each period is one time unit long, the last one ends at the observation end.

use crate::ReportError;
use retain_core::summary::Summaries;
use retain_core::time::{Day, TimeUnit};
use retain_core::transactions::TransactionLog;
use retain_models::btyd::PurchaseModel;
use std::collections::{BTreeMap, HashMap};

/// Repeat purchases per period, actual and expected.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    /// The time unit (also the period length).
    pub unit: TimeUnit,
    /// Day of time 0: the earliest first purchase.
    pub origin: Day,
    /// Calibration end, in units since the origin (its day's end).
    pub calibration_end: f64,
    /// End of each period, in units since the origin.
    pub period_end: Vec<f64>,
    /// Actual repeat purchases in each period.
    pub actual: Vec<f64>,
    /// Expected repeat purchases in each period.
    pub model: Vec<f64>,
    /// Running sum of `actual`.
    pub actual_cumulative: Vec<f64>,
    /// Running sum of `model`.
    pub model_cumulative: Vec<f64>,
}

/// Builds the tracking series of the calibration customers in `s` (summarised from `log`) up
/// to `observation_end`.
pub fn tracking(
    model: &PurchaseModel,
    log: &TransactionLog,
    s: &Summaries,
    calibration_end: Day,
    observation_end: Day,
    unit: TimeUnit,
) -> Result<Tracking, ReportError> {
    let origin = *s
        .first_purchase
        .iter()
        .min()
        .ok_or_else(|| ReportError::Data("no customer in the calibration period".into()))?;
    let first: HashMap<&str, Day> = s
        .ids
        .iter()
        .map(String::as_str)
        .zip(s.first_purchase.iter().copied())
        .collect();
    // A purchase on day d is at (d − origin + 1) days: the end of its day, so that a purchase on
    // the calibration end's day falls on or before the calibration end.
    let days_per_unit = unit.days();
    let span = f64::from(observation_end - origin + 1) / days_per_unit;
    let periods = (span - 1e-9).ceil().max(1.0) as usize;
    let period_end: Vec<f64> = (1..=periods).map(|k| (k as f64).min(span)).collect();
    // Distinct repeat-purchase days per calibration customer (the first purchase excluded).
    let mut days: Vec<(u32, Day)> = (0..log.len())
        .filter(|&i| log.day[i] <= observation_end)
        .map(|i| (log.customer[i], log.day[i]))
        .collect();
    days.sort_unstable();
    days.dedup();
    let mut actual = vec![0.0; periods];
    for &(c, d) in &days {
        let Some(&f) = first.get(log.ids[c as usize].as_str()) else {
            continue;
        };
        if d > f {
            let at = f64::from(d - origin + 1) / days_per_unit;
            let k = ((at - 1e-9).ceil() as usize).clamp(1, periods) - 1;
            actual[k] += 1.0;
        }
    }
    // Customers acquired on the same day share E[X(·)].
    let mut cohorts: BTreeMap<Day, f64> = BTreeMap::new();
    for &f in &s.first_purchase {
        *cohorts.entry(f).or_default() += 1.0;
    }
    let mut model_cumulative = Vec::with_capacity(periods);
    for &end in &period_end {
        let mut total = 0.0;
        for (&f, &n) in &cohorts {
            // The first purchase is at the end of day f: time (f − origin + 1) / unit.
            let age = end - f64::from(f - origin + 1) / days_per_unit;
            if age > 0.0 {
                total += n * model.expected_purchases_new(age)?;
            }
        }
        model_cumulative.push(total);
    }
    let per_period = |cum: &[f64]| -> Vec<f64> {
        cum.iter()
            .scan(0.0, |prev, &c| {
                let d = c - *prev;
                *prev = c;
                Some(d)
            })
            .collect()
    };
    let actual_cumulative: Vec<f64> = actual
        .iter()
        .scan(0.0, |sum, &a| {
            *sum += a;
            Some(*sum)
        })
        .collect();
    Ok(Tracking {
        unit,
        origin,
        calibration_end: f64::from(calibration_end - origin + 1) / days_per_unit,
        model: per_period(&model_cumulative),
        period_end,
        actual,
        actual_cumulative,
        model_cumulative,
    })
}

//! Transaction log → one row per customer: the (x, t_x, T, m) summary of buy-till-you-die models,
//! with an optional holdout period.
//!
//! Definitions (as in Fader, Hardie & Lee 2005 and lifetimes):
//! - purchases on the same calendar day are one purchase, with their amounts netted; a day
//!   whose amounts net to less than zero (a refund-only day, or more refunded than bought) is
//!   not a purchase day at all, and a customer without any purchase day is left out. A day
//!   netting to exactly 0 (a free item) still counts, as in the published CDNOW summaries,
//!   whose sample has eight first purchases of $0.00;
//! - `x` = number of repeat purchase days in the calibration period (the first purchase excluded);
//! - `t_x` = time from the first purchase to the last calibration purchase (0 when x = 0);
//! - `T` = time from the first purchase to the calibration end;
//! - `monetary` = mean amount of the repeat purchase days (0 when x = 0);
//! - holdout = purchase days and total amount in (calibration end, observation end].
//!
//! Customers whose first purchase is after the calibration end are not customers yet at that
//! date: they are left out and counted in [`Summaries::excluded_new`].

use crate::CoreError;
use crate::time::{Day, TimeUnit, iso};
use crate::transactions::TransactionLog;
use serde::Serialize;

/// How to summarise a transaction log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryOptions {
    /// Unit of t_x and T.
    pub unit: TimeUnit,
    /// Last day of the calibration period (inclusive).
    pub calibration_end: Day,
    /// Last day of the observation period (inclusive); equal to the calibration end when there is
    /// no holdout. Transactions after it are an error.
    pub observation_end: Day,
}

impl SummaryOptions {
    /// Options without a holdout period.
    pub fn new(unit: TimeUnit, calibration_end: Day) -> Self {
        SummaryOptions {
            unit,
            calibration_end,
            observation_end: calibration_end,
        }
    }

    /// Options with a holdout period ending at `observation_end`.
    pub fn with_holdout(mut self, observation_end: Day) -> Self {
        self.observation_end = observation_end;
        self
    }

    /// Length of the holdout period in the summary's unit.
    pub fn holdout_length(&self) -> f64 {
        (self.observation_end - self.calibration_end) as f64 / self.unit.days()
    }
}

/// Per-customer summaries, column-wise.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summaries {
    /// Customer ids.
    pub ids: Vec<String>,
    /// Day of the first purchase.
    pub first_purchase: Vec<Day>,
    /// Repeat purchases in the calibration period.
    pub x: Vec<u32>,
    /// Time of the last calibration purchase since the first.
    pub t_x: Vec<f64>,
    /// Time from the first purchase to the calibration end.
    pub t: Vec<f64>,
    /// Mean amount of repeat purchases (0 when x = 0).
    pub monetary: Vec<f64>,
    /// Amount of the first purchase.
    pub first_amount: Vec<f64>,
    /// Purchase days in the holdout period.
    pub holdout_x: Vec<u32>,
    /// Total amount spent in the holdout period.
    pub holdout_spend: Vec<f64>,
    /// Customers left out because their first purchase is after the calibration end.
    pub excluded_new: usize,
}

impl Summaries {
    /// Number of customers.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there is no customer.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Appends the customers of `other` (another partition of a base split by customer).
    pub fn append(&mut self, other: Summaries) {
        self.ids.extend(other.ids);
        self.first_purchase.extend(other.first_purchase);
        self.x.extend(other.x);
        self.t_x.extend(other.t_x);
        self.t.extend(other.t);
        self.monetary.extend(other.monetary);
        self.first_amount.extend(other.first_amount);
        self.holdout_x.extend(other.holdout_x);
        self.holdout_spend.extend(other.holdout_spend);
        self.excluded_new += other.excluded_new;
    }
}

/// Summarises a transaction log per customer.
///
/// Sorting is O(n log n) in the number of transactions; memory is one index per transaction.
pub fn summarise(log: &TransactionLog, opts: &SummaryOptions) -> Result<Summaries, CoreError> {
    if opts.calibration_end > opts.observation_end {
        return Err(CoreError::CalibrationAfterObservation {
            calibration_end: iso(opts.calibration_end),
            observation_end: iso(opts.observation_end),
        });
    }
    if let Some(i) = (0..log.len()).find(|&i| log.day[i] > opts.observation_end) {
        return Err(CoreError::TransactionAfterEnd {
            customer: log.ids[log.customer[i] as usize].clone(),
            date: iso(log.day[i]),
            end: iso(opts.observation_end),
        });
    }
    let mut order: Vec<u32> = (0..log.len() as u32).collect();
    order.sort_unstable_by_key(|&i| (log.customer[i as usize], log.day[i as usize]));

    let unit_days = opts.unit.days();
    let mut out = Summaries::default();
    let mut start = 0;
    while start < order.len() {
        let c = log.customer[order[start] as usize];
        let mut end = start;
        while end < order.len() && log.customer[order[end] as usize] == c {
            end += 1;
        }
        // Net amounts per day: walk the customer's transactions, which are sorted by day.
        let mut days: Vec<(Day, f64)> = Vec::new();
        for &i in &order[start..end] {
            let (d, a) = (log.day[i as usize], log.amount[i as usize]);
            match days.last_mut() {
                Some((last, sum)) if *last == d => *sum += a,
                _ => days.push((d, a)),
            }
        }
        start = end;
        keep_purchase_days(&mut days);
        let Some(&(first, first_amount)) = days.first() else {
            continue;
        };
        if first > opts.calibration_end {
            out.excluded_new += 1;
            continue;
        }
        let cal = days
            .iter()
            .take_while(|(d, _)| *d <= opts.calibration_end)
            .count();
        let repeat = &days[1..cal];
        let x = repeat.len() as u32;
        let last = days[cal - 1].0;
        let monetary = if x > 0 {
            repeat.iter().map(|(_, a)| a).sum::<f64>() / x as f64
        } else {
            0.0
        };
        let holdout = &days[cal..];
        out.ids.push(log.ids[c as usize].clone());
        out.first_purchase.push(first);
        out.x.push(x);
        out.t_x.push((last - first) as f64 / unit_days);
        out.t
            .push((opts.calibration_end - first) as f64 / unit_days);
        out.monetary.push(monetary);
        out.first_amount.push(first_amount);
        out.holdout_x.push(holdout.len() as u32);
        // `+ 0.0` turns the empty sum's −0.0 into 0.0.
        out.holdout_spend
            .push(holdout.iter().map(|(_, a)| a).sum::<f64>() + 0.0);
    }
    Ok(out)
}

/// The one rule for which netted customer-days are purchases (summaries and engagement
/// metrics): a refund is not a purchase, so a day whose amounts net below zero is dropped; a
/// day netting to exactly 0 (a free item) stays, as in the published CDNOW summaries.
pub fn keep_purchase_days(days: &mut Vec<(Day, f64)>) {
    days.retain(|&(_, net)| net >= 0.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_date;

    fn day(s: &str) -> Day {
        parse_date(s).unwrap()
    }

    #[test]
    fn same_day_purchases_merge_and_returns_net() {
        let mut log = TransactionLog::default();
        log.push("a", day("2020-01-01"), 10.0);
        log.push("a", day("2020-01-08"), 5.0);
        log.push("a", day("2020-01-08"), 7.0);
        log.push("a", day("2020-01-15"), 30.0);
        log.push("a", day("2020-01-15"), -10.0);
        log.push("a", day("2020-01-29"), 4.0);
        log.push("b", day("2020-01-22"), 1.0);
        log.push("c", day("2020-02-01"), 1.0);
        let opts =
            SummaryOptions::new(TimeUnit::Week, day("2020-01-22")).with_holdout(day("2020-02-05"));
        let s = summarise(&log, &opts).unwrap();
        assert_eq!(s.ids, vec!["a", "b"]);
        assert_eq!(s.x, vec![2, 0]);
        assert_eq!(s.t_x, vec![2.0, 0.0]);
        assert_eq!(s.t, vec![3.0, 0.0]);
        assert_eq!(s.monetary, vec![16.0, 0.0]);
        assert_eq!(s.holdout_x, vec![1, 0]);
        assert_eq!(s.holdout_spend, vec![4.0, 0.0]);
        assert_eq!(s.excluded_new, 1);
        assert_eq!(opts.holdout_length(), 2.0);
    }

    #[test]
    fn a_refund_only_day_is_not_a_purchase_day() {
        let mut log = TransactionLog::default();
        log.push("a", day("2020-01-01"), 10.0);
        log.push("a", day("2020-01-08"), 20.0);
        // A refund on its own day, and more refunded than bought the same day.
        log.push("a", day("2020-01-10"), -20.0);
        log.push("a", day("2020-01-12"), 5.0);
        log.push("a", day("2020-01-12"), -6.0);
        log.push("a", day("2020-01-15"), 30.0);
        // Only refunds: never a customer.
        log.push("r", day("2020-01-02"), -3.0);
        let s = summarise(
            &log,
            &SummaryOptions::new(TimeUnit::Week, day("2020-01-22")),
        )
        .unwrap();
        assert_eq!(s.ids, vec!["a"]);
        assert_eq!(s.x, vec![2]);
        assert_eq!(s.t_x, vec![2.0]);
        assert_eq!(s.monetary, vec![25.0]);
    }

    #[test]
    fn transactions_after_the_observation_end_are_refused() {
        let mut log = TransactionLog::default();
        log.push("a", day("2020-01-01"), 10.0);
        log.push("a", day("2020-03-01"), 10.0);
        let err =
            summarise(&log, &SummaryOptions::new(TimeUnit::Day, day("2020-02-01"))).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("2020-03-01") && msg.contains("2020-02-01") && msg.contains("\"a\""),
            "{msg}"
        );
    }

    #[test]
    fn calibration_end_after_observation_end_is_refused() {
        let log = TransactionLog::default();
        let opts =
            SummaryOptions::new(TimeUnit::Day, day("2020-02-01")).with_holdout(day("2020-01-01"));
        assert!(matches!(
            summarise(&log, &opts),
            Err(CoreError::CalibrationAfterObservation { .. })
        ));
    }
}

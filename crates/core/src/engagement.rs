//! Engagement and retention metrics of a transaction log: repeat-purchase rate, purchase
//! frequency, average order value, active / new / churned customers per calendar period,
//! and the acquisition-cohort retention matrix.
//!
//! Definitions (stated in every output):
//! - a *purchase* is a customer-day with transactions (same-day transactions are one order,
//!   their amounts netted) whose net amount is not negative, by the BTYD summaries' rule
//!   ([`crate::summary::keep_purchase_days`]): a refund-only day is not a purchase, and a
//!   customer with refunds only is not a customer;
//! - *active in a period*: at least one purchase in it; *new*: first purchase in it;
//! - *churned in a period*: the customer was live at the period's start (a purchase within
//!   `inactive_days` before it) and is not at its end (no purchase within `inactive_days`
//!   before the end). The churn rate is churned / live at the start. Periods whose end is
//!   less than `inactive_days` after the log's first day have no churn rate;
//! - *cohort retention* `[c][k]`: the share of the customers acquired in period `c` who
//!   purchased in period `c + k`.

use crate::CoreError;
use crate::time::{Day, date_of, iso};
use crate::transactions::TransactionLog;
use chrono::Datelike;
use serde::Serialize;

/// Calendar period of the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
    /// Calendar quarters.
    Quarter,
    /// Calendar years.
    Year,
}

impl Period {
    /// Index of the period containing `day` (consecutive periods have consecutive indices).
    pub fn index(self, day: Day) -> i64 {
        let d = date_of(day);
        match self {
            // 1970-01-05 (day 4) was a Monday.
            Period::Week => (i64::from(day) - 4).div_euclid(7),
            Period::Month => i64::from(d.year()) * 12 + i64::from(d.month0()),
            Period::Quarter => i64::from(d.year()) * 4 + i64::from(d.month0() / 3),
            Period::Year => i64::from(d.year()),
        }
    }

    /// First day of period `index`.
    pub fn start(self, index: i64) -> Day {
        let ymd = |y: i64, m0: i64| {
            chrono::NaiveDate::from_ymd_opt(y as i32, m0 as u32 + 1, 1)
                .map_or(0, crate::time::day_of)
        };
        match self {
            Period::Week => (index * 7 + 4) as Day,
            Period::Month => ymd(index.div_euclid(12), index.rem_euclid(12)),
            Period::Quarter => ymd(index.div_euclid(4), index.rem_euclid(4) * 3),
            Period::Year => ymd(index, 0),
        }
    }

    /// Label of period `index`: the ISO date of its first day.
    pub fn label(self, index: i64) -> String {
        iso(self.start(index))
    }
}

impl std::str::FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "week" | "weeks" | "w" => Ok(Period::Week),
            "month" | "months" | "mo" => Ok(Period::Month),
            "quarter" | "quarters" | "q" => Ok(Period::Quarter),
            "year" | "years" | "y" => Ok(Period::Year),
            _ => Err(format!("unknown period {s:?} (week, month, quarter, year)")),
        }
    }
}

/// One calendar period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodMetrics {
    /// First day of the period (ISO date).
    pub period: String,
    /// Customers with a purchase in the period.
    pub active_customers: usize,
    /// Customers whose first purchase is in the period.
    pub new_customers: usize,
    /// Purchases (customer-days) in the period.
    pub purchases: usize,
    /// Net revenue in the period.
    pub revenue: f64,
    /// Live customers at the period's start (None before a whole inactivity window exists).
    pub live_at_start: Option<usize>,
    /// Of those, not live at the period's end.
    pub churned: Option<usize>,
    /// churned / live at start.
    pub churn_rate: Option<f64>,
}

/// All metrics of a log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Engagement {
    /// The period used.
    pub period: Period,
    /// Days without a purchase after which a customer counts as churned.
    pub inactive_days: u32,
    /// Customers.
    pub customers: usize,
    /// Purchases (customer-days).
    pub purchases: usize,
    /// Net revenue.
    pub revenue: f64,
    /// Share of customers with two purchases or more.
    pub repeat_purchase_rate: f64,
    /// Purchases per customer.
    pub purchase_frequency: f64,
    /// Revenue per purchase.
    pub average_order_value: f64,
    /// Per period, in order, from the first purchase's period to the last's.
    pub periods: Vec<PeriodMetrics>,
    /// Cohort labels (period of first purchase), in order.
    pub cohorts: Vec<String>,
    /// Cohort sizes.
    pub cohort_sizes: Vec<usize>,
    /// `retention[c][k]`: share of cohort `c` purchasing in its `k`-th period (k = 0 is 1.0).
    pub retention: Vec<Vec<f64>>,
}

/// Most calendar periods a log may span (first to last transaction): 2,500 is 48 years of
/// weeks, 208 years of months. The cohort matrix grows with the square of the number of
/// periods, so one mistyped far-future date (9999-12-31) would otherwise cost gigabytes.
pub const MAX_PERIODS: usize = 2_500;

/// Computes the metrics; `Ok(None)` for an empty log. A log spanning more than
/// [`MAX_PERIODS`] periods is refused ([`CoreError::SpanTooLong`]). Memory is quadratic in
/// the number of periods (the cohort matrix) and linear in the transactions; time is linear
/// in the transactions times (1 + `inactive_days` / period length).
pub fn engagement(
    log: &TransactionLog,
    period: Period,
    inactive_days: u32,
) -> Result<Option<Engagement>, CoreError> {
    let Some((first_day, last_day)) = log.span() else {
        return Ok(None);
    };
    let (p0, p1) = (period.index(first_day), period.index(last_day));
    let n_periods = usize::try_from(p1 - p0 + 1).unwrap_or(usize::MAX);
    if n_periods > MAX_PERIODS {
        return Err(CoreError::SpanTooLong {
            first: iso(first_day),
            last: iso(last_day),
            periods: n_periods,
            period: format!("{period:?}").to_lowercase(),
            max: MAX_PERIODS,
        });
    }
    Ok(metrics(
        log,
        period,
        inactive_days,
        (first_day, last_day, p0, n_periods),
    ))
}

/// The metrics of a non-empty log whose span was checked; `None` when no customer has a
/// purchase day (refunds only).
fn metrics(
    log: &TransactionLog,
    period: Period,
    inactive_days: u32,
    (first_day, last_day, p0, n_periods): (Day, Day, i64, usize),
) -> Option<Engagement> {
    // Purchase days per customer, netted per day.
    let mut order: Vec<u32> = (0..log.len() as u32).collect();
    order.sort_unstable_by_key(|&i| (log.customer[i as usize], log.day[i as usize]));
    let mut customers: Vec<Vec<(Day, f64)>> = Vec::new();
    let mut last_customer = u32::MAX;
    for &i in &order {
        let (c, d, a) = (
            log.customer[i as usize],
            log.day[i as usize],
            log.amount[i as usize],
        );
        if c != last_customer {
            customers.push(Vec::new());
            last_customer = c;
        }
        let Some(days) = customers.last_mut() else {
            continue; // unreachable: a Vec was pushed for the first row
        };
        match days.last_mut() {
            Some((day, sum)) if *day == d => *sum += a,
            _ => days.push((d, a)),
        }
    }
    for days in &mut customers {
        crate::summary::keep_purchase_days(days);
    }
    customers.retain(|days| !days.is_empty());
    if customers.is_empty() {
        return None;
    }
    let mut periods: Vec<PeriodMetrics> = (0..n_periods)
        .map(|k| PeriodMetrics {
            period: period.label(p0 + k as i64),
            active_customers: 0,
            new_customers: 0,
            purchases: 0,
            revenue: 0.0,
            live_at_start: None,
            churned: None,
            churn_rate: None,
        })
        .collect();
    let mut retained = vec![vec![0usize; n_periods]; n_periods];
    let mut cohort_sizes = vec![0usize; n_periods];
    let (mut purchases, mut revenue, mut repeaters) = (0usize, 0.0, 0usize);
    let window = Day::try_from(inactive_days).unwrap_or(Day::MAX);
    let mut live_start = vec![0usize; n_periods];
    let mut churned = vec![0usize; n_periods];
    for days in &customers {
        purchases += days.len();
        repeaters += usize::from(days.len() >= 2);
        let cohort = (period.index(days[0].0) - p0) as usize;
        cohort_sizes[cohort] += 1;
        periods[cohort].new_customers += 1;
        let mut last_active = usize::MAX;
        for &(d, a) in days {
            revenue += a;
            let k = (period.index(d) - p0) as usize;
            periods[k].purchases += 1;
            periods[k].revenue += a;
            if k != last_active {
                periods[k].active_customers += 1;
                retained[cohort][k - cohort] += 1;
                last_active = k;
            }
        }
        // Live at a day: a purchase in (day − window, day]; days are sorted.
        let live = |at: Day| {
            let i = days.partition_point(|&(d, _)| d <= at);
            i > 0 && days[i - 1].0 > at.saturating_sub(window)
        };
        // Live at a period's start only if its eve lies in [d, d + window) for a purchase
        // day d: only those periods are visited (not every period after the cohort's).
        let mut next = cohort;
        for &(d, _) in days {
            let from = d.saturating_add(1);
            // No period starts after the last day (and no date past it need exist).
            let to = d.saturating_add(window).min(last_day);
            let mut k = period.index(from) - p0;
            if period.start(p0 + k) < from {
                k += 1;
            }
            let last = (period.index(to) - p0).min(n_periods as i64 - 1);
            let mut k = usize::try_from(k.max(0)).unwrap_or(usize::MAX).max(next);
            while (k as i64) <= last {
                let start = period.start(p0 + k as i64) - 1; // the end of the day before
                let end = period.start(p0 + k as i64 + 1) - 1;
                if live(start) {
                    live_start[k] += 1;
                    if !live(end) {
                        churned[k] += 1;
                    }
                }
                k += 1;
            }
            next = next.max(k);
        }
    }
    for (k, p) in periods.iter_mut().enumerate() {
        let end = period.start(p0 + k as i64 + 1) - 1;
        if end - first_day >= window {
            p.live_at_start = Some(live_start[k]);
            p.churned = Some(churned[k]);
            p.churn_rate = Some(if live_start[k] > 0 {
                churned[k] as f64 / live_start[k] as f64
            } else {
                0.0
            });
        }
    }
    let retention = (0..n_periods)
        .map(|c| {
            (0..n_periods - c)
                .map(|k| {
                    if cohort_sizes[c] == 0 {
                        0.0
                    } else {
                        retained[c][k] as f64 / cohort_sizes[c] as f64
                    }
                })
                .collect()
        })
        .collect();
    let n = customers.len();
    Some(Engagement {
        period,
        inactive_days,
        customers: n,
        purchases,
        revenue,
        repeat_purchase_rate: repeaters as f64 / n as f64,
        purchase_frequency: purchases as f64 / n as f64,
        average_order_value: revenue / purchases as f64,
        periods,
        cohorts: (0..n_periods)
            .map(|k| period.label(p0 + k as i64))
            .collect(),
        cohort_sizes,
        retention,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_date;

    fn log(rows: &[(&str, &str, f64)]) -> TransactionLog {
        let mut l = TransactionLog::with_capacity(rows.len());
        for &(c, d, a) in rows {
            l.push(c, parse_date(d).unwrap(), a);
        }
        l
    }

    #[test]
    fn periods_index_and_start_agree() {
        for p in [Period::Week, Period::Month, Period::Quarter, Period::Year] {
            for d in ["1997-01-01", "1997-03-31", "1998-12-31", "2000-02-29"] {
                let day = parse_date(d).unwrap();
                let k = p.index(day);
                assert!(p.start(k) <= day && day < p.start(k + 1), "{p:?} {d}");
            }
        }
        assert_eq!(
            Period::Week.label(Period::Week.index(parse_date("2026-11-25").unwrap())),
            "2026-11-23"
        );
        assert_eq!(
            Period::Quarter.label(Period::Quarter.index(parse_date("1997-05-17").unwrap())),
            "1997-04-01"
        );
    }

    #[test]
    fn a_small_log_gives_hand_computed_metrics() {
        // a: Jan, Jan (same day twice → one order), Mar; b: Jan; c: Feb, Feb.
        let l = log(&[
            ("a", "1997-01-05", 10.0),
            ("a", "1997-01-05", 5.0),
            ("a", "1997-03-10", 20.0),
            ("b", "1997-01-20", 8.0),
            ("c", "1997-02-01", 4.0),
            ("c", "1997-02-15", 6.0),
        ]);
        let e = engagement(&l, Period::Month, 30).unwrap().unwrap();
        assert_eq!((e.customers, e.purchases), (3, 5));
        assert!((e.revenue - 53.0).abs() < 1e-12);
        assert!((e.repeat_purchase_rate - 2.0 / 3.0).abs() < 1e-12);
        assert!((e.purchase_frequency - 5.0 / 3.0).abs() < 1e-12);
        assert!((e.average_order_value - 53.0 / 5.0).abs() < 1e-12);
        assert_eq!(e.cohorts, ["1997-01-01", "1997-02-01", "1997-03-01"]);
        assert_eq!(e.cohort_sizes, [2, 1, 0]);
        let active: Vec<usize> = e.periods.iter().map(|p| p.active_customers).collect();
        assert_eq!(active, [2, 1, 1]);
        let new: Vec<usize> = e.periods.iter().map(|p| p.new_customers).collect();
        assert_eq!(new, [2, 1, 0]);
        // January cohort: both in Jan, nobody in Feb, a in Mar.
        assert_eq!(e.retention[0], [1.0, 0.0, 0.5]);
        assert_eq!(e.retention[1], [1.0, 0.0]);
        // January ends 26 days after the first purchase (< 30): no churn rate yet.
        assert_eq!(e.periods[0].churn_rate, None);
        // February: live at its start (purchase in the 30 days before): a (Jan 5 is 27 days
        // before Feb 1) and b; at Feb's end a (last Jan 5) and b (Jan 20) are not live: both churn.
        assert_eq!(e.periods[1].live_at_start, Some(2));
        assert_eq!(e.periods[1].churned, Some(2));
        // March: live at start: c (Feb 15); at its end c is gone (Feb 15 + 30 < Mar 31).
        assert_eq!(e.periods[2].live_at_start, Some(1));
        assert_eq!(e.periods[2].churn_rate, Some(1.0));
    }

    #[test]
    fn a_refund_only_day_is_not_a_purchase_day() {
        // a: a purchase, then a refund-only day, then a day netting below zero; b: refunds only.
        let l = log(&[
            ("a", "1997-01-05", 10.0),
            ("a", "1997-02-10", -10.0),
            ("a", "1997-03-10", 5.0),
            ("a", "1997-03-10", -8.0),
            ("b", "1997-01-20", -4.0),
        ]);
        let e = engagement(&l, Period::Month, 30).unwrap().unwrap();
        assert_eq!((e.customers, e.purchases), (1, 1));
        assert!((e.revenue - 10.0).abs() < 1e-12);
        assert_eq!(e.repeat_purchase_rate, 0.0);
        let active: Vec<usize> = e.periods.iter().map(|p| p.active_customers).collect();
        assert_eq!(active, [1, 0, 0]);
        assert_eq!(e.retention[0], [1.0, 0.0, 0.0]);
        // A day netting to exactly 0 (a free item) still counts, as in the summaries.
        let free = log(&[("a", "1997-01-05", 10.0), ("a", "1997-02-05", 0.0)]);
        let e = engagement(&free, Period::Month, 30).unwrap().unwrap();
        assert_eq!(e.purchases, 2);
        // Refunds only: no customer, no metrics (not NaN rates).
        let refunds = log(&[("b", "1997-01-20", -4.0)]);
        assert!(engagement(&refunds, Period::Month, 30).unwrap().is_none());
    }

    #[test]
    fn an_empty_log_has_no_metrics() {
        assert!(
            engagement(&TransactionLog::default(), Period::Month, 90)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_far_future_date_is_refused_fast_not_in_gigabytes() {
        // One mistyped row dated 9999-12-31 in a 1997 log: 96,036 months, whose cohort matrix
        // alone would be 4.6e9 cells.
        let l = log(&[("a", "1997-01-05", 10.0), ("b", "9999-12-31", 5.0)]);
        let started = std::time::Instant::now();
        let e = engagement(&l, Period::Month, 90).unwrap_err().to_string();
        assert!(started.elapsed().as_secs_f64() < 1.0);
        assert!(
            e.contains("1997-01-05") && e.contains("9999-12-31") && e.contains("2500"),
            "{e}"
        );
        // The longest span allowed still computes quickly.
        let l = log(&[("a", "1970-01-05", 10.0), ("b", "2015-12-31", 5.0)]);
        let e = engagement(&l, Period::Week, 90).unwrap().unwrap();
        assert_eq!(e.retention.len(), e.periods.len());
        assert!(e.periods.len() <= MAX_PERIODS);
    }

    #[test]
    fn churn_counts_visit_only_periods_near_purchases_and_match_the_definition() {
        // The definition checked by brute force over every period, on an irregular log.
        let l = log(&[
            ("a", "1997-01-05", 10.0),
            ("a", "1997-06-10", 20.0),
            ("a", "1998-02-01", 1.0),
            ("b", "1997-03-20", 8.0),
            ("c", "1997-02-01", 4.0),
            ("c", "1997-02-15", 6.0),
            ("c", "1999-12-31", 6.0),
        ]);
        for (p, window) in [
            (Period::Week, 30),
            (Period::Month, 90),
            (Period::Quarter, 400),
        ] {
            let e = engagement(&l, p, window).unwrap().unwrap();
            let (first, _) = l.span().unwrap();
            let p0 = p.index(first);
            let mut by_customer: std::collections::BTreeMap<u32, Vec<Day>> = Default::default();
            for i in 0..l.len() {
                by_customer.entry(l.customer[i]).or_default().push(l.day[i]);
            }
            for (k, m) in e.periods.iter().enumerate() {
                let Some(live_at_start) = m.live_at_start else {
                    continue;
                };
                let start = p.start(p0 + k as i64) - 1;
                let end = p.start(p0 + k as i64 + 1) - 1;
                let live =
                    |days: &[Day], at: Day| days.iter().any(|&d| d <= at && d > at - window as Day);
                let (mut l0, mut c0) = (0, 0);
                for days in by_customer.values() {
                    if live(days, start) {
                        l0 += 1;
                        c0 += usize::from(!live(days, end));
                    }
                }
                assert_eq!(
                    (live_at_start, m.churned),
                    (l0, Some(c0)),
                    "{p:?} period {k}"
                );
            }
        }
    }
}

//! Explicit time: units, durations, discount rates and calendar days.
//!
//! `retain` never assumes days. Every summary, model and prediction carries the [`TimeUnit`]
//! it was computed in, and durations given by users always carry theirs (`52w`, `12mo`, `1y`).
//!
//! Which day an instant (a time with an offset) falls on is decided in one place, [`Zone`]:
//! its calendar day in the configured zone, UTC by default; a date or a datetime written
//! without an offset keeps the date written.

use crate::CoreError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

mod zone;

pub use zone::Zone;

/// Days in the mean Gregorian year.
pub const DAYS_PER_YEAR: f64 = 365.2425;

/// A unit of model time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// One calendar day.
    Day,
    /// Seven days.
    Week,
    /// A mean Gregorian month: 365.2425 / 12 = 30.436875 days (4.348 weeks).
    Month,
    /// A mean Gregorian year: 365.2425 days.
    Year,
}

impl TimeUnit {
    /// Length of the unit in days.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Day => 1.0,
            TimeUnit::Week => 7.0,
            TimeUnit::Month => DAYS_PER_YEAR / 12.0,
            TimeUnit::Year => DAYS_PER_YEAR,
        }
    }

    /// The plural name used in column names and reports (`weeks`).
    pub fn plural(self) -> &'static str {
        match self {
            TimeUnit::Day => "days",
            TimeUnit::Week => "weeks",
            TimeUnit::Month => "months",
            TimeUnit::Year => "years",
        }
    }

    /// The singular name (`week`).
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
            TimeUnit::Year => "year",
        }
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TimeUnit {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "d" | "day" | "days" => Ok(TimeUnit::Day),
            "w" | "wk" | "week" | "weeks" => Ok(TimeUnit::Week),
            "mo" | "mon" | "month" | "months" => Ok(TimeUnit::Month),
            "y" | "yr" | "year" | "years" => Ok(TimeUnit::Year),
            _ => Err(CoreError::UnknownTimeUnit(s.to_string())),
        }
    }
}

/// A length of time with its unit, e.g. `52w`, `12 months`, `1y`, `90d`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Duration {
    /// How many units.
    pub value: f64,
    /// Which unit.
    pub unit: TimeUnit,
}

impl Duration {
    /// A duration of `value` `unit`s.
    pub fn new(value: f64, unit: TimeUnit) -> Self {
        Duration { value, unit }
    }

    /// The same length expressed in another unit.
    pub fn in_unit(&self, unit: TimeUnit) -> f64 {
        self.value * self.unit.days() / unit.days()
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = if self.value == 1.0 {
            self.unit.name()
        } else {
            self.unit.plural()
        };
        write!(f, "{} {unit}", self.value)
    }
}

impl FromStr for Duration {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        let err = |reason: &str| CoreError::InvalidDuration {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e'))
            .ok_or_else(|| err("a unit is required (d, w, mo or y), e.g. 52w"))?;
        let (num, unit) = t.split_at(split);
        let value: f64 = num
            .trim()
            .parse()
            .map_err(|_| err("expected a number followed by a unit, e.g. 52w"))?;
        if !value.is_finite() || value < 0.0 {
            return Err(err("must be a finite, non-negative number"));
        }
        let unit = unit.trim().parse::<TimeUnit>().map_err(|_| {
            err("unknown unit (use d/day, w/week, mo/month or y/year), e.g. 52w or 12mo")
        })?;
        Ok(Duration { value, unit })
    }
}

/// A discount rate with the period it applies to, e.g. `10%/year` or `0.01/month`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DiscountRate {
    /// The rate per `per` as a fraction (0.1 for 10%).
    pub rate: f64,
    /// The period the rate applies to.
    pub per: Duration,
}

impl DiscountRate {
    /// The equivalent compound rate over a step of `step` (e.g. the monthly rate of 10%/year).
    pub fn over(&self, step: Duration) -> f64 {
        let periods = step.in_unit(self.per.unit) / self.per.value;
        (1.0 + self.rate).powf(periods) - 1.0
    }
}

impl fmt::Display for DiscountRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.per.value == 1.0 {
            write!(f, "{}%/{}", self.rate * 100.0, self.per.unit)
        } else {
            write!(f, "{}%/{}", self.rate * 100.0, self.per)
        }
    }
}

impl FromStr for DiscountRate {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        let err = |reason: &str| CoreError::InvalidDiscountRate {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        let (rate, per) = s
            .split_once('/')
            .ok_or_else(|| err("state the period, e.g. 10%/year or 1%/month"))?;
        let rate = rate.trim();
        let rate = if let Some(p) = rate.strip_suffix('%') {
            p.trim().parse::<f64>().map(|v| v / 100.0)
        } else {
            rate.parse::<f64>()
        }
        .map_err(|_| err("the rate must be a number or a percentage"))?;
        if !rate.is_finite() || rate <= -1.0 {
            return Err(err("the rate must be finite and above -100%"));
        }
        let per = per.trim();
        let per = match per.parse::<TimeUnit>() {
            Ok(unit) => Duration::new(1.0, unit),
            Err(_) => per.parse::<Duration>().map_err(|e| err(&e.to_string()))?,
        };
        if per.value <= 0.0 {
            return Err(err("the period must be positive"));
        }
        Ok(DiscountRate { rate, per })
    }
}

/// A calendar day, counted in days since 1970-01-01.
pub type Day = i32;

fn epoch() -> NaiveDate {
    // 1970-01-01 is always a valid date.
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Days since 1970-01-01 of a calendar date.
pub fn day_of(date: NaiveDate) -> Day {
    (date - epoch()).num_days() as Day
}

/// The calendar date of a day number.
pub fn date_of(day: Day) -> NaiveDate {
    epoch() + chrono::Duration::days(day as i64)
}

/// ISO representation (`1997-09-30`) of a day number.
pub fn iso(day: Day) -> String {
    let d = date_of(day);
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Parses an ISO date (`1997-09-30`), a compact date (`19970930`) or an ISO datetime (time ignored).
pub fn parse_date(s: &str) -> Result<Day, CoreError> {
    let t = s.trim();
    let head = t.get(..10).unwrap_or(t);
    let parsed = NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y%m%d"));
    parsed.map(day_of).map_err(|_| CoreError::InvalidDate {
        input: s.to_string(),
        reason: "expected YYYY-MM-DD, YYYYMMDD or an ISO datetime".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_their_unit() {
        let d: Duration = "52w".parse().unwrap();
        assert_eq!(d, Duration::new(52.0, TimeUnit::Week));
        assert_eq!(
            "12 months".parse::<Duration>().unwrap().unit,
            TimeUnit::Month
        );
        assert_eq!("1.5y".parse::<Duration>().unwrap().value, 1.5);
        assert!("52".parse::<Duration>().is_err());
        assert!("52 fortnights".parse::<Duration>().is_err());
        assert!("-3w".parse::<Duration>().is_err());
        assert!(
            (Duration::new(1.0, TimeUnit::Year).in_unit(TimeUnit::Week) - 52.1775).abs() < 1e-4
        );
    }

    #[test]
    fn discount_rates_convert_between_periods() {
        let r: DiscountRate = "10%/year".parse().unwrap();
        assert!((r.rate - 0.1).abs() < 1e-15);
        let monthly = r.over(Duration::new(1.0, TimeUnit::Month));
        assert!((monthly - (1.1f64.powf(1.0 / 12.0) - 1.0)).abs() < 1e-12);
        let m: DiscountRate = "0.01/month".parse().unwrap();
        assert!(
            (m.over(Duration::new(12.0, TimeUnit::Month)) - (1.01f64.powi(12) - 1.0)).abs() < 1e-12
        );
        let q: DiscountRate = "3%/13w".parse().unwrap();
        assert_eq!(q.per, Duration::new(13.0, TimeUnit::Week));
        assert!("10%".parse::<DiscountRate>().is_err());
        assert!("abc/year".parse::<DiscountRate>().is_err());
    }

    #[test]
    fn dates_round_trip() {
        let d = parse_date("1997-09-30").unwrap();
        assert_eq!(parse_date("19970930").unwrap(), d);
        assert_eq!(parse_date("1997-09-30T12:30:00").unwrap(), d);
        assert_eq!(iso(d), "1997-09-30");
        assert!(parse_date("1997-13-01").is_err());
    }
}

//! The one day convention: which calendar day an instant falls on.
//!
//! An *instant* (a datetime written with an offset, a time-zone-aware Parquet timestamp, a
//! protobuf `Timestamp`) is given the calendar day it falls on in one configured [`Zone`],
//! UTC unless the user says otherwise (`--timezone`, stored in CLV models). A datetime written
//! without an offset, or a plain date, is already a local day and keeps the date written.
//!
//! So the CLI, batch jobs and the gRPC server put a purchase on the same day whatever offset
//! each source happened to write it with: `2024-03-02T00:30:00+01:00` and
//! `2024-03-01T23:30:00Z` are the same instant, on 2024-03-01 in UTC and on 2024-03-02 in
//! `+01:00` or `Europe/Paris`.

use super::Day;
use crate::CoreError;
use chrono::{DateTime, Offset, TimeZone};
use std::fmt;
use std::str::FromStr;

const SECONDS_PER_DAY: i64 = 86_400;

/// A time zone in which instants get their calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zone {
    /// UTC (the default).
    #[default]
    Utc,
    /// A fixed offset east of UTC, in seconds (never 0: that is [`Zone::Utc`]).
    Fixed(i32),
    /// An IANA zone such as `Europe/Paris`, with its daylight-saving rules.
    Named(chrono_tz::Tz),
}

impl Zone {
    /// Whether days are UTC days (the default convention).
    pub fn is_utc(self) -> bool {
        self == Zone::Utc
    }

    /// Seconds east of UTC of this zone at the instant `seconds` (Unix seconds); `None` out
    /// of chrono's range.
    pub fn offset_at(self, seconds: i64) -> Option<i64> {
        match self {
            Zone::Utc => Some(0),
            Zone::Fixed(offset) => Some(i64::from(offset)),
            Zone::Named(tz) => {
                let utc = DateTime::from_timestamp(seconds, 0)?.naive_utc();
                Some(i64::from(
                    tz.offset_from_utc_datetime(&utc).fix().local_minus_utc(),
                ))
            }
        }
    }

    /// The calendar day in this zone of the instant `seconds` since 1970-01-01T00:00:00Z
    /// (negative before); `None` when the day is out of range.
    pub fn day(self, seconds: i64) -> Option<Day> {
        let local = seconds.checked_add(self.offset_at(seconds)?)?;
        Day::try_from(local.div_euclid(SECONDS_PER_DAY)).ok()
    }

    /// The calendar day in this zone of a timestamp counted in `1 / per_second` seconds since
    /// the epoch (1,000 for milliseconds...); the fraction of a second never changes the day.
    pub fn day_of_timestamp(self, ts: i64, per_second: i64) -> Option<Day> {
        if per_second <= 0 {
            return None;
        }
        self.day(ts.div_euclid(per_second))
    }
}

/// `UTC` (also `Z`, `GMT`, `Etc/UTC`, any case), a fixed offset `+01:00`, `-0530` or `+01`,
/// or an IANA name such as `Europe/Paris` (as spelt in the tz database).
impl FromStr for Zone {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Zone, CoreError> {
        let t = s.trim();
        let utc = [
            "utc",
            "z",
            "gmt",
            "etc/utc",
            "etc/gmt",
            "etc/zulu",
            "zulu",
            "universal",
        ];
        if utc.iter().any(|u| t.eq_ignore_ascii_case(u)) {
            return Ok(Zone::Utc);
        }
        let invalid = |reason: &str| CoreError::InvalidTimeZone {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        if t.starts_with(['+', '-']) {
            return match fixed_offset(t) {
                Some(0) => Ok(Zone::Utc),
                Some(secs) => Ok(Zone::Fixed(secs)),
                None => Err(invalid(
                    "an offset is +HH:MM, +HHMM or +HH (or -), under 24 hours",
                )),
            };
        }
        t.parse::<chrono_tz::Tz>().map(Zone::Named).map_err(|_| {
            invalid("expected UTC, an offset such as +01:00 or an IANA name such as Europe/Paris")
        })
    }
}

/// The form [`FromStr`] reads back: `UTC`, `+01:00`, `-05:30`, `Europe/Paris`.
impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Utc => f.write_str("UTC"),
            Zone::Fixed(secs) => {
                let sign = if *secs < 0 { '-' } else { '+' };
                let a = secs.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
            }
            Zone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

/// Seconds east of UTC of `+HH:MM`, `-HHMM` or `+HH` (hours under 24, minutes under 60).
pub(crate) fn fixed_offset(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let two = |i: usize| -> Option<i32> {
        let (h, l) = (*b.get(i)?, *b.get(i + 1)?);
        (h.is_ascii_digit() && l.is_ascii_digit())
            .then(|| i32::from(h - b'0') * 10 + i32::from(l - b'0'))
    };
    let hours = two(1)?;
    let minutes = match b.len() {
        3 => 0,
        5 => two(3)?,
        6 if b[3] == b':' => two(4)?,
        _ => return None,
    };
    (hours < 24 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_date;

    /// Unix seconds of `date` at `hh:mm` UTC.
    fn at(date: &str, hh: i64, mm: i64) -> i64 {
        i64::from(parse_date(date).unwrap()) * SECONDS_PER_DAY + hh * 3600 + mm * 60
    }

    fn day(date: &str) -> Day {
        parse_date(date).unwrap()
    }

    fn zone(s: &str) -> Zone {
        s.parse().unwrap()
    }

    #[test]
    fn instants_just_either_side_of_local_midnight_fall_on_their_local_day() {
        let plus1 = zone("+01:00");
        // 2024-03-02T00:30+01:00 is 2024-03-01T23:30Z.
        let t = at("2024-03-01", 23, 30);
        assert_eq!(Zone::Utc.day(t), Some(day("2024-03-01")));
        assert_eq!(plus1.day(t), Some(day("2024-03-02")));
        // One second before local midnight, and midnight itself.
        let midnight = at("2024-03-01", 23, 0);
        assert_eq!(plus1.day(midnight - 1), Some(day("2024-03-01")));
        assert_eq!(plus1.day(midnight), Some(day("2024-03-02")));
        assert_eq!(
            Zone::Utc.day(at("2024-03-02", 0, 0) - 1),
            Some(day("2024-03-01"))
        );
        assert_eq!(
            Zone::Utc.day(at("2024-03-02", 0, 0)),
            Some(day("2024-03-02"))
        );
    }

    #[test]
    fn negative_offsets_put_early_utc_instants_on_the_previous_day() {
        let t = at("2024-03-02", 3, 0);
        assert_eq!(zone("-05:00").day(t), Some(day("2024-03-01")));
        assert_eq!(zone("-0300").day(t), Some(day("2024-03-02")));
        assert_eq!(zone("-03:01").day(t), Some(day("2024-03-01")));
        assert_eq!(zone("-09:30").day(t), Some(day("2024-03-01")));
        assert_eq!(zone("-09:30").offset_at(t), Some(-34_200));
    }

    #[test]
    fn named_zones_follow_daylight_saving_time() {
        let paris = zone("Europe/Paris");
        // Winter (+01:00): 23:30Z is already the next day.
        assert_eq!(paris.day(at("2024-03-30", 23, 30)), Some(day("2024-03-31")));
        assert_eq!(paris.offset_at(at("2024-03-30", 23, 30)), Some(3600));
        // Summer (+02:00): 22:30Z is the next day, which +01:00 would not give.
        let summer = at("2024-10-26", 22, 30);
        assert_eq!(paris.offset_at(summer), Some(7200));
        assert_eq!(paris.day(summer), Some(day("2024-10-27")));
        assert_eq!(zone("+01:00").day(summer), Some(day("2024-10-26")));
        // Back to winter after 2024-10-27T01:00Z: 22:30Z is 23:30 local, the same day.
        assert_eq!(paris.day(at("2024-10-27", 22, 30)), Some(day("2024-10-27")));
        let ny = zone("America/New_York");
        assert_eq!(ny.day(at("2024-07-01", 3, 59)), Some(day("2024-06-30")));
        assert_eq!(ny.day(at("2024-07-01", 4, 0)), Some(day("2024-07-01")));
        assert_eq!(ny.day(at("2024-01-01", 4, 59)), Some(day("2023-12-31")));
    }

    #[test]
    fn instants_before_1970_round_down_to_their_day() {
        assert_eq!(Zone::Utc.day(-1), Some(-1));
        assert_eq!(Zone::Utc.day(-SECONDS_PER_DAY), Some(-1));
        assert_eq!(Zone::Utc.day(-SECONDS_PER_DAY - 1), Some(-2));
        // 1969-12-31T23:30Z is 1970-01-01 in +01:00 and 1969-12-31 in -01:00.
        let t = at("1969-12-31", 23, 30);
        assert_eq!(zone("+01:00").day(t), Some(0));
        assert_eq!(zone("-01:00").day(t), Some(-1));
        assert_eq!(
            zone("Europe/Paris").day(at("1950-06-01", 23, 30)),
            Some(day("1950-06-02"))
        );
        assert_eq!(Zone::Utc.day_of_timestamp(-1, 1_000_000), Some(-1));
        assert_eq!(Zone::Utc.day_of_timestamp(i64::MIN, 1_000), None);
        assert_eq!(zone("Europe/Paris").day(i64::MIN), None);
        assert_eq!(Zone::Utc.day(i64::MAX), None);
    }

    #[test]
    fn zone_names_parse_and_print_back() {
        for (given, shown) in [
            ("UTC", "UTC"),
            ("utc", "UTC"),
            ("Z", "UTC"),
            ("Etc/UTC", "UTC"),
            ("+00:00", "UTC"),
            ("+01:00", "+01:00"),
            ("+0100", "+01:00"),
            ("+01", "+01:00"),
            ("-05:30", "-05:30"),
            ("Europe/Paris", "Europe/Paris"),
            (" Asia/Kolkata ", "Asia/Kolkata"),
        ] {
            let z: Zone = given.parse().unwrap();
            assert_eq!(z.to_string(), shown, "{given:?}");
            assert_eq!(shown.parse::<Zone>().unwrap(), z, "{shown:?}");
        }
        assert_eq!(zone("-05:30"), Zone::Fixed(-19_800));
        assert!(zone("UTC").is_utc() && !zone("+01:00").is_utc());
        for bad in [
            "Mars/Olympus",
            "",
            "+24:00",
            "+01:60",
            "+1",
            "+01:0",
            "+01-00",
            "CET+1",
        ] {
            let e = bad.parse::<Zone>().unwrap_err();
            assert!(
                matches!(&e, CoreError::InvalidTimeZone { input, .. } if input == bad),
                "{bad:?}: {e}"
            );
        }
    }
}

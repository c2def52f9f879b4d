//! Calendar days of Parquet timestamps: the day in the timestamp's own time zone.
//!
//! polars' own `Datetime → Date` cast takes the UTC day whatever the zone (the `timezones`
//! feature is off), so a purchase at 00:30 in Berlin would land on the previous day. The zone is
//! resolved here instead: UTC and fixed offsets by arithmetic, named zones with chrono-tz.

use super::date::day_of;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use polars::prelude::TimeUnit;
use retain_core::time::Day;

/// The time zone of a Datetime column.
#[derive(Debug, Clone, Copy)]
pub(super) enum Zone {
    /// No zone (wall-clock times) or UTC.
    Utc,
    /// A fixed offset from UTC, in seconds.
    Fixed(i64),
    /// An IANA zone such as `Europe/Berlin`.
    Named(chrono_tz::Tz),
}

impl Zone {
    /// The zone named `tz`; `None` if neither IANA nor a fixed offset such as `+02:00`.
    pub(super) fn new(tz: Option<&str>) -> Option<Zone> {
        let Some(tz) = tz else { return Some(Zone::Utc) };
        if matches!(tz, "UTC" | "Etc/UTC" | "Z" | "utc") {
            return Some(Zone::Utc);
        }
        if let Some(secs) = fixed_offset(tz) {
            return Some(Zone::Fixed(secs));
        }
        tz.parse::<chrono_tz::Tz>().ok().map(Zone::Named)
    }

    /// The calendar day of timestamp `ts` counted in `unit`s since the epoch; `None` when out of range.
    pub(super) fn day(self, ts: i64, unit: TimeUnit) -> Option<Day> {
        let per_sec: i64 = match unit {
            TimeUnit::Nanoseconds => 1_000_000_000,
            TimeUnit::Microseconds => 1_000_000,
            TimeUnit::Milliseconds => 1_000,
        };
        let secs = ts.div_euclid(per_sec);
        let local = match self {
            Zone::Utc => secs,
            Zone::Fixed(offset) => secs.checked_add(offset)?,
            Zone::Named(tz) => {
                let utc: NaiveDateTime = DateTime::from_timestamp(secs, 0)?.naive_utc();
                return Some(day_of(tz.from_utc_datetime(&utc).date_naive()));
            }
        };
        Day::try_from(local.div_euclid(86_400)).ok()
    }
}

/// Seconds east of UTC of `+HH:MM`, `-HHMM` or `+HH`.
fn fixed_offset(tz: &str) -> Option<i64> {
    let (sign, rest) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits
        .get(2..)
        .filter(|s| !s.is_empty())
        .map_or(Some(0), |s| s.parse().ok())?;
    let secs = h * 3600 + m * 60;
    // Validates the range the same way chrono does.
    FixedOffset::east_opt((sign * secs) as i32)?;
    Some(sign * secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use retain_core::time::parse_date;

    const NS: i64 = 1_000_000_000;

    #[test]
    fn days_are_taken_in_the_timestamps_own_zone() {
        // 1997-09-30T22:30:00Z
        let ts = (parse_date("1997-09-30").unwrap() as i64 * 86_400 + 22 * 3600 + 1800) * NS;
        let sep30 = parse_date("1997-09-30").unwrap();
        assert_eq!(
            Zone::new(None).unwrap().day(ts, TimeUnit::Nanoseconds),
            Some(sep30)
        );
        assert_eq!(
            Zone::new(Some("UTC"))
                .unwrap()
                .day(ts, TimeUnit::Nanoseconds),
            Some(sep30)
        );
        assert_eq!(
            Zone::new(Some("+02:00"))
                .unwrap()
                .day(ts, TimeUnit::Nanoseconds),
            Some(sep30 + 1)
        );
        assert_eq!(
            Zone::new(Some("-0500"))
                .unwrap()
                .day(ts, TimeUnit::Nanoseconds),
            Some(sep30)
        );
        // Berlin is at +02:00 (summer time) on that day.
        let berlin = Zone::new(Some("Europe/Berlin")).unwrap();
        assert_eq!(berlin.day(ts, TimeUnit::Nanoseconds), Some(sep30 + 1));
        assert_eq!(
            berlin.day(ts / 1_000_000, TimeUnit::Milliseconds),
            Some(sep30 + 1)
        );
        assert!(Zone::new(Some("Mars/Olympus")).is_none());
        assert!(Zone::new(Some("+99:00")).is_none());
    }

    #[test]
    fn timestamps_before_1970_round_down_to_their_day() {
        let z = Zone::new(None).unwrap();
        assert_eq!(z.day(-1, TimeUnit::Microseconds), Some(-1));
        assert_eq!(z.day(i64::MIN, TimeUnit::Milliseconds), None);
    }
}

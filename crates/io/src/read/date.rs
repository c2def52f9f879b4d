//! Text dates → [`Day`], with hand-written fast paths for the common fixed formats.
//!
//! chrono's `parse_from_str` re-reads the format and goes through a generic parser for every
//! value; on 100M rows that is seconds. ISO `%Y-%m-%d` and compact `%Y%m%d` dates are parsed
//! here digit by digit and validated with `NaiveDate::from_ymd_opt`. Anything the fast path does
//! not recognise falls back to chrono with the format pre-compiled once, so the accepted
//! language is exactly chrono's.
//!
//! Days follow the one convention of [`Zone`]: a value with an offset (`Z`, `+01:00`, a
//! format's `%z`) or a Unix timestamp (`%s`) is an instant, and gets its calendar day in the
//! configured zone; a date, or a datetime without an offset, keeps the date written.

use super::error::ReadError;
use chrono::format::{Item, Parsed, StrftimeItems, parse};
use chrono::{Datelike, NaiveDate};
use retain_core::time::{Day, Zone};

/// Days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
const EPOCH_FROM_CE: i32 = 719_163;

/// A date parser for one format, compiled once.
#[derive(Debug, Clone)]
pub(super) struct DateParser {
    kind: Kind,
    /// The zone in which instants get their day.
    zone: Zone,
}

#[derive(Debug, Clone)]
enum Kind {
    /// No format given: ISO date, ISO datetime (with or without an offset) or compact date.
    Default,
    /// `%Y%m%d`.
    Compact(Vec<Item<'static>>),
    /// `%Y-%m-%d`.
    Iso(Vec<Item<'static>>),
    /// Any other chrono format.
    Chrono(String, Vec<Item<'static>>),
}

impl DateParser {
    /// A parser for `format` (`None`: ISO dates, ISO datetimes or compact dates) giving
    /// instants their day in `zone`.
    pub(super) fn new(format: Option<&str>, zone: Zone) -> Result<Self, ReadError> {
        let Some(f) = format else {
            return Ok(DateParser {
                kind: Kind::Default,
                zone,
            });
        };
        let items = StrftimeItems::new(f).parse_to_owned().map_err(|_| {
            ReadError::InvalidOptions(format!("date format {f:?} is not a valid strftime format"))
        })?;
        if items.is_empty() {
            return Err(ReadError::InvalidOptions(
                "the date format is empty".to_string(),
            ));
        }
        let kind = match f {
            "%Y%m%d" => Kind::Compact(items),
            "%Y-%m-%d" | "%F" => Kind::Iso(items),
            _ => Kind::Chrono(f.to_string(), items),
        };
        Ok(DateParser { kind, zone })
    }

    /// The zone in which instants (including time-zone-aware timestamps) get their day.
    pub(super) fn zone(&self) -> Zone {
        self.zone
    }

    /// What the parser expects, for error messages.
    pub(super) fn expected(&self) -> String {
        match &self.kind {
            Kind::Default => {
                "YYYY-MM-DD, an ISO datetime (offset optional, e.g. +01:00 or Z) or YYYYMMDD"
                    .to_string()
            }
            Kind::Compact(_) => "%Y%m%d".to_string(),
            Kind::Iso(_) => "%Y-%m-%d".to_string(),
            Kind::Chrono(f, _) => f.clone(),
        }
    }

    /// The day of `s` (surrounding whitespace ignored), or `None` if it is not a date.
    pub(super) fn parse(&self, s: &str) -> Option<Day> {
        let s = s.trim_ascii();
        match &self.kind {
            Kind::Default => default_date(s.as_bytes(), self.zone),
            Kind::Compact(items) => {
                compact(s.as_bytes()).or_else(|| with_chrono(s, items, self.zone))
            }
            Kind::Iso(items) => iso(s.as_bytes())
                .filter(|_| s.len() == 10)
                .or_else(|| with_chrono(s, items, self.zone)),
            Kind::Chrono(_, items) => with_chrono(s, items, self.zone),
        }
    }
}

/// Days since 1970-01-01 of a calendar date.
pub(super) fn day_of(date: NaiveDate) -> Day {
    date.num_days_from_ce() - EPOCH_FROM_CE
}

/// A value parsed with a chrono format: an instant (the format has an offset or a Unix
/// timestamp) gets its day in `zone`, anything else the date written.
fn with_chrono(s: &str, items: &[Item<'static>], zone: Zone) -> Option<Day> {
    let mut parsed = Parsed::new();
    parse(&mut parsed, s, items.iter()).ok()?;
    if (parsed.offset().is_some() || parsed.timestamp().is_some())
        && let Ok(instant) = parsed.to_datetime()
    {
        return zone.day(instant.timestamp());
    }
    parsed.to_naive_date().ok().map(day_of)
}

fn ymd(y: u32, m: u32, d: u32) -> Option<Day> {
    NaiveDate::from_ymd_opt(y as i32, m, d).map(day_of)
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// `YYYYMMDD`, exactly eight digits.
fn compact(b: &[u8]) -> Option<Day> {
    if b.len() != 8 {
        return None;
    }
    ymd(digits(&b[..4])?, digits(&b[4..6])?, digits(&b[6..])?)
}

/// `YYYY-MM-DD` at the start of `b`.
fn iso(b: &[u8]) -> Option<Day> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    ymd(digits(&b[..4])?, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// An ISO date, a compact date, or an ISO datetime `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][offset]`.
///
/// Without an offset the datetime is local and its day is the date written. With one (`Z`,
/// `UTC`, `GMT`, `+HH:MM`, `+HHMM`, `+HH`, optionally after a space) it is an instant, and its
/// day is the one in `zone`. Anything else after the time is not a date: an unknown suffix
/// could be a zone, and ignoring it would silently move purchases between days.
fn default_date(b: &[u8], zone: Zone) -> Option<Day> {
    if b.len() == 8 {
        return compact(b);
    }
    let day = iso(b)?;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(day);
    }
    if !matches!(rest[0], b'T' | b't' | b' ') || rest.len() < 6 || rest[3] != b':' {
        return None;
    }
    let (h, m) = (digits(&rest[1..3])?, digits(&rest[4..6])?);
    if h >= 24 || m >= 60 {
        return None;
    }
    let mut rest = &rest[6..];
    let mut s = 0;
    if let [b':', s1, s2, tail @ ..] = rest {
        // 60: a leap second.
        s = digits(&[*s1, *s2]).filter(|s| *s <= 60)?;
        rest = tail;
        if let [b'.' | b',', tail @ ..] = rest {
            let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            rest = &tail[n..];
        }
    }
    if rest.is_empty() {
        return Some(day);
    }
    let offset = offset(rest.strip_prefix(b" ").unwrap_or(rest))?;
    let local = i64::from(day) * 86_400 + i64::from(h * 3600 + m * 60 + s);
    zone.day(local - i64::from(offset))
}

/// Seconds east of UTC of a written offset: `Z`, `UTC`, `GMT`, `+HH:MM`, `+HHMM` or `+HH`.
fn offset(b: &[u8]) -> Option<i32> {
    if b.eq_ignore_ascii_case(b"z")
        || b.eq_ignore_ascii_case(b"utc")
        || b.eq_ignore_ascii_case(b"gmt")
    {
        return Some(0);
    }
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = match &b[1..] {
        [h1, h2] => (digits(&[*h1, *h2])?, 0),
        [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?),
        _ => return None,
    };
    (h < 24 && m < 60).then(|| sign * (h * 3600 + m * 60) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use retain_core::time::parse_date;

    fn p(format: Option<&str>, s: &str) -> Option<Day> {
        DateParser::new(format, Zone::Utc).unwrap().parse(s)
    }

    fn in_zone(zone: &str, format: Option<&str>, s: &str) -> Option<Day> {
        DateParser::new(format, zone.parse().unwrap())
            .unwrap()
            .parse(s)
    }

    #[test]
    fn default_format_reads_iso_dates_datetimes_and_compact_dates() {
        let d = parse_date("1997-09-30").unwrap();
        assert_eq!(p(None, "1997-09-30"), Some(d));
        assert_eq!(p(None, " 1997-09-30 "), Some(d));
        assert_eq!(p(None, "19970930"), Some(d));
        assert_eq!(p(None, "1997-09-30T23:59:59.123"), Some(d));
        assert_eq!(p(None, "1997-09-30T23:59:59.123+02:00"), Some(d));
        assert_eq!(p(None, "1997-09-30 08:15"), Some(d));
        assert_eq!(p(None, "1970-01-01"), Some(0));
        assert_eq!(p(None, "1969-12-31"), Some(-1));
        for bad in [
            "1997-13-01",
            "1997-02-29",
            "1997-9-30",
            "30/09/1997",
            "1997-09-30T25:00",
            "1997-09-30x",
            "1997-09-30T10:00:00+25:00",
            "1997-09-30T10:00:00 CEST",
            "1997-09-30T10:00:00.+01:00",
            "1997-09-30T10:00:61",
            "",
            "1997093",
        ] {
            assert_eq!(p(None, bad), None, "{bad:?}");
        }
        assert_eq!(
            p(None, "1996-02-29"),
            Some(parse_date("1996-02-29").unwrap())
        );
    }

    #[test]
    fn fixed_formats_use_the_fast_path_and_agree_with_chrono() {
        let d = parse_date("1997-01-01").unwrap();
        assert_eq!(p(Some("%Y%m%d"), "19970101"), Some(d));
        assert_eq!(p(Some("%Y%m%d"), "19970231"), None);
        assert_eq!(p(Some("%Y%m%d"), "1997-01-01"), None);
        assert_eq!(p(Some("%Y-%m-%d"), "1997-01-01"), Some(d));
        // chrono accepts unpadded fields; the fast path falls back to it rather than refusing.
        assert_eq!(p(Some("%Y-%m-%d"), "1997-1-1"), Some(d));
        assert_eq!(p(Some("%Y-%m-%d"), "1997-01-01T10:00"), None);
    }

    #[test]
    fn other_formats_go_through_chrono_and_ignore_the_time() {
        let d = parse_date("1997-03-25").unwrap();
        assert_eq!(p(Some("%d/%m/%Y"), "25/03/1997"), Some(d));
        assert_eq!(p(Some("%d/%m/%Y %H:%M"), "25/03/1997 23:10"), Some(d));
        assert_eq!(p(Some("%d/%m/%Y"), "03/25/1997"), None);
        assert_eq!(p(Some("%d %b %Y"), "25 Mar 1997"), Some(d));
    }

    #[test]
    fn invalid_formats_are_refused_up_front() {
        assert!(DateParser::new(Some("%Q"), Zone::Utc).is_err());
        assert!(DateParser::new(Some(""), Zone::Utc).is_err());
        assert_eq!(
            DateParser::new(Some("%d.%m.%Y"), Zone::Utc)
                .unwrap()
                .expected(),
            "%d.%m.%Y"
        );
    }

    #[test]
    fn datetimes_with_an_offset_get_their_day_in_the_configured_zone() {
        let mar1 = parse_date("2024-03-01").unwrap();
        // 00:30 at +01:00 is 23:30 UTC the day before.
        for s in [
            "2024-03-02T00:30:00+01:00",
            "2024-03-02T00:30+01:00",
            "2024-03-02 00:30:00.250 +0100",
            "2024-03-02T00:30:00+01",
            "2024-03-01T23:30:00Z",
            "2024-03-01 23:30:00 UTC",
        ] {
            assert_eq!(p(None, s), Some(mar1), "{s}");
            assert_eq!(in_zone("+01:00", None, s), Some(mar1 + 1), "{s}");
            assert_eq!(in_zone("Europe/Paris", None, s), Some(mar1 + 1), "{s}");
        }
        // Negative offsets move late evenings to the next UTC day, not in their own zone.
        assert_eq!(p(None, "2024-03-01T20:00:00-05:00"), Some(mar1 + 1));
        assert_eq!(
            in_zone("-05:00", None, "2024-03-01T20:00:00-05:00"),
            Some(mar1)
        );
        // Without an offset the time is local: the date written, whatever the zone.
        assert_eq!(in_zone("+01:00", None, "2024-03-01T23:30:00"), Some(mar1));
        assert_eq!(in_zone("-05:00", None, "2024-03-02 00:30"), Some(mar1 + 1));
        assert_eq!(in_zone("+01:00", None, "2024-03-01"), Some(mar1));
        assert_eq!(in_zone("+01:00", Some("%Y%m%d"), "20240301"), Some(mar1));
        // Before 1970.
        assert_eq!(p(None, "1970-01-01T00:30:00+01:00"), Some(-1));
        assert_eq!(
            in_zone("+01:00", None, "1970-01-01T00:30:00+01:00"),
            Some(0)
        );
    }

    #[test]
    fn chrono_formats_with_an_offset_or_a_timestamp_are_instants() {
        let mar1 = parse_date("2024-03-01").unwrap();
        let f = Some("%d/%m/%Y %H:%M %z");
        assert_eq!(p(f, "02/03/2024 00:30 +0100"), Some(mar1));
        assert_eq!(
            in_zone("+01:00", f, "02/03/2024 00:30 +0100"),
            Some(mar1 + 1)
        );
        // Without %z the written date stands, as before.
        assert_eq!(
            in_zone("-05:00", Some("%d/%m/%Y %H:%M"), "02/03/2024 00:30"),
            Some(mar1 + 1)
        );
        // 1709335800 is 2024-03-01T23:30:00Z.
        assert_eq!(p(Some("%s"), "1709335800"), Some(mar1));
        assert_eq!(
            in_zone("Europe/Paris", Some("%s"), "1709335800"),
            Some(mar1 + 1)
        );
    }
}

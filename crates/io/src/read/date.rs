//! Text dates → [`Day`], with hand-written fast paths for the common fixed formats.
//!
//! chrono's `parse_from_str` re-reads the format and goes through a generic parser for every
//! value; on 100M rows that is seconds. ISO `%Y-%m-%d` and compact `%Y%m%d` dates are parsed
//! here digit by digit and validated with `NaiveDate::from_ymd_opt`. Anything the fast path does
//! not recognise falls back to chrono with the format pre-compiled once, so the accepted
//! language is exactly chrono's.

use super::error::ReadError;
use chrono::format::{Item, Parsed, StrftimeItems, parse};
use chrono::{Datelike, NaiveDate};
use retain_core::time::Day;

/// Days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
const EPOCH_FROM_CE: i32 = 719_163;

/// A date parser for one format, compiled once.
#[derive(Debug, Clone)]
pub(super) struct DateParser {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// No format given: ISO date, ISO datetime (time ignored) or compact date.
    Default,
    /// `%Y%m%d`.
    Compact(Vec<Item<'static>>),
    /// `%Y-%m-%d`.
    Iso(Vec<Item<'static>>),
    /// Any other chrono format.
    Chrono(String, Vec<Item<'static>>),
}

impl DateParser {
    /// A parser for `format` (`None`: ISO dates, ISO datetimes or compact dates).
    pub(super) fn new(format: Option<&str>) -> Result<Self, ReadError> {
        let Some(f) = format else {
            return Ok(DateParser {
                kind: Kind::Default,
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
        Ok(DateParser { kind })
    }

    /// What the parser expects, for error messages.
    pub(super) fn expected(&self) -> String {
        match &self.kind {
            Kind::Default => "YYYY-MM-DD, an ISO datetime or YYYYMMDD".to_string(),
            Kind::Compact(_) => "%Y%m%d".to_string(),
            Kind::Iso(_) => "%Y-%m-%d".to_string(),
            Kind::Chrono(f, _) => f.clone(),
        }
    }

    /// The day of `s` (surrounding whitespace ignored), or `None` if it is not a date.
    pub(super) fn parse(&self, s: &str) -> Option<Day> {
        let s = s.trim_ascii();
        match &self.kind {
            Kind::Default => default_date(s.as_bytes()),
            Kind::Compact(items) => compact(s.as_bytes()).or_else(|| with_chrono(s, items)),
            Kind::Iso(items) => iso(s.as_bytes())
                .filter(|_| s.len() == 10)
                .or_else(|| with_chrono(s, items)),
            Kind::Chrono(_, items) => with_chrono(s, items),
        }
    }
}

/// Days since 1970-01-01 of a calendar date.
pub(super) fn day_of(date: NaiveDate) -> Day {
    date.num_days_from_ce() - EPOCH_FROM_CE
}

fn with_chrono(s: &str, items: &[Item<'static>]) -> Option<Day> {
    let mut parsed = Parsed::new();
    parse(&mut parsed, s, items.iter()).ok()?;
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

/// An ISO date, an ISO datetime whose time starts with a valid `HH:MM` (the rest of the time,
/// fractions and offset, is ignored: the calendar day is the one written), or a compact date.
fn default_date(b: &[u8]) -> Option<Day> {
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
    (h < 24 && m < 60).then_some(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use retain_core::time::parse_date;

    fn p(format: Option<&str>, s: &str) -> Option<Day> {
        DateParser::new(format).unwrap().parse(s)
    }

    #[test]
    fn default_format_reads_iso_dates_datetimes_and_compact_dates() {
        let d = parse_date("1997-09-30").unwrap();
        assert_eq!(p(None, "1997-09-30"), Some(d));
        assert_eq!(p(None, " 1997-09-30 "), Some(d));
        assert_eq!(p(None, "19970930"), Some(d));
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
        assert!(DateParser::new(Some("%Q")).is_err());
        assert!(DateParser::new(Some("")).is_err());
        assert_eq!(
            DateParser::new(Some("%d.%m.%Y")).unwrap().expected(),
            "%d.%m.%Y"
        );
    }
}

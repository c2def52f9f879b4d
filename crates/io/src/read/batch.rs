//! One polars batch (customer, date and amount columns of any supported type) → transactions.
//!
//! Text files arrive as String columns; Parquet columns keep their types. Values are walked
//! column-wise with polars' iterators, without a per-row allocation on the happy path.

use super::collect::{self, Collector};
use super::date::DateParser;
use super::error::{Field, Location, Problem, ReadError};
use super::options::ColumnRef;
use polars::prelude::*;
use retain_core::time::{Day, Zone, iso};

/// A column of the batch and how to name it in messages.
#[derive(Debug, Clone)]
pub(super) struct Target {
    /// The column's name in the polars frame.
    pub(super) name: PlSmallStr,
    /// The column as the user knows it.
    pub(super) label: ColumnRef,
}

/// Reads batches into a [`Collector`].
#[derive(Debug)]
pub(super) struct BatchReader {
    collector: Collector,
    dates: DateParser,
    customer: Target,
    date: Target,
    amount: Target,
    /// Rows seen so far (the 1-based number of the last row).
    rows_seen: usize,
    /// Text files: a row whose three fields are all empty is a blank line, not a bad row.
    blank_rows_allowed: bool,
}

/// One cell, as far as reading transactions is concerned.
enum Value<'a> {
    Null,
    Str(&'a str),
    Float(f64),
    Day(Day),
    /// A timestamp whose calendar day is out of range.
    OutOfRange(i64),
}

type Values<'a> = Box<dyn Iterator<Item = Value<'a>> + 'a>;

impl BatchReader {
    pub(super) fn new(
        collector: Collector,
        dates: DateParser,
        targets: [Target; 3],
        text: bool,
    ) -> Self {
        let [customer, date, amount] = targets;
        BatchReader {
            collector,
            dates,
            customer,
            date,
            amount,
            rows_seen: 0,
            blank_rows_allowed: text,
        }
    }

    /// The distinct polars column names to select, in a stable order.
    pub(super) fn columns(&self) -> Vec<PlSmallStr> {
        let mut out: Vec<PlSmallStr> = Vec::with_capacity(3);
        for t in [&self.customer, &self.date, &self.amount] {
            if !out.contains(&t.name) {
                out.push(t.name.clone());
            }
        }
        out
    }

    /// The collector, once every batch is read.
    pub(super) fn into_collector(self) -> Collector {
        self.collector
    }

    /// Reads one batch; rows are numbered on from the previous batch.
    pub(super) fn read(&mut self, df: &DataFrame) -> Result<(), ReadError> {
        let BatchReader {
            collector,
            dates,
            customer,
            date,
            amount,
            rows_seen,
            blank_rows_allowed,
        } = self;
        let polars_err = |source| ReadError::Polars {
            path: collector.path().to_path_buf(),
            source,
        };
        let cs = prepare(df, customer, Field::Customer, collector)?;
        let ds = prepare(df, date, Field::Date, collector)?;
        let am = prepare(df, amount, Field::Amount, collector)?;
        let zone = zone_of(&ds, date, dates.zone(), collector)?;
        let (ci, di, ai) = (
            values(&cs, zone).map_err(polars_err)?,
            values(&ds, zone).map_err(polars_err)?,
            values(&am, zone).map_err(polars_err)?,
        );
        for ((c, d), a) in ci.zip(di).zip(ai) {
            *rows_seen += 1;
            let loc = Location::Row(*rows_seen);
            if *blank_rows_allowed && c.is_blank() && d.is_blank() && a.is_blank() {
                continue;
            }
            let id = match collect::customer(c.as_str()) {
                Ok(id) => id,
                Err(p) => {
                    collector.bad(loc, &customer.label, &c.render(), p)?;
                    continue;
                }
            };
            let day = match d {
                Value::Day(day) => Ok(day),
                Value::Null => Err(Problem::Missing(Field::Date)),
                Value::Str(s) if s.trim_ascii().is_empty() => Err(Problem::Missing(Field::Date)),
                Value::Str(s) => dates.parse(s).ok_or_else(|| Problem::InvalidDate {
                    expected: dates.expected(),
                }),
                Value::Float(_) | Value::OutOfRange(_) => Err(Problem::InvalidDate {
                    expected: "a date within chrono's range".to_string(),
                }),
            };
            let day = match day {
                Ok(day) => day,
                Err(p) => {
                    collector.bad(loc, &date.label, &d.render(), p)?;
                    continue;
                }
            };
            let value = match a {
                Value::Float(f) if f.is_finite() => Ok(f),
                Value::Float(_) => Err(Problem::NotFinite),
                _ => collect::amount(a.as_str()),
            };
            match value {
                Ok(v) => collector.push(id, day, v),
                Err(p) => collector.bad(loc, &amount.label, &a.render(), p)?,
            }
        }
        Ok(())
    }
}

impl Value<'_> {
    fn is_blank(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Str(s) => s.trim_ascii().is_empty(),
            _ => false,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as shown in messages (only built for bad rows).
    fn render(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Str(s) => s.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Day(d) => iso(*d),
            Value::OutOfRange(ts) => format!("timestamp {ts}"),
        }
    }
}

/// The column `t` cast to a type [`values`] walks: String, Float64, Date or Datetime.
fn prepare(df: &DataFrame, t: &Target, field: Field, c: &Collector) -> Result<Series, ReadError> {
    let polars_err = |source| ReadError::Polars {
        path: c.path().to_path_buf(),
        source,
    };
    let s = df
        .column(&t.name)
        .map_err(polars_err)?
        .as_materialized_series();
    let dtype = s.dtype();
    let unsupported = |expected| ReadError::UnsupportedType {
        path: c.path().to_path_buf(),
        column: t.label.clone(),
        dtype: dtype.to_string(),
        expected,
    };
    let target = match (field, dtype) {
        (_, DataType::String) => return Ok(s.clone()),
        (Field::Customer, d) if d.is_integer() => DataType::String,
        (Field::Customer, _) => return Err(unsupported("text or integer customer ids")),
        (Field::Date, DataType::Date | DataType::Datetime(_, _)) => return Ok(s.clone()),
        // Integer dates such as 19970101, parsed with the date format.
        (Field::Date, d) if d.is_integer() => DataType::String,
        (Field::Date, _) => return Err(unsupported("a date, datetime, text or integer date")),
        (Field::Amount, d) if d.is_primitive_numeric() => DataType::Float64,
        (Field::Amount, _) => return Err(unsupported("a number or text")),
    };
    s.cast(&target).map_err(polars_err)
}

/// The zone in which the date column's timestamps get their day: for a time-zone-aware
/// Datetime (an instant) the configured one, whatever zone the column was written in; for a
/// naive Datetime (a wall-clock time, stored as if in UTC) UTC, which gives the date written.
fn zone_of(s: &Series, t: &Target, configured: Zone, c: &Collector) -> Result<Zone, ReadError> {
    let DataType::Datetime(_, Some(tz)) = s.dtype() else {
        return Ok(Zone::Utc);
    };
    // The column's own zone does not change the instant, but a zone nobody knows is more
    // likely a broken file than a convention.
    match tz.as_str().parse::<Zone>() {
        Ok(_) => Ok(configured),
        Err(_) => Err(ReadError::UnsupportedType {
            path: c.path().to_path_buf(),
            column: t.label.clone(),
            dtype: s.dtype().to_string(),
            expected: "a datetime in UTC, a fixed offset or an IANA time zone",
        }),
    }
}

fn values(s: &Series, zone: Zone) -> PolarsResult<Values<'_>> {
    Ok(match s.dtype() {
        DataType::String => Box::new(s.str()?.iter().map(|v| v.map_or(Value::Null, Value::Str))),
        DataType::Float64 => Box::new(s.f64()?.iter().map(|v| v.map_or(Value::Null, Value::Float))),
        DataType::Date => Box::new(
            s.date()?
                .physical()
                .iter()
                .map(|v| v.map_or(Value::Null, Value::Day)),
        ),
        DataType::Datetime(unit, _) => {
            let per_second: i64 = match unit {
                TimeUnit::Nanoseconds => 1_000_000_000,
                TimeUnit::Microseconds => 1_000_000,
                TimeUnit::Milliseconds => 1_000,
            };
            Box::new(s.datetime()?.physical().iter().map(move |v| {
                match v {
                    None => Value::Null,
                    Some(ts) => zone
                        .day_of_timestamp(ts, per_second)
                        .map_or(Value::OutOfRange(ts), Value::Day),
                }
            }))
        }
        other => {
            polars_bail!(ComputeError: "internal: unexpected column type {other} after casting")
        }
    })
}

//! Keyword arguments → the library's settings, refused with the argument's name.

use crate::error::value_error;
use pyo3::PyResult;
use retain_core::time::{Day, DiscountRate, Duration, TimeUnit, Zone, parse_date};
use retain_io::read::{ColumnRef, ReadOptions};

/// `value` parsed as `T`, an error naming the keyword argument otherwise.
pub fn parse<T: std::str::FromStr>(name: &str, value: &str) -> PyResult<T>
where
    T::Err: std::fmt::Display,
{
    value
        .parse::<T>()
        .map_err(|e| value_error(format!("{name}={value:?}: {e}")))
}

/// A day (`YYYY-MM-DD`) named by its keyword argument.
pub fn day(name: &str, value: &str) -> PyResult<Day> {
    parse_date(value).map_err(|e| value_error(format!("{name}={value:?}: {e}")))
}

/// Optional parse.
pub fn parse_opt<T: std::str::FromStr>(name: &str, value: Option<&str>) -> PyResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    value.map(|v| parse(name, v)).transpose()
}

/// How to read a transaction table's columns.
pub struct LogColumns<'a> {
    pub customer_col: &'a str,
    pub date_col: &'a str,
    pub amount_col: &'a str,
    pub date_format: Option<&'a str>,
    pub zone: Zone,
}

impl LogColumns<'_> {
    pub fn read_options(&self) -> PyResult<ReadOptions> {
        Ok(ReadOptions {
            customer_col: column("customer_col", self.customer_col)?,
            date_col: column("date_col", self.date_col)?,
            amount_col: column("amount_col", self.amount_col)?,
            date_format: self.date_format.map(str::to_string),
            zone: self.zone,
            ..ReadOptions::default()
        })
    }
}

/// A column named by a keyword argument (a table's columns always have names).
fn column(name: &str, value: &str) -> PyResult<ColumnRef> {
    if value.trim().is_empty() {
        return Err(value_error(format!("{name}: a column name is required")));
    }
    Ok(ColumnRef::Name(value.to_string()))
}

/// Horizon, step and discount of a CLV score.
pub struct ClvSettings {
    pub horizon: Duration,
    pub step: Option<Duration>,
    pub discount: Option<DiscountRate>,
}

impl ClvSettings {
    pub fn parse(horizon: &str, step: Option<&str>, discount: Option<&str>) -> PyResult<Self> {
        Ok(ClvSettings {
            horizon: parse("horizon", horizon)?,
            step: parse_opt("clv_step", step)?,
            discount: parse_opt("discount", discount)?,
        })
    }
}

/// A time unit keyword.
pub fn unit(name: &str, value: &str) -> PyResult<TimeUnit> {
    parse(name, value)
}

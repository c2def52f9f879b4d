//! Significant digits of floats in CSV output (`--precision N`). Without a precision, floats
//! are written with the shortest text that reads back to the same number (up to 17
//! significant digits); with one, every float column is rounded to N significant digits
//! first, so the writer's shortest text has at most N digits. Parquet stores binary floats:
//! there a precision changes nothing and is refused by the CLI.

use crate::IoError;
use polars::prelude::*;
use std::borrow::Cow;

/// Significant digits, 1 to [`Precision::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Precision(u8);

/// 10^0 … 10^22: every one exact in f64, so scaling by them rounds once.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

impl Precision {
    /// The most significant digits an f64 needs to read back exactly.
    pub const MAX: u8 = 17;

    /// `digits` significant digits; 1 to 17.
    pub fn new(digits: u32) -> Result<Precision, IoError> {
        match u8::try_from(digits) {
            Ok(d) if (1..=Self::MAX).contains(&d) => Ok(Precision(d)),
            _ => Err(IoError::Precision {
                given: digits.to_string(),
            }),
        }
    }

    /// The number of significant digits.
    pub fn digits(self) -> u8 {
        self.0
    }

    /// `x` rounded to this many significant digits (zero, NaN and infinities unchanged).
    pub fn round(self, x: f64) -> f64 {
        if x == 0.0 || !x.is_finite() || self.0 >= Self::MAX {
            return x;
        }
        // The decimal exponent of the leading digit, corrected where log10 lands a hair off.
        let mut e = x.abs().log10().floor() as i32;
        if pow10(e).is_some_and(|p| p > x.abs()) {
            e -= 1;
        } else if pow10(e + 1).is_some_and(|p| p <= x.abs()) {
            e += 1;
        }
        let shift = i32::from(self.0) - 1 - e;
        match (shift >= 0, pow10(shift.abs())) {
            (true, Some(m)) => (x * m).round() / m,
            (false, Some(m)) => (x / m).round() * m,
            // Beyond 10^±22 (|x| < 1e-6 at 17 digits, or astronomically large): text rounding.
            _ => format!("{:.*e}", usize::from(self.0 - 1), x)
                .parse()
                .unwrap_or(x),
        }
    }

    /// `df` with every float column rounded (`df` itself when it has none).
    pub fn apply<'a>(self, df: &'a DataFrame) -> Result<Cow<'a, DataFrame>, IoError> {
        let is_float = |c: &Column| matches!(c.dtype(), DataType::Float64 | DataType::Float32);
        if self.0 >= Self::MAX || !df.columns().iter().any(is_float) {
            return Ok(Cow::Borrowed(df));
        }
        let err = |e: PolarsError| IoError::Frame(e.to_string());
        let columns = df
            .columns()
            .iter()
            .map(|c| {
                if !is_float(c) {
                    return Ok(c.clone());
                }
                let v = c.cast(&DataType::Float64).map_err(err)?;
                let rounded = v.f64().map_err(err)?.apply_values(|x| self.round(x));
                Ok(rounded.with_name(c.name().clone()).into_column())
            })
            .collect::<Result<Vec<_>, IoError>>()?;
        Ok(Cow::Owned(
            DataFrame::new(df.height(), columns).map_err(err)?,
        ))
    }
}

fn pow10(e: i32) -> Option<f64> {
    usize::try_from(e).ok().and_then(|e| POW10.get(e).copied())
}

impl std::str::FromStr for Precision {
    type Err = IoError;
    fn from_str(s: &str) -> Result<Precision, IoError> {
        let digits = s.trim().parse::<u32>().map_err(|_| IoError::Precision {
            given: s.to_string(),
        })?;
        Precision::new(digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_significant_digits_whatever_the_magnitude() {
        let p6 = Precision::new(6).unwrap();
        assert_eq!(p6.round(0.123_456_789), 0.123457);
        assert_eq!(p6.round(-1_234.567_89), -1234.57);
        assert_eq!(p6.round(98_765_432.1), 98_765_400.0);
        assert_eq!(p6.round(1e-30 * 1.234_567_89), 1.23457e-30);
        assert_eq!(p6.round(0.0), 0.0);
        assert_eq!(p6.round(1000.0), 1000.0);
        assert_eq!(Precision::new(1).unwrap().round(0.96), 1.0);
        assert_eq!(Precision::new(3).unwrap().round(999.5), 1000.0);
        // 17 digits keep every f64 exactly.
        let x = 0.1 + 0.2;
        assert_eq!(Precision::new(17).unwrap().round(x), x);
    }

    #[test]
    fn the_rounded_value_prints_with_at_most_the_digits_asked_for() {
        for d in 1..=15 {
            let p = Precision::new(d).unwrap();
            for x in [
                std::f64::consts::PI * 1e-5,
                2.0 / 3.0,
                12_345.678_9,
                7.77e12,
            ] {
                let text = format!("{:e}", p.round(x));
                let mantissa = text.split('e').next().unwrap().replace(['.', '-'], "");
                assert!(mantissa.len() <= d as usize, "{x} at {d}: {text}");
            }
        }
    }

    #[test]
    fn only_one_to_seventeen_digits_are_accepted() {
        assert!(Precision::new(0).is_err());
        assert!(Precision::new(18).is_err());
        assert!("x".parse::<Precision>().is_err());
        assert_eq!("17".parse::<Precision>().unwrap().digits(), 17);
    }

    #[test]
    fn only_float_columns_are_rounded() {
        let df = DataFrame::new_infer_height(vec![
            Column::new("id".into(), ["a", "b"]),
            Column::new("n".into(), [123_456_789u32, 2]),
            Column::new("p".into(), [0.123_456_789, 2.0 / 3.0]),
        ])
        .unwrap();
        let out = Precision::new(3).unwrap().apply(&df).unwrap();
        assert_eq!(out.column("n").unwrap(), df.column("n").unwrap());
        let p: Vec<f64> = out
            .column("p")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(p, [0.123, 0.667]);
    }
}

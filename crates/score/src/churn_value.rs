//! Subscription value of scored customers: margin per period, churn period, discounting, and
//! the risk tiers a campaign targets.
//!
//! The formula lives in [`retain_models::subscription`]; this module holds what the artefact
//! records about it (which column is the margin, what period the churn label covers) and turns
//! it into per-period quantities with explicit units.

use crate::ScoreError;
use retain_core::features::{RawColumn, RawTable};
use retain_core::time::{DiscountRate, Duration};
use retain_models::subscription::{SubscriptionSpec, SubscriptionValue, subscription_value};
use serde::{Deserialize, Serialize};

/// How to value a subscriber.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueSpec {
    /// Column holding the revenue or margin per period.
    pub margin_column: String,
    /// Share of that column that is margin (1 when the column already is a margin).
    pub margin_rate: f64,
    /// The period one churn probability covers (the window of the training label).
    pub period: Duration,
    /// Discount rate with its own period; converted to the churn period.
    pub discount: DiscountRate,
    /// Optional cap on the future considered.
    pub horizon: Option<Duration>,
}

impl ValueSpec {
    /// The per-period formula settings; refuses impossible combinations.
    pub fn subscription(&self) -> Result<SubscriptionSpec, ScoreError> {
        if !(self.period.value > 0.0 && self.period.value.is_finite()) {
            return Err(ScoreError::setting(
                "churn period",
                format!("must be positive, got {}", self.period),
            ));
        }
        if !self.margin_rate.is_finite() {
            return Err(ScoreError::setting("margin rate", "must be finite"));
        }
        let horizon_periods = match self.horizon {
            None => None,
            Some(h) => {
                let periods = (h.in_unit(self.period.unit) / self.period.value).round();
                if !(1.0..=1e6).contains(&periods) {
                    return Err(ScoreError::setting(
                        "horizon",
                        format!(
                            "{h} is not between one churn period ({}) and a million of them",
                            self.period
                        ),
                    ));
                }
                Some(periods as u32)
            }
        };
        let spec = SubscriptionSpec {
            discount_per_period: self.discount.over(self.period),
            horizon_periods,
        };
        spec.validate()?;
        Ok(spec)
    }

    /// The margin column of a customer table as numbers (text cells are parsed); a missing
    /// column, an empty cell or a non-number is an error naming the column and data row.
    pub fn margins(&self, table: &RawTable) -> Result<Vec<f64>, ScoreError> {
        let name = &self.margin_column;
        let i = table.names.iter().position(|c| c == name).ok_or_else(|| {
            ScoreError::column(
                name,
                format!("margin column {name:?} is missing from the data"),
            )
        })?;
        let bad = |row: usize, what: String| {
            ScoreError::column(
                name,
                format!("margin column {name:?}, data row {}: {what}", row + 1),
            )
        };
        let parse = |row: usize, x: Option<f64>| match x {
            Some(v) if v.is_finite() => Ok(v),
            Some(v) => Err(bad(row, format!("{v} is not a finite number"))),
            None => Err(bad(row, "empty".into())),
        };
        match &table.columns[i] {
            RawColumn::Numeric(v) => v.iter().enumerate().map(|(r, x)| parse(r, *x)).collect(),
            RawColumn::Text(v) => v
                .iter()
                .enumerate()
                .map(|(r, x)| match x.as_deref().map(str::trim) {
                    None | Some("") => Err(bad(r, "empty".into())),
                    Some(t) => match t.parse::<f64>() {
                        Ok(n) => parse(r, Some(n)),
                        Err(_) => Err(bad(r, format!("{t:?} is not a number"))),
                    },
                })
                .collect(),
            RawColumn::Bool(_) => Err(ScoreError::column(
                name,
                format!("margin column {name:?} must be numeric, not yes/no"),
            )),
        }
    }

    /// The unit that lifetimes are reported in, plural (e.g. `months`).
    pub fn lifetime_unit(&self) -> &'static str {
        self.period.unit.plural()
    }

    /// Suffix naming the CLV horizon in column names: `lifetime` or e.g. `24_months`.
    pub fn horizon_label(&self) -> String {
        match self.horizon {
            None => "lifetime".into(),
            Some(h) => format!("{}_{}", h.value, h.unit.plural()),
        }
    }

    /// Value of one customer with churn probability `p` (per period) and raw margin column
    /// value `column_value`; the lifetime is returned in the period's unit.
    pub fn value(
        &self,
        spec: &SubscriptionSpec,
        p: f64,
        column_value: f64,
    ) -> Result<SubscriptionValue, ScoreError> {
        let mut v = subscription_value(p, column_value * self.margin_rate, spec)?;
        v.expected_lifetime_periods *= self.period.value;
        Ok(v)
    }
}

/// Churn-probability cut-offs of the risk tiers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskTiers {
    /// At or above: `high`.
    pub high: f64,
    /// At or above (and below `high`): `medium`; below: `low`.
    pub medium: f64,
}

impl Default for RiskTiers {
    fn default() -> Self {
        RiskTiers {
            high: 0.5,
            medium: 0.2,
        }
    }
}

impl RiskTiers {
    /// Cut-offs with 0 < medium < high < 1.
    pub fn new(high: f64, medium: f64) -> Result<RiskTiers, ScoreError> {
        if !(0.0 < medium && medium < high && high < 1.0) {
            return Err(ScoreError::setting(
                "risk tiers",
                format!("need 0 < medium < high < 1, got medium {medium}, high {high}"),
            ));
        }
        Ok(RiskTiers { high, medium })
    }

    /// The tier of a churn probability.
    pub fn tier(&self, p: f64) -> &'static str {
        if p >= self.high {
            "high"
        } else if p >= self.medium {
            "medium"
        } else {
            "low"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retain_core::time::TimeUnit;

    fn spec(horizon: Option<Duration>) -> ValueSpec {
        ValueSpec {
            margin_column: "monthly_charges".into(),
            margin_rate: 0.5,
            period: Duration::new(1.0, TimeUnit::Month),
            discount: "10%/year".parse().unwrap(),
            horizon,
        }
    }

    #[test]
    fn converts_the_discount_rate_and_horizon_to_churn_periods() {
        let s = spec(Some(Duration::new(2.0, TimeUnit::Year)));
        let sub = s.subscription().unwrap();
        assert_eq!(sub.horizon_periods, Some(24));
        assert!((sub.discount_per_period - (1.1f64.powf(1.0 / 12.0) - 1.0)).abs() < 1e-12);
        assert_eq!(s.horizon_label(), "2_years");
        // Margin = column × rate; brute force over 24 months.
        let v = s.value(&sub, 0.05, 80.0).unwrap();
        let r = 0.95 / (1.0 + sub.discount_per_period);
        let brute: f64 = (1..=24).map(|t| 40.0 * r.powi(t)).sum();
        assert!((v.clv - brute).abs() < 1e-9, "{} vs {brute}", v.clv);
        // Value at risk: p × the value if this month's churn is averted = CLV × p/(1 − p).
        assert!((v.value_at_risk - 0.05 * brute / 0.95).abs() < 1e-9);
    }

    #[test]
    fn refuses_impossible_settings() {
        let mut s = spec(None);
        s.discount = "0%/year".parse().unwrap();
        assert!(
            s.subscription().is_err(),
            "no discount and no horizon is unbounded"
        );
        let s = spec(Some(Duration::new(1.0, TimeUnit::Day)));
        assert!(s.subscription().is_err());
        assert!(RiskTiers::new(0.2, 0.5).is_err());
        let t = RiskTiers::new(0.6, 0.3).unwrap();
        assert_eq!(
            (t.tier(0.7), t.tier(0.3), t.tier(0.29)),
            ("high", "medium", "low")
        );
    }
}

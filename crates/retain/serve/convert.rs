//! Protobuf ↔ domain conversions, with the request field named in every refusal.

use crate::pb::v1 as pb;
use pb::feature_value::Value;
use pb::score_request::Input as PbInput;
use retain_core::time::{Day, Duration, TimeUnit};
use retain_score::online::{FeatureInput, Input, OnlineError, OnlineScore};

fn invalid(field: impl Into<String>, message: impl Into<String>) -> OnlineError {
    OnlineError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// A protobuf time unit, refusing UNSPECIFIED and unknown values.
pub fn time_unit(v: i32, field: &str) -> Result<TimeUnit, OnlineError> {
    match pb::TimeUnit::try_from(v) {
        Ok(pb::TimeUnit::Day) => Ok(TimeUnit::Day),
        Ok(pb::TimeUnit::Week) => Ok(TimeUnit::Week),
        Ok(pb::TimeUnit::Month) => Ok(TimeUnit::Month),
        Ok(pb::TimeUnit::Year) => Ok(TimeUnit::Year),
        Ok(pb::TimeUnit::Unspecified) => Err(invalid(
            field,
            "time unit is required (TIME_UNIT_DAY, _WEEK, _MONTH or _YEAR)",
        )),
        Err(_) => Err(invalid(field, format!("unknown time unit {v}"))),
    }
}

/// The protobuf value of a time unit.
pub fn unit_to_pb(u: TimeUnit) -> pb::TimeUnit {
    match u {
        TimeUnit::Day => pb::TimeUnit::Day,
        TimeUnit::Week => pb::TimeUnit::Week,
        TimeUnit::Month => pb::TimeUnit::Month,
        TimeUnit::Year => pb::TimeUnit::Year,
    }
}

/// The UTC calendar day of a timestamp.
fn day_of(t: &prost_types::Timestamp, field: &str) -> Result<Day, OnlineError> {
    if !(0..1_000_000_000).contains(&t.nanos) {
        return Err(invalid(field, format!("nanos {} out of range", t.nanos)));
    }
    i32::try_from(t.seconds.div_euclid(86_400))
        .map_err(|_| invalid(field, format!("{} seconds is out of range", t.seconds)))
}

/// A request's horizon (None when absent) and input.
pub fn request(r: pb::ScoreRequest) -> Result<(Option<Duration>, Input), OnlineError> {
    let horizon = match r.horizon {
        None => None,
        Some(h) => {
            if !(h.value.is_finite() && h.value > 0.0) {
                return Err(invalid(
                    "horizon.value",
                    format!("must be positive, got {}", h.value),
                ));
            }
            Some(Duration::new(h.value, time_unit(h.unit, "horizon.unit")?))
        }
    };
    let input = match r.input {
        None => {
            return Err(invalid(
                "input",
                "one of summary, history or features is required",
            ));
        }
        Some(PbInput::Summary(s)) => Input::Summary {
            x: s.x,
            t_x: s.t_x,
            t: s.t,
            monetary: s.monetary_value,
            unit: time_unit(s.time_unit, "summary.time_unit")?,
        },
        Some(PbInput::History(h)) => {
            let as_of = h
                .as_of
                .as_ref()
                .ok_or_else(|| invalid("history.as_of", "is required"))
                .and_then(|t| day_of(t, "history.as_of"))?;
            let transactions = h
                .transactions
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let field = format!("history.transactions[{i}].time");
                    let time = t
                        .time
                        .as_ref()
                        .ok_or_else(|| invalid(field.clone(), "is required"))?;
                    Ok((day_of(time, &field)?, t.amount))
                })
                .collect::<Result<Vec<_>, OnlineError>>()?;
            Input::History {
                transactions,
                as_of,
            }
        }
        Some(PbInput::Features(f)) => {
            let mut values: Vec<(String, FeatureInput)> = f
                .values
                .into_iter()
                .map(|(name, v)| {
                    let value = match v.value {
                        Some(Value::Number(x)) => FeatureInput::Number(x),
                        Some(Value::Text(s)) => FeatureInput::Text(s),
                        Some(Value::Flag(b)) => FeatureInput::Flag(b),
                        Some(Value::Missing(_)) | None => FeatureInput::Missing,
                    };
                    (name, value)
                })
                .collect();
            // Map order is unspecified on the wire; sort so errors are reproducible.
            values.sort_by(|a, b| a.0.cmp(&b.0));
            Input::Features(values)
        }
    };
    Ok((horizon, input))
}

/// The protobuf response of a domain score.
pub fn response(
    customer_id: String,
    model: &str,
    version: &str,
    kind: &str,
    s: OnlineScore,
) -> pb::ScoreResponse {
    pb::ScoreResponse {
        customer_id,
        model: model.to_string(),
        model_version: version.to_string(),
        churn_probability: s.churn_probability,
        p_alive: s.p_alive,
        expected_purchases: s.expected_purchases,
        expected_spend: s.expected_spend,
        clv: s.clv,
        value_at_risk: s.value_at_risk,
        time_unit: s.time_unit.map_or(pb::TimeUnit::Unspecified, unit_to_pb) as i32,
        horizon: s.horizon.map(|h| pb::Duration {
            value: h.value,
            unit: unit_to_pb(h.unit) as i32,
        }),
        risk_tier: s.risk_tier.to_string(),
        drivers: s
            .drivers
            .into_iter()
            .map(|(feature, log_odds)| pb::Driver { feature, log_odds })
            .collect(),
        expected_lifetime: s.expected_lifetime,
        model_kind: kind.to_string(),
        segment: s.segment.map(|g| pb::Segment {
            rfm: g.rfm.map(|[r, f, m]| pb::RfmScore {
                recency: r.into(),
                frequency: f.into(),
                monetary: m.into(),
            }),
            name: g.name.unwrap_or_default(),
            value_tier: g.value_tier.map(str::to_string),
            churn_percentile: g.churn_percentile,
            clv_percentile: g.clv_percentile,
            value_at_risk_percentile: g.value_at_risk_percentile,
        }),
    }
}

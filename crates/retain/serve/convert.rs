//! Protobuf ↔ domain conversions, with the request field named in every refusal.
//!
//! Every request message is taken apart by a pattern that lists all its fields (no `..`), so
//! a field added to the proto does not compile until it is used or explicitly ignored here.

use crate::pb::v1 as pb;
use pb::feature_value::Value;
use pb::score_request::Input as PbInput;
use retain_core::time::{Duration, TimeUnit};
use retain_score::online::{FeatureInput, Input, OnlineError, OnlineScore};
use retain_score::score_store::{Filter, ListQuery};

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

/// Seconds since 1970-01-01T00:00:00Z of a timestamp (the nanoseconds never move an instant
/// across a day boundary, which lies on a whole second in every zone); refuses a missing one.
fn instant(t: Option<prost_types::Timestamp>, field: &str) -> Result<i64, OnlineError> {
    let prost_types::Timestamp { seconds, nanos } =
        t.ok_or_else(|| invalid(field, "is required"))?;
    if !(0..1_000_000_000).contains(&nanos) {
        return Err(invalid(field, format!("nanos {nanos} out of range")));
    }
    Ok(seconds)
}

/// A request's horizon.
fn horizon(h: pb::Duration) -> Result<Duration, OnlineError> {
    let pb::Duration { value, unit } = h;
    if !(value.is_finite() && value > 0.0) {
        return Err(invalid(
            "horizon.value",
            format!("must be positive, got {value}"),
        ));
    }
    Ok(Duration::new(value, time_unit(unit, "horizon.unit")?))
}

fn feature(v: pb::FeatureValue) -> FeatureInput {
    let pb::FeatureValue { value } = v;
    match value {
        Some(Value::Number(x)) => FeatureInput::Number(x),
        Some(Value::Text(s)) => FeatureInput::Text(s),
        Some(Value::Flag(b)) => FeatureInput::Flag(b),
        Some(Value::Missing(pb::Missing {})) | None => FeatureInput::Missing,
    }
}

fn input(i: Option<PbInput>) -> Result<Input, OnlineError> {
    Ok(match i {
        None => {
            return Err(invalid(
                "input",
                "one of summary, history or features is required",
            ));
        }
        Some(PbInput::Summary(pb::CustomerSummary {
            x,
            t_x,
            t,
            monetary_value,
            time_unit: unit,
        })) => Input::Summary {
            x,
            t_x,
            t,
            monetary: monetary_value,
            unit: time_unit(unit, "summary.time_unit")?,
        },
        Some(PbInput::History(pb::TransactionHistory {
            transactions,
            as_of,
        })) => Input::History {
            as_of: instant(as_of, "history.as_of")?,
            transactions: transactions
                .into_iter()
                .enumerate()
                .map(|(i, pb::Transaction { time, amount })| {
                    Ok((
                        instant(time, &format!("history.transactions[{i}].time"))?,
                        amount,
                    ))
                })
                .collect::<Result<_, OnlineError>>()?,
        },
        Some(PbInput::Features(pb::FeatureMap { values })) => {
            let mut values: Vec<(String, FeatureInput)> = values
                .into_iter()
                .map(|(name, v)| (name, feature(v)))
                .collect();
            // Map order is unspecified on the wire; sort so errors are reproducible.
            values.sort_by(|a, b| a.0.cmp(&b.0));
            Input::Features(values)
        }
    })
}

/// A scoring request in domain terms.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreCall {
    /// Model name (empty: the default model).
    pub model: String,
    /// The caller's customer id, echoed back.
    pub customer_id: String,
    /// Horizon (None: the model's default).
    pub horizon: Option<Duration>,
    /// What the request gives about the customer.
    pub input: Input,
}

impl TryFrom<pb::ScoreRequest> for ScoreCall {
    type Error = OnlineError;

    fn try_from(r: pb::ScoreRequest) -> Result<Self, OnlineError> {
        let pb::ScoreRequest {
            model,
            customer_id,
            horizon: h,
            input: i,
        } = r;
        Ok(ScoreCall {
            model,
            customer_id,
            horizon: h.map(horizon).transpose()?,
            input: input(i)?,
        })
    }
}

impl From<pb::ListAtRiskRequest> for ListQuery {
    fn from(r: pb::ListAtRiskRequest) -> Self {
        let pb::ListAtRiskRequest {
            segments,
            risk_tiers,
            value_tiers,
            min_value_at_risk,
            page_size,
            page_token,
        } = r;
        ListQuery {
            filter: Filter {
                segments,
                risk_tiers,
                value_tiers,
                min_value_at_risk,
            },
            page_size,
            page_token,
        }
    }
}

/// The protobuf response of a domain score.
pub fn response(
    customer_id: String,
    model: &retain_score::online::LoadedModel,
    s: OnlineScore,
) -> pb::ScoreResponse {
    let OnlineScore {
        churn_probability,
        p_alive,
        expected_purchases,
        expected_spend,
        clv,
        value_at_risk,
        expected_lifetime,
        retention_elasticity,
        time_unit,
        horizon,
        risk_tier,
        drivers,
        segment,
        ignored_features,
    } = s;
    pb::ScoreResponse {
        customer_id,
        model: model.name.clone(),
        model_version: model.version.clone(),
        churn_probability,
        p_alive,
        expected_purchases,
        expected_spend,
        clv,
        value_at_risk,
        time_unit: time_unit.map_or(pb::TimeUnit::Unspecified, unit_to_pb) as i32,
        horizon: horizon.map(|h| pb::Duration {
            value: h.value,
            unit: unit_to_pb(h.unit) as i32,
        }),
        risk_tier: risk_tier.to_string(),
        drivers: drivers
            .into_iter()
            .map(|(feature, log_odds)| pb::Driver { feature, log_odds })
            .collect(),
        expected_lifetime,
        model_kind: model.kind().to_string(),
        segment: segment.map(|g| pb::Segment {
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
        ignored_features,
        retention_elasticity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_timestamps_become_instants_and_bad_ones_name_their_field() {
        let ts = |seconds, nanos| Some(prost_types::Timestamp { seconds, nanos });
        let r = pb::ScoreRequest {
            model: "m".into(),
            customer_id: "c".into(),
            horizon: None,
            input: Some(PbInput::History(pb::TransactionHistory {
                transactions: vec![pb::Transaction {
                    time: ts(-1, 5),
                    amount: 2.0,
                }],
                as_of: ts(86_400, 0),
            })),
        };
        let call = ScoreCall::try_from(r.clone()).unwrap();
        assert_eq!(
            call.input,
            Input::History {
                transactions: vec![(-1, 2.0)],
                as_of: 86_400
            }
        );
        let mut bad = r;
        if let Some(PbInput::History(h)) = &mut bad.input {
            h.transactions[0].time = ts(0, 1_000_000_000);
        }
        match ScoreCall::try_from(bad) {
            Err(OnlineError::Invalid { field, .. }) => {
                assert_eq!(field, "history.transactions[0].time")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bad_horizon_names_value_or_unit() {
        let field = |h: pb::Duration| match horizon(h) {
            Err(OnlineError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let unit = pb::TimeUnit::Week as i32;
        assert_eq!(field(pb::Duration { value: -1.0, unit }), "horizon.value");
        assert_eq!(
            field(pb::Duration {
                value: 2.0,
                unit: 0
            }),
            "horizon.unit"
        );
        assert_eq!(
            horizon(pb::Duration { value: 2.0, unit }).unwrap(),
            Duration::new(2.0, TimeUnit::Week)
        );
    }
}

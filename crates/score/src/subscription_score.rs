//! Scoring active subscribers with a subscription (sBG) artefact: next period's churn
//! probability from their tenure (and cohort), risk tier, expected remaining lifetime,
//! DERL-based CLV, value at risk and retention elasticity (formulas in
//! [`retain_models::sbg`]). The CLI, the batch runner and the server call the same function.

use crate::ScoreError;
use crate::artefact::SubscriptionArtefact;
use crate::churn_value::{RiskTiers, ValueSpec};
use crate::renewals;
use polars::prelude::*;
use retain_core::features::RawTable;
use retain_models::sbg::SbgValue;
use std::collections::HashMap;

/// Scores of a subscriber table.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionScores {
    /// Customer ids (the artefact's id column, or 1-based row numbers).
    pub ids: Vec<String>,
    /// Cohort labels, when the model has cohorts.
    pub cohort: Option<Vec<String>>,
    /// Values per customer; CLV and value at risk are per unit of margin without a margin.
    pub values: Vec<SbgValue>,
    /// Risk tier of the churn probability.
    pub tier: Vec<&'static str>,
    /// Whether CLV and value at risk are in money (a margin column was configured).
    pub has_margin: bool,
    /// Customers whose cohort the model has no fit for (scored with the pooled fit).
    pub unknown_cohorts: usize,
    /// The period's unit (plural) and value: lifetimes are reported in the unit.
    pub period: (String, f64),
    /// CLV horizon label in column names: `lifetime` or e.g. `5_years`.
    pub horizon_label: String,
}

impl SubscriptionArtefact {
    /// How values are computed: the margin settings (an empty margin column when none was
    /// configured), the period, the discount and the horizon.
    pub fn value_spec(&self) -> ValueSpec {
        self.value.clone().unwrap_or(ValueSpec {
            margin_column: String::new(),
            margin_rate: 1.0,
            period: self.period,
            discount: self.discount,
            horizon: self.horizon,
        })
    }
}

/// Scores every row of `table` as an active subscriber (a churned column, if present, is
/// ignored). Limit: tenure at most [`renewals::MAX_TENURE`] periods.
pub fn score_subscription(
    a: &SubscriptionArtefact,
    table: &RawTable,
    tiers: &RiskTiers,
) -> Result<SubscriptionScores, ScoreError> {
    let n = table.len();
    let tenure = renewals::tenures(table, &a.columns.tenure)?;
    let ids = match &a.columns.id {
        Some(id) => renewals::labels(table, id, "id")?,
        None => (1..=n).map(|i| i.to_string()).collect(),
    };
    let cohort = match &a.columns.cohort {
        Some(c) => Some(renewals::labels(table, c, "cohort")?),
        None => None,
    };
    let value = a.value_spec();
    let spec = value.subscription()?;
    let margins = match &a.value {
        Some(v) => Some(v.margins(table)?),
        None => None,
    };
    // Customers share tenures: each (model, tenure) is summed once.
    let mut cache: HashMap<(usize, u32), SbgValue> = HashMap::new();
    let mut unknown_cohorts = 0;
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        let (fit, known) = a.fit_index(cohort.as_ref().map(|c| c[i].as_str()));
        unknown_cohorts += usize::from(!known);
        let model = a.model(fit);
        let key = (fit, tenure[i]);
        let unit = match cache.get(&key) {
            Some(v) => *v,
            None => {
                let v = model.unit_value(tenure[i], &spec)?;
                cache.insert(key, v);
                v
            }
        };
        let m = margins.as_ref().map_or(1.0, |m| m[i] * value.margin_rate);
        let mut v = model.scale(unit, m)?;
        let k = a.period.value;
        v.expected_lifetime_periods = v.expected_lifetime_periods.map(|l| l * k);
        v.derl *= k;
        values.push(v);
    }
    if unknown_cohorts > 0 {
        // Counts only: cohort labels may identify customers.
        tracing::warn!(
            customers = unknown_cohorts,
            "cohorts without a fit of their own: scored with the fit on all customers"
        );
    }
    Ok(SubscriptionScores {
        ids,
        cohort,
        tier: values
            .iter()
            .map(|v| tiers.tier(v.churn_probability))
            .collect(),
        values,
        has_margin: margins.is_some(),
        unknown_cohorts,
        period: (a.period.unit.plural().to_string(), a.period.value),
        horizon_label: value.horizon_label(),
    })
}

/// The scores as a DataFrame: customer_id, [cohort], churn_probability (of the coming
/// period), retention_probability, risk_tier, [p_active_<horizon>], expected_lifetime_<unit>
/// (null when infinite), derl_<unit>, retention_elasticity, then with a margin clv_<horizon>
/// and value_at_risk_<horizon>.
pub fn to_frame(s: &SubscriptionScores) -> Result<DataFrame, ScoreError> {
    let unit = &s.period.0;
    let col = |name: String, f: &dyn Fn(&SbgValue) -> f64| {
        Column::new(name.into(), s.values.iter().map(f).collect::<Vec<f64>>())
    };
    let mut cols = vec![Column::new("customer_id".into(), &s.ids)];
    if let Some(c) = &s.cohort {
        cols.push(Column::new("cohort".into(), c));
    }
    cols.push(col("churn_probability".into(), &|v| v.churn_probability));
    cols.push(col("retention_probability".into(), &|v| {
        1.0 - v.churn_probability
    }));
    cols.push(Column::new(
        "risk_tier".into(),
        s.tier.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
    ));
    if s.values.iter().any(|v| v.survival_to_horizon.is_some()) {
        cols.push(Column::new(
            format!("p_active_{}", s.horizon_label).into(),
            s.values
                .iter()
                .map(|v| v.survival_to_horizon)
                .collect::<Vec<_>>(),
        ));
    }
    cols.push(Column::new(
        format!("expected_lifetime_{unit}").into(),
        s.values
            .iter()
            .map(|v| v.expected_lifetime_periods)
            .collect::<Vec<_>>(),
    ));
    cols.push(col(format!("derl_{unit}"), &|v| v.derl));
    cols.push(col("retention_elasticity".into(), &|v| {
        v.retention_elasticity
    }));
    if s.has_margin {
        cols.push(col(format!("clv_{}", s.horizon_label), &|v| v.clv));
        cols.push(col(format!("value_at_risk_{}", s.horizon_label), &|v| {
            v.value_at_risk
        }));
    }
    DataFrame::new_infer_height(cols).map_err(|e| ScoreError::Frame(e.to_string()))
}

//! Scoring customers with a churn artefact: churn probability, risk tier and the top drivers,
//! from one pass over the transformed features.

use crate::TrainError;
use crate::churn_artefact::ChurnArtefact;
use polars::prelude::*;
use retain_core::features::{RawColumn, RawTable};

/// Probability at or above which a customer is in the `high` risk tier.
pub const HIGH_RISK: f64 = 0.5;
/// Probability at or above which a customer is in the `medium` risk tier (below: `low`).
pub const MEDIUM_RISK: f64 = 0.2;

/// How many drivers each row reports.
pub const DRIVERS: usize = 3;

/// The risk tier of a churn probability.
pub fn risk_tier(p: f64) -> &'static str {
    if p >= HIGH_RISK {
        "high"
    } else if p >= MEDIUM_RISK {
        "medium"
    } else {
        "low"
    }
}

/// Scores of a customer table.
#[derive(Debug, Clone, PartialEq)]
pub struct ChurnScores {
    /// Customer ids (the artefact's id column, or 1-based row numbers).
    pub ids: Vec<String>,
    /// P(churn).
    pub churn_probability: Vec<f64>,
    /// Risk tier per customer.
    pub tier: Vec<&'static str>,
    /// Top drivers per customer: (input column, signed contribution to the log-odds), largest
    /// absolute contribution first. One-hot outputs of a column are summed into that column.
    pub drivers: Vec<Vec<(String, f64)>>,
}

/// Scores every row of `table` (the target column, if present, is ignored).
pub fn score_churn(a: &ChurnArtefact, mut table: RawTable) -> Result<ChurnScores, TrainError> {
    let n = table.len();
    let take = |t: &mut RawTable, name: &str| {
        t.names.iter().position(|c| c == name).map(|i| {
            t.names.remove(i);
            t.columns.remove(i)
        })
    };
    let _ = take(&mut table, &a.data.target);
    let ids = match a.data.id.as_deref().and_then(|id| take(&mut table, id)) {
        Some(RawColumn::Text(v)) => v.into_iter().map(|s| s.unwrap_or_default()).collect(),
        Some(RawColumn::Numeric(v)) => v
            .into_iter()
            .map(|x| x.map(|x| format!("{x}")).unwrap_or_default())
            .collect(),
        Some(RawColumn::Bool(v)) => v
            .into_iter()
            .map(|x| x.map(|x| x.to_string()).unwrap_or_default())
            .collect(),
        None => (1..=n).map(|i| i.to_string()).collect(),
    };
    let p = &a.fitted.pipeline;
    let x = p.transform(&table)?;
    for (column, level, count) in &x.unknown {
        tracing::warn!(
            column,
            level,
            count,
            "category not seen in training: scored as the reference level"
        );
    }
    // Output feature → input column, from the pipeline's per-column output counts.
    let mut owner = Vec::with_capacity(x.n_features);
    for d in p.describe() {
        owner.extend(std::iter::repeat_n(d.column.clone(), d.outputs));
    }
    if owner.len() != x.n_features {
        return Err(TrainError::Invalid(
            "feature pipeline description does not match its outputs".into(),
        ));
    }
    let mut out = ChurnScores {
        ids,
        churn_probability: Vec::with_capacity(n),
        tier: Vec::with_capacity(n),
        drivers: Vec::with_capacity(n),
    };
    for row in x.rows() {
        let prob = a.fitted.model.predict(row);
        let mut by_column: Vec<(String, f64)> = Vec::new();
        for (j, c) in a.fitted.model.contributions(row).into_iter().enumerate() {
            match by_column.last_mut() {
                Some((name, sum)) if *name == owner[j] => *sum += c,
                _ => by_column.push((owner[j].clone(), c)),
            }
        }
        by_column.sort_by(|l, r| r.1.abs().total_cmp(&l.1.abs()));
        by_column.truncate(DRIVERS);
        out.churn_probability.push(prob);
        out.tier.push(risk_tier(prob));
        out.drivers.push(by_column);
    }
    Ok(out)
}

/// The scores as a DataFrame: customer_id, churn_probability, risk_tier, driver_k and
/// driver_k_contribution (log-odds) for k = 1..3.
pub fn to_frame(s: &ChurnScores) -> Result<DataFrame, TrainError> {
    let mut cols = vec![
        Column::new("customer_id".into(), &s.ids),
        Column::new("churn_probability".into(), &s.churn_probability),
        Column::new(
            "risk_tier".into(),
            s.tier.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
        ),
    ];
    for k in 0..DRIVERS {
        let names: Vec<Option<String>> = s
            .drivers
            .iter()
            .map(|d| d.get(k).map(|(n, _)| n.clone()))
            .collect();
        let values: Vec<Option<f64>> = s
            .drivers
            .iter()
            .map(|d| d.get(k).map(|(_, v)| *v))
            .collect();
        cols.push(Column::new(format!("driver_{}", k + 1).into(), names));
        cols.push(Column::new(
            format!("driver_{}_contribution", k + 1).into(),
            values,
        ));
    }
    DataFrame::new_infer_height(cols).map_err(|e| TrainError::Invalid(e.to_string()))
}

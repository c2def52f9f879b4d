//! Scoring customers with a churn artefact: churn probability, risk tier and the top drivers,
//! from one pass over the transformed features.

use crate::ScoreError;
use crate::artefact::ChurnArtefact;
use crate::churn_value::RiskTiers;
use polars::prelude::*;
use rayon::prelude::*;
use retain_core::features::{RawColumn, RawTable};
use retain_models::subscription::SubscriptionValue;

/// Drivers each row reports unless asked otherwise.
pub const DRIVERS: usize = 3;

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
    /// Subscription value per customer, when the artefact has a margin configured.
    pub value: Option<Vec<SubscriptionValue>>,
    /// Column-name suffixes of the value: (lifetime unit, CLV horizon label).
    pub value_labels: (String, String),
}

/// What to compute when scoring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreOptions {
    /// Risk tier cut-offs.
    pub tiers: RiskTiers,
    /// Drivers per row (0: none, which skips the TreeSHAP cost for tree models).
    pub drivers: usize,
}

/// Scores every row of `table` (the target column, if present, is ignored).
pub fn score_churn(
    a: &ChurnArtefact,
    mut table: RawTable,
    options: &ScoreOptions,
) -> Result<ChurnScores, ScoreError> {
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
    // The margin column is read before the pipeline sees the table (it may also be a feature).
    let margins = match &a.value {
        None => None,
        Some(v) => Some(v.margins(&table)?),
    };
    let fitted = &a.fitted;
    let p = &fitted.pipeline;
    let x = p.transform(&table)?;
    // Per column, how many cells and distinct values were unseen: never the values themselves
    // (they are customer data and may be of any size).
    let mut unseen: Vec<(&str, usize, usize)> = Vec::new();
    for (column, _, count) in &x.unknown {
        match unseen.iter_mut().find(|(c, _, _)| c == column) {
            Some((_, cells, levels)) => {
                *cells += count;
                *levels += 1;
            }
            None => unseen.push((column, *count, 1)),
        }
    }
    for (column, cells, levels) in unseen {
        tracing::warn!(
            column,
            cells,
            levels,
            "categories not seen in training: scored as the reference level"
        );
    }
    // Output feature → input column, from the pipeline's per-column output counts.
    let mut owner = Vec::with_capacity(x.n_features);
    for d in p.describe() {
        owner.extend(std::iter::repeat_n(d.column.clone(), d.outputs));
    }
    if owner.len() != x.n_features {
        return Err(ScoreError::Internal(
            "feature pipeline description does not match its outputs".into(),
        ));
    }
    let mut prob = vec![0.0; x.n_rows];
    fitted.model.predict_batch(&x.data, x.n_features, &mut prob);
    for v in &mut prob {
        *v = fitted.calibrator.apply(*v);
    }
    let drivers: Vec<Vec<(String, f64)>> = if options.drivers == 0 {
        vec![Vec::new(); n]
    } else {
        x.data
            .par_chunks(x.n_features.max(1))
            .take(x.n_rows)
            .map(|row| {
                let (_, phi) = fitted.model.contributions(row);
                let mut by_column: Vec<(String, f64)> = Vec::new();
                for (j, c) in phi.into_iter().enumerate() {
                    match by_column.last_mut() {
                        Some((name, sum)) if *name == owner[j] => *sum += c,
                        _ => by_column.push((owner[j].clone(), c)),
                    }
                }
                by_column.sort_by(|l, r| r.1.abs().total_cmp(&l.1.abs()));
                by_column.truncate(options.drivers);
                by_column
            })
            .collect()
    };
    let (value, value_labels) = match (&a.value, margins) {
        (Some(v), Some(m)) => {
            let spec = v.subscription()?;
            let values = prob
                .iter()
                .zip(&m)
                .map(|(&p, &m)| v.value(&spec, p, m))
                .collect::<Result<Vec<_>, _>>()?;
            (
                Some(values),
                (v.lifetime_unit().to_string(), v.horizon_label()),
            )
        }
        _ => (None, (String::new(), String::new())),
    };
    Ok(ChurnScores {
        ids,
        tier: prob.iter().map(|&p| options.tiers.tier(p)).collect(),
        churn_probability: prob,
        drivers,
        value,
        value_labels,
    })
}

/// The scores as a DataFrame: customer_id, churn_probability, risk_tier, then (with a margin)
/// expected_lifetime_<unit>, clv_<horizon> and value_at_risk_<horizon>, then driver_k and
/// driver_k_log_odds for each reported driver.
pub fn to_frame(s: &ChurnScores) -> Result<DataFrame, ScoreError> {
    let mut cols = vec![
        Column::new("customer_id".into(), &s.ids),
        Column::new("churn_probability".into(), &s.churn_probability),
        Column::new(
            "risk_tier".into(),
            s.tier.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
        ),
    ];
    if let Some(v) = &s.value {
        let (unit, horizon) = &s.value_labels;
        cols.push(Column::new(
            format!("expected_lifetime_{unit}").into(),
            v.iter()
                .map(|v| v.expected_lifetime_periods)
                .collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            format!("clv_{horizon}").into(),
            v.iter().map(|v| v.clv).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            format!("value_at_risk_{horizon}").into(),
            v.iter().map(|v| v.value_at_risk).collect::<Vec<_>>(),
        ));
    }
    let shown = s.drivers.iter().map(Vec::len).max().unwrap_or(0);
    for k in 0..shown {
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
            format!("driver_{}_log_odds", k + 1).into(),
            values,
        ));
    }
    DataFrame::new_infer_height(cols).map_err(|e| ScoreError::Frame(e.to_string()))
}

/// The score frame with the ranks against the training table appended: `churn_percentile`,
/// and with a margin `value_tier`, `clv_percentile`, `value_at_risk_percentile`.
pub fn to_frame_ranked(
    s: &ChurnScores,
    ranks: Option<&crate::segments::ChurnRanks>,
) -> Result<DataFrame, ScoreError> {
    let mut df = to_frame(s)?;
    let Some(r) = ranks else {
        return Ok(df);
    };
    let mut cols = vec![Column::new("churn_percentile".into(), &r.churn_percentile)];
    if let Some(v) = &r.value_tier {
        cols.push(Column::new("value_tier".into(), v));
    }
    if let Some(v) = &r.clv_percentile {
        cols.push(Column::new("clv_percentile".into(), v));
    }
    if let Some(v) = &r.value_at_risk_percentile {
        cols.push(Column::new("value_at_risk_percentile".into(), v));
    }
    df.hstack_mut(&cols)
        .map_err(|e| ScoreError::Frame(e.to_string()))?;
    Ok(df)
}

//! Drift of a churn classifier's customer table: every input column against the training
//! table's profile, and the scores (churn probability, CLV, value at risk) against the
//! training table's score quantiles, both stored in the artefact.

use super::drift::{
    ColumnDrift, DriftReport, Group, LevelReference, Thresholds, categorical, numeric,
};
use super::profile::{ColumnProfile, levels, numbers};
use crate::artefact::ChurnArtefact;
use crate::churn_score::ChurnScores;
use retain_core::features::RawTable;

/// Drift of `table` (the current customer table) scored as `scores` against the artefact's
/// training references.
pub fn churn_drift(
    a: &ChurnArtefact,
    table: &RawTable,
    scores: &ChurnScores,
    thresholds: &Thresholds,
) -> DriftReport {
    let mut notes = Vec::new();
    let mut columns = Vec::new();
    match &a.feature_reference {
        Some(profiles) => {
            for p in profiles {
                let Some(raw) = table.column(p.name()) else {
                    columns.push(ColumnDrift::not_compared(
                        p.name(),
                        Group::Feature,
                        "the column is not in the table",
                    ));
                    continue;
                };
                columns.push(match p {
                    ColumnProfile::Numeric {
                        name,
                        missing,
                        quantiles,
                        ..
                    } => numeric(
                        name,
                        Group::Feature,
                        quantiles,
                        scaled_missing(*missing, p, quantiles.len()),
                        &numbers(raw),
                        thresholds,
                    ),
                    ColumnProfile::Categorical {
                        name,
                        missing,
                        levels: kept,
                        other,
                        ..
                    } => categorical(
                        name,
                        Group::Feature,
                        LevelReference {
                            levels: kept,
                            other: *other,
                            missing: *missing,
                        },
                        &levels(raw),
                        thresholds,
                    ),
                });
            }
        }
        None => {
            let names: Vec<&str> = a.fitted.pipeline.input_names().collect();
            notes.push(format!(
                "the model was trained before artefacts kept a profile of each input column: \
                 its {} input columns are not compared (retrain it with this version)",
                names.len()
            ));
            for n in names {
                columns.push(ColumnDrift::not_compared(
                    n,
                    Group::Feature,
                    "no profile of the training column in the model",
                ));
            }
        }
    }
    let outputs: [OutputColumn; 3] = [
        (
            "churn_probability",
            a.reference.as_ref().map(|r| &r.churn),
            Some(scores.churn_probability.clone()),
        ),
        (
            "clv_lifetime",
            a.reference.as_ref().and_then(|r| r.clv.as_ref()),
            scores
                .value
                .as_ref()
                .map(|v| v.iter().map(|s| s.clv).collect()),
        ),
        (
            "value_at_risk_lifetime",
            a.reference.as_ref().and_then(|r| r.value_at_risk.as_ref()),
            scores
                .value
                .as_ref()
                .map(|v| v.iter().map(|s| s.value_at_risk).collect()),
        ),
    ];
    if a.reference.is_none() {
        notes.push(
            "the model was trained before artefacts kept its training scores: outputs are not \
             compared (retrain it with this version)"
                .into(),
        );
    }
    for (name, reference, now) in outputs {
        columns.push(match (reference, now) {
            (Some(r), Some(c)) => {
                let now: Vec<Option<f64>> = c.into_iter().map(Some).collect();
                numeric(name, Group::Output, r, 0, &now, thresholds)
            }
            (None, None) if name != "churn_probability" => continue,
            _ => ColumnDrift::not_compared(name, Group::Output, "no reference scores"),
        });
    }
    DriftReport {
        model: a.name.clone(),
        model_version: a.version.clone(),
        kind: "churn".into(),
        reference: format!("training table {} ({} rows)", a.data.file, a.data.rows),
        rows: table.len(),
        thresholds: *thresholds,
        verdict: DriftReport::overall(&columns),
        columns,
        notes,
    }
}

/// The profile's missing count on the scale of its quantiles, so that missing and present
/// cells keep their training proportions in the PSI.
fn scaled_missing(missing: usize, p: &ColumnProfile, kept: usize) -> usize {
    let ColumnProfile::Numeric { rows, .. } = p else {
        return missing;
    };
    let present = rows.saturating_sub(missing);
    if present == 0 || kept == present {
        return missing;
    }
    ((missing as f64) * kept as f64 / present as f64).round() as usize
}

/// An output column compared: its name, the training reference's values (if the artefact keeps
/// them) and today's (if the model computes them).
type OutputColumn<'a> = (&'a str, Option<&'a Vec<f64>>, Option<Vec<f64>>);

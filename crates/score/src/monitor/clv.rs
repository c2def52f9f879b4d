//! Drift of a CLV model's base: the summary dimensions (x, recency, T, monetary value) and the
//! outputs (churn probability, CLV, value at risk) of the customers scored now, against the
//! training base's reference sample stored in the artefact, scored the same way.

use super::drift::{ColumnDrift, DriftReport, Group, Thresholds, numeric};
use crate::ScoreError;
use crate::artefact::ClvArtefact;
use crate::score::{ScoreTable, score};
use crate::score_file::horizon_label;
use retain_core::summary::Summaries;
use retain_core::time::Duration;
use retain_models::clv::ClvSpec;

/// The note of an artefact without a reference sample.
pub const NO_REFERENCE: &str = "the model was trained before artefacts kept a sample of the \
     training base: nothing can be compared (retrain it with this version to monitor it)";

/// Sorted finite values.
fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Drift of `current` (the base scored as of its day over `horizon` with `spec`) against the
/// artefact's training base, scored over the same horizon.
pub fn clv_drift(
    a: &ClvArtefact,
    current: &ScoreTable,
    horizon: Duration,
    spec: &ClvSpec,
    thresholds: &Thresholds,
) -> Result<DriftReport, ScoreError> {
    let unit = a.time_unit.plural();
    let h = horizon_label(horizon);
    let names = [
        ("x".to_string(), Group::Summary),
        (format!("t_x_{unit}"), Group::Summary),
        (format!("T_{unit}"), Group::Summary),
        ("monetary_value".to_string(), Group::Summary),
        ("churn_probability".to_string(), Group::Output),
        (format!("clv_{h}"), Group::Output),
        (format!("value_at_risk_{h}"), Group::Output),
    ];
    let mut notes = Vec::new();
    let Some(r) = a.reference.as_ref().filter(|r| !r.is_empty()) else {
        notes.push(NO_REFERENCE.to_string());
        let columns = names
            .iter()
            .map(|(n, g)| ColumnDrift::not_compared(n, *g, "no reference sample in the model"))
            .collect();
        return Ok(report(
            a,
            "none".into(),
            current.x.len(),
            thresholds,
            columns,
            notes,
        ));
    };
    let reference_summaries = Summaries {
        ids: vec![String::new(); r.len()],
        x: r.x.clone(),
        t_x: r.t_x.clone(),
        t: r.t.clone(),
        monetary: r.monetary.clone(),
        ..Summaries::default()
    };
    let rs = score(a, reference_summaries, horizon, spec)?;
    let num = |name: &str, group, reference: Vec<f64>, now: Vec<Option<f64>>| {
        numeric(name, group, &reference, 0, &now, thresholds)
    };
    let xs = |t: &ScoreTable| t.x.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
    let some = |v: &[f64]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();
    // Mean repeat spend exists for repeat buyers only: a fall in repeat buying shows in x, not
    // twice as a pile of zeros in the monetary value.
    let repeat = |t: &ScoreTable| {
        t.x.iter()
            .zip(&t.monetary)
            .filter(|(x, _)| **x > 0)
            .map(|(_, &m)| m)
            .collect::<Vec<_>>()
    };
    let mut columns = vec![
        num(
            &names[0].0,
            Group::Summary,
            sorted(xs(&rs).into_iter()),
            some(&xs(current)),
        ),
        num(
            &names[1].0,
            Group::Summary,
            sorted(rs.t_x.iter().copied()),
            some(&current.t_x),
        ),
        num(
            &names[2].0,
            Group::Summary,
            sorted(rs.t.iter().copied()),
            some(&current.t),
        ),
        num(
            &names[3].0,
            Group::Summary,
            sorted(repeat(&rs).into_iter()),
            some(&repeat(current)),
        )
        .with_note("repeat buyers only (x > 0): the mean repeat spend of others is undefined"),
        num(
            &names[4].0,
            Group::Output,
            sorted(rs.churn_probability.iter().copied()),
            some(&current.churn_probability),
        ),
    ];
    for (k, (reference, now)) in [
        (rs.clv.as_ref(), current.clv.as_ref()),
        (rs.value_at_risk.as_ref(), current.value_at_risk.as_ref()),
    ]
    .into_iter()
    .enumerate()
    {
        let (name, group) = &names[5 + k];
        columns.push(match (reference, now) {
            (Some(r), Some(c)) => num(name, *group, sorted(r.iter().copied()), some(c)),
            _ => ColumnDrift::not_compared(name, *group, "the model has no spend model"),
        });
    }
    let described = format!(
        "training base as of {}: {} of its {} customers, scored over {}",
        r.as_of,
        r.len(),
        r.customers,
        horizon
    );
    Ok(report(
        a,
        described,
        current.x.len(),
        thresholds,
        columns,
        notes,
    ))
}

fn report(
    a: &ClvArtefact,
    reference: String,
    rows: usize,
    thresholds: &Thresholds,
    columns: Vec<ColumnDrift>,
    notes: Vec<String>,
) -> DriftReport {
    DriftReport {
        model: a.name.clone(),
        model_version: a.version.clone(),
        kind: "clv".into(),
        reference,
        rows,
        thresholds: *thresholds,
        verdict: DriftReport::overall(&columns),
        columns,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::drift::Verdict;
    use retain_core::time::TimeUnit;

    const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/cdnow.json");

    #[test]
    fn the_training_reference_against_itself_is_stable_on_every_column() {
        let a = ClvArtefact::load(std::path::Path::new(SHIPPED)).unwrap();
        let r = a.reference.clone().unwrap();
        let s = Summaries {
            ids: vec![String::new(); r.len()],
            x: r.x,
            t_x: r.t_x,
            t: r.t,
            monetary: r.monetary,
            ..Summaries::default()
        };
        let h = Duration::new(52.0, TimeUnit::Week);
        let spec = a.clv_spec(h, None, None);
        let now = score(&a, s, h, &spec).unwrap();
        let d = clv_drift(&a, &now, h, &spec, &Thresholds::default()).unwrap();
        assert_eq!(d.columns.len(), 7);
        for c in &d.columns {
            assert_eq!(c.psi, Some(0.0), "{}", c.column);
            assert_eq!(c.ks, Some(0.0), "{}", c.column);
        }
        assert_eq!(d.verdict, Verdict::Stable);
        // Without a reference: every column says why it was not compared.
        let mut old = a.clone();
        old.reference = None;
        let d = clv_drift(&old, &now, h, &spec, &Thresholds::default()).unwrap();
        assert!(d.columns.iter().all(|c| c.verdict == Verdict::NotCompared));
        assert_eq!(d.notes, vec![NO_REFERENCE.to_string()]);
    }
}

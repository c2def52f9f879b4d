//! Training contractual retention models: the sBG on a subscriber table, on all customers and,
//! with a cohort column, on each cohort (Fader & Hardie 2007 fit each cohort separately:
//! cohorts acquired in different years differ in their churn mix).

use crate::TrainError;
use retain_core::features::RawTable;
use retain_models::fit::FitOptions;
use retain_models::sbg::{PARAMS, Renewals, Sbg};
use retain_score::artefact::Param;
use retain_score::artefact::subscription::{RenewalColumns, SbgFit};
use retain_score::renewals;
use std::collections::BTreeMap;

/// Fewest customers a cohort needs for a fit of its own; smaller cohorts are scored with the
/// pooled fit (two parameters from a handful of customers would be noise).
pub const MIN_COHORT: usize = 30;

/// The fits of a subscriber table.
#[derive(Debug, Clone, PartialEq)]
pub struct SbgTraining {
    /// On all customers.
    pub pooled: SbgFit,
    /// Per cohort, sorted by label (cohorts with fewer than [`MIN_COHORT`] customers left out).
    pub cohorts: Vec<SbgFit>,
    /// Labels of the cohorts left out for their size.
    pub small_cohorts: Vec<String>,
    /// Rows and churned rows.
    pub rows: usize,
    /// Churned rows.
    pub churned: usize,
}

fn fit_one(cohort: Option<String>, data: &Renewals) -> Result<SbgFit, TrainError> {
    let started = std::time::Instant::now();
    let (model, res) = Sbg::fit(data, &FitOptions::default())?;
    Ok(SbgFit {
        cohort,
        model,
        params: PARAMS
            .iter()
            .zip(model.values())
            .zip(&res.std_errors)
            .map(|((name, value), se)| Param {
                name: name.to_string(),
                value,
                std_error: *se,
            })
            .collect(),
        log_likelihood: res.log_likelihood,
        customers: data.customers() as usize,
        churned: data.churned() as usize,
        convergence: res.convergence,
        fit_ms: started.elapsed().as_secs_f64() * 1e3,
    })
}

/// Fits the sBG on `table`'s tenure and churned columns (and per cohort with one).
pub fn train_sbg(table: &RawTable, columns: &RenewalColumns) -> Result<SbgTraining, TrainError> {
    let tenure = renewals::tenures(table, &columns.tenure)?;
    let churned = renewals::churned(table, &columns.churned)?;
    let cohort = match &columns.cohort {
        Some(c) => Some(renewals::labels(table, c, "cohort")?),
        None => None,
    };
    let mut all = Renewals::new();
    let mut by_cohort: BTreeMap<&str, Renewals> = BTreeMap::new();
    for i in 0..tenure.len() {
        let add = |r: &mut Renewals| {
            r.add(tenure[i], churned[i]).map_err(|e| {
                TrainError::data(
                    format!("tenure {:?}", columns.tenure),
                    format!("data row {}: {e}", i + 1),
                )
            })
        };
        add(&mut all)?;
        if let Some(c) = &cohort {
            add(by_cohort.entry(c[i].as_str()).or_default())?;
        }
    }
    let pooled = fit_one(None, &all)?;
    let (mut cohorts, mut small_cohorts) = (Vec::new(), Vec::new());
    for (label, data) in by_cohort {
        if (data.customers() as usize) < MIN_COHORT {
            small_cohorts.push(label.to_string());
            continue;
        }
        let fit = fit_one(Some(label.to_string()), &data)
            .map_err(|e| TrainError::data(format!("cohort {label:?}"), e.to_string()))?;
        cohorts.push(fit);
    }
    Ok(SbgTraining {
        pooled,
        cohorts,
        small_cohorts,
        rows: tenure.len(),
        churned: churned.iter().filter(|c| **c).count(),
    })
}

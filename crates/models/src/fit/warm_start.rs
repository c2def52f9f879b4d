//! Warm starts: a large fit starts from the maximum on a subsample.

use super::{FitOptions, MleResult};
use crate::ModelError;
use crate::data::GroupedPatterns;

/// Above this many rows a fit starts from the maximum of a subsample's likelihood.
const WARM_START_MIN_ROWS: usize = 100_000;
/// One row in this many (per x) makes the subsample.
const WARM_START_EVERY: usize = 16;

/// Fitting data that can be cut down to a representative sample.
pub trait Subsample: Sized {
    /// Number of rows.
    fn rows(&self) -> usize;
    /// Every `every`-th row (per group), reweighted to keep the number of customers.
    fn subsample(&self, every: usize) -> Self;
}

impl Subsample for GroupedPatterns {
    fn rows(&self) -> usize {
        GroupedPatterns::rows(self)
    }
    fn subsample(&self, every: usize) -> Self {
        GroupedPatterns::subsample(self, every)
    }
}

/// The starting point for a fit on `d`: `start` itself for small data; for large data, the
/// maximum of the likelihood on a 1-in-16 subsample ([`Subsample`]) found from `start` with a
/// loose tolerance, with `start` as the fallback if that fails. The full fit then needs
/// fewer passes over all rows.
pub fn warm_start<D: Subsample>(
    d: &D,
    start: &[f64],
    opts: &FitOptions,
    fit: impl Fn(&D, &[f64], &FitOptions) -> Result<MleResult, ModelError>,
) -> Vec<f64> {
    if d.rows() < WARM_START_MIN_ROWS {
        return start.to_vec();
    }
    let sub = d.subsample(WARM_START_EVERY);
    let coarse = FitOptions {
        grad_tol: 1e-4,
        ..*opts
    };
    match fit(&sub, start, &coarse) {
        Ok(r) if r.params.iter().all(|p| p.is_finite() && *p > 0.0) => r.params,
        _ => start.to_vec(),
    }
}

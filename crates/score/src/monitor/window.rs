//! PSI of the scores a server hands out, over a sliding window of the latest ones, against the
//! model's reference scores: bounded memory (one byte per score in the window) and O(1) work
//! per score, since the window keeps its bin counts as scores enter and leave.

use super::stats::{bin_of, decile_cuts, psi, shares};
use crate::artefact::Artefact;
use std::collections::VecDeque;

/// The churn probabilities of a model's training reference: a CLV model's reference sample
/// scored (1 − P(alive), which needs no horizon), a classifier's stored training quantiles.
/// `None` for artefacts without a reference, and for subscription (sBG) artefacts, which keep
/// no training scores yet.
pub fn reference_churn(a: &Artefact) -> Option<Vec<f64>> {
    match a {
        Artefact::Clv(a) => {
            let r = a.reference.as_ref().filter(|r| !r.is_empty())?;
            Some(
                (0..r.len())
                    .map(|i| 1.0 - a.purchase.posterior(r.x[i], r.t_x[i], r.t[i]).p_alive())
                    .collect(),
            )
        }
        Artefact::Churn(a) => a.reference.as_ref().map(|r| r.churn.clone()),
        Artefact::Subscription(_) => None,
    }
}

/// Default number of latest scores a window holds.
pub const DEFAULT_WINDOW: usize = 10_000;
/// Largest window allowed (10 MB of bin indices per model).
pub const MAX_WINDOW: usize = 10_000_000;

/// A sliding window of scores binned on a reference's deciles.
#[derive(Debug, Clone)]
pub struct ScoreWindow {
    cuts: Vec<f64>,
    reference: Vec<f64>,
    bins: VecDeque<u8>,
    counts: Vec<usize>,
    capacity: usize,
}

impl ScoreWindow {
    /// A window of at most `capacity` scores (clamped to 1..=[`MAX_WINDOW`]) over the decile
    /// bins of `reference` (sorted or not; non-finite values are dropped). `None` without a
    /// finite reference value.
    pub fn new(reference: &[f64], capacity: usize) -> Option<ScoreWindow> {
        let mut sorted: Vec<f64> = reference
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let mut cuts = decile_cuts(&sorted);
        if cuts.is_empty() {
            cuts.push(sorted[0]);
        }
        let mut counts = vec![0usize; cuts.len() + 1];
        for &v in &sorted {
            counts[bin_of(&cuts, v)] += 1;
        }
        let capacity = capacity.clamp(1, MAX_WINDOW);
        Some(ScoreWindow {
            reference: shares(&counts),
            counts: vec![0; cuts.len() + 1],
            cuts,
            bins: VecDeque::with_capacity(capacity.min(DEFAULT_WINDOW)),
            capacity,
        })
    }

    /// Adds a score (a non-finite one is ignored), dropping the oldest when full.
    pub fn push(&mut self, v: f64) {
        if !v.is_finite() {
            return;
        }
        if self.bins.len() == self.capacity
            && let Some(old) = self.bins.pop_front()
        {
            self.counts[usize::from(old)] -= 1;
        }
        // At most 10 bins: the index fits a byte.
        let b = bin_of(&self.cuts, v);
        self.counts[b] += 1;
        self.bins.push_back(b as u8);
    }

    /// Scores in the window.
    pub fn len(&self) -> usize {
        self.bins.len()
    }

    /// Whether the window is empty.
    pub fn is_empty(&self) -> bool {
        self.bins.is_empty()
    }

    /// PSI of the window against the reference (`None` while empty).
    pub fn psi(&self) -> Option<f64> {
        (!self.bins.is_empty()).then(|| psi(&self.reference, &shares(&self.counts)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_forgets_old_scores() {
        let reference: Vec<f64> = (0..1000).map(|i| f64::from(i) / 1000.0).collect();
        let mut w = ScoreWindow::new(&reference, 500).unwrap();
        assert_eq!(w.psi(), None);
        for i in 0..500 {
            w.push(f64::from(i * 2) / 1000.0);
        }
        assert!(w.psi().unwrap() < 1e-9, "{:?}", w.psi());
        // 500 scores of 0.99 push the others out: everything in the top decile.
        for _ in 0..500 {
            w.push(0.99);
        }
        assert_eq!(w.len(), 500);
        assert!(w.psi().unwrap() > 1.0);
        w.push(f64::NAN);
        assert_eq!(w.len(), 500);
        assert!(ScoreWindow::new(&[f64::NAN], 10).is_none());
    }

    #[test]
    fn the_shipped_model_has_a_reference_of_churn_probabilities() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/cdnow.json");
        let a = Artefact::load(std::path::Path::new(path)).unwrap();
        let r = reference_churn(&a).unwrap();
        assert!(r.len() > 2000);
        assert!(r.iter().all(|p| (0.0..=1.0).contains(p)));
        // The reference itself, pushed through its own window, is stable.
        let mut w = ScoreWindow::new(&r, r.len()).unwrap();
        for &p in &r {
            w.push(p);
        }
        assert!(w.psi().unwrap() < 1e-12);
    }
}

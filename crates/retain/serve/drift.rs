//! Live score distribution and drift gauges of the served models (Prometheus):
//! - `retain_served_churn_probability{model}`: histogram of the churn probabilities handed
//!   out (buckets 0.05, 0.1, 0.2, …, 0.9, 0.95, 1);
//! - `retain_served_churn_psi{model}`: PSI of the latest scores (a sliding window of
//!   `--drift-window`, [`WINDOW`] by default) against the churn probabilities of the model's training reference, on the
//!   reference's deciles (0.1 moderate, 0.25 significant, as `retain monitor`);
//! - `retain_served_churn_window{model}`: scores in that window.
//!
//! Memory is bounded: one byte per score of the window and model (10 kB per model by default).

use crate::pb::v1 as pb;
use retain_score::monitor::{ScoreWindow, reference_churn};
use retain_score::online::LoadedModel;
use std::sync::Mutex;

/// Latest scores per model that the PSI gauge covers by default.
pub const WINDOW: usize = retain_score::monitor::window::DEFAULT_WINDOW;

/// Buckets of the churn-probability histogram.
pub const BUCKETS: [f64; 12] = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0];

/// A served model's window of latest churn probabilities.
#[derive(Debug)]
pub struct ServedDrift {
    window: Mutex<ScoreWindow>,
}

impl ServedDrift {
    /// For a model with a reference (`None` otherwise: only the histogram is kept), over the
    /// latest `window` scores.
    pub fn new(model: &LoadedModel, window: usize) -> Option<ServedDrift> {
        let reference = reference_churn(&model.artefact)?;
        ScoreWindow::new(&reference, window).map(|w| ServedDrift {
            window: Mutex::new(w),
        })
    }
}

/// Records the churn probabilities of successful responses, all of one snapshot: the
/// histogram per model, and the window and PSI gauge of models with a reference. One lock per
/// run of responses of the same model.
pub fn record<'a>(
    snapshot: &super::registry::Snapshot,
    responses: impl IntoIterator<Item = &'a pb::ScoreResponse>,
) {
    let mut run: Vec<f64> = Vec::new();
    let mut current: Option<&str> = None;
    let flush = |name: &str, run: &mut Vec<f64>| {
        if run.is_empty() {
            return;
        }
        let h = metrics::histogram!("retain_served_churn_probability", "model" => name.to_string());
        for &p in run.iter() {
            h.record(p);
        }
        if let Some(d) = snapshot.models.get(name).and_then(|s| s.drift.as_ref())
            && let Ok(mut w) = d.window.lock()
        {
            for &p in run.iter() {
                w.push(p);
            }
            if let Some(psi) = w.psi() {
                metrics::gauge!("retain_served_churn_psi", "model" => name.to_string()).set(psi);
            }
            metrics::gauge!("retain_served_churn_window", "model" => name.to_string())
                .set(w.len() as f64);
        }
        run.clear();
    };
    for r in responses {
        if current != Some(r.model.as_str()) {
            if let Some(name) = current {
                flush(name, &mut run);
            }
            current = Some(r.model.as_str());
        }
        run.push(r.churn_probability);
    }
    if let Some(name) = current {
        flush(name, &mut run);
    }
}

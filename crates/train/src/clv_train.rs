//! Training buy-till-you-die CLV models: summary → compressed patterns → purchase model(s) →
//! Gamma-Gamma spend → holdout evaluation → choice of the best candidate.

use crate::TrainError;
use retain_core::patterns::Patterns;
use retain_core::summary::{Summaries, SummaryOptions};
use retain_models::btyd::PurchaseKind;
use retain_models::fit::{self, FitOptions, MleResult};
use retain_models::spend::gammagamma::GammaGamma;
use retain_score::artefact::{Candidate, FitInfo, Param};
use retain_score::holdout::evaluate;
use std::time::Instant;

/// What to train.
#[derive(Debug, Clone)]
pub struct ClvTraining {
    /// Purchase models to try (more than one: the best on the holdout wins).
    pub kinds: Vec<PurchaseKind>,
    /// Optimiser settings.
    pub fit: FitOptions,
    /// Collapse identical (x, t_x, T) rows before fitting (same optimum, faster).
    pub compress: bool,
}

/// The result of training.
#[derive(Debug, Clone)]
pub struct ClvTrained {
    /// Every candidate, fitted and evaluated.
    pub candidates: Vec<Candidate>,
    /// Index of the chosen candidate.
    pub chosen: usize,
    /// Why it was chosen.
    pub selection: String,
    /// The spend model and its diagnostics (`None` with a warning reason when not fittable).
    pub spend: Result<(GammaGamma, FitInfo), String>,
}

fn fit_info(
    names: &[&str],
    res: &MleResult,
    customers: usize,
    patterns: usize,
    ms: f64,
) -> FitInfo {
    FitInfo {
        params: names
            .iter()
            .zip(res.params.iter().zip(&res.std_errors))
            .map(|(n, (v, s))| Param {
                name: n.to_string(),
                value: *v,
                std_error: *s,
            })
            .collect(),
        log_likelihood: res.log_likelihood,
        customers,
        patterns,
        convergence: res.convergence.clone(),
        fit_ms: ms,
    }
}

/// Fits the requested models on `s` and evaluates them on its holdout period.
pub fn train_clv(
    s: &Summaries,
    opts: &SummaryOptions,
    req: &ClvTraining,
) -> Result<ClvTrained, TrainError> {
    if s.is_empty() {
        return Err(TrainError::data(
            "the log",
            "no customer made a first purchase before the calibration end",
        ));
    }
    if req.kinds.is_empty() {
        return Err(TrainError::setting(
            "--model",
            "no purchase model requested",
        ));
    }
    let started = Instant::now();
    let patterns = if req.compress {
        Patterns::compress(&s.x, &s.t_x, &s.t)?
    } else {
        Patterns::uncompressed(&s.x, &s.t_x, &s.t)?
    };
    tracing::info!(
        customers = s.len(),
        patterns = patterns.len(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "summary compressed"
    );
    let holdout_len = opts.holdout_length();
    let holdout = (holdout_len > 0.0).then_some((s, holdout_len));
    train_on_patterns(&patterns, holdout, Some((&s.x, &s.monetary)), req)
}

/// Fits the requested models on patterns (with their counts) and, when given, the Gamma-Gamma
/// spend model on the repeat buyers' (x, mean spend); `holdout` is the summaries with their
/// holdout columns and the holdout length, for evaluation and the choice of model (without it
/// the lowest BIC wins). A pattern table aggregated by Spark or Dask is fitted here.
pub fn train_on_patterns(
    patterns: &Patterns,
    holdout: Option<(&Summaries, f64)>,
    spend: Option<(&[u32], &[f64])>,
    req: &ClvTraining,
) -> Result<ClvTrained, TrainError> {
    if patterns.is_empty() {
        return Err(TrainError::data("the patterns", "no customer to fit on"));
    }
    if req.kinds.is_empty() {
        return Err(TrainError::setting(
            "--model",
            "no purchase model requested",
        ));
    }
    // Counts may be fractional weights; the number of customers is their rounded sum.
    let customers = patterns.customers().round() as usize;
    let mut candidates = Vec::new();
    let mut failures = Vec::new();
    for &kind in &req.kinds {
        let t0 = Instant::now();
        match kind.fit(patterns, &req.fit) {
            Ok((model, res)) => {
                let ms = t0.elapsed().as_secs_f64() * 1e3;
                tracing::info!(
                    model = kind.name(),
                    ll = res.log_likelihood,
                    optimiser = ?res.convergence.optimiser,
                    iterations = res.convergence.iterations,
                    ms,
                    "fitted"
                );
                let holdout = match holdout {
                    Some((s, len)) => Some(evaluate(&model, s, len)?),
                    None => None,
                };
                let fit = fit_info(model.names(), &res, customers, patterns.len(), ms);
                candidates.push(Candidate {
                    model,
                    fit,
                    holdout,
                });
            }
            Err(e) => {
                tracing::warn!(model = kind.name(), error = %e, "fit failed");
                failures.push(format!("{}: {e}", kind.display_name()));
            }
        }
    }
    if candidates.is_empty() {
        return Err(TrainError::NoModelFitted(failures));
    }
    let (chosen, selection) = choose(&candidates, &failures);
    let t0 = Instant::now();
    let spend = match spend {
        None => Err("no spend data given".to_string()),
        Some((x, monetary)) => match GammaGamma::fit(x, monetary, &req.fit) {
            Ok((m, res, n)) => Ok((
                m,
                fit_info(
                    &GammaGamma::NAMES,
                    &res,
                    n,
                    n,
                    t0.elapsed().as_secs_f64() * 1e3,
                ),
            )),
            Err(e) => {
                tracing::warn!(error = %e, "no spend model: CLV will not be available");
                Err(e.to_string())
            }
        },
    };
    Ok(ClvTrained {
        candidates,
        chosen,
        selection,
        spend,
    })
}

/// Lowest holdout MAE when there is a holdout; otherwise the lowest BIC (k ln n − 2 LL, with
/// each model's own parameter count k and n customers). AIC and BIC are reported beside the
/// holdout MAE of every candidate.
fn choose(c: &[Candidate], failures: &[String]) -> (usize, String) {
    let failed = if failures.is_empty() {
        String::new()
    } else {
        format!(" (not fitted: {})", failures.join("; "))
    };
    if c.len() == 1 {
        return (0, format!("only candidate{failed}"));
    }
    let aic = |k: &Candidate| fit::aic(k.fit.params.len(), k.fit.log_likelihood);
    let bic = |k: &Candidate| fit::bic(k.fit.params.len(), k.fit.customers, k.fit.log_likelihood);
    let key = |i: usize| match &c[i].holdout {
        Some(h) => h.mae,
        None => bic(&c[i]),
    };
    let best = (0..c.len())
        .min_by(|&a, &b| key(a).total_cmp(&key(b)))
        .unwrap_or(0);
    let how = if c[best].holdout.is_some() {
        "lowest holdout MAE per customer"
    } else {
        "lowest BIC (no holdout)"
    };
    let table = c
        .iter()
        .map(|k| {
            let mae = k
                .holdout
                .as_ref()
                .map(|h| format!("MAE {:.5}, ", h.mae))
                .unwrap_or_default();
            format!(
                "{} {mae}AIC {:.1}, BIC {:.1}",
                k.model.kind().display_name(),
                aic(k),
                bic(k)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    (best, format!("{how}: {table}{failed}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The candidates of the shipped CDNOW model (BG/NBD, Pareto/NBD, MBG/NBD with holdouts).
    fn shipped() -> Vec<Candidate> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/cdnow.json");
        retain_score::artefact::ClvArtefact::load(std::path::Path::new(path))
            .unwrap()
            .candidates
    }

    #[test]
    fn the_choice_reports_aic_and_bic_and_uses_bic_without_a_holdout() {
        let c = shipped();
        assert!(c.len() >= 2);
        let (best, how) = choose(&c, &[]);
        let mae = |k: &Candidate| k.holdout.as_ref().unwrap().mae;
        assert!(c.iter().all(|k| mae(&c[best]) <= mae(k)));
        assert!(how.starts_with("lowest holdout MAE"), "{how}");
        assert_eq!(how.matches("BIC").count(), c.len(), "{how}");

        let no_holdout: Vec<Candidate> = c
            .into_iter()
            .map(|k| Candidate { holdout: None, ..k })
            .collect();
        let (best, how) = choose(&no_holdout, &["x: failed".into()]);
        let bic =
            |k: &Candidate| fit::bic(k.fit.params.len(), k.fit.customers, k.fit.log_likelihood);
        assert!(no_holdout.iter().all(|k| bic(&no_holdout[best]) <= bic(k)));
        assert!(how.starts_with("lowest BIC"), "{how}");
        assert!(how.contains("not fitted: x: failed"), "{how}");
        assert!(!how.contains("MAE"), "{how}");
    }
}

//! Buy-till-you-die models of customer value, fitted by maximum likelihood.
//!
//! BG/NBD, MBG/NBD and Pareto/NBD describe *when* customers buy and when they silently leave;
//! Gamma-Gamma describes *how much* they spend. Together they give P(alive), expected purchases,
//! expected spend and discounted CLV per customer. Likelihoods are computed in log space with
//! analytic gradients and fitted on log-parameters (Newton steps with exact Hessians, or L-BFGS).
//!
//! # Layout
//! - [`btyd`]: the purchase/dropout models behind one trait, [`btyd::PurchaseProcess`], one
//!   file (or folder) per model ([`btyd::bgnbd`], [`btyd::mbgnbd`], [`btyd::paretonbd`]), and the
//!   closed enums [`btyd::PurchaseModel`] / [`btyd::PurchaseKind`] generated from one list;
//!   with P(X(t) = x) ([`btyd::pmf`]) and seeded simulation ([`btyd::simulate`]).
//! - [`spend`]: spend models ([`spend::gammagamma`]) behind the [`spend::SpendModel`] enum.
//! - [`fit`]: the maximum-likelihood driver (Newton, L-BFGS), standard errors, AIC and BIC.
//! - [`clv`]: discounted lifetime value over a horizon.
//! - [`classifier`]: supervised churn classifiers (logistic regression, boosted trees, random
//!   forest) as linfa algorithms.
//! - [`subscription`]: subscription CLV from a per-period churn probability.
//! - [`sbg`]: the shifted-beta-geometric model of contract renewals (Fader & Hardie 2007).
//! - [`data`]: patterns grouped for the likelihoods.
//! - [`math`]: special functions, Gauss–Legendre quadrature, Cholesky solves.
//!
//! # Example
//! ```
//! use retain_models::btyd::{PurchaseModel, PurchaseProcess, bgnbd::BgNbd};
//! let m = BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
//! // Expected purchases of a new customer in the first 78 weeks (lifetimes 0.11.3: 1.86052).
//! assert!((m.expected_purchases_new(78.0).unwrap() - 1.86052).abs() < 1e-5);
//! assert!(m.p_alive(0, 0.0, 38.86) == 1.0);
//! // The same through the enum that artefacts store.
//! let model = PurchaseModel::Bgnbd(m);
//! assert_eq!(model.kind().name(), "bgnbd");
//! assert_eq!(model.n_params(), 4);
//! ```
//!
//! # Example: churn classifiers as linfa algorithms
//! retain's gradient-boosted trees (linfa has no boosting) fitted on a linfa `Dataset`, with
//! P(churn) from `predict_probabilities` and the ROC AUC from linfa's metrics; the logistic
//! regression (`Logistic::params()`) and the forest (`Forest::params()`) work the same way.
//! ```
//! use linfa::prelude::*;
//! use ndarray::{Array1, Array2};
//! use retain_models::classifier::trees::gbdt::Gbdt;
//!
//! // Churn when exactly one of two usage signals is high (an interaction a linear model
//! // cannot fit), 2,000 customers, a deterministic grid of values.
//! let n = 2000;
//! let records = Array2::from_shape_fn((n, 3), |(i, j)| ((i * [37, 53, 71][j]) % 100) as f64 / 100.0);
//! let targets: Array1<bool> = records
//!     .rows()
//!     .into_iter()
//!     .map(|r| (r[0] > 0.5) != (r[1] > 0.5))
//!     .collect();
//! let (train, valid) = Dataset::new(records, targets).split_with_ratio(0.8);
//!
//! let model = Gbdt::params().seed(7).fit(&train)?;
//! let p_churn = model.predict_probabilities(valid.records())?;
//!
//! // ROC AUC with linfa's metrics (which take f32 probabilities).
//! let roc = p_churn.mapv(|p| Pr::new(p as f32)).roc(valid.targets().as_slice().unwrap())?;
//! assert!(roc.area_under_curve() > 0.95);
//! // Labels through linfa's `Predict`: churned when P(churn) ≥ 0.5.
//! let labels: Array1<bool> = model.predict(valid.records());
//! assert_eq!(labels.len(), valid.nsamples());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
// Likelihood and matrix code indexes several parallel arrays at once; index loops read clearer.
#![allow(clippy::needless_range_loop)]

pub mod btyd;
pub mod classifier;
pub mod clv;
pub mod data;
pub mod error;
pub mod fit;
pub mod math;
pub mod sbg;
pub mod spend;
pub mod subscription;

pub use error::ModelError;

/// Every parameter finite and > 0.
pub(crate) fn check_positive(names: &[&'static str], values: &[f64]) -> Result<(), ModelError> {
    for (&name, &v) in names.iter().zip(values) {
        if !(v.is_finite() && v > 0.0) {
            return Err(ModelError::InvalidParam {
                name,
                reason: format!("must be finite and > 0, got {v}"),
            });
        }
    }
    Ok(())
}

/// Checks that a model's probe predictions (`what`, outcome) are finite; otherwise refuses the
/// parameter farthest from 1 on a log scale (the one that overflowed), naming the prediction.
pub(crate) fn check_predictions(
    names: &[&'static str],
    values: &[f64],
    outcomes: impl IntoIterator<Item = (&'static str, Result<f64, ModelError>)>,
) -> Result<(), ModelError> {
    for (what, outcome) in outcomes {
        let why = match outcome {
            Ok(v) if v.is_finite() => continue,
            Ok(v) => format!("{what} is {v}"),
            Err(e) => format!("{what}: {e}"),
        };
        let extreme = names
            .iter()
            .zip(values)
            .max_by(|a, b| a.1.ln().abs().total_cmp(&b.1.ln().abs()));
        let Some((&name, &v)) = extreme else {
            return Err(ModelError::Numerical(why));
        };
        return Err(ModelError::InvalidParam {
            name,
            reason: format!(
                "{v:e} (with the other parameters) makes predictions non-finite ({why}); refit or \
                 correct it"
            ),
        });
    }
    Ok(())
}

/// The closed forms of BG/NBD and MBG/NBD divide by (a − 1); their limit at a = 1 is finite.
/// Nudging a by 1e-7 changes results by ~1e-7 relative and avoids the 0/0.
pub(crate) fn away_from_one(a: f64) -> f64 {
    if (a - 1.0).abs() < 1e-7 {
        1.0 + 1e-7
    } else {
        a
    }
}

/// A prediction that must be a finite number ≥ 0 (tiny negative rounding is clamped to 0).
pub(crate) fn finite_nonneg(what: &str, v: f64) -> Result<f64, ModelError> {
    if !v.is_finite() {
        return Err(ModelError::Numerical(format!("{what} is not finite ({v})")));
    }
    Ok(v.max(0.0))
}

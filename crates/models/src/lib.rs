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
//! - [`classifier`]: supervised churn classifiers (logistic regression, trees).
//! - [`subscription`]: subscription CLV from a per-period churn probability.
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

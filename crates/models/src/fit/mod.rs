//! Maximum likelihood on log-parameters: damped Newton steps where the likelihood has an exact
//! Hessian, argmin's L-BFGS otherwise (or when Newton fails), analytic gradients, standard
//! errors from the Hessian, and the information criteria that compare fits.
//!
//! Every model here has positive parameters, so the optimiser works on θ = ln(params): no bounds
//! are needed and the objective is better conditioned. The objective is the *mean* negative
//! log-likelihood per customer (so tolerances do not depend on the base size) plus an optional
//! L2 penalty `penalty × Σ θ²` on the log-parameters, which shrinks towards 1 on every
//! parameter and keeps degenerate data (e.g. nobody repeats) from running off to infinity.
//!
//! - `newton` and `lbfgs`: the two optimisers.
//! - `objective`: the penalised per-customer objective both of them minimise.
//! - `warm_start`: large fits start from a subsample's maximum ([`warm_start()`]).

mod lbfgs;
mod newton;
mod objective;
mod warm_start;

pub use warm_start::{Subsample, warm_start};

use crate::ModelError;
use crate::math::linalg::invert_spd;
use objective::Objective;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

/// A total log-likelihood with its gradient with respect to the log-parameters.
pub trait LogLikelihood: Sync {
    /// Number of parameters.
    fn dim(&self) -> usize;
    /// Total number of customers (sum of weights), to scale the objective.
    fn customers(&self) -> f64;
    /// Total log-likelihood at `exp(theta)`; writes d LL / d theta into `grad`.
    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64;
    /// Whether [`Self::value_grad_hess`] is analytic (then fits take Newton steps).
    fn has_hessian(&self) -> bool {
        false
    }
    /// [`Self::value_grad`] plus the Hessian d²LL / dθ² (row-major `dim × dim`) into `hess`.
    /// The default differences the analytic gradient forward (`dim` extra evaluations).
    fn value_grad_hess(&self, theta: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
        let n = theta.len();
        let value = self.value_grad(theta, grad);
        let mut gp = vec![0.0; n];
        for j in 0..n {
            let step = 1e-6 * (1.0 + theta[j].abs());
            let mut tp = theta.to_vec();
            tp[j] += step;
            self.value_grad(&tp, &mut gp);
            for i in 0..n {
                hess[i * n + j] = (gp[i] - grad[i]) / step;
            }
        }
        for i in 0..n {
            for j in 0..i {
                let m = 0.5 * (hess[i * n + j] + hess[j * n + i]);
                hess[i * n + j] = m;
                hess[j * n + i] = m;
            }
        }
        value
    }
}

/// How to fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// L2 penalty on the log-parameters (0 = plain maximum likelihood).
    pub penalty: f64,
    /// Iteration budget.
    pub max_iters: u64,
    /// Convergence threshold on the gradient norm of the per-customer objective.
    pub grad_tol: f64,
    /// Most passes over the data (likelihood evaluations) of one fit, over both optimisers:
    /// past it the fit stops and reports that it did not converge.
    #[serde(default = "default_max_evaluations")]
    pub max_evaluations: u64,
    /// Most seconds of one fit (checked between evaluations), then "did not converge".
    #[serde(default = "default_max_seconds")]
    pub max_seconds: f64,
}

/// Likelihood evaluations of one fit: CDNOW's fits take 10 to 60, a 1M-customer Pareto/NBD
/// fit about 100; a fit that wanders (a calibration end long after the last purchase) used
/// tens of thousands.
pub const MAX_EVALUATIONS: u64 = 2_000;
/// Wall-clock seconds of one fit.
pub const MAX_SECONDS: f64 = 60.0;

fn default_max_evaluations() -> u64 {
    MAX_EVALUATIONS
}

fn default_max_seconds() -> f64 {
    MAX_SECONDS
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            penalty: 0.0,
            max_iters: 500,
            grad_tol: 1e-7,
            max_evaluations: MAX_EVALUATIONS,
            max_seconds: MAX_SECONDS,
        }
    }
}

/// Which optimiser found the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Optimiser {
    /// Damped Newton steps with the exact Hessian.
    Newton,
    /// argmin's L-BFGS with analytic gradients (artefacts from before Newton fits say this).
    #[default]
    Lbfgs,
}

/// How the optimisation went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Convergence {
    /// The optimiser used.
    #[serde(default)]
    pub optimiser: Optimiser,
    /// Optimiser iterations.
    pub iterations: u64,
    /// Passes over the data (likelihood with gradient, and with Newton the Hessian), without
    /// those of a warm start's subsample fit.
    pub evaluations: u64,
    /// Gradient norm of the per-customer objective at the optimum.
    pub grad_norm: f64,
}

/// A maximum-likelihood fit on the natural scale.
#[derive(Debug, Clone, PartialEq)]
pub struct MleResult {
    /// Parameters.
    pub params: Vec<f64>,
    /// Standard errors (delta method from the Hessian of the log-parameters); `None` where the
    /// Hessian is not positive definite (the parameter is not identified by the data).
    pub std_errors: Vec<Option<f64>>,
    /// Total log-likelihood (without the penalty) at the optimum.
    pub log_likelihood: f64,
    /// Optimisation summary.
    pub convergence: Convergence,
}

impl MleResult {
    /// Number of fitted parameters.
    pub fn n_params(&self) -> usize {
        self.params.len()
    }

    /// Akaike's information criterion of this fit on its data ([`aic`]).
    pub fn aic(&self) -> f64 {
        aic(self.n_params(), self.log_likelihood)
    }

    /// The Bayesian information criterion of this fit on `n` customers ([`bic`]).
    pub fn bic(&self, n: usize) -> f64 {
        bic(self.n_params(), n, self.log_likelihood)
    }
}

/// Akaike's information criterion, 2k − 2 LL, for `k` parameters with total log-likelihood
/// `log_likelihood`: lower is better. Models with different numbers of parameters are compared
/// on this (or [`bic`]), not on the log-likelihood alone.
pub fn aic(k: usize, log_likelihood: f64) -> f64 {
    2.0 * k as f64 - 2.0 * log_likelihood
}

/// The Bayesian information criterion, k ln n − 2 LL, for `k` parameters fitted on `n`
/// customers: lower is better; it penalises parameters more than [`aic`] once n > e² ≈ 7.4.
pub fn bic(k: usize, n: usize, log_likelihood: f64) -> f64 {
    k as f64 * (n as f64).ln() - 2.0 * log_likelihood
}

/// Keeps the optimiser inside the range where exp(θ) and the special functions are finite.
const THETA_LIMIT: f64 = 30.0;

/// Maximises the likelihood from `start` (natural scale, all > 0).
pub fn maximise<L: LogLikelihood>(
    ll: &L,
    start: &[f64],
    opts: &FitOptions,
) -> Result<MleResult, ModelError> {
    if ll.customers() <= 0.0 {
        return Err(ModelError::NotEnoughData("no customers to fit".into()));
    }
    let evaluations = AtomicU64::new(0);
    let objective = Objective {
        ll,
        penalty: opts.penalty,
        scale: 1.0 / ll.customers(),
        evaluations: &evaluations,
        budget: Budget::new(opts),
        attempts: AtomicU64::new(0),
    };
    let theta0: Vec<f64> = start.iter().map(|p| p.ln()).collect();
    if ll.has_hessian()
        && let Some((theta, cost, grad, hess, iterations)) =
            newton::newton(&objective, &theta0, opts)
        && theta.iter().all(|t| t.abs() < THETA_LIMIT)
    {
        let penalty: f64 = opts.penalty * theta.iter().map(|t| t * t).sum::<f64>();
        return Ok(MleResult {
            params: theta.iter().map(|t| t.exp()).collect(),
            std_errors: standard_errors(&hess, &theta, objective.scale),
            log_likelihood: (penalty - cost) / objective.scale,
            convergence: Convergence {
                optimiser: Optimiser::Newton,
                iterations,
                evaluations: evaluations.load(Ordering::Relaxed),
                grad_norm: norm(&grad),
            },
        });
    }
    if let Some(reason) = objective.spent() {
        return Err(objective.not_converged(0, reason));
    }
    lbfgs::lbfgs(&objective, theta0, opts)
}

/// The evaluation and time budget of one fit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    max_evaluations: u64,
    deadline: Option<std::time::Instant>,
    max_seconds: f64,
}

impl Budget {
    fn new(opts: &FitOptions) -> Budget {
        let seconds = if opts.max_seconds.is_finite() && opts.max_seconds > 0.0 {
            opts.max_seconds
        } else {
            MAX_SECONDS
        };
        Budget {
            max_evaluations: opts.max_evaluations.max(1),
            deadline: std::time::Instant::now()
                .checked_add(std::time::Duration::from_secs_f64(seconds.min(1e9))),
            max_seconds: seconds,
        }
    }

    /// Why the fit must stop, if its budget is spent.
    pub(crate) fn spent(&self, evaluations: &AtomicU64, attempts: &AtomicU64) -> Option<String> {
        let n = evaluations.load(Ordering::Relaxed);
        // Points outside the parameter box are refused without a pass over the data; an
        // optimiser stuck there is stopped too.
        let tries = attempts.load(Ordering::Relaxed);
        if n >= self.max_evaluations || tries >= self.max_evaluations.saturating_mul(10) {
            return Some(format!(
                "the budget of {} likelihood evaluations is spent",
                self.max_evaluations
            ));
        }
        if self
            .deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
        {
            return Some(format!(
                "the time budget of {} s is spent ({n} likelihood evaluations)",
                self.max_seconds
            ));
        }
        None
    }
}

/// Standard errors from the observed information: the Hessian of the objective in θ (per
/// customer, so divided by `scale` to get the total information), inverted, then mapped to
/// the natural scale with the delta method (se(p) = p · se(θ)).
fn standard_errors(hess: &[f64], theta: &[f64], scale: f64) -> Vec<Option<f64>> {
    let n = theta.len();
    let total: Vec<f64> = hess.iter().map(|h| h / scale).collect();
    match invert_spd(&total, n) {
        Some(cov) => (0..n)
            .map(|i| {
                let v = cov[i * n + i];
                (v.is_finite() && v > 0.0).then(|| theta[i].exp() * v.sqrt())
            })
            .collect(),
        None => vec![None; n],
    }
}
fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Asserts that the analytic gradient of `ll` at `theta` matches central finite differences.
#[cfg(test)]
pub(crate) fn assert_gradient(ll: &impl LogLikelihood, theta: &[f64]) {
    let n = theta.len();
    let mut g = vec![0.0; n];
    ll.value_grad(theta, &mut g);
    let mut scratch = vec![0.0; n];
    for k in 0..n {
        let h = 1e-6;
        let (mut tp, mut tm) = (theta.to_vec(), theta.to_vec());
        tp[k] += h;
        tm[k] -= h;
        let num = (ll.value_grad(&tp, &mut scratch) - ll.value_grad(&tm, &mut scratch)) / (2.0 * h);
        approx::assert_relative_eq!(g[k], num, max_relative = 1e-5, epsilon = 1e-6);
    }
}

/// Asserts that the Hessian of `ll` at `theta` matches central differences of its gradient.
#[cfg(test)]
pub(crate) fn assert_hessian(ll: &impl LogLikelihood, theta: &[f64]) {
    let n = theta.len();
    let (mut g, mut h) = (vec![0.0; n], vec![0.0; n * n]);
    let v = ll.value_grad_hess(theta, &mut g, &mut h);
    let mut g0 = vec![0.0; n];
    approx::assert_relative_eq!(v, ll.value_grad(theta, &mut g0), max_relative = 1e-12);
    for (a, b) in g.iter().zip(&g0) {
        approx::assert_relative_eq!(a, b, max_relative = 1e-12, epsilon = 1e-12);
    }
    let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
    for j in 0..n {
        let step = 1e-5;
        let (mut tp, mut tm) = (theta.to_vec(), theta.to_vec());
        tp[j] += step;
        tm[j] -= step;
        ll.value_grad(&tp, &mut gp);
        ll.value_grad(&tm, &mut gm);
        for i in 0..n {
            let fd = (gp[i] - gm[i]) / (2.0 * step);
            approx::assert_relative_eq!(h[i * n + j], fd, max_relative = 1e-5, epsilon = 1e-5);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Exponential waiting times with rate λ: LL = n ln λ − λ Σ t, MLE λ = n / Σ t,
    /// se(λ) = λ / √n.
    struct Exponential {
        n: f64,
        total: f64,
    }
    impl LogLikelihood for Exponential {
        fn dim(&self) -> usize {
            1
        }
        fn customers(&self) -> f64 {
            self.n
        }
        fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
            let l = theta[0].exp();
            grad[0] = self.n - l * self.total;
            self.n * theta[0] - l * self.total
        }
    }

    /// The same likelihood with its exact Hessian, −λ Σ t in θ = ln λ.
    struct ExponentialWithHessian(Exponential);
    impl LogLikelihood for ExponentialWithHessian {
        fn dim(&self) -> usize {
            1
        }
        fn customers(&self) -> f64 {
            self.0.n
        }
        fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
            self.0.value_grad(theta, grad)
        }
        fn has_hessian(&self) -> bool {
            true
        }
        fn value_grad_hess(&self, theta: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
            hess[0] = -theta[0].exp() * self.0.total;
            self.0.value_grad(theta, grad)
        }
    }

    #[test]
    fn newton_steps_find_the_exact_mle_from_far_away() {
        for start in [1e-6, 1.0, 1e6] {
            let m = ExponentialWithHessian(Exponential {
                n: 400.0,
                total: 100.0,
            });
            let fit = maximise(&m, &[start], &FitOptions::default()).unwrap();
            assert_eq!(fit.convergence.optimiser, Optimiser::Newton);
            // |gradient| < 1e-7 per customer puts λ within 4e-7 of 4.
            assert_relative_eq!(fit.params[0], 4.0, max_relative = 2e-7);
            // The observed information at λ is λ Σ t, so se(λ) = λ / √(λ Σ t) = √(λ / Σ t).
            let se = (fit.params[0] / 100.0).sqrt();
            assert_relative_eq!(fit.std_errors[0].unwrap(), se, max_relative = 1e-12);
            assert!(fit.convergence.evaluations < 40, "{:?}", fit.convergence);
        }
    }

    /// A likelihood with no maximum (it grows for ever along θ): every fit must stop within
    /// its budget and say it did not converge.
    struct Unbounded {
        calls: AtomicU64,
    }
    impl LogLikelihood for Unbounded {
        fn dim(&self) -> usize {
            2
        }
        fn customers(&self) -> f64 {
            1.0
        }
        fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
            self.calls.fetch_add(1, Ordering::Relaxed);
            // Slow, flat and tilted: tiny gradients that never vanish.
            grad[0] = 1e-3;
            grad[1] = -1e-3 * theta[1].signum();
            1e-3 * theta[0] - 1e-3 * theta[1].abs()
        }
    }

    #[test]
    fn a_fit_without_a_maximum_stops_within_its_evaluation_budget() {
        for max_evaluations in [5, 50] {
            let m = Unbounded {
                calls: AtomicU64::new(0),
            };
            let opts = FitOptions {
                max_evaluations,
                max_iters: 1_000_000,
                ..FitOptions::default()
            };
            let e = maximise(&m, &[1.0, 1.0], &opts).unwrap_err();
            assert!(matches!(e, ModelError::NotConverged { .. }), "{e}");
            // One evaluation may be in flight when the budget runs out, plus the final one.
            let calls = m.calls.load(Ordering::Relaxed);
            assert!(calls <= max_evaluations + 2, "{calls} > {max_evaluations}");
        }
    }

    #[test]
    fn a_fit_stops_at_its_time_budget() {
        struct Slow;
        impl LogLikelihood for Slow {
            fn dim(&self) -> usize {
                1
            }
            fn customers(&self) -> f64 {
                1.0
            }
            fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
                std::thread::sleep(std::time::Duration::from_millis(20));
                grad[0] = 1e-3;
                1e-3 * theta[0]
            }
        }
        let opts = FitOptions {
            max_seconds: 0.2,
            max_evaluations: u64::MAX,
            max_iters: 1_000_000,
            ..FitOptions::default()
        };
        let started = std::time::Instant::now();
        let e = maximise(&Slow, &[1.0], &opts).unwrap_err().to_string();
        assert!(started.elapsed().as_secs_f64() < 2.0, "{e}");
        assert!(e.contains("time budget"), "{e}");
    }

    #[test]
    fn exponential_mle_and_standard_error_are_exact() {
        let m = Exponential {
            n: 400.0,
            total: 100.0,
        };
        let fit = maximise(&m, &[1.0], &FitOptions::default()).unwrap();
        assert_relative_eq!(fit.params[0], 4.0, max_relative = 1e-7);
        assert_relative_eq!(fit.std_errors[0].unwrap(), 4.0 / 20.0, max_relative = 1e-4);
    }

    #[test]
    fn information_criteria_follow_their_definitions() {
        // Four parameters, LL −9582.43 on 2357 customers (BG/NBD on CDNOW).
        assert_relative_eq!(aic(4, -9582.43), 19172.86, max_relative = 1e-12);
        assert_relative_eq!(
            bic(4, 2357, -9582.43),
            4.0 * 2357f64.ln() + 19164.86,
            max_relative = 1e-12
        );
        // One more parameter must buy at least 1 (AIC) or ln(n)/2 (BIC) of log-likelihood.
        assert!(aic(5, -9581.0) < aic(4, -9582.43));
        assert!(bic(5, 2357, -9581.0) > bic(4, 2357, -9582.43));
        let fit = MleResult {
            params: vec![1.0, 2.0, 3.0],
            std_errors: vec![None; 3],
            log_likelihood: -10.0,
            convergence: Convergence {
                optimiser: Optimiser::Newton,
                iterations: 1,
                evaluations: 1,
                grad_norm: 0.0,
            },
        };
        assert_eq!(fit.n_params(), 3);
        assert_eq!(fit.aic(), 26.0);
        assert_relative_eq!(fit.bic(100), 3.0 * 100f64.ln() + 20.0, max_relative = 1e-15);
    }
}

//! Maximum likelihood on log-parameters with argmin's L-BFGS, analytic gradients, and standard
//! errors from the Hessian.
//!
//! Every model here has positive parameters, so the optimiser works on θ = ln(params): no bounds
//! are needed and the objective is better conditioned. The objective is the *mean* negative
//! log-likelihood per customer (so tolerances do not depend on the base size) plus an optional
//! L2 penalty `penalty × Σ θ²` on the log-parameters, which shrinks towards 1 on every
//! parameter and keeps degenerate data (e.g. nobody repeats) from running off to infinity.

use crate::ModelError;
use crate::data::GroupedPatterns;
use crate::linalg::invert_spd;
use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
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
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            penalty: 0.0,
            max_iters: 500,
            grad_tol: 1e-7,
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

/// Keeps the optimiser inside the range where exp(θ) and the special functions are finite.
const THETA_LIMIT: f64 = 30.0;

struct Objective<'a, L: LogLikelihood> {
    ll: &'a L,
    penalty: f64,
    scale: f64,
    evaluations: &'a AtomicU64,
}

impl<L: LogLikelihood> Objective<'_, L> {
    fn eval(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        if theta
            .iter()
            .any(|t| !t.is_finite() || t.abs() > THETA_LIMIT)
        {
            // Outside the box: a huge cost whose gradient points back inside.
            for (g, t) in grad.iter_mut().zip(theta) {
                *g = t.signum() * 1e6;
            }
            return 1e12;
        }
        self.evaluations.fetch_add(1, Ordering::Relaxed);
        let ll = self.ll.value_grad(theta, grad);
        let mut cost = -ll * self.scale;
        for (g, t) in grad.iter_mut().zip(theta) {
            *g = -*g * self.scale + 2.0 * self.penalty * t;
            cost += self.penalty * t * t;
        }
        if !cost.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            for (g, t) in grad.iter_mut().zip(theta) {
                *g = t.signum() * 1e6;
            }
            return 1e12;
        }
        cost
    }
}

impl<L: LogLikelihood> Objective<'_, L> {
    /// The cost, gradient and Hessian of the objective; `None` outside the box or where
    /// anything is not finite.
    fn eval_hess(&self, theta: &[f64]) -> Option<(f64, Vec<f64>, Vec<f64>)> {
        let n = theta.len();
        if theta
            .iter()
            .any(|t| !t.is_finite() || t.abs() > THETA_LIMIT)
        {
            return None;
        }
        self.evaluations.fetch_add(1, Ordering::Relaxed);
        let (mut g, mut h) = (vec![0.0; n], vec![0.0; n * n]);
        let ll = self.ll.value_grad_hess(theta, &mut g, &mut h);
        let mut cost = -ll * self.scale;
        for i in 0..n {
            g[i] = -g[i] * self.scale + 2.0 * self.penalty * theta[i];
            cost += self.penalty * theta[i] * theta[i];
            for j in 0..n {
                h[i * n + j] *= -self.scale;
            }
            h[i * n + i] += 2.0 * self.penalty;
        }
        let finite = cost.is_finite() && g.iter().chain(&h).all(|v| v.is_finite());
        finite.then_some((cost, g, h))
    }
}

/// Where [`newton`] stopped: θ, cost, gradient, Hessian, iterations.
type NewtonEnd = (Vec<f64>, f64, Vec<f64>, Vec<f64>, u64);

/// Levenberg–Marquardt-damped Newton steps on the objective with its exact Hessian, from
/// `theta0`: the step solves (H + λI) δ = −g; a step that lowers the cost is taken and λ
/// shrinks tenfold, otherwise λ grows tenfold and the step is retried. Near the optimum the
/// steps are plain Newton steps (quadratic convergence): from a warm start a fit on 1M
/// customers converges in three or four passes over the data, where L-BFGS takes 18.
/// Returns the point, its cost, gradient and Hessian, and the iterations; `None` when it does
/// not converge (the caller falls back to L-BFGS).
fn newton<L: LogLikelihood>(
    obj: &Objective<'_, L>,
    theta0: &[f64],
    opts: &FitOptions,
) -> Option<NewtonEnd> {
    let n = theta0.len();
    let mut theta = theta0.to_vec();
    let (mut cost, mut grad, mut hess) = obj.eval_hess(&theta)?;
    let mut lambda = 1e-4;
    for iter in 0..opts.max_iters {
        if norm(&grad) < opts.grad_tol {
            return Some((theta, cost, grad, hess, iter));
        }
        loop {
            if lambda > 1e10 {
                return None;
            }
            let mut m = hess.clone();
            for i in 0..n {
                m[i * n + i] += lambda;
            }
            let Some(l) = crate::linalg::cholesky(&m, n) else {
                lambda = (lambda * 10.0).max(1e-8);
                continue;
            };
            let step = crate::linalg::cholesky_solve(&l, n, &grad);
            // At most a factor e^5 per parameter per step.
            let longest = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
            let shrink = if longest > 5.0 { 5.0 / longest } else { 1.0 };
            let trial: Vec<f64> = theta
                .iter()
                .zip(&step)
                .map(|(t, s)| t - shrink * s)
                .collect();
            match obj.eval_hess(&trial) {
                Some((c, g, h)) if c <= cost => {
                    // At the floor of f64 precision the cost stops moving before the gradient
                    // meets a tight tolerance; accept a negligible gradient there (as with
                    // L-BFGS) rather than stepping in place until the budget runs out.
                    let stalled = cost - c <= 1e-15 * cost.abs().max(1.0) && norm(&g) < 1e-5;
                    (theta, cost, grad, hess) = (trial, c, g, h);
                    lambda = (lambda / 10.0).max(1e-12);
                    if stalled {
                        return Some((theta, cost, grad, hess, iter + 1));
                    }
                    break;
                }
                _ => lambda = (lambda * 10.0).max(1e-8),
            }
        }
    }
    None
}

/// argmin asks for the cost and the gradient at the same point in separate calls; every
/// likelihood computes both in one pass, so the last pass is remembered.
struct Cached<'a, L: LogLikelihood> {
    objective: Objective<'a, L>,
    last: &'a Mutex<Option<Evaluation>>,
}

/// A point with its cost and gradient.
type Evaluation = (Vec<f64>, f64, Vec<f64>);

impl<L: LogLikelihood> Cached<'_, L> {
    fn get(&self, p: &[f64]) -> (f64, Vec<f64>) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((q, c, g)) = last.as_ref()
            && q.as_slice() == p
        {
            return (*c, g.clone());
        }
        let mut g = vec![0.0; p.len()];
        let c = self.objective.eval(p, &mut g);
        *last = Some((p.to_vec(), c, g.clone()));
        (c, g)
    }
}

impl<L: LogLikelihood> CostFunction for Cached<'_, L> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        Ok(self.get(p).0)
    }
}

impl<L: LogLikelihood> Gradient for Cached<'_, L> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        Ok(self.get(p).1)
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

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
    let last: Mutex<Option<Evaluation>> = Mutex::new(None);
    let objective = Objective {
        ll,
        penalty: opts.penalty,
        scale: 1.0 / ll.customers(),
        evaluations: &evaluations,
    };
    let theta0: Vec<f64> = start.iter().map(|p| p.ln()).collect();
    if ll.has_hessian()
        && let Some((theta, cost, grad, hess, iterations)) = newton(&objective, &theta0, opts)
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
    let run = |theta0: Vec<f64>| {
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(opts.grad_tol)
            .and_then(|s| s.with_tolerance_cost(0.0))
            .map_err(|e| ModelError::Numerical(e.to_string()))?;
        let problem = Cached {
            objective: Objective {
                ll,
                penalty: objective.penalty,
                scale: objective.scale,
                evaluations: &evaluations,
            },
            last: &last,
        };
        Executor::new(problem, solver)
            .configure(|state| state.param(theta0).max_iters(opts.max_iters))
            .run()
            .map_err(|e| ModelError::Numerical(format!("optimiser failed: {e}")))
    };
    let res = run(theta0)?;
    let state = res.state();
    let theta = state
        .get_best_param()
        .cloned()
        .ok_or_else(|| ModelError::Numerical("optimiser returned no parameters".into()))?;
    // The optimiser's best point is almost always the last one evaluated.
    let cached = last
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .filter(|(q, _, _)| *q == theta);
    let (cost, grad) = match cached {
        Some((_, c, g)) => (c, g),
        None => {
            let mut g = vec![0.0; theta.len()];
            (objective.eval(&theta, &mut g), g)
        }
    };
    let grad_norm = norm(&grad);
    let reason = state.get_termination_reason().cloned();
    let iterations = state.get_iter();
    // L-BFGS may stop on "no further progress" at a true optimum where the gradient is a hair
    // above the tolerance; accept that only when the gradient is negligible on any useful scale.
    let converged = matches!(reason, Some(TerminationReason::SolverConverged)) && grad_norm < 1e-5
        || grad_norm < opts.grad_tol.max(1e-6);
    if !converged || theta.iter().any(|t| t.abs() >= THETA_LIMIT) {
        return Err(ModelError::NotConverged {
            iterations,
            grad_norm,
            reason: reason
                .map(|r| r.text().to_string())
                .unwrap_or_else(|| "unknown".into()),
        });
    }
    let penalty: f64 = opts.penalty * theta.iter().map(|t| t * t).sum::<f64>();
    let log_likelihood = (penalty - cost) / objective.scale;
    let std_errors = match objective.eval_hess(&theta) {
        Some((_, _, hess)) => standard_errors(&hess, &theta, objective.scale),
        None => vec![None; theta.len()],
    };
    Ok(MleResult {
        params: theta.iter().map(|t| t.exp()).collect(),
        std_errors,
        log_likelihood,
        convergence: Convergence {
            optimiser: Optimiser::Lbfgs,
            iterations,
            evaluations: evaluations.load(Ordering::Relaxed),
            grad_norm,
        },
    })
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
}

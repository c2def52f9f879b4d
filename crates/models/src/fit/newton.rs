//! Damped Newton steps with the exact Hessian: the fast path for likelihoods that have one.

use super::objective::Objective;
use super::{FitOptions, LogLikelihood, norm};

/// Where [`newton`] stopped: θ, cost, gradient, Hessian, iterations.
pub(super) type NewtonEnd = (Vec<f64>, f64, Vec<f64>, Vec<f64>, u64);

/// Levenberg–Marquardt-damped Newton steps on the objective with its exact Hessian, from
/// `theta0`: the step solves (H + λI) δ = −g; a step that lowers the cost is taken and λ
/// shrinks tenfold, otherwise λ grows tenfold and the step is retried. Near the optimum the
/// steps are plain Newton steps (quadratic convergence): from a warm start a fit on 1M
/// customers converges in three or four passes over the data, where L-BFGS takes 18.
/// Returns the point, its cost, gradient and Hessian, and the iterations; `None` when it does
/// not converge (the caller falls back to L-BFGS).
pub(super) fn newton<L: LogLikelihood>(
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
            if lambda > 1e10 || obj.spent().is_some() {
                return None;
            }
            let mut m = hess.clone();
            for i in 0..n {
                m[i * n + i] += lambda;
            }
            let Some(l) = crate::math::linalg::cholesky(&m, n) else {
                lambda = (lambda * 10.0).max(1e-8);
                continue;
            };
            let step = crate::math::linalg::cholesky_solve(&l, n, &grad);
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

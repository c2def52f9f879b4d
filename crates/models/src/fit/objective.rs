//! The function both optimisers minimise: the penalised mean negative log-likelihood in θ.

use super::{Budget, LogLikelihood, THETA_LIMIT};
use crate::ModelError;
use std::sync::atomic::{AtomicU64, Ordering};

/// The per-customer objective of a likelihood, with the evaluation count shared by both optimisers.
pub(super) struct Objective<'a, L: LogLikelihood> {
    pub(super) ll: &'a L,
    pub(super) penalty: f64,
    pub(super) scale: f64,
    pub(super) evaluations: &'a AtomicU64,
    /// Evaluations and seconds this fit may use.
    pub(super) budget: Budget,
    /// Every call, outside the box too (those cost nothing but must not loop for ever).
    pub(super) attempts: AtomicU64,
}

impl<L: LogLikelihood> Objective<'_, L> {
    /// Why the fit must stop now, if its budget is spent.
    pub(super) fn spent(&self) -> Option<String> {
        self.budget.spent(self.evaluations, &self.attempts)
    }

    /// The error of a fit stopped by its budget.
    pub(super) fn not_converged(&self, iterations: u64, reason: String) -> ModelError {
        ModelError::NotConverged {
            iterations,
            grad_norm: f64::NAN,
            reason,
        }
    }

    pub(super) fn eval(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        self.attempts.fetch_add(1, Ordering::Relaxed);
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
    pub(super) fn eval_hess(&self, theta: &[f64]) -> Option<(f64, Vec<f64>, Vec<f64>)> {
        let n = theta.len();
        if self.spent().is_some() {
            return None;
        }
        self.attempts.fetch_add(1, Ordering::Relaxed);
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

//! argmin's L-BFGS with analytic gradients: for likelihoods without an exact Hessian, and the
//! fallback when Newton steps do not converge.

use super::objective::Objective;
use super::{
    Convergence, FitOptions, LogLikelihood, MleResult, Optimiser, THETA_LIMIT, norm,
    standard_errors,
};
use crate::ModelError;
use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

/// Minimises `objective` from `theta0` with L-BFGS; standard errors from the objective's
/// Hessian at the optimum.
pub(super) fn lbfgs<L: LogLikelihood>(
    objective: &Objective<'_, L>,
    theta0: Vec<f64>,
    opts: &FitOptions,
) -> Result<MleResult, ModelError> {
    let last: Mutex<Option<Evaluation>> = Mutex::new(None);
    let run = |theta0: Vec<f64>| {
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(opts.grad_tol)
            .and_then(|s| s.with_tolerance_cost(0.0))?;
        let problem = Cached {
            objective,
            last: &last,
        };
        Executor::new(problem, solver)
            .configure(|state| state.param(theta0).max_iters(opts.max_iters))
            .run()
    };
    let res = match run(theta0) {
        Ok(res) => res,
        Err(e) => {
            return Err(match objective.spent() {
                Some(reason) => objective.not_converged(0, reason),
                None => ModelError::Numerical(format!("optimiser failed: {e}")),
            });
        }
    };
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
            evaluations: objective.evaluations.load(Ordering::Relaxed),
            grad_norm,
        },
    })
}

/// argmin asks for the cost and the gradient at the same point in separate calls; every
/// likelihood computes both in one pass, so the last pass is remembered.
struct Cached<'a, L: LogLikelihood> {
    objective: &'a Objective<'a, L>,
    last: &'a Mutex<Option<Evaluation>>,
}

/// A point with its cost and gradient.
type Evaluation = (Vec<f64>, f64, Vec<f64>);

impl<L: LogLikelihood> Cached<'_, L> {
    fn get(&self, p: &[f64]) -> Result<(f64, Vec<f64>), argmin::core::Error> {
        // A spent budget ends the run as an error (argmin has no other way to stop early);
        // the caller turns it into "did not converge".
        if let Some(reason) = self.objective.spent() {
            return Err(argmin::core::Error::msg(reason));
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((q, c, g)) = last.as_ref()
            && q.as_slice() == p
        {
            return Ok((*c, g.clone()));
        }
        let mut g = vec![0.0; p.len()];
        let c = self.objective.eval(p, &mut g);
        *last = Some((p.to_vec(), c, g.clone()));
        Ok((c, g))
    }
}

impl<L: LogLikelihood> CostFunction for Cached<'_, L> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        Ok(self.get(p)?.0)
    }
}

impl<L: LogLikelihood> Gradient for Cached<'_, L> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        Ok(self.get(p)?.1)
    }
}

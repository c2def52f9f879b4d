//! The likelihood shared by BG/NBD and MBG/NBD (gamma purchase rates, beta-geometric
//! dropout after purchases), with its gradient and exact Hessian in the log-parameters.
//!
//! The two models differ in one place: MBG/NBD lets a customer drop out after every purchase
//! including the first, so its dropout odds and beta terms are BG/NBD's with x + 1, and even
//! x = 0 customers may have left.
//!
//! Both models also share their fit, their simulation and their dropout reduction, kept here
//! with the likelihood.

use super::simulate::dist_err;
use crate::ModelError;
use crate::data::{GroupedPatterns, par_sum, time_tables};
use crate::fit::{FitOptions, LogLikelihood, MleResult, maximise, warm_start};
use crate::math::special::{
    digamma, hyp2f1, hyp2f1_scaled, ln_beta, ln_gamma, lse_weights, trigamma,
};
use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution, Exp, Gamma};
use retain_core::patterns::Patterns;

/// When a customer may drop out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dropout {
    /// After each repeat purchase (BG/NBD).
    AfterRepeats,
    /// After every purchase, the first included (MBG/NBD).
    AfterEveryPurchase,
}

/// Entries of the symmetric 4 × 4 Hessian kept in the sums: (r,r) (r,α) (r,a) (r,b) (α,α)
/// (α,a) (α,b) (a,a) (a,b) (b,b).
const UPPER: [(usize, usize); 10] = [
    (0, 0),
    (0, 1),
    (0, 2),
    (0, 3),
    (1, 1),
    (1, 2),
    (1, 3),
    (2, 2),
    (2, 3),
    (3, 3),
];

/// The log-likelihood, its gradient in θ = ln(r, α, a, b), and with `HESS` its Hessian
/// in θ (row-major into `hess`).
///
/// Per row (BG/NBD; MBG/NBD has x + 1 in place of x in the beta terms), the log-likelihood
/// is A1(x) + A2(x) + ln(e^a3 + e^a4) with A1 = ln Γ(r+x) − ln Γ(r) + r ln α,
/// A2 = ln B(a, b+x) − ln B(a, b), a3 = −(r+x) ln(α+T) and
/// a4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x) (BG/NBD's x = 0 rows have a3 only). With the
/// weights w3, w4 of the log-sum-exp and D = ∇a3 − ∇a4, the Hessian of the last term is
/// w3 ∇²a3 + w4 ∇²a4 + w3 w4 D Dᵀ; D's a and b entries are constant within an x group,
/// so a handful of per-row sums give all ten entries.
pub(crate) fn eval<const HESS: bool>(
    d: &GroupedPatterns,
    dropout: Dropout,
    th: &[f64],
    grad: &mut [f64],
    hess: &mut [f64],
) -> f64 {
    let (r, alpha, a, b) = (th[0].exp(), th[1].exp(), th[2].exp(), th[3].exp());
    // BG/NBD: b + x − 1 in the dropout odds, B(a, b + x); MBG/NBD one more.
    let shift = match dropout {
        Dropout::AfterRepeats => 0.0,
        Dropout::AfterEveryPurchase => 1.0,
    };
    let (ln_alpha, psi_r, psi_ab) = (alpha.ln(), digamma(r), digamma(a + b));
    let (lng_r, lnb_ab) = (ln_gamma(r), ln_beta(a, b));
    let (tg_r, tg_b, tg_ab) = if HESS {
        (trigamma(r), trigamma(b), trigamma(a + b))
    } else {
        (0.0, 0.0, 0.0)
    };
    let (ln_at, inv_at) = time_tables(alpha, &d.times);
    let (total, g) = par_sum::<14>(d.rows(), |rows| {
        let mut total = 0.0;
        let mut g = [0.0; 14];
        for (k, range) in d.pieces(rows) {
            let x = d.x[k];
            let rx = r + x;
            // Terms that depend on x only.
            let a1 = ln_gamma(rx) - lng_r + r * ln_alpha;
            let a2 = ln_beta(a, b + x + shift) - lnb_ab;
            let d1_r = digamma(rx) - psi_r + ln_alpha;
            let psi_abx = digamma(a + b + x + shift);
            let d2_a = psi_ab - psi_abx;
            let d2_b = psi_ab + digamma(b + x + shift) - digamma(b) - psi_abx;
            // Whether the customer may have dropped out after the last purchase.
            let may_drop = x > 0.0 || shift > 0.0;
            let ln_odds = if may_drop {
                a.ln() - (b + x + shift - 1.0).ln()
            } else {
                0.0
            };
            // Per-row sums; the x-only terms are multiplied by the group's weight at the end.
            let (mut sw, mut s_ll, mut s_r, mut s_al, mut s_w4) = (0.0, 0.0, 0.0, 0.0, 0.0);
            // With HESS: Σ w q, Σ w q Dr, Σ w q E, Σ w q Dr², Σ w q Dr E, Σ w q E²,
            // Σ w (w3/(α+T)² + w4/(α+t_x)²), where q = w3 w4, Dr = ln(α+t_x) − ln(α+T)
            // and E = 1/(α+T) − 1/(α+t_x) (so D_α = −(r+x) E).
            let mut h = [0.0; 7];
            for i in range {
                let w = d.weight[i];
                let (it, itx) = (d.it[i] as usize, d.it_x[i] as usize);
                let a3 = -rx * ln_at[it];
                let (ll, w3, w4) = if may_drop {
                    lse_weights(a3, ln_odds - rx * ln_at[itx])
                } else {
                    (a3, 1.0, 0.0)
                };
                sw += w;
                s_ll += w * ll;
                s_r += w * (w3 * ln_at[it] + w4 * ln_at[itx]);
                s_al += w * (w3 * inv_at[it] + w4 * inv_at[itx]);
                s_w4 += w * w4;
                if HESS {
                    let wq = w * w3 * w4;
                    let dr = ln_at[itx] - ln_at[it];
                    let e = inv_at[it] - inv_at[itx];
                    h[0] += wq;
                    h[1] += wq * dr;
                    h[2] += wq * e;
                    h[3] += wq * dr * dr;
                    h[4] += wq * dr * e;
                    h[5] += wq * e * e;
                    h[6] += w * (w3 * inv_at[it] * inv_at[it] + w4 * inv_at[itx] * inv_at[itx]);
                }
            }
            total += sw * (a1 + a2) + s_ll;
            let inv_bx1 = if may_drop {
                1.0 / (b + x + shift - 1.0)
            } else {
                0.0
            };
            g[0] += sw * d1_r - s_r;
            g[1] += sw * r / alpha - rx * s_al;
            g[2] += sw * d2_a + s_w4 / a;
            g[3] += sw * d2_b - s_w4 * inv_bx1;
            if HESS {
                // D_a = −1/a and D_b = 1/(b+x−1) within the group.
                let (da, db) = (-1.0 / a, inv_bx1);
                let tg_abx = trigamma(a + b + x + shift);
                let a2_aa = tg_ab - tg_abx;
                let a2_bb = trigamma(b + x + shift) - tg_b - tg_abx + tg_ab;
                g[4] += sw * (trigamma(rx) - tg_r) + h[3];
                g[5] += sw / alpha - s_al - rx * h[4];
                g[6] += da * h[1];
                g[7] += db * h[1];
                g[8] += -sw * r / (alpha * alpha) + rx * h[6] + rx * rx * h[5];
                g[9] += -rx * da * h[2];
                g[10] += -rx * db * h[2];
                g[11] += sw * a2_aa - s_w4 / (a * a) + da * da * h[0];
                g[12] += sw * a2_aa + da * db * h[0];
                g[13] += sw * a2_bb + s_w4 * inv_bx1 * inv_bx1 + db * db * h[0];
            }
        }
        (total, g)
    });
    let p = [r, alpha, a, b];
    for k in 0..4 {
        grad[k] = g[k] * p[k];
    }
    if HESS {
        // In θ = ln p: ∂²/∂θi∂θj = p_i p_j H_ij + δ_ij p_i g_i.
        for (n, &(i, j)) in UPPER.iter().enumerate() {
            let v = p[i] * p[j] * g[4 + n] + if i == j { grad[i] } else { 0.0 };
            hess[i * 4 + j] = v;
            hess[j * 4 + i] = v;
        }
    }
    total
}

/// The likelihood of one of the two models on grouped patterns.
pub(crate) struct Ll<'a> {
    pub(crate) d: &'a GroupedPatterns,
    pub(crate) dropout: Dropout,
}

impl LogLikelihood for Ll<'_> {
    fn dim(&self) -> usize {
        4
    }
    fn customers(&self) -> f64 {
        self.d.customers
    }
    fn value_grad(&self, th: &[f64], grad: &mut [f64]) -> f64 {
        eval::<false>(self.d, self.dropout, th, grad, &mut [])
    }
    fn has_hessian(&self) -> bool {
        true
    }
    fn value_grad_hess(&self, th: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
        eval::<true>(self.d, self.dropout, th, grad, hess)
    }
}

/// Maximum-likelihood (r, α, a, b) on patterns, from a start at the observed purchase rate.
pub(crate) fn fit(
    p: &Patterns,
    opts: &FitOptions,
    dropout: Dropout,
) -> Result<([f64; 4], MleResult), ModelError> {
    let d = GroupedPatterns::new(p);
    let (mean_t, mean_x) = d.means();
    let start = [1.0, (mean_t / mean_x.max(0.05)).max(1e-3), 1.0, 1.0];
    let start = warm_start(&d, &start, opts, |d, s, o| {
        maximise(&Ll { d, dropout }, s, o)
    });
    let res = maximise(&Ll { d: &d, dropout }, &start, opts)?;
    // Through the log-parameters, as the optimiser sees them (kept for bit-identical fits).
    let th: Vec<f64> = res.params.iter().map(|v| v.ln().exp()).collect();
    Ok(([th[0], th[1], th[2], th[3]], res))
}

/// Total log-likelihood of patterns at `params` = (r, α, a, b).
pub(crate) fn log_likelihood(params: [f64; 4], p: &Patterns, dropout: Dropout) -> f64 {
    let d = GroupedPatterns::new(p);
    let th: Vec<f64> = params.iter().map(|v| v.ln()).collect();
    Ll { d: &d, dropout }.value_grad(&th, &mut [0.0; 4])
}

/// "Reduce dropout by u" for a Beta(a, b) dropout probability: its mean a/(a+b) scaled by
/// (1 − u) with a + b (the strength of the prior) kept.
pub(crate) fn reduce_dropout(a: f64, b: f64, u: f64) -> (f64, f64) {
    ((1.0 - u) * a, b + u * a)
}

/// [`reduce_dropout`] in words.
pub(crate) const DROPOUT_DEFINITION: &str = "dropout probability per purchase p ~ Beta(a, b), \
     mean a/(a+b) scaled by (1-u) with a+b fixed: a' = (1-u)a, b' = b + u a; the base \
     re-scored with the new model";

/// One customer observed for `t`: λ ~ Gamma(r, α) and p ~ Beta(a, b) drawn in that order,
/// then Poisson purchases at rate λ; after each repeat purchase (and with
/// [`Dropout::AfterEveryPurchase`] also at time 0) the customer leaves with probability p.
pub(crate) fn simulate_customer(
    rng: &mut dyn Rng,
    [r, alpha, a, b]: [f64; 4],
    t: f64,
    dropout: Dropout,
) -> Result<Vec<f64>, ModelError> {
    let lambda = Gamma::new(r, 1.0 / alpha).map_err(dist_err)?.sample(rng);
    let p = Beta::new(a, b).map_err(dist_err)?.sample(rng);
    let mut purchases = Vec::new();
    if dropout == Dropout::AfterEveryPurchase && rng.random::<f64>() < p {
        return Ok(purchases);
    }
    if lambda <= 0.0 {
        return Ok(purchases);
    }
    let gap = Exp::new(lambda).map_err(dist_err)?;
    let mut now = gap.sample(rng);
    while now <= t {
        purchases.push(now);
        if rng.random::<f64>() < p {
            break;
        }
        now += gap.sample(rng);
    }
    Ok(purchases)
}

/// ln P(alive at t) for a new customer who buys at rate λ ~ Gamma(r, α) and drops out with
/// probability p ~ Beta(a, b) after each purchase (BG/NBD; MBG/NBD after its time-0 chance):
/// alive at t means no dropout after any of the Poisson(λt) purchases, E[e^(−λtp)] =
/// E_p[(1 + tp/α)^−r] = 2F1(r, a; a+b; −t/α) (Euler's integral) =
/// (α/(α+t))^r 2F1(r, b; a+b; t/(α+t)) (Pfaff's transformation).
pub(crate) fn ln_survival_after_purchases(
    [r, alpha, a, b]: [f64; 4],
    t: f64,
) -> Result<f64, ModelError> {
    if t == 0.0 {
        return Ok(0.0);
    }
    let z = t / (alpha + t);
    let v = hyp2f1_scaled(r, b, a + b, z)?;
    if v > 1e-300 {
        return Ok(v.ln().min(0.0));
    }
    // Too small for the plain value: the log form.
    let f = hyp2f1(r, b, a + b, z)?;
    Ok((r * (alpha.ln() - (alpha + t).ln()) + f.log_abs).min(0.0))
}

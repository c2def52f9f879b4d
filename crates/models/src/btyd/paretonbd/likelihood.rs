//! The Pareto/NBD likelihood with its analytic gradient (L-BFGS fits; no exact Hessian).
//!
//! The likelihood is written as
//! `L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s (J(t_x) − J(T)) ]` with
//! `J(t) = ∫_t^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ` (death at τ after the last purchase).
//! J is a Gauss hypergeometric function; after Euler's transformation it is
//! `M^-A / A · (1−z)^-e · Σ_k (g)_k / (A+1)_k z^k` with `A = r+s+x`, `M = max(α,β) + t`,
//! `z = |α−β| / M` and (e, g) = (s, r+x) when α ≥ β, (r+x−1, s+1) otherwise. Every term of that
//! series is positive and decreasing, so it is summed without cancellation, in log space, and
//! its derivatives in (g, A, z) come out of the same loop: the gradient is analytic.

use super::ParetoNbd;
use crate::data::{GroupedPatterns, par_sum};
use crate::fit::LogLikelihood;
use crate::math::special::{digamma, ln_gamma, lse_weights};

/// Σ_k (g)_k/(A+1)_k z^k and the derivatives of its log in g, A and z.
fn series(g: f64, a: f64, z: f64) -> (f64, [f64; 3]) {
    if z == 0.0 {
        return (0.0, [0.0, 0.0, g / (a + 1.0)]);
    }
    let (mut term, mut s, mut sg, mut sa, mut sk) = (1.0f64, 1.0f64, 0.0f64, 0.0f64, 0.0f64);
    let (mut hg, mut ha) = (0.0f64, 0.0f64);
    for k in 0..2_000_000usize {
        let kf = k as f64;
        hg += 1.0 / (g + kf);
        ha -= 1.0 / (a + 1.0 + kf);
        term *= (g + kf) / (a + 1.0 + kf) * z;
        s += term;
        sg += term * hg;
        sa += term * ha;
        sk += term * (kf + 1.0);
        if term * (kf + 2.0) * (1.0 + hg.abs() + ha.abs()) < 1e-17 * s {
            break;
        }
    }
    (s.ln(), [sg / s, sa / s, sk / (s * z)])
}

/// Σ_k (g)_k/(A+1)_k z^k alone, for scoring. The term ratio (g+k)/(A+1+k)·z is at most z
/// (g ≤ A + 1), so the tail after a term is below term·z/(1−z): the loop stops when that bound
/// is under 1e-17 of the sum.
fn series_value(g: f64, a: f64, z: f64) -> f64 {
    let (mut term, mut s) = (1.0f64, 1.0f64);
    let tol = 1e-17 * (1.0 - z);
    for k in 0..2_000_000usize {
        let kf = k as f64;
        term *= (g + kf) / (a + 1.0 + kf) * z;
        s += term;
        if term <= tol * s {
            break;
        }
    }
    s
}

/// The quantities of J(t)'s Euler-transformed series (see the module docs).
struct JTerms {
    /// A = r + s + x.
    a: f64,
    /// α ≥ β.
    alpha_big: bool,
    /// min(α, β) + t.
    small_t: f64,
    /// M = max(α, β) + t.
    mm: f64,
    ln_m: f64,
    /// ln(1 − z).
    ln_1mz: f64,
    z: f64,
    e: f64,
    g: f64,
}

fn j_terms(m: &ParetoNbd, x: f64, t: f64) -> JTerms {
    let (r, alpha, s, beta) = (m.r, m.alpha, m.s, m.beta);
    let a = r + s + x;
    let alpha_big = alpha >= beta;
    let (big, small) = if alpha_big {
        (alpha, beta)
    } else {
        (beta, alpha)
    };
    let mm = big + t;
    let ln_m = mm.ln();
    let ln_1mz = (small + t).ln() - ln_m;
    let z = (big - small) / mm;
    let (e, g) = if alpha_big {
        (s, r + x)
    } else {
        (r + x - 1.0, s + 1.0)
    };
    JTerms {
        a,
        alpha_big,
        small_t: small + t,
        mm,
        ln_m,
        ln_1mz,
        z,
        e,
        g,
    }
}

/// ln J(t) alone (see [`ln_j`]).
pub(super) fn ln_j_value(m: &ParetoNbd, x: f64, t: f64) -> f64 {
    let j = j_terms(m, x, t);
    -j.a * j.ln_m - j.a.ln() - j.e * j.ln_1mz + series_value(j.g, j.a, j.z).ln()
}

/// ln J(t) and its gradient in (r, α, s, β).
pub(super) fn ln_j(m: &ParetoNbd, x: f64, t: f64) -> (f64, [f64; 4]) {
    let JTerms {
        a,
        alpha_big,
        small_t,
        mm,
        ln_m,
        ln_1mz,
        z,
        e,
        g,
    } = j_terms(m, x, t);
    let (ln_f, [dg, da, dz]) = series(g, a, z);
    let value = -a * ln_m - a.ln() - e * ln_1mz + ln_f;
    let common = e / (1.0 - z) + dz;
    let base = -ln_m - 1.0 / a + da;
    let grad = if alpha_big {
        [
            base + dg,
            -a / mm + common * small_t / (mm * mm),
            base - ln_1mz,
            -common / mm,
        ]
    } else {
        [
            base - ln_1mz,
            -common / mm,
            base + dg,
            -a / mm + common * small_t / (mm * mm),
        ]
    };
    (value, grad)
}

/// The two terms of the bracket (alive at T; died in (t_x, T]) in log space, with gradients.
#[cfg(test)]
pub(super) fn ln_terms(
    m: &ParetoNbd,
    x: f64,
    t_x: f64,
    t: f64,
) -> ((f64, [f64; 4]), (f64, [f64; 4])) {
    ln_terms_with(m, x, t_x, t, || ln_j(m, x, t_x), || ln_j(m, x, t))
}

/// ln J(t) with its gradient.
type LnJ = (f64, [f64; 4]);

/// As [`ln_terms`], with ln J(t_x) and ln J(T) supplied by the caller (the likelihood caches them
/// per distinct (x, time): summaries built from dates share few distinct times).
fn ln_terms_with(
    m: &ParetoNbd,
    x: f64,
    t_x: f64,
    t: f64,
    j_tx: impl FnOnce() -> LnJ,
    j_t: impl FnOnce() -> LnJ,
) -> ((f64, [f64; 4]), (f64, [f64; 4])) {
    let (r, alpha, s, beta) = (m.r, m.alpha, m.s, m.beta);
    let (ln_at, ln_bt) = ((alpha + t).ln(), (beta + t).ln());
    let p = -(r + x) * ln_at - s * ln_bt;
    let dp = [-ln_at, -(r + x) / (alpha + t), -ln_bt, -s / (beta + t)];
    if t_x >= t {
        return ((p, dp), (f64::NEG_INFINITY, [0.0; 4]));
    }
    let (l1, g1) = j_tx();
    let (l2, g2) = j_t();
    let ratio = (l2 - l1).exp();
    let ln_diff = l1 + (-(l2 - l1).exp_m1()).ln();
    let mut dq = [0.0; 4];
    for k in 0..4 {
        dq[k] = (g1[k] - ratio * g2[k]) / (1.0 - ratio);
    }
    dq[2] += 1.0 / s;
    ((p, dp), (s.ln() + ln_diff, dq))
}

/// The likelihood on grouped patterns.
pub(super) struct Ll<'a>(pub(super) &'a GroupedPatterns);

impl LogLikelihood for Ll<'_> {
    fn dim(&self) -> usize {
        4
    }
    fn customers(&self) -> f64 {
        self.0.customers
    }
    fn value_grad(&self, th: &[f64], grad: &mut [f64]) -> f64 {
        let m = from_theta(th);
        let (r, alpha, s, beta) = (m.r, m.alpha, m.s, m.beta);
        let d = &self.0;
        let (ln_alpha, ln_beta, psi_r, lng_r) = (alpha.ln(), beta.ln(), digamma(r), ln_gamma(r));
        let (total, g) = par_sum(d.rows(), |rows| {
            let mut total = 0.0;
            let mut g = [0.0; 4];
            // J per distinct time, tagged with the group it was computed for (no reset per group).
            let mut cache: Vec<(usize, LnJ)> = vec![(usize::MAX, (0.0, [0.0; 4])); d.times.len()];
            for (k, range) in d.pieces(rows) {
                let x = d.x[k];
                let a1 = ln_gamma(r + x) - lng_r + r * ln_alpha + s * ln_beta;
                let d1_r = digamma(r + x) - psi_r + ln_alpha;
                for i in range {
                    let w = d.weight[i];
                    let (itx, it) = (d.it_x[i] as usize, d.it[i] as usize);
                    let (tx, t) = (d.t_x[i], d.t[i]);
                    let mut cached = |ti: usize, time: f64| {
                        if cache[ti].0 != k {
                            cache[ti] = (k, ln_j(&m, x, time));
                        }
                        cache[ti].1
                    };
                    let (j1, j2) = (cached(itx, tx), cached(it, t));
                    let ((p, dp), (q, dq)) = ln_terms_with(&m, x, tx, t, || j1, || j2);
                    let (lse, wp, wq) = if q == f64::NEG_INFINITY {
                        (p, 1.0, 0.0)
                    } else {
                        lse_weights(p, q)
                    };
                    total += w * (a1 + lse);
                    g[0] += w * (d1_r + wp * dp[0] + wq * dq[0]);
                    g[1] += w * (r / alpha + wp * dp[1] + wq * dq[1]);
                    g[2] += w * (ln_beta + wp * dp[2] + wq * dq[2]);
                    g[3] += w * (s / beta + wp * dp[3] + wq * dq[3]);
                }
            }
            (total, g)
        });
        let p = [r, alpha, s, beta];
        for k in 0..4 {
            grad[k] = g[k] * p[k];
        }
        total
    }
}

/// The model at θ = ln(r, α, s, β).
pub(super) fn from_theta(th: &[f64]) -> ParetoNbd {
    ParetoNbd {
        r: th[0].exp(),
        alpha: th[1].exp(),
        s: th[2].exp(),
        beta: th[3].exp(),
    }
}

//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987): purchases at rate λ ~ Gamma(r, α) while
//! alive; lifetime exponential with rate μ ~ Gamma(s, β).
//!
//! The likelihood is written as
//! `L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s (J(t_x) − J(T)) ]` with
//! `J(t) = ∫_t^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ` (death at τ after the last purchase).
//! J is a Gauss hypergeometric function; after Euler's transformation it is
//! `M^-A / A · (1−z)^-e · Σ_k (g)_k / (A+1)_k z^k` with `A = r+s+x`, `M = max(α,β) + t`,
//! `z = |α−β| / M` and (e, g) = (s, r+x) when α ≥ β, (r+x−1, s+1) otherwise. Every term of that
//! series is positive and decreasing, so it is summed without cancellation, in log space, and
//! its derivatives in (g, A, z) come out of the same loop: the gradient is analytic.

use crate::ModelError;
use crate::data::{GroupedPatterns, par_sum};
use crate::fit::{FitOptions, LogLikelihood, MleResult, maximise};
use crate::math::quadrature::gauss_legendre;
use crate::math::special::{digamma, ln_gamma, lse_weights, softmax2};
use retain_core::patterns::Patterns;
use serde::{Deserialize, Serialize};

/// Pareto/NBD parameters; α and β in the model's time unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParetoNbd {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Scale (time) of the purchase-rate gamma.
    pub alpha: f64,
    /// Shape of the dropout-rate gamma.
    pub s: f64,
    /// Scale (time) of the dropout-rate gamma.
    pub beta: f64,
}

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
fn ln_j_value(m: &ParetoNbd, x: f64, t: f64) -> f64 {
    let j = j_terms(m, x, t);
    -j.a * j.ln_m - j.a.ln() - j.e * j.ln_1mz + series_value(j.g, j.a, j.z).ln()
}

/// ln J(t) and its gradient in (r, α, s, β).
fn ln_j(m: &ParetoNbd, x: f64, t: f64) -> (f64, [f64; 4]) {
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
fn ln_terms(m: &ParetoNbd, x: f64, t_x: f64, t: f64) -> ((f64, [f64; 4]), (f64, [f64; 4])) {
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

struct Ll<'a>(&'a GroupedPatterns);

impl LogLikelihood for Ll<'_> {
    fn dim(&self) -> usize {
        4
    }
    fn customers(&self) -> f64 {
        self.0.customers
    }
    fn value_grad(&self, th: &[f64], grad: &mut [f64]) -> f64 {
        let m = ParetoNbd::from_theta(th);
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

impl ParetoNbd {
    /// Parameter names in the literature's order.
    pub const NAMES: [&'static str; 4] = ["r", "alpha", "s", "beta"];

    fn from_theta(th: &[f64]) -> Self {
        ParetoNbd {
            r: th[0].exp(),
            alpha: th[1].exp(),
            s: th[2].exp(),
            beta: th[3].exp(),
        }
    }

    /// Parameters as a vector in [`Self::NAMES`] order.
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.s, self.beta]
    }

    /// Checks that every parameter is finite and positive.
    pub fn validate(&self) -> Result<(), ModelError> {
        crate::check_positive(&Self::NAMES, &self.to_vec())
    }

    /// Maximum-likelihood fit on (compressed) patterns.
    pub fn fit(p: &Patterns, opts: &FitOptions) -> Result<(Self, MleResult), ModelError> {
        let d = GroupedPatterns::new(p);
        let (mean_t, mean_x) = d.means();
        let start = [
            1.0,
            (mean_t / mean_x.max(0.05)).max(1e-3),
            1.0,
            mean_t.max(1e-3),
        ];
        let res = maximise(&Ll(&d), &start, opts)?;
        Ok((
            Self::from_theta(&res.params.iter().map(|v| v.ln()).collect::<Vec<_>>()),
            res,
        ))
    }

    /// Total log-likelihood of patterns under these parameters.
    pub fn log_likelihood(&self, p: &Patterns) -> f64 {
        let d = GroupedPatterns::new(p);
        let th: Vec<f64> = self.to_vec().iter().map(|v| v.ln()).collect();
        Ll(&d).value_grad(&th, &mut [0.0; 4])
    }

    /// P(alive at T | x, t_x, T), stable for extreme customers (large x, t_x close to T).
    ///
    /// The same two log-space terms as the likelihood, without their gradients (scoring
    /// evaluates this once per customer).
    pub fn p_alive(&self, x: u32, t_x: f64, t: f64) -> f64 {
        if t_x >= t {
            return 1.0;
        }
        let (r, s, xf) = (self.r, self.s, x as f64);
        let p = -(r + xf) * (self.alpha + t).ln() - s * (self.beta + t).ln();
        let l1 = ln_j_value(self, xf, t_x);
        let l2 = ln_j_value(self, xf, t);
        let q = s.ln() + l1 + (-(l2 - l1).exp_m1()).ln();
        softmax2(p, q).0
    }

    /// E[purchases in (T, T + horizon] | x, t_x, T].
    pub fn expected_purchases(
        &self,
        horizon: f64,
        x: u32,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ModelError> {
        crate::finite_nonneg(
            "expected purchases",
            self.p_alive(x, t_x, t) * self.expected_purchases_if_alive(horizon, x, t),
        )
    }

    /// E[purchases in (T, T + horizon] | x, T, alive at T]: independent of t_x.
    pub fn expected_purchases_if_alive(&self, horizon: f64, x: u32, t: f64) -> f64 {
        (self.r + x as f64) / (self.alpha + t)
            * (self.beta + t)
            * ratio_term(self.s, horizon / (self.beta + t))
    }

    /// E[X(t)] for a customer picked at random at the time of first purchase.
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64, ModelError> {
        crate::finite_nonneg(
            "expected purchases",
            self.r * self.beta / self.alpha * ratio_term(self.s, t / self.beta),
        )
    }

    /// P(no purchase in (T, T + horizon] | x, t_x, T).
    ///
    /// For a customer alive at T, the chance of at least one purchase before dying is
    /// `∫_0^h E[λ e^-λu] E[e^-μu] du` over the posterior gammas; with the substitution
    /// `v = ((α+T)/(α+T+u))^(r+x)` this is `∫_{v_h}^1 ((β+T)/(β+T+u(v)))^s dv`, a smooth
    /// bounded integrand, computed with 48-point Gauss–Legendre.
    pub fn p_no_purchase(&self, horizon: f64, x: u32, t_x: f64, t: f64) -> f64 {
        let pa = self.p_alive(x, t_x, t);
        (1.0 - pa * self.p_purchase_if_alive(horizon, x, t)).clamp(0.0, 1.0)
    }

    /// P(at least one purchase in (T, T + horizon] | x, T, alive at T), by the quadrature above.
    pub fn p_purchase_if_alive(&self, horizon: f64, x: u32, t: f64) -> f64 {
        let k = self.r + x as f64;
        let (at, bt) = (self.alpha + t, self.beta + t);
        let v_h = (k * (at.ln() - (at + horizon).ln())).exp();
        let buy = gauss_legendre(v_h, 1.0, |v| {
            let u = at * (v.ln() * (-1.0 / k)).exp_m1();
            (self.s * (bt.ln() - (bt + u).ln())).exp()
        });
        buy.clamp(0.0, 1.0)
    }
}

impl ParetoNbd {
    /// Discounted expected residual transactions (Fader, Hardie & Shang 2010) with a continuous
    /// discount rate `delta` per model time unit (for an annual rate d and weekly time,
    /// δ = ln(1 + d) / 52.18): `P(alive) · E[λ] · E[1/(μ+δ)]` over the posterior gammas, where
    /// `E[1/(μ+δ)] = b^s δ^(s−1) U(s, s; δb)`, b = β + T, and `U(s, s; z) = e^z Γ(1−s, z)`.
    /// Multiply by expected spend for discounted residual value.
    pub fn dert(&self, delta: f64, x: u32, t_x: f64, t: f64) -> Result<f64, ModelError> {
        self.dert_given(self.p_alive(x, t_x, t), delta, x, t)
    }

    /// [`ParetoNbd::dert`] with P(alive) already computed.
    pub fn dert_given(&self, p_alive: f64, delta: f64, x: u32, t: f64) -> Result<f64, ModelError> {
        if !(delta.is_finite() && delta > 0.0) {
            return Err(ModelError::InvalidInput {
                field: "discount",
                reason: format!("the continuous discount rate must be > 0, got {delta}"),
            });
        }
        let b = self.beta + t;
        let z = delta * b;
        let ln_u = z + ln_upper_gamma(1.0 - self.s, z)?;
        let ln_inv = self.s * b.ln() + (self.s - 1.0) * delta.ln() + ln_u;
        let v = p_alive * (self.r + x as f64) / (self.alpha + t) * ln_inv.exp();
        crate::finite_nonneg("DERT", v)
    }
}

/// ln Γ(a, z) for z > 0 and any real a: statrs' regularised upper gamma for a > 0, and the
/// recurrence Γ(a, z) = (Γ(a+1, z) − z^a e^−z) / a downwards for a ≤ 0.
fn ln_upper_gamma(a: f64, z: f64) -> Result<f64, ModelError> {
    let mut a = a;
    if a <= 0.0 && a.fract() == 0.0 {
        a += 1e-9; // Γ(−n, z) is the limit; the recurrence needs a ≠ 0, −1, ...
    }
    if a > 0.0 {
        let q = statrs::function::gamma::gamma_ur(a, z);
        return Ok(ln_gamma(a) + q.ln());
    }
    let k = (-a).floor() as i32 + 1;
    let mut g =
        (statrs::function::gamma::gamma_ur(a + k as f64, z).ln() + ln_gamma(a + k as f64)).exp();
    for i in (0..k).rev() {
        let ai = a + i as f64;
        g = (g - (ai * z.ln() - z).exp()) / ai;
    }
    if !(g.is_finite() && g > 0.0) {
        return Err(ModelError::Numerical(format!(
            "upper incomplete gamma Γ({a}, {z}) = {g}"
        )));
    }
    Ok(g.ln())
}

/// (1 − (1+u)^-(s−1)) / (s−1), continuous at s = 1 where it is ln(1+u).
fn ratio_term(s: f64, u: f64) -> f64 {
    let l = u.ln_1p();
    if (s - 1.0).abs() < 1e-9 {
        l
    } else {
        -(-(s - 1.0) * l).exp_m1() / (s - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// J(t) by brute-force trapezoid on a log grid, to check the series.
    fn j_numeric(m: &ParetoNbd, x: f64, t: f64) -> f64 {
        let n = 400_000;
        let (lo, hi) = ((m.alpha.min(m.beta) + t).ln(), (1e7f64).ln());
        let h = (hi - lo) / n as f64;
        let f = |u: f64| {
            let tau = u.exp() - m.alpha.min(m.beta);
            (m.alpha + tau).powf(-(m.r + x)) * (m.beta + tau).powf(-(m.s + 1.0)) * u.exp()
        };
        (0..=n)
            .map(|i| {
                let w = if i == 0 || i == n { 0.5 } else { 1.0 };
                w * f(lo + i as f64 * h)
            })
            .sum::<f64>()
            * h
    }

    #[test]
    fn value_only_p_alive_matches_the_likelihood_terms() {
        for m in [
            ParetoNbd {
                r: 0.55,
                alpha: 10.58,
                s: 0.61,
                beta: 11.67,
            },
            ParetoNbd {
                r: 2.0,
                alpha: 3.0,
                s: 0.2,
                beta: 40.0,
            },
            ParetoNbd {
                r: 0.3,
                alpha: 60.0,
                s: 1.4,
                beta: 0.5,
            },
        ] {
            for (x, t_x, t) in [
                (0, 0.0, 30.0),
                (1, 2.0, 38.0),
                (7, 30.0, 31.0),
                (40, 10.0, 77.0),
            ] {
                let ((p, _), (q, _)) = ln_terms(&m, x as f64, t_x, t);
                let reference = softmax2(p, q).0;
                let fast = m.p_alive(x, t_x, t);
                assert!(
                    (fast - reference).abs() <= 1e-13 * reference.max(1e-300),
                    "{m:?} {x} {t_x} {t}: {fast} vs {reference}"
                );
            }
        }
    }

    #[test]
    fn series_form_of_j_matches_the_integral_on_both_branches() {
        for m in [
            ParetoNbd {
                r: 0.55,
                alpha: 10.58,
                s: 0.61,
                beta: 11.67,
            },
            ParetoNbd {
                r: 0.55,
                alpha: 11.67,
                s: 0.61,
                beta: 3.0,
            },
            ParetoNbd {
                r: 2.0,
                alpha: 4.0,
                s: 1.5,
                beta: 4.0,
            },
        ] {
            for (x, t) in [(0.0, 0.0), (3.0, 10.0), (12.0, 30.0)] {
                let (lj, _) = ln_j(&m, x, t);
                assert_relative_eq!(lj.exp(), j_numeric(&m, x, t), max_relative = 1e-5);
            }
        }
    }

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let p = Patterns::uncompressed(
            &[0, 2, 7, 26, 1],
            &[0.0, 30.43, 35.0, 30.86, 1.71],
            &[38.86, 38.86, 38.86, 31.0, 32.0],
        )
        .unwrap();
        let d = GroupedPatterns::new(&p);
        for th in [
            [-0.6, 2.36, -0.5, 2.46],
            [-0.6, 2.36, -0.5, 1.2],
            [0.3, 1.0, 0.2, 1.0],
        ] {
            let mut g = [0.0; 4];
            Ll(&d).value_grad(&th, &mut g);
            for k in 0..4 {
                let h = 1e-6;
                let (mut tp, mut tm) = (th, th);
                tp[k] += h;
                tm[k] -= h;
                let num = (Ll(&d).value_grad(&tp, &mut [0.0; 4])
                    - Ll(&d).value_grad(&tm, &mut [0.0; 4]))
                    / (2.0 * h);
                assert_relative_eq!(g[k], num, max_relative = 1e-5, epsilon = 1e-6);
            }
        }
    }

    #[test]
    fn dert_equals_the_discounted_sum_of_expected_purchases() {
        // DERT = ∫ δ e^-δt E[X(t)] dt; with u = 1 − e^-δt this is ∫_0^1 E[X(t(u))] du.
        for m in [
            ParetoNbd {
                r: 0.5533,
                alpha: 10.5778,
                s: 0.6062,
                beta: 11.6669,
            },
            ParetoNbd {
                r: 0.5533,
                alpha: 10.5778,
                s: 1.7,
                beta: 11.6669,
            },
        ] {
            let delta = 0.15f64.ln_1p() / 52.0;
            for (x, t_x, t) in [(2, 30.43, 38.86), (0, 0.0, 38.86), (26, 30.86, 31.0)] {
                let n = 200_000;
                let numeric: f64 = (0..n)
                    .map(|i| {
                        let u = (i as f64 + 0.5) / n as f64;
                        m.expected_purchases(-(-u).ln_1p() / delta, x, t_x, t)
                            .unwrap()
                    })
                    .sum::<f64>()
                    / n as f64;
                assert_relative_eq!(
                    m.dert(delta, x, t_x, t).unwrap(),
                    numeric,
                    max_relative = 2e-3
                );
            }
        }
    }

    #[test]
    fn p_no_purchase_agrees_with_expected_purchases_bounds() {
        let m = ParetoNbd {
            r: 0.5533,
            alpha: 10.5778,
            s: 0.6062,
            beta: 11.6669,
        };
        let p0 = m.p_no_purchase(52.0, 2, 30.43, 38.86);
        let e = m.expected_purchases(52.0, 2, 30.43, 38.86).unwrap();
        // P(at least one) ≤ E[count], and a zero-length horizon means no purchase for sure.
        assert!(1.0 - p0 <= e + 1e-12);
        assert!(p0 > 0.0 && p0 < 1.0);
        assert_relative_eq!(m.p_no_purchase(0.0, 2, 30.43, 38.86), 1.0, epsilon = 1e-12);
    }
}

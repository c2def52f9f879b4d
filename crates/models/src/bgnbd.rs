//! BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): purchases at
//! rate λ ~ Gamma(r, α) while alive; after each repeat purchase the customer drops out with
//! probability p ~ Beta(a, b).

use crate::ModelError;
use crate::data::{GroupedPatterns, par_sum, time_tables};
use crate::fit::{FitOptions, LogLikelihood, MleResult, maximise, warm_start};
use crate::special::{
    Form, digamma, hyp2f1_scaled_complement, hyp2f1_scaled_in_place, ln_beta, ln_gamma,
    lse_weights, trigamma,
};
use retain_core::patterns::Patterns;
use serde::{Deserialize, Serialize};

/// BG/NBD parameters; α in the model's time unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Scale (time) of the purchase-rate gamma.
    pub alpha: f64,
    /// Dropout beta, first shape.
    pub a: f64,
    /// Dropout beta, second shape.
    pub b: f64,
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
        self.eval::<false>(th, grad, &mut [])
    }
    fn has_hessian(&self) -> bool {
        true
    }
    fn value_grad_hess(&self, th: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
        self.eval::<true>(th, grad, hess)
    }
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

impl Ll<'_> {
    /// The log-likelihood, its gradient in θ = ln(r, α, a, b), and with `HESS` its Hessian
    /// in θ (row-major into `hess`).
    ///
    /// Per row, ll = A1(x) + A2(x) + ln(e^a3 + e^a4) with a3 = −(r+x) ln(α+T) and
    /// a4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x) (x > 0; x = 0 rows have a3 only). With the
    /// weights w3, w4 of the log-sum-exp and D = ∇a3 − ∇a4, the Hessian of the last term is
    /// w3 ∇²a3 + w4 ∇²a4 + w3 w4 D Dᵀ; D's a and b entries are constant within an x group,
    /// so a handful of per-row sums give all ten entries.
    fn eval<const HESS: bool>(&self, th: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
        let m = BgNbd::from_theta(th);
        let (r, alpha, a, b) = (m.r, m.alpha, m.a, m.b);
        let d = &self.0;
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
                let a2 = ln_beta(a, b + x) - lnb_ab;
                let d1_r = digamma(rx) - psi_r + ln_alpha;
                let psi_abx = digamma(a + b + x);
                let d2_a = psi_ab - psi_abx;
                let d2_b = psi_ab + digamma(b + x) - digamma(b) - psi_abx;
                let ln_a_bx1 = if x > 0.0 {
                    a.ln() - (b + x - 1.0).ln()
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
                    let (ll, w3, w4) = if x > 0.0 {
                        lse_weights(a3, ln_a_bx1 - rx * ln_at[itx])
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
                let inv_bx1 = if x > 0.0 { 1.0 / (b + x - 1.0) } else { 0.0 };
                g[0] += sw * d1_r - s_r;
                g[1] += sw * r / alpha - rx * s_al;
                g[2] += sw * d2_a + s_w4 / a;
                g[3] += sw * d2_b - s_w4 * inv_bx1;
                if HESS {
                    // D_a = −1/a and D_b = 1/(b+x−1) within the group.
                    let (da, db) = (-1.0 / a, inv_bx1);
                    let tg_abx = trigamma(a + b + x);
                    let a2_aa = tg_ab - tg_abx;
                    let a2_bb = trigamma(b + x) - tg_b - tg_abx + tg_ab;
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
}

impl BgNbd {
    /// Parameter names in the literature's order.
    pub const NAMES: [&'static str; 4] = ["r", "alpha", "a", "b"];

    fn from_theta(th: &[f64]) -> Self {
        BgNbd {
            r: th[0].exp(),
            alpha: th[1].exp(),
            a: th[2].exp(),
            b: th[3].exp(),
        }
    }

    /// Parameters as a vector in [`Self::NAMES`] order.
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.a, self.b]
    }

    /// Checks that every parameter is finite and positive.
    pub fn validate(&self) -> Result<(), ModelError> {
        crate::check_positive(&Self::NAMES, &self.to_vec())
    }

    /// Maximum-likelihood fit on (compressed) patterns.
    pub fn fit(p: &Patterns, opts: &FitOptions) -> Result<(Self, MleResult), ModelError> {
        let d = GroupedPatterns::new(p);
        let (mean_t, mean_x) = d.means();
        let start = [1.0, (mean_t / mean_x.max(0.05)).max(1e-3), 1.0, 1.0];
        let start = warm_start(&d, &start, opts, |d, s, o| maximise(&Ll(d), s, o));
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

    /// P(alive at T | x, t_x, T).
    pub fn p_alive(&self, x: u32, t_x: f64, t: f64) -> f64 {
        if x == 0 {
            return 1.0;
        }
        let x = x as f64;
        let ln_odds = self.a.ln() - (self.b + x - 1.0).ln()
            + (self.r + x) * ((self.alpha + t).ln() - (self.alpha + t_x).ln());
        1.0 / (1.0 + ln_odds.exp())
    }

    /// E[purchases in (T, T + horizon] | x, t_x, T].
    pub fn expected_purchases(
        &self,
        horizon: f64,
        x: u32,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ModelError> {
        let e = self.expected_purchases_if_alive(horizon, x, t)?;
        crate::finite_nonneg("expected purchases", e * self.p_alive(x, t_x, t))
    }

    /// E[purchases in (T, T + horizon] | x, T, alive at T]: independent of t_x.
    pub fn expected_purchases_if_alive(
        &self,
        horizon: f64,
        x: u32,
        t: f64,
    ) -> Result<f64, ModelError> {
        let mut e = [horizon];
        self.expected_purchases_if_alive_at(&mut e, x, t)?;
        Ok(e[0])
    }

    /// [`Self::expected_purchases_if_alive`] at many horizons: each element of
    /// `horizon_then_value` holds a horizon on entry and the expectation on return. The
    /// horizons share the series' coefficients, which makes a CLV sum over 12 or 52 steps
    /// several times cheaper than one call per step.
    ///
    /// E = (a+b+x−1)/(a−1) · (1 − (1−z)^(r+x) 2F1(r+x, b+x; a+b+x−1; z)), z = h/(α+T+h).
    pub fn expected_purchases_if_alive_at(
        &self,
        horizon_then_value: &mut [f64],
        x: u32,
        t: f64,
    ) -> Result<(), ModelError> {
        let (r, alpha, b, xf) = (self.r, self.alpha, self.b, x as f64);
        let a = crate::away_from_one(self.a);
        let c = a + b + xf - 1.0;
        for v in horizon_then_value.iter_mut() {
            *v /= alpha + t + *v;
        }
        hyp2f1_scaled_in_place(r + xf, b + xf, c, horizon_then_value, Form::Complement)?;
        for v in horizon_then_value.iter_mut() {
            *v *= c / (a - 1.0);
        }
        Ok(())
    }

    /// E[X(t)] for a customer picked at random at the time of first purchase.
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64, ModelError> {
        let (r, alpha, b) = (self.r, self.alpha, self.b);
        let a = crate::away_from_one(self.a);
        let one_minus_g = hyp2f1_scaled_complement(r, b, a + b - 1.0, t / (alpha + t))?;
        crate::finite_nonneg(
            "expected purchases",
            (a + b - 1.0) / (a - 1.0) * one_minus_g,
        )
    }

    /// P(no purchase in (T, T + horizon] | x, t_x, T).
    pub fn p_no_purchase(&self, horizon: f64, x: u32, t_x: f64, t: f64) -> f64 {
        let pa = self.p_alive(x, t_x, t);
        1.0 - pa * self.p_purchase_if_alive(horizon, x, t)
    }

    /// P(at least one purchase in (T, T + horizon] | x, T, alive at T).
    pub fn p_purchase_if_alive(&self, horizon: f64, x: u32, t: f64) -> f64 {
        -((self.r + x as f64) * ((self.alpha + t).ln() - (self.alpha + t + horizon).ln())).exp_m1()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conditional expectation as computed before the batched series: the defining 2F1
    /// series in log form, one horizon at a time.
    fn expected_by_log_form(m: &BgNbd, horizon: f64, x: u32, t: f64) -> Option<f64> {
        let (r, alpha, b, xf) = (m.r, m.alpha, m.b, x as f64);
        let a = crate::away_from_one(m.a);
        let c = a + b + xf - 1.0;
        let z = horizon / (alpha + t + horizon);
        // The log form gives up beyond 2M terms (x = 1000 with z near 1); the new one does not.
        let Ok(f) = crate::special::hyp2f1(r + xf, b + xf, c, z) else {
            return None;
        };
        let g =
            f.sign * ((r + xf) * ((alpha + t).ln() - (alpha + t + horizon).ln()) + f.log_abs).exp();
        Some(c / (a - 1.0) * (1.0 - g))
    }

    #[test]
    fn batched_expectations_equal_the_log_form_one_horizon_at_a_time() {
        for (r, alpha, a, b) in [
            (0.243, 4.414, 0.793, 2.426),
            (1.5, 30.0, 0.6, 3.0),
            (0.5, 10.0, 2.5, 8.0),
            (2.0, 5.0, 40.0, 0.4),
        ] {
            let m = BgNbd { r, alpha, a, b };
            for x in [0, 1, 10, 100, 1000] {
                for t in [1.0, 38.86, 400.0] {
                    // 12 monthly steps, then horizons that take z near 0 and near 1.
                    let mut h: Vec<f64> = (1..=12).map(|i| i as f64 * 4.348).collect();
                    h.extend([0.0, 1e-6, 3000.0, 30_000.0]);
                    let mut got = h.clone();
                    m.expected_purchases_if_alive_at(&mut got, x, t).unwrap();
                    for (&h, &got) in h.iter().zip(&got) {
                        assert!(got.is_finite() && got >= 0.0, "{got}");
                        let Some(want) = expected_by_log_form(&m, h, x, t) else {
                            continue;
                        };
                        // E = c/(a−1)·(1 − g): the log form's g is off by a few ulps
                        // times r + x (from its exponent), which is more than 1e-9 of E at
                        // tiny horizons only (1e-6 here; see the mpmath test for those).
                        let c_a = (a + b + x as f64 - 1.0) / (a - 1.0);
                        let tol = 1e-9 * want.abs() + 1e-14 * (r + x as f64 + 1.0) * c_a.abs();
                        assert!(
                            (got - want).abs() <= tol,
                            "{m:?} x {x} T {t} h {h}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn tiny_horizons_and_large_x_keep_their_digits() {
        // mpmath 1.3.0, 50 digits: c/(a−1)·(1 − (1−z)^(r+x)·hyp2f1(r+x, b+x, c, z)),
        // c = a+b+x−1, z = h/(α+T+h), with the f64 values of the inputs below. The log form
        // was off by 2e-9 (x = 0) and 7e-7 (x = 10) at h = 1e-6.
        let m = BgNbd {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
        };
        for (x, t, h, want) in [
            (10, 38.86, 1e-6, 2.3670101955394014e-7),
            (0, 1.0, 1e-6, 4.488363375102118e-8),
            (1000, 38.86, 1e-6, 2.311417920352358e-5),
            (1000, 38.86, 52.0, 857.9596724732443),
        ] {
            let got = m.expected_purchases_if_alive(h, x, t).unwrap();
            approx::assert_relative_eq!(got, want, max_relative = 1e-13);
        }
    }

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let p = Patterns::compress(
            &[0, 2, 7, 26, 1, 0],
            &[0.0, 30.43, 35.0, 30.86, 1.71, 0.0],
            &[38.86, 38.86, 38.86, 31.0, 32.0, 12.0],
        )
        .unwrap();
        let d = GroupedPatterns::new(&p);
        for th in [
            [-1.4, 1.48, -0.23, 0.89],
            [0.3, 0.1, 0.5, -0.5],
            [-0.6, 1.8, 0.0, 0.5],
        ] {
            crate::fit::assert_gradient(&Ll(&d), &th);
            crate::fit::assert_hessian(&Ll(&d), &th);
        }
    }
}

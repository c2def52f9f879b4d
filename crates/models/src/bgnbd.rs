//! BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): purchases at
//! rate λ ~ Gamma(r, α) while alive; after each repeat purchase the customer drops out with
//! probability p ~ Beta(a, b).

use crate::ModelError;
use crate::beta_geometric::{self, Dropout};
use crate::data::GroupedPatterns;
use crate::fit::{FitOptions, LogLikelihood, MleResult, maximise, warm_start};
use crate::math::special::{Form, hyp2f1_scaled_complement, hyp2f1_scaled_in_place};
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
        beta_geometric::eval::<false>(self.0, Dropout::AfterRepeats, th, grad, &mut [])
    }
    fn has_hessian(&self) -> bool {
        true
    }
    fn value_grad_hess(&self, th: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
        beta_geometric::eval::<true>(self.0, Dropout::AfterRepeats, th, grad, hess)
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
        let Ok(f) = crate::math::special::hyp2f1(r + xf, b + xf, c, z) else {
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
